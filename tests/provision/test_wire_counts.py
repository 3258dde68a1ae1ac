"""AT round trips per dialect, counted at the channel: fresh, and a re-run as a new
process has it (a new Modem object, the same state directory), with what must still
be noticed on the cheap path (a new EF.DMCFG sequence number, another card).

The bounds are bench/bench_provision.py's minimum per dialect (bench/README.md
explains each) with the issue's margins: fresh <= 1.1 x minimum (rounded), a re-run
<= minimum + 2 and no write. The `sim://` clock is lock-step, so the counts are
deterministic.
"""

import json
from pathlib import Path

import pytest

from bench.bench_provision import MINIMUM
from me_lib.modem import Modem
from me_lib.modem.known import KnownModules
from me_lib.provision import provision
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

from .conftest import sim_of

DIALECTS = sorted(MINIMUM)
# the absolute goals, counted from the hand minimum it gave (fresh 28, re-run 15)
ABSOLUTE = {"quectel-bg96": (31, 17)}


def _booted(modem: Modem) -> None:
    for _ in range(20):
        if modem.channel.clock() >= 6.0:
            return
        modem.channel.poll(0.5)


def _sent(modem: Modem) -> list[str]:
    """Every command line the channel's engine is given from now on."""
    log: list[str] = []
    send = modem.channel.engine.send

    def counting(command: str, **kw: object) -> bytes:
        log.append(command)
        return send(command, **kw)

    modem.channel.engine.send = counting  # type: ignore[method-assign]
    return log


def _run(modem: Modem, state: Path) -> tuple[object, object]:
    profile = read_profile(modem, cache=state / "profile-cache.json")
    return profile, provision(modem, profile, state_dir=state)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_round_trips_fresh_and_in_a_new_process(tmp_path, dm_server, dialect):
    fresh_min, rerun_min, _ = MINIMUM[dialect]
    scenario = derive(tmp_path, dialect, dm_port=dm_server.port)
    state = tmp_path / "state"
    known = KnownModules(state / "known.json")
    modem = Modem.open("sim://%s" % scenario, known=known)
    try:
        _booted(modem)
        sent = _sent(modem)
        _, first = _run(modem, state)
        assert first.ok, first.to_dict()
        # counted at the channel: the profile read and the start-up are in it
        assert first.round_trips == len(sent)
        assert first.round_trips <= int(1.1 * fresh_min + 0.5), sent

        again = Modem(modem.channel, known=known)          # what a new process has
        sent_again = _sent(again)
        _, second = _run(again, state)
        assert second.ok and second.writes == 0, second.to_dict()
        assert second.round_trips == len(sent_again)
        assert second.round_trips <= rerun_min + 2, sent_again
        fresh_goal, rerun_goal = ABSOLUTE.get(dialect, (first.round_trips, second.round_trips))
        assert first.round_trips <= fresh_goal and second.round_trips <= rerun_goal
        # the module was recognised by its IMEI alone, its cids and EF.DMCFG not re-read
        assert not any(c in ("AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGDCONT=?")
                       for c in sent_again), sent_again
        if dialect != "generic":                            # generic: no IP stack, no probe
            assert second.dm is not None and second.dm.reachable and not second.dm.probed
            assert second.dm.last_reached is not None
            assert "not probed again" in second.dm.detail
    finally:
        modem.close()
    assert dm_server.pings == 1 if dialect != "generic" else dm_server.pings == 0


def _provisioned(tmp_path: Path, port: int) -> tuple[Modem, KnownModules, Path]:
    scenario = derive(tmp_path, "quectel-bg96", dm_port=port)
    state = tmp_path / "state"
    known = KnownModules(state / "known.json")
    modem = Modem.open("sim://%s" % scenario, known=known)
    _booted(modem)
    _, first = _run(modem, state)
    assert first.ok
    return modem, known, state


def test_a_new_dmcfg_sequence_number_is_read_and_provisioned(tmp_path, dm_server):
    modem, known, state = _provisioned(tmp_path, dm_server.port)
    try:
        card = sim_of(modem).sim.card
        from me_lib.codec import dmcfg

        cfg = dmcfg.decode(card.read_file(dmcfg.DEFAULT_PATH))
        assert cfg is not None and cfg.sequence is not None
        bearers = (cfg.bearers[0], cfg.bearers[1].replace(pdn_type=dmcfg.PDN_IPV4V6))
        new = cfg.replace(bearers=bearers + cfg.bearers[2:], sequence=cfg.sequence + 1)
        card.update_file(dmcfg.DEFAULT_PATH, dmcfg.encode(new, len(card.read_file(
            dmcfg.DEFAULT_PATH))))

        again = Modem(modem.channel, known=known)
        sent = _sent(again)
        profile, result = _run(again, state)
        assert profile.origins["service_bearers"] == "usim:EF.DMCFG"
        assert profile.sequence == cfg.sequence + 1
        assert any(c.startswith("AT+CRSM=192,") for c in sent), sent     # read in full
        ctx = result.context("telemetry")
        assert ctx is not None and ctx.pdp_type == "IPV4V6" and ctx.action != "keep"
        assert result.writes > 0
        # the contexts changed: the DM server is probed again
        assert result.dm is not None and result.dm.probed and dm_server.pings == 2
    finally:
        modem.close()


def test_another_card_is_read_in_full(tmp_path, dm_server):
    modem, known, state = _provisioned(tmp_path, dm_server.port)
    try:
        card = sim_of(modem).sim.card
        iccid = card.read_file("3F002FE2")
        card.update_file("3F002FE2", iccid[:-1] + bytes([iccid[-1] ^ 0x10]))
        again = Modem(modem.channel, known=known)
        sent = _sent(again)
        profile, result = _run(again, state)
        assert profile.origins["apn0"] == "usim:EF.DMCFG"
        assert not any("unchanged" in n for n in profile.notes), profile.notes
        assert any(c.startswith("AT+CRSM=192,") for c in sent), sent
        assert result.ok
    finally:
        modem.close()


def test_the_dm_server_is_probed_again_after_recheck_dm_after(tmp_path, dm_server):
    modem, known, state = _provisioned(tmp_path, dm_server.port)
    try:
        doc = json.loads((state / "known.json").read_text())
        for row in doc["dm"].values():
            row["reached"] = 1.0                        # long ago
        (state / "known.json").write_text(json.dumps(doc))
        again = Modem(modem.channel, known=known)
        profile = read_profile(again, cache=state / "profile-cache.json")
        result = provision(again, profile, state_dir=state)
        assert result.dm is not None and result.dm.probed and result.dm.reachable
        assert dm_server.pings == 2
    finally:
        modem.close()


def test_another_module_on_the_port_is_identified_in_full(tmp_path, dm_server):
    modem, known, state = _provisioned(tmp_path, dm_server.port)
    try:
        doc = json.loads((state / "known.json").read_text())
        for row in doc["ports"].values():
            row["imei"] = "490154203237518"             # not this module's
            row["model"] = "SARA-R412M-02B"
        (state / "known.json").write_text(json.dumps(doc))
        again = Modem(modem.channel, known=known)
        sent = _sent(again)
        again.ready()
        assert "AT+CGMM" in sent and again.dialect.name == "quectel-bg96"
    finally:
        modem.close()
