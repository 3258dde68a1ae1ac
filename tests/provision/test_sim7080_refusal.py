"""SIM7080 reports a refused +CNACT activation by URC, and the flow acts on it at once.

SIMCom's SIM7080 answers `AT+CNACT=<pdpidx>,1` with `OK`, then the URC
`+APP PDP: <pdpidx>,ACTIVE` when the context came up or `+APP PDP: <pdpidx>,DEACTIVE`
when the network refused it (TinyGSM's SIM7080 driver waits for either); the ESM
cause is then read the dialect's way (`esm_report="ceer"`: AT+CEER). Waiting for
ACTIVE alone made each refused try last the whole 150 s activation timeout, three
times over in the flow's back-off. All times here are the simulator's virtual
seconds (`modem.channel.clock()`), never the wall clock.
"""

from me_lib.modem.activation import method
from me_lib.provision import provision
from me_lib.provision.retry import RetryPolicy
from me_lib.sim.modem.commands import Reply
from me_lib.sources import read_profile

from .conftest import Trace, sim_of

#: the activation's own timeout on SIM7080: one refused try used to take this long
UP_TIMEOUT = 150.0


def start(modem):
    modem.start()
    modem.wait_sim_ready()
    return read_profile(modem)


def activations(trace, modem, cid):
    head = "AT+CNACT=%d,1" % modem.stack_context(cid)
    return [x for x in trace.lines if x == head]


def test_cnact_row_names_both_outcomes_of_its_urc():
    row = method("cnact")
    assert row["up_urc"] == "+APP PDP:"
    assert row["up_states"] == ("ACTIVE", "DEACTIVE")


def test_unknown_apn_fails_at_once_with_cause_27(world, ownership):
    modem = world("simcom-sim7080", network={"reject": {"fota.example": 27}})
    profile = start(modem)
    trace = Trace(modem)
    began = modem.channel.clock()
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    took = modem.channel.clock() - began
    fota = result.context("fota")
    assert fota is not None and fota.state == "failed", result.to_dict()
    assert fota.cause == 27 and "ESM cause #27" in fota.error
    assert "missing or unknown APN" in fota.error
    assert result.context("telemetry").state == "active"
    assert not result.ok
    # a configuration cause is final: one try, the cause asked once, no back-off
    assert len(activations(trace, modem, fota.cid)) == 1, trace.lines
    assert "AT+CEER" in trace.lines
    # the whole run, registration included, is well under one activation timeout
    assert took < UP_TIMEOUT / 3, took


def test_transient_cause_backs_off_per_policy_then_fails(world, ownership):
    modem = world("simcom-sim7080", network={"reject": {"telemetry.example": 26}})
    profile = start(modem)
    trace = Trace(modem)
    began = modem.channel.clock()
    policy = RetryPolicy(attempts=3, delay=2.0, factor=2.0)
    result = provision(modem, profile, ownership=ownership, reach_dm=False, retry=policy)
    took = modem.channel.clock() - began
    telemetry = result.context("telemetry")
    assert telemetry.state == "failed" and telemetry.cause == 26
    assert "ESM cause #26" in telemetry.error
    assert result.context("fota").state == "active"
    assert len(activations(trace, modem, telemetry.cid)) == policy.attempts
    # the pauses (2 s, then 4 s) were taken, and no try waited out the timeout
    assert 2.0 + 4.0 <= took < UP_TIMEOUT / 2, took


def test_transient_cause_that_passes_brings_the_context_up(world, ownership):
    modem = world("simcom-sim7080")
    profile = start(modem)
    net = sim_of(modem).net
    accepted = net.check_apn
    refused = []

    def once_congested(ctx):
        # the first try for the telemetry APN meets #26 insufficient resources
        if (ctx.apn or "").lower() == "telemetry.example" and not refused:
            refused.append(ctx.apn)
            return 26
        return accepted(ctx)

    net.check_apn = once_congested
    trace = Trace(modem)
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    telemetry = result.context("telemetry")
    assert refused == ["telemetry.example"]
    assert result.ok, result.to_dict()
    assert telemetry.state == "active" and telemetry.cause is None
    assert len(activations(trace, modem, telemetry.cid)) == 2, trace.lines


def test_refusal_without_a_readable_cause_is_retried_then_named_unknown(world, ownership):
    modem = world("simcom-sim7080", network={"reject": {"fota.example": 27}})
    profile = start(modem)
    # the module refuses (DEACTIVE) but its +CEER says nothing usable
    sim_of(modem).handle("+CEER", lambda cmd: Reply(['+CEER: "No report available"']))
    trace = Trace(modem)
    began = modem.channel.clock()
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    took = modem.channel.clock() - began
    fota = result.context("fota")
    assert fota.state == "failed" and fota.cause is None
    assert "ESM cause unknown" in fota.error
    # not known to be a configuration error: the default policy's 3 tries
    assert len(activations(trace, modem, fota.cid)) == 3, trace.lines
    assert took < UP_TIMEOUT / 2, took


def test_deactivation_report_is_not_taken_for_the_next_activations_refusal(world, ownership):
    """`+CNACT=<n>,0` is followed by `+APP PDP: <n>,DEACTIVE`: the same words as a
    refusal. Still queued when the context is activated again, it is not that
    activation's outcome."""
    modem = world("simcom-sim7080")
    result = provision(modem, start(modem), ownership=ownership, reach_dm=False)
    assert result.ok, result.to_dict()
    cid = result.context("telemetry").cid
    index = modem.stack_context(cid)
    modem.deactivate(cid)
    modem.channel.command("AT")      # reads the URC into the queue, delivers nothing
    assert "+APP PDP: %d,DEACTIVE" % index in [u.line for u in modem.channel.pending_urcs()]
    began = modem.channel.clock()
    modem.activate(cid)
    assert modem.channel.clock() - began < 10.0
    assert cid in modem.active_cids()
