"""The flow on modules that do less than 27.007 describes (scenario options of the simulator).

Each test switches one behaviour on in a derived scenario (`me_lib/sim/modem/scenario.py`
documents them) and runs what a device runs: `read_profile` then `provision`. It
asserts success, or the named, typed refusal where the module cannot do what the
profile needs, and that the hints fit the situation.
"""

import pytest

from me_lib.at.fields import prefix_of
from me_lib.errors import AtCommandError, ProvisionError, plain_error_hint
from me_lib.provision import provision
from me_lib.provision.flow import NO_CID
from me_lib.sources import read_profile

from .conftest import Trace, sim_of

# PAP with a user name only: a password on the card would show in the channel's DEBUG
# log of the +CRSM read of EF.DMCFG (hex), which the secrets guard rightly refuses
SECURE = {"auth": 1, "user": "dev"}
DM_BEARER = {"apn": "dm.operator.example", "pdn_type": "ip"}
TELEMETRY = {"apn": "telemetry.example", "pdn_type": "ip", "services": ["telemetry"]}
FOTA = {"apn": "fota.example", "pdn_type": "ipv4v6", "services": ["fota"]}
SECURE_BEARER = {"apn": "secure.example", "pdn_type": "ip", "services": ["telemetry"],
                 "auth": "pap", "username": "dev"}


def card_with(*bearers):
    return {"dmcfg": {"bearer": list(bearers)},
            "acl": {"apns": [b["apn"] for b in bearers] + [""]}}


def run(modem, ownership, **kw):
    modem.start()
    modem.wait_sim_ready()
    profile = read_profile(modem)
    return provision(modem, profile, ownership=ownership, **kw)


def failures(result):
    return [(c.name, c.error) for c in result.contexts if c.state == "failed"]


# -- no +CGAUTH --------------------------------------------------------------------------


@pytest.mark.parametrize("dialect,command", [("quectel-bg96", "AT+QICSGP="),
                                             ("telit-me910", "AT#PDPAUTH=")])
def test_no_cgauth_uses_the_modules_own_auth_command(dialect, command, world, ownership):
    modem = world(dialect, cgauth=False, card=card_with(DM_BEARER, SECURE_BEARER),
                  network={"apns": {"secure.example": SECURE}})
    trace = Trace(modem)
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert result.context("telemetry").state == "active"
    assert any(x.startswith(command) for x in trace.lines), trace.lines
    assert sum(1 for x in trace.lines if x.startswith("AT+CGAUTH=")) == 1  # asked once
    # the credentials reached the module: the network accepted the PAP bearer
    assert sim_of(modem).net.contexts[result.context("telemetry").cid].user == "dev"


def test_no_cgauth_and_no_own_command_is_a_named_refusal(world, ownership):
    modem = world("generic", cgauth=False, card=card_with(DM_BEARER, SECURE_BEARER),
                  network={"apns": {"secure.example": SECURE}})
    with pytest.raises(ProvisionError) as info:
        run(modem, ownership, reach_dm=False)
    err = info.value
    assert err.step == "auth"
    text = str(err)
    assert "telemetry" in text and "'secure.example'" in text and "PAP" in text
    assert sim_of(modem).dialect.model in text        # the module, by name
    assert "auth_command" in (err.hint or "")


def test_no_cgauth_is_never_tried_for_a_bearer_without_auth(world, ownership):
    modem = world("generic", cgauth=False)
    trace = Trace(modem)
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert not [x for x in trace.lines if "AUTH" in x or "QICSGP" in x], trace.lines


# -- +CMEE refused ---------------------------------------------------------------------


def test_cmee_refused_start_continues_and_errors_are_plain(world, ownership):
    modem = world("generic", cmee=False)
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert modem.channel.cmee is False
    with pytest.raises(AtCommandError) as info:
        modem.command("AT+CGDCONT=99")
    # the hint does not advise AT+CMEE=1 to a module that refused it
    assert "AT+CMEE=1 gives" not in str(info.value)
    assert info.value.hint == plain_error_hint(False)


def test_plain_error_hint_advises_cmee_only_where_it_is_off(world):
    modem = world("generic")
    modem.start()
    assert modem.channel.cmee is True
    with pytest.raises(AtCommandError) as info:
        modem.command("AT+NOSUCH")
    assert "AT+CMEE=1 gives" not in str(info.value)
    modem.command("AT+CMEE=0")
    modem.channel.cmee = None          # as a caller that never set it up knows it
    with pytest.raises(AtCommandError) as info:
        modem.command("AT+NOSUCH")
    assert "AT+CMEE=1 gives a numeric cause" in str(info.value)


def test_sim_busy_answered_with_plain_error_is_waited_out(world, ownership):
    modem = world("generic", cmee=False, boot={"sim_busy": 6.0})
    trace = Trace(modem)
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    # several AT+CPIN? during the busy time (each a plain ERROR), bounded by the back-off
    assert 2 <= sum(1 for x in trace.lines if x == "AT+CPIN?") <= 8, trace.lines


# -- no +CEREG ---------------------------------------------------------------------------


