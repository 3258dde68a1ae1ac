"""Each fault switch does what it promises (API and scenario), per command or in time."""

import pytest
import serial

from me_lib.sim.modem.faults import DEFAULT_GARBAGE

from .sim_modem_util import cmd, info, lines, make, settle


def test_no_answer_swallows_one_command() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("no_answer", "+CGMM")
    assert cmd(m, "AT+CGMM", limit=30.0) == b""
    assert cmd(m, "AT+CGMM") == b"\r\nSIM-27007\r\n\r\nOK\r\n"     # only once


def test_no_answer_times_and_prefix_with_arguments() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("no_answer", "AT+CEREG?", times=2)
    assert cmd(m, "AT+CEREG?", limit=5.0) == b""
    assert cmd(m, "AT+CEREG=1") == b"\r\nOK\r\n"                  # other forms unaffected
    assert cmd(m, "AT+CEREG?", limit=5.0) == b""
    assert cmd(m, "AT+CEREG?").endswith(b"OK\r\n")


def test_late_answer() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("delay", "+CGMI", seconds=8.0)
    m.feed(b"AT+CGMI\r", m.clock.now())
    assert settle(m, 7.5) == b""
    assert settle(m, 1.0) == b"\r\nme_lib\r\n\r\nOK\r\n"


def test_garbage_before_the_answer() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("garbage", "+CGMM", data=b"\xff\xfe#!")
    assert cmd(m, "AT+CGMM") == b"\xff\xfe#!\r\nSIM-27007\r\n\r\nOK\r\n"
    m.add_fault("garbage", at=m.clock.now() + 1.0)
    assert settle(m, 2.0) == DEFAULT_GARBAGE


def test_reboot_mid_command_prints_banners_instead() -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    m.add_fault("reboot", "+CGDCONT?")
    m.feed(b"AT+CGDCONT?\r", m.clock.now())
    out = settle(m, 10.0)
    assert b"OK" not in out and lines(out)[:2] == ["RDY", "+CFUN: 1"]
    assert cmd(m, "AT").startswith(b"AT\r")                         # echo on again


def test_lost_ok() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("lost_ok", "+CGMM")
    assert cmd(m, "AT+CGMM", limit=10.0) == b"\r\nSIM-27007\r\n"
    assert cmd(m, "AT+CGMM").endswith(b"\r\nOK\r\n")


def test_urc_storm_before_answer_and_in_time() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("urc_storm", "+CSQ", urc="+CEREG: 2", count=20)
    out = cmd(m, "AT+CSQ")
    assert lines(out).count("+CEREG: 2") == 20 and out.endswith(b"\r\nOK\r\n")
    m.add_fault("urc_storm", at=m.clock.now() + 1.0, urc="+QIURC: \"recv\",0", count=5)
    assert lines(settle(m, 2.0)) == ['+QIURC: "recv",0'] * 5


def test_port_close_on_command_raises_on_sim_url() -> None:
    port = serial.serial_for_url("sim://generic?speed=1000", timeout=0.5)
    try:
        assert port.modem is not None
        port.modem.add_fault("port_close", "+CGMM")
        port.read(1000)
        port.write(b"AT+CGMM\r")
        with pytest.raises(serial.SerialException):
            for _ in range(50):
                port.read(100)
    finally:
        port.close()


def test_port_close_in_time() -> None:
    m = make()
    m.add_fault("port_close", at=m.clock.now() + 1.0)
    settle(m, 2.0)
    assert m.closed


def test_slow_sim_keeps_sim_busy_longer() -> None:
    m = make()
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    m.add_fault("slow_sim", seconds=30.0)
    assert cmd(m, "AT+CPIN?") == b"\r\n+CME ERROR: 14\r\n"
    settle(m, 31.0)
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: READY"]


def test_timed_hang_delay_and_reboot() -> None:
    m = make()
    cmd(m, "ATE0")
    m.add_fault("no_answer", at=m.clock.now() + 0.5, seconds=5.0)
    settle(m, 1.0)
    assert cmd(m, "AT", limit=2.0) == b""                            # hung: input ignored
    settle(m, 5.0)
    assert cmd(m, "AT") == b"\r\nOK\r\n"
    m.add_fault("delay", at=m.clock.now() + 0.5, seconds=4.0)
    settle(m, 1.0)
    m.feed(b"AT\r", m.clock.now())
    assert settle(m, 3.0) == b""
    assert settle(m, 1.0) == b"\r\nOK\r\n"
    m.add_fault("reboot", at=m.clock.now() + 1.0)
    assert lines(settle(m, 5.0)) == ["RDY", "+CPIN: READY"]


def test_faults_from_the_scenario() -> None:
    m = make(faults=[{"kind": "no_answer", "command": "+CGSN", "times": 1},
                     {"kind": "garbage", "at": 20.0, "data": "zz"}])
    cmd(m, "ATE0")
    assert cmd(m, "AT+CGSN", limit=5.0) == b""
    assert b"zz" in settle(m, 20.0)


def test_unknown_fault_kind_is_refused() -> None:
    m = make()
    with pytest.raises(ValueError):
        m.add_fault("explode", "+CGMM")
