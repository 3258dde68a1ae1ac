"""The provisioning flow end to end, on the simulator, for every dialect."""

import json

import pytest

from me_lib.errors import CmeError, PinBlocked, ProvisionError
from me_lib.provision import provision
from me_lib.sources import read_profile

from .conftest import ALL_DIALECTS, SOCKET_DIALECTS, Trace, sim_of


def start(modem, pin=None):
    modem.start()
    modem.wait_sim_ready(pin)
    return read_profile(modem)


@pytest.mark.parametrize("dialect", ALL_DIALECTS)
def test_fresh_modem_then_rerun_writes_nothing(dialect, world, ownership, dm_server):
    modem = world(dialect)
    profile = start(modem)
    assert profile.origins["apn0"] == "usim:EF.DMCFG"
    first = provision(modem, profile, ownership=ownership)
    assert first.ok, (first.dm.detail if first.dm else None,
                      [(c.name, c.error) for c in first.contexts])
    assert [c.state for c in first.contexts] == ["active"] * 3
    assert [c.apn for c in first.contexts] == ["dm.operator.example", "telemetry.example",
                                              "fota.example"]
    assert all(c.addresses for c in first.contexts)
    assert first.writes > 0
    if dialect == "generic":
        assert first.dm is not None and first.dm.via == "" and not first.dm.reachable
    else:
        assert first.dm is not None and first.dm.reachable, first.dm.to_dict()
        assert first.dm.ip == "127.0.0.1" and dm_server.pings == 1
    trace = Trace(modem)
    second = provision(modem, profile, ownership=ownership)
    assert second.ok
    assert second.writes == 0 and trace.writes() == []
    assert second.round_trips <= 6, trace.lines
    assert [c.addresses for c in second.contexts] == [c.addresses for c in first.contexts]


def test_users_own_context_is_kept(world, ownership):
    modem = world("quectel-bg96")
    profile = start(modem)
    modem.command('AT+CGDCONT=2,"IP","user.private"')
    result = provision(modem, profile, ownership=ownership)
    assert result.ok
    contexts = {c.cid: c.apn for c in modem.contexts()}
    assert contexts[2] == "user.private"
    assert 2 not in [c.cid for c in result.contexts]


def test_state_dir_as_text_keeps_the_context_record_there(world, tmp_path):
    """A str state_dir (all a board has: no pathlib) works as a Path does on CPython."""
    modem = world("quectel-bg96")
    profile = start(modem)
    first = provision(modem, profile, state_dir=str(tmp_path / "state") + "/", reach_dm=False)
    record = json.loads((tmp_path / "state" / "contexts.json").read_text())
    assert first.ok and sorted(next(iter(record.values()))) == ["1", "2", "3"]
    again = provision(modem, profile, state_dir=tmp_path / "state", reach_dm=False)
    assert again.ok and again.writes == 0


def test_apn_rejected_with_27_is_named_and_not_retried(world, ownership):
    modem = world("reject-27")
    profile = start(modem)
    trace = Trace(modem)
    result = provision(modem, profile, ownership=ownership)
    fota = result.context("fota")
    assert fota is not None and fota.state == "failed"
    assert fota.cause == 27 and "missing or unknown APN" in fota.error
    assert not result.ok
    assert result.context("telemetry").state == "active"
    activations = [x for x in trace.lines if x.startswith("AT+QIACT=%d" % fota.cid)]
    assert len(activations) == 1, activations


def test_sim_busy_then_ready(world, ownership):
    modem = world("busy-sim")
    modem.start()
    trace = Trace(modem)
    modem.wait_sim_ready(None)
    assert trace.lines.count("AT+CPIN?") >= 2     # busy first, then ready
    result = provision(modem, read_profile(modem), ownership=ownership, reach_dm=False)
    assert result.ok, result.to_dict()


def test_pin_required_from_the_caller(world, ownership):
    modem = world("pin")
    modem.start()
    with pytest.raises(ProvisionError) as err:
        modem.wait_sim_ready(None)
    assert "PIN" in str(err.value) and "environment" in str(err.value)
    modem.wait_sim_ready("73592468")
    assert modem.sim_state() == "READY"
    result = provision(modem, read_profile(modem), ownership=ownership, reach_dm=False)
    assert result.ok, result.to_dict()


def test_pin_never_risked_with_one_try_left(world):
    modem = world("pin")
    modem.start()
    assert modem.wait(lambda: modem.sim_state() == "SIM PIN", 30.0)
    for wrong in ("0000", "1111"):
        with pytest.raises(CmeError) as err:
            modem.enter_pin(wrong)
        assert err.value.code == 16
    assert modem.pin_retries() == 1
    with pytest.raises(PinBlocked):
        modem.wait_sim_ready("73592468")


@pytest.mark.parametrize("cmee", [True, False])
def test_a_refused_pin_is_never_sent_again(cmee, world):
    """+CME ERROR: 16, or a plain ERROR on a module without +CMEE: the same refusal."""
    modem = world("pin", cmee=cmee)
    modem.start()
    modem.channel.poll(5.0)                       # past the scenario's busy SIM
    trace = Trace(modem)
    with pytest.raises(ProvisionError) as err:
        modem.wait_sim_ready("11223344")
    assert "refused the PIN" in str(err.value) and "2 tries left" in str(err.value)
    assert ("+CME ERROR" in str(err.value)) == cmee
    with pytest.raises(ProvisionError, match="earlier in this session"):
        modem.wait_sim_ready("11223344")
    assert [x for x in trace.lines if x.startswith("AT+CPIN=")] == ['AT+CPIN="11223344"']
    assert modem.pin_retries() == 2               # one try spent, not two
    modem.wait_sim_ready("73592468")              # another PIN is still allowed
    assert modem.sim_state() == "READY"


