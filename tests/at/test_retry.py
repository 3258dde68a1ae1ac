"""Transient faults: an idempotent command whose answer is lost or late is sent again;
a write never is. Driven through the simulator's fault injection (me_lib/sim/modem/faults.py).
"""

import pytest

from me_lib.at.idempotent import is_idempotent
from me_lib.errors import AtTimeout, ModemRebooted
from me_lib.modem import Modem
from tests.wire_trace import Trace, sim_of


@pytest.mark.parametrize("line", [
    "AT", "ATI", "AT+CGDCONT?", "AT+CPIN?", "at+cereg?", "AT+CGDCONT=?", "AT+CGMM", "AT+CGMI",
    "AT+CGSN", "AT+CGSN=1", "AT+CCID", "AT+QCCID", "AT+CIMI", "AT+CGCONTRDP",
    "AT+CGCONTRDP=1", 'AT+CPINR="SIM PIN"', "ATE0", "AT+CMEE=1", "AT+CEREG=3",
    'AT+CRSM=176,28423,0,0,9,,"3F007FFF"', "AT+CRSM=178,28480,1,4,0", "AT+CRSM=192,12258",
    "AT+CRSM=242,0", 'AT+CSIM=14,"00A4000C027FFF"', 'AT+CSIM=10,"00B0000009"',
    'AT+CSIM=10,"00B2010400"', 'AT+CSIM=10,"80F2000000"', 'AT+CSIM=10,"00C0000020"',
    'AT+CGLA=1,10,"01B0000000"',
])
def test_reads_queries_and_tests_are_idempotent(line):
    assert is_idempotent(line)


@pytest.mark.parametrize("line", [
    'AT+CGDCONT=1,"IP","internet"', "AT+CFUN=1", "AT+CFUN=1,1", "AT+CGACT=1,1",
    'AT+CPIN="1234"', "AT+QIACT=1", 'AT+CRSM=214,28423,0,0,3,"FFFFFF"',
    'AT+CRSM=220,28480,1,4,2,"0102"', 'AT+CSIM=18,"00D6000002FFFF"',
    'AT+CSIM=20,"0020000104"', 'AT+CSIM=10,"0070000001"', "AT+CGATT=1",
    "AT+CGMM;+CFUN=0", "AT+COPS=?", "AT+CGMMX", "AT+CRSM=", 'AT+CSIM=4,"00"', "ATD*99#",
    "AT+QIRD=0,1500", "AT+CGDCONT=1?",
])
def test_writes_and_unknowns_are_not(line):
    assert not is_idempotent(line)


@pytest.fixture
def modem():
    m = Modem.open("sim://quectel-bg96?speed=200")
    m.start()
    m.wait_sim_ready()
    # registered, so the default bearer (what +CGDCONT? shows) no longer changes
    assert m.wait(lambda: any(r.registered for r in m.registrations().values()), 120.0)
    yield m
    m.close()


# (command, answer prefix, fault command prefix): one of each idempotent kind
KINDS = [
    ("AT+CGDCONT?", "+CGDCONT:", "+CGDCONT?"),
    ("AT+CGDCONT=?", "+CGDCONT:", "+CGDCONT=?"),
    ("AT+CGMM", None, "+CGMM"),
    ("AT+QCCID", "+QCCID:", "+QCCID"),
    ('AT+CRSM=176,12258,0,0,10,,"3F00"', "+CRSM:", "+CRSM=176"),
    ('AT+CSIM=14,"00A40004022FE2"', "+CSIM:", "+CSIM="),
]


@pytest.mark.parametrize("fault", ["lost_ok", "no_answer", "delay"])
@pytest.mark.parametrize("line,prefix,head", KINDS, ids=[k[0] for k in KINDS])
def test_a_lost_or_late_answer_is_retried(modem, fault, line, prefix, head):
    expected = modem.command(line, prefix=prefix, timeout=5)
    sent = Trace(modem)
    # "delay": the answer comes 2 s after the 5 s timeout, in the middle of the retry
    sim_of(modem).add_fault(fault, head, seconds=7.0)
    rsp = modem.command(line, prefix=prefix, timeout=5)
    # the retry's own answer, whole: not the late one, not both merged
    assert rsp.lines == expected.lines
    # sent twice, with a resync (AT) between; the late answer's timing on the
    # simulator's real-time clock decides whether the first resync already succeeds
    assert [x for x in sent.lines if x != "AT"] == [line, line]
    assert sent.lines[1] == "AT" and modem.channel.retries >= 1
    # and the channel is in step afterwards
    assert modem.command("AT+CGMI").lines == ["Quectel"]


