"""Red team: hostile `+APP PDP:` reports around a SIM7080 +CNACT activation.

The activation waits for `+APP PDP: <n>,ACTIVE|DEACTIVE` of its own <n>. Reports
for other numbers, garbage numbers, missing or unknown states and a flood of
them must neither crash the wait (a bare ValueError/IndexError/AttributeError)
nor be taken as the outcome, and the wait stays bounded by the activation's
timeout. Times are the simulator's virtual seconds.
"""

import pytest

from me_lib.errors import MeLibError
from me_lib.sim.modem.commands import Reply

from .conftest import sim_of

UP_TIMEOUT = 150.0
# none of them is an outcome for context 1 (the first service context's index)
HOSTILE = ["+APP PDP: 99,ACTIVE", "+APP PDP: x,ACTIVE", "+APP PDP: 1", "+APP PDP:",
           "+APP PDP: ,", "+APP PDP: -1,DEACTIVE", "+APP PDP: 1,WHATEVER",
           "+APP PDP: " + "9" * 5000 + ",ACTIVE", '+APP PDP: "99","ACTIVE"',
           "+APP PDP: 1.0,ACTIVE", "+APP PDP: 1,,ACTIVE", "+APP PDP: 1,ACTIVEX",
           "+APP PDP: 1;ACTIVE"]


def _with_reports(modem, reports):
    """`AT+CNACT=<n>,1` answers OK, then prints `reports` (a '{n}' names the index)."""
    sim = sim_of(modem)
    real = sim.handlers["+CNACT"]

    def cnact(cmd):
        if cmd.kind != "set" or not cmd.args.endswith(",1"):
            return real(cmd)
        n = cmd.args.split(",")[0]
        lines = [r.replace("{n}", n) for r in reports]
        return Reply(after=[lambda: [sim.urc(x) for x in lines]])

    sim.handle("+CNACT", cnact)


def _service_cid(modem):
    modem.start()
    modem.wait_sim_ready()
    return modem.default_cid + 1


@pytest.mark.parametrize("flood", [1, 60])
def test_reports_for_other_contexts_or_garbage_time_out_typed_and_bounded(world, flood):
    modem = world("simcom-sim7080")
    cid = _service_cid(modem)
    hostile = HOSTILE * flood
    _with_reports(modem, hostile)
    began = modem.channel.clock()
    with pytest.raises(MeLibError):
        modem.activate(cid)
    assert modem.channel.clock() - began <= UP_TIMEOUT + 30.0


def test_garbage_then_the_real_report_activates(world):
    modem = world("simcom-sim7080")
    cid = _service_cid(modem)
    _with_reports(modem, HOSTILE * 3 + ["+APP PDP: {n},ACTIVE"])
    began = modem.channel.clock()
    modem.activate(cid)
    assert modem.channel.clock() - began < 10.0


def test_a_flood_of_refusals_is_one_typed_refusal(world):
    modem = world("simcom-sim7080")
    cid = _service_cid(modem)
    _with_reports(modem, ["+APP PDP: {n},DEACTIVE"] * 500)
    began = modem.channel.clock()
    with pytest.raises(MeLibError) as info:
        modem.activate(cid)
    assert type(info.value).__name__ == "ActivationRejected", info.value
    assert modem.channel.clock() - began < 10.0


def test_a_flood_of_other_reports_is_looked_at_once_each(world):
    """wait_urc examined the whole queue again on every read, so N unmatched reports
    cost N*N/chunk match calls: a flood of 5,600 took 95 s of CPU inside one 150 s
    wait. Each queued report is now examined once per wait."""
    modem = world("simcom-sim7080")
    modem.start()
    sim = sim_of(modem)
    flood = 1500
    sim.after(0.5, lambda: [sim.urc("+APP PDP: 99,ACTIVE") for _ in range(flood)])
    calls = []

    def never(urc):
        calls.append(urc)
        return False

    with pytest.raises(MeLibError):
        modem.channel.wait_urc("+APP PDP:", 30.0, match=never)
    assert flood <= len(calls) <= flood + 10, len(calls)
