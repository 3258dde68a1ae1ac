"""watch(): REFRESH with a new EF.DMCFG, a torn one, a profile switch, a lost
context, coverage loss and return — each re-provisions only what changed."""


from me_lib.codec import dmcfg
from me_lib.provision import provision
from me_lib.provision.watch import watch
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

from .conftest import Trace, sim_of

DMCFG_PATH = "3F007FFF5F4D4F01"
APNS = {"dm.operator.example": {}, "telemetry.example": {}, "fota.example": {},
        "telemetry2.example": {}}


def provisioned(world, tmp_path, ownership, scenario="quectel-bg96"):
    modem = world(scenario, network={"apns": APNS})
    cache = tmp_path / "profile-cache.json"
    profile = read_profile(modem, cache=cache)
    first = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert first.ok

    def reader():
        return read_profile(modem, cache=cache)

    return modem, profile, reader


def changed_dmcfg(modem, bump=1):
    raw = sim_of(modem).sim.card.read_file(DMCFG_PATH)
    cfg = dmcfg.decode(raw)
    bearers = list(cfg.bearers)
    bearers[1] = bearers[1].replace(apn="telemetry2.example")
    return dmcfg.encode(cfg.replace(bearers=tuple(bearers),
                                    sequence=(cfg.sequence or 0) + bump), len(raw))


def test_refresh_reads_the_file_even_when_its_sequence_number_stayed(world, tmp_path,
                                                                     ownership):
    """The sequence number spares a re-run the full read; a REFRESH naming the file is
    news by itself, even from an MNO that forgot to bump it."""
    modem, profile, reader = provisioned(world, tmp_path, ownership)
    sim_of(modem).ota_update(DMCFG_PATH, changed_dmcfg(modem, bump=0))
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["refresh"], events
    assert events[0].result is not None
    assert events[0].result.context("telemetry").apn == "telemetry2.example"


def test_refresh_with_a_new_dmcfg_changes_only_that_service(world, tmp_path, ownership):
    modem, profile, reader = provisioned(world, tmp_path, ownership)
    before = {c.cid: c.apn for c in modem.contexts()}
    sim_of(modem).ota_update(DMCFG_PATH, changed_dmcfg(modem))
    trace = Trace(modem)
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["refresh"], events
    result = events[0].result
    assert result is not None and result.ok
    telemetry = result.context("telemetry")
    assert telemetry.apn == "telemetry2.example" and telemetry.state == "active"
    assert telemetry.cid == next(c for c, a in before.items() if a.startswith("telemetry."))
    writes = trace.writes()
    assert any("telemetry2.example" in w for w in writes)
    assert not any("dm.operator.example" in w or "fota.example" in w for w in writes)


def test_torn_dmcfg_keeps_the_last_good_profile(world, tmp_path, ownership):
    modem, profile, reader = provisioned(world, tmp_path, ownership)
    raw = bytearray(changed_dmcfg(modem))
    crc_at = raw.index(0x8F)
    raw[crc_at + 2] ^= 0xFF                       # torn OTA: CRC no longer matches
    sim_of(modem).ota_update(DMCFG_PATH, bytes(raw))
    trace = Trace(modem)
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["refresh"]
    assert events[0].profile is not None
    assert events[0].profile.apn0.apn == "dm.operator.example"
    assert events[0].profile.bearer_for("telemetry").apn == "telemetry.example"
    assert any("last good profile" in n for n in events[0].profile.notes)
    assert events[0].result.writes == 0 and trace.writes() == []


def test_profile_switch_reprovisions_for_the_new_card(world, tmp_path, ownership):
    modem, profile, reader = provisioned(world, tmp_path, ownership)
    other = derive(tmp_path / "other", "quectel-bg96", card={
        "card": {"iccid": "89882806660000000044", "imsi": "001010123456799"},
        "dmcfg": {"bearer": [{"apn": "dm.operator.example", "pdn_type": "ip"},
                             {"apn": "telemetry2.example", "pdn_type": "ip",
                              "services": ["telemetry"]}]}})
    card_path = str(tmp_path / "other" / "card-quectel-bg96.toml")
    assert other
    sim_of(modem).switch_profile(card_path)
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["profile-switch"], events
    assert "89882806660000000044" in events[0].detail
    result = events[0].result
    assert result.ok
    assert [c.apn for c in result.contexts] == ["dm.operator.example", "telemetry2.example"]
    assert 3 not in {c.cid for c in modem.contexts()}      # our fota context released


def test_network_deactivation_is_repaired(world, tmp_path, ownership):
    modem, profile, reader = provisioned(world, tmp_path, ownership, "ublox-sara-r4")
    sim_of(modem).network_deactivate(2)
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["deactivated"], events
    assert events[0].result.context("telemetry").state == "active"
    assert 2 in modem.active_cids()


def test_coverage_loss_and_return(world, tmp_path, ownership):
    modem, profile, reader = provisioned(world, tmp_path, ownership, "ublox-sara-r4")
    sim = sim_of(modem)
    sim.lose_coverage()
    sim.after(300.0, sim.restore_coverage)
    t0 = sim.clock.now()
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=3600, reach_dm=False)
    assert 300.0 <= sim.clock.now() - t0 < 900.0     # back soon after coverage returned
    assert [e.kind for e in events] == ["coverage"], events
    assert events[0].result.ok
    assert events[0].result.registration.endswith(("HOME", "ROAMING"))


def test_a_search_already_over_is_not_taken_for_a_coverage_loss(world, tmp_path, ownership):
    # A search and the registration after it, reported before watch() looks (a cell
    # change, or the attach of the last run whose URCs nobody polled), then a REFRESH
    # a moment later: the REFRESH is the event, registration never changed.
    modem, profile, reader = provisioned(world, tmp_path, ownership)
    sim = sim_of(modem)
    sim.send_urc("+CEREG: 2")
    sim.send_urc('+CEREG: 1,"1F00","01A2B3C4",8')
    data = changed_dmcfg(modem)
    sim.after(3.0, lambda: sim.ota_update(DMCFG_PATH, data))
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["refresh"], events
    assert events[0].result.context("telemetry").apn == "telemetry2.example"


def test_a_search_still_on_is_a_coverage_event(world, tmp_path, ownership):
    # the counterpart: a loss not yet over when the loop looks is handled as coverage
    modem, profile, reader = provisioned(world, tmp_path, ownership)
    sim = sim_of(modem)
    sim.lose_coverage()
    sim.after(30.0, sim.restore_coverage)
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["coverage"], events
    assert events[0].result.ok