def test_an_answer_later_than_the_resync_is_still_not_taken(modem):
    """The late answer outlives the first resync too: the second copy still gets its own."""
    sent = Trace(modem)
    sim_of(modem).add_fault("delay", "+CGDCONT?", seconds=9.0)
    expected = ['+CGDCONT: 1,"IP","internet.sim.mnc001.mcc001.gprs","0.0.0.0",0,0,0,0']
    assert modem.command("AT+CGDCONT?", prefix="+CGDCONT:", timeout=5).lines == expected
    assert [x for x in sent.lines if x != "AT"] == ["AT+CGDCONT?", "AT+CGDCONT?"]
    assert modem.command("AT+CGMI").lines == ["Quectel"]


def test_retries_are_bounded_then_at_timeout(modem):
    sent = Trace(modem)
    sim_of(modem).add_fault("no_answer", "+CGMM", times=None)
    with pytest.raises(AtTimeout) as err:
        modem.command("AT+CGMM", timeout=2)
    assert err.value.command == "AT+CGMM"       # not the resync's AT
    assert sent.lines.count("AT+CGMM") == 1 + len(modem.channel.retry_delays)
    sim_of(modem).faults.clear()
    assert modem.command("AT+CGMM").lines == ["BG96"]


@pytest.mark.parametrize("fault", ["lost_ok", "no_answer"])
@pytest.mark.parametrize("line,head", [
    ('AT+CGDCONT=5,"IP","telemetry.example"', "+CGDCONT="),
    ("AT+CFUN=1", "+CFUN="),
    ('AT+CRSM=214,28423,0,0,1,"00"', "+CRSM=214"),
])
def test_a_write_is_not_retried(modem, fault, line, head):
    sent = Trace(modem)
    sim_of(modem).add_fault(fault, head)
    with pytest.raises(AtTimeout):
        modem.command(line, timeout=3)
    assert sent.lines == [line]
    assert modem.channel.retries == 0
    # the next command resynchronises first and gets its own answer
    assert modem.command("AT+CGMM").lines == ["BG96"]


def test_retries_zero_turns_it_off(modem):
    sim_of(modem).add_fault("lost_ok", "+CGMM")
    with pytest.raises(AtTimeout):
        modem.command("AT+CGMM", timeout=3, retries=0)
    assert modem.channel.retries == 0


def test_a_reboot_during_the_retry_pause_is_a_reboot_not_a_retry(modem):
    sent = Trace(modem)
    sim = sim_of(modem)
    sim.add_fault("no_answer", "+CGMM")
    sim.add_fault("reboot", at=sim.t + 4.0)         # while the first copy waits
    with pytest.raises(ModemRebooted):
        modem.command("AT+CGMM", timeout=5)
    assert sent.lines.count("AT+CGMM") == 1


@pytest.mark.parametrize("line", [
    "+CGMM",                        # no AT: not a command line at all
    "AT+CGMM;+CGMR",                # several commands: the line as a whole is a write
    "AT+CPIN?;+CGDCONT=1",
    "AT+CSIM=8",                    # the APDU field is missing
    'AT+CSIM=8,"00B0"',             # shorter than a command header
    'AT+CGLA=1',                    # the APDU field is missing
    'AT+CSIM=10,"00D600000401020304"',   # UPDATE BINARY
])
def test_lines_that_are_never_repeated(line):
    assert not is_idempotent(line)


@pytest.mark.parametrize("line", ['AT+CSIM=10,"00B000000A"', 'AT+CGLA=1,10,"00B2010400"',
                                  "at+cgmm", "  AT+CPIN?  "])
def test_reads_in_any_case_and_spacing_are_repeated(line):
    assert is_idempotent(line)
