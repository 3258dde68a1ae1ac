"""V.250 behaviour of the simulated modem: framing, echo, result codes, parsing, timing."""

import pytest

from me_lib.sim.modem import Scenario, SimClock, SimModem
from me_lib.sim.modem.commands import parse_line, split_args

from .sim_modem_util import cmd, info, make, settle


def test_echo_on_at_power_up_and_ate0() -> None:
    m = make()
    assert cmd(m, "AT") == b"AT\r\r\nOK\r\n"
    assert cmd(m, "ATE0") == b"ATE0\r\r\nOK\r\n"
    assert cmd(m, "AT") == b"\r\nOK\r\n"


def test_atv0_numeric_results_and_atv1() -> None:
    m = make()
    cmd(m, "ATE0")
    assert cmd(m, "ATV0") == b"0\r"
    assert cmd(m, "AT+NOSUCH") == b"4\r"
    assert cmd(m, "AT+CGMM") == b"SIM-27007\r\n0\r"
    assert cmd(m, "ATV1") == b"\r\nOK\r\n"


@pytest.mark.parametrize(("mode", "expected"), [
    (0, b"\r\nERROR\r\n"), (1, b"\r\n+CME ERROR: 11\r\n"),
    (2, b"\r\n+CME ERROR: SIM PIN required\r\n")])
def test_cmee_modes(mode: int, expected: bytes) -> None:
    m = make(card="pin")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=%d" % mode)
    assert cmd(m, "AT+CIMI") == expected
    assert info(cmd(m, "AT+CMEE?"), "+CMEE:") == ["+CMEE: %d" % mode]


def test_several_commands_on_one_line() -> None:
    m = make()
    cmd(m, "ATE0")
    out = cmd(m, "AT+CMEE=1;+CGMM;+CGMI")
    assert out == b"\r\nSIM-27007\r\n\r\nme_lib\r\n\r\nOK\r\n"
    # an error stops the line: later commands do not run
    out = cmd(m, "AT+CMEE=2;+CGDCONT=99;+CMEE=0")
    assert out.endswith(b"+CME ERROR: incorrect parameters\r\n")
    assert info(cmd(m, "AT+CMEE?"), "+CMEE:") == ["+CMEE: 2"]
    assert cmd(m, "ATE0V1") == b"\r\nOK\r\n"


def test_unknown_bad_and_odd_input_is_answered_like_a_modem() -> None:
    m = make()
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert cmd(m, "AT+FOO") == b"\r\nERROR\r\n"
    assert cmd(m, 'AT+CGDCONT=1,"IP') == b"\r\nERROR\r\n"          # unterminated quote
    assert cmd(m, "AT+CFUN=abc") == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, "AT+CFUN=77") == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, "AT" + "X" * 3000) == b"\r\nERROR\r\n"
    assert cmd(m, "at+cgmm") == b"\r\nSIM-27007\r\n\r\nOK\r\n"      # lower case works
    assert cmd(m, "\x00\xffgarbageAT") == b"\r\nOK\r\n"           # noise before AT ignored
    m.feed(b"hello\r", m.clock.now())                              # no AT: silently dropped
    assert settle(m, 1.0) == b""
    assert cmd(m, "A/") == b"\r\nOK\r\n"                           # repeat last line


def test_ati_and_identity_per_dialect() -> None:
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    out = cmd(m, "ATI")
    assert b"Model: SARA-R412M-02B" in out
    assert b"IMEI: 353456789012347" in out
    assert info(cmd(m, "AT+CGSN"), "35") == ["353456789012347"]
    n = make("nordic-nrf91-slm")
    cmd(n, "ATE0")
    assert cmd(n, "ATI") == b"\r\nERROR\r\n"
    assert b"nRF9160-SICA" in cmd(n, "AT+CGMM")