def test_no_cereg_falls_back_to_cgreg(world, ownership):
    modem = world("generic", cereg=False)
    trace = Trace(modem)
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert result.registration.startswith("CGREG ")
    assert "AT+CGREG=2" in trace.lines
    # +CEREG is asked at most once per form: its refusal is remembered
    assert sum(1 for x in trace.lines if x == "AT+CEREG?") <= 1, trace.lines


# -- two cids -----------------------------------------------------------------------------


def test_two_cids_plan_within_range(world, ownership):
    modem = world("generic", cid_max=2, card=card_with(DM_BEARER, TELEMETRY))
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert [c.cid for c in result.contexts] == [1, 2]


def test_two_cids_for_three_bearers_names_the_service_left_out(world, ownership):
    modem = world("generic", cid_max=2)
    result = run(modem, ownership, reach_dm=False)
    assert not result.ok
    fota = result.context("fota")
    assert fota is not None and fota.state == "failed" and fota.cid == NO_CID
    assert "offers only 2 context(s)" in fota.error
    assert "did not create" not in fota.error            # no foreign context here
    assert result.context("telemetry").state == "active"
    assert result.contexts[0].state == "active"          # APN0 and the DM path still work
    assert any("fota" in n for n in result.notes)


def test_two_cids_taken_by_a_users_context_says_so(world, ownership):
    modem = world("generic", cid_max=2, card=card_with(DM_BEARER, TELEMETRY))
    modem.start()
    modem.command('AT+CGDCONT=2,"IP","user.private"')
    result = run(modem, ownership, reach_dm=False)
    telemetry = result.context("telemetry")
    assert telemetry is not None and telemetry.state == "failed"
    assert "in use by contexts this library did not create" in telemetry.error
    assert "cid(s) 2" in telemetry.error
    assert {c.cid: c.apn for c in modem.contexts()}[2] == "user.private"


# -- +CGDCONT? unsupported ------------------------------------------------------------


def test_cgdcont_read_unsupported_plans_from_what_is_known(world, ownership):
    modem = world("generic", cgdcont_read=False)
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert [c.state for c in result.contexts] == ["active"] * 3
    assert any("refused AT+CGDCONT?" in n for n in result.notes), result.notes
    again = provision(modem, read_profile(modem), ownership=ownership, reach_dm=False)
    assert again.ok, failures(again)


# -- lagging information lines -----------------------------------------------------------


@pytest.mark.parametrize("dialect", ["generic", "quectel-bg96"])
def test_lagging_lines_are_never_taken_for_the_next_answer(dialect, world, ownership):
    modem = world(dialect, lagging_lines=True)
    result = run(modem, ownership, reach_dm=dialect != "generic")
    assert result.ok, (failures(result), result.dm.to_dict() if result.dm else None)
    sim = sim_of(modem)
    assert modem.ident.model == sim.dialect.model
    assert modem.ident.imei == sim.scenario.imei
    assert [c.apn for c in result.contexts] == ["dm.operator.example", "telemetry.example",
                                              "fota.example"]
    assert modem.channel.engine.lagging and modem.channel.engine.stale_lines > 0
    # a stale +CGDCONT: after the next command is noise, not that command's value
    modem.command("AT+CGDCONT?", prefix="+CGDCONT:")
    rsp = modem.command("AT+CGACT?", prefix="+CGACT:")
    assert all(prefix_of(x) == "+CGACT:" for x in rsp.lines), rsp.lines
    again = provision(modem, read_profile(modem), ownership=ownership, reach_dm=False)
    assert again.ok and again.writes == 0


# -- slow boot -------------------------------------------------------------------------------


def test_slow_boot_without_banner_is_waited_for(world, ownership):
    # 15 s: longer than the ten 1-s tries sync used to give up after
    modem = world("generic", boot={"ignore_input": 15.0})
    t0 = modem.channel.clock()
    result = run(modem, ownership, reach_dm=False)
    assert result.ok, failures(result)
    assert modem.channel.clock() - t0 >= 15.0       # virtual seconds: it was deaf that long


# -- the simulator options themselves ---------------------------------------------------


def test_scenario_options_are_checked():
    from me_lib.sim.modem.scenario import Scenario, ScenarioError

    with pytest.raises(ScenarioError, match="cid_max"):
        Scenario.from_dict({"cid_max": 0})
    with pytest.raises(ScenarioError, match="ignore_input"):
        Scenario.from_dict({"boot": {"ignore_input": -1}})
    scen = Scenario.from_dict({"dialect": "nordic-nrf91-slm", "cereg": False, "cid_max": 1})
    assert scen.dialect.cs_registration and scen.dialect.cid_max == 1


def test_lagging_modem_repeats_the_previous_tail_after_the_echo():
    from me_lib.sim.modem.core import SimModem
    from me_lib.sim.modem.scenario import Scenario

    sim = SimModem(Scenario.from_dict({"lagging_lines": True, "boot": {"time": 0.1}}))
    out = b""
    now = 1.0
    for line in (b"AT+CGMI\r", b"AT+CGMM\r"):
        sim.feed(line, now)
        now += 1.0
        out += sim.read(now)
    second = out[out.index(b"AT+CGMM"):]
    # echo, then the tail of +CGMI's answer, then +CGMM's own answer
    assert second.index(sim.dialect.manufacturer.encode()) < second.index(
        sim.dialect.model.encode())