def test_a_refusal_on_the_second_try_says_what_to_do(world):
    modem = world("pin")
    modem.start()
    assert modem.wait(lambda: modem.sim_state() == "SIM PIN", 30.0)
    with pytest.raises(CmeError):
        modem.enter_pin("10203040")               # one wrong try by someone else
    with pytest.raises(ProvisionError) as err:
        modem.wait_sim_ready("11223344", force_pin=True)
    text = str(err.value)
    assert "1 try left" in text and "not blocked yet" in text and "PUK" in text
    assert "by hand" in text and "11223344" not in text
    assert modem.pin_retries() == 1 and modem.sim_state() == "SIM PIN"


@pytest.mark.parametrize("dialect", ["quectel-bg96", "generic"])
def test_modem_reboot_mid_flow_restarts_from_sync(dialect, world, ownership):
    modem = world(dialect)
    profile = start(modem)
    sim_of(modem).add_fault("reboot", command="+CGCONTRDP", times=1)
    result = provision(modem, profile, ownership=ownership)
    assert result.ok, result.to_dict()
    assert modem.channel.reboots >= 1
    assert [c.state for c in result.contexts] == ["active"] * 3


@pytest.mark.parametrize("dialect", SOCKET_DIALECTS)
def test_dm_server_down_is_reported_not_raised(dialect, world, ownership, dm_server):
    modem = world(dialect)
    profile = start(modem)
    dm_server.stop()
    result = provision(modem, profile, ownership=ownership, probe_timeout=3.0)
    assert result.dm is not None and not result.dm.reachable and result.dm.detail
    assert not result.ok
    assert [c.state for c in result.contexts] == ["active"] * 3


def test_generic_modem_reaches_the_dm_server_through_the_host(world, ownership, dm_server):
    """A plain 27.007 modem has no sockets: with a PPP/network-interface data path the
    DM server is reached through the host's IP stack."""
    modem = world("generic")
    profile = start(modem)
    server = profile.dm
    host_profile = type(profile)([type(server)("127.0.0.1", dm_server.port, "coap")],
                                 profile.bearers, profile.origins)
    result = provision(modem, host_profile, ownership=ownership, dm_path="host")
    assert result.ok and result.dm.reachable and result.dm.via == "host"
    assert dm_server.pings == 1


def test_a_context_the_user_redefined_is_the_users(world, tmp_path):
    """Ownership is exact: after the user redefines our cid with another APN, a profile
    without that service neither deletes nor rewrites it, and the record is dropped."""
    modem = world("quectel-bg96")
    profile = start(modem)
    state = tmp_path / "state"
    first = provision(modem, profile, state_dir=state, reach_dm=False)
    assert first.ok, first.to_dict()
    fota = first.context("fota")
    assert fota is not None and fota.state == "active"
    modem.command("AT+CGACT=0,%d" % fota.cid)
    modem.command('AT+CGDCONT=%d,"IP","user.private"' % fota.cid)
    trace = Trace(modem)
    smaller = type(profile)(profile.servers, profile.bearers[:2], profile.origins)
    second = provision(modem, smaller, state_dir=state, reach_dm=False)
    assert second.ok, second.to_dict()
    assert {c.cid: c.apn for c in modem.contexts()}[fota.cid] == "user.private"
    touching = [x for x in trace.writes() if x.startswith(("AT+CGDCONT=%d" % fota.cid,
                                                            "AT+CGACT=0,%d" % fota.cid))]
    assert touching == []
    notes = [n for n in second.notes if "cid %d" % fota.cid in n]
    assert len(notes) == 1 and "redefined outside me_lib" in notes[0], second.notes
    record = json.loads((state / "contexts.json").read_text())
    assert sorted(next(iter(record.values()))) == ["1", "2"]
    third = provision(modem, smaller, state_dir=state, reach_dm=False)
    assert third.writes == 0 and not [n for n in third.notes if "redefined" in n]


def test_a_context_still_as_recorded_is_released(world, tmp_path):
    """The counterpart: our context, unchanged, is deleted when the profile drops it."""
    modem = world("quectel-bg96")
    profile = start(modem)
    state = tmp_path / "state"
    first = provision(modem, profile, state_dir=state, reach_dm=False)
    fota = first.context("fota")
    smaller = type(profile)(profile.servers, profile.bearers[:2], profile.origins)
    second = provision(modem, smaller, state_dir=state, reach_dm=False)
    assert second.ok and fota.cid not in {c.cid for c in modem.contexts()}


def test_registration_denied_ends_promptly_with_the_reject_cause(world, ownership):
    """+CEREG stat 3 is final: a typed ProvisionError naming EMM cause #15, after one
    registration read, not a wait for the whole registration timeout."""
    modem = world("denied")
    profile = start(modem)
    trace = Trace(modem)
    polls = []
    modem.channel.poll = lambda timeout=0.0, _poll=modem.channel.poll: (
        polls.append(timeout), _poll(timeout))[1]
    with pytest.raises(ProvisionError) as err:
        provision(modem, profile, ownership=ownership, registration_timeout=600.0)
    exc = err.value
    assert exc.step == "register" and exc.cause == 15
    assert exc.cause_name and "tracking area" in exc.cause_name.lower()
    assert "15" in str(exc) and "denied" in str(exc)
    reads = [x for x in trace.lines if x.startswith(("AT+CEREG?", "AT+CGREG?", "AT+CREG?"))]
    assert len(reads) <= 3, trace.lines
    # the network answers after its (simulated) registration delay of a few seconds;
    # the flow waits that long, not the 600 s it was allowed
    assert sum(polls) < 30.0 and len(polls) < 40, polls