@pytest.mark.parametrize(("dialect", "command", "line"), [
    ("generic", "AT+CCID", "+CCID: 89882806660000000010"),
    ("quectel-bg96", "AT+QCCID", "+QCCID: 89882806660000000010"),
    ("telit-me910", "AT#CCID", "#CCID: 89882806660000000010"),
    ("nordic-nrf91-slm", "AT%XICCID", "%XICCID: 89882806660000000010"),
    ("simcom-sim7080", "AT+CCID", "89882806660000000010"),
])
def test_iccid_per_dialect(dialect: str, command: str, line: str) -> None:
    m = make(dialect)
    cmd(m, "ATE0")
    assert cmd(m, command) == ("\r\n%s\r\n\r\nOK\r\n" % line).encode()


def test_boot_is_silent_then_banners() -> None:
    m = SimModem(Scenario.from_dict({"dialect": "quectel-bg96", "boot": {"time": 2.0}}),
                 SimClock.manual())
    m.feed(b"AT\r", m.clock.now())
    assert settle(m, 1.0) == b""                    # booting: input ignored
    out = settle(m, 5.0)
    assert out.startswith(b"\r\nRDY\r\n")
    assert b"+QIND: SMS DONE" in out


def test_output_is_paced_at_the_baud_rate() -> None:
    m = SimModem(Scenario.from_dict({"dialect": "generic", "boot": {"time": 0.1}}),
                 SimClock.manual(), baud=1000)    # 100 bytes per second
    settle(m, 10.0)
    m.feed(b"ATI\r", m.clock.now())
    m.clock.advance(0.045)
    first = m.read(m.clock.now())
    assert 0 < len(first) < 10                      # echo trickles out, 1 byte per 10 ms
    m.clock.advance(2.0)
    assert b"OK" in first + m.read(m.clock.now())


def test_fast_clock_compresses_registration() -> None:
    import time

    m = SimModem(Scenario.from_dict({"dialect": "generic", "boot": {"time": 1.0},
                                     "network": {"registration_delay": 60.0}}),
                 SimClock(speed=1000.0))
    start = time.monotonic()
    while not m.net.registered and time.monotonic() - start < 2.0:
        with m.lock:
            m.tick()
        time.sleep(0.005)
    assert m.net.registered                         # 60 virtual s within 2 real s


def test_command_latency_is_per_dialect() -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    settle(m, 30.0)
    t0 = m.clock.now()
    m.feed(b"AT+QIACT=1\r", t0)
    m.clock.advance(1.0)
    assert m.read(m.clock.now()) == b""             # QIACT takes 1.5 virtual seconds
    m.clock.advance(1.0)
    assert m.read(m.clock.now()) == b"\r\nOK\r\n"


def test_parser_units() -> None:
    cmds = parse_line('E0V1+CMEE=1;+CGDCONT=1,"IP","a;b";&F;S0=2;S3?;I9;+CPIN?;+COPS=?')
    assert cmds is not None
    assert [(c.name, c.kind) for c in cmds] == [
        ("E", "exec"), ("V", "exec"), ("+CMEE", "set"), ("+CGDCONT", "set"), ("&F", "exec"),
        ("S0", "set"), ("S3", "read"), ("I", "exec"), ("+CPIN", "read"), ("+COPS", "test")]
    assert cmds[3].args == '1,"IP","a;b"'
    assert parse_line("+") is None
    assert parse_line('+X="unterminated') is None
    assert split_args('1, "a,b" ,,(1-3),x') == ["1", "a,b", None, "(1-3)", "x"]


def test_sregs_and_reset() -> None:
    m = make()
    cmd(m, "ATE0")
    assert info(cmd(m, "ATS3?"), "0") == ["013"]
    cmd(m, "ATS0=2")
    assert info(cmd(m, "ATS0?"), "0") == ["002"]
    assert cmd(m, "ATZ") == b"\r\nOK\r\n"
    assert cmd(m, "AT").startswith(b"AT\r")            # ATZ restored echo
