"""Scripted sessions, one per dialect: power-up to a UDP socket reaching a loopback
echo server and back, over `sim://` (in-process) and over a real pty."""

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import serial

from me_lib.sim.modem import Scenario, SimClock, SimModem
from me_lib.sim.modem.server import PtyServer

from .sim_modem_host import Host

ROOT = Path(__file__).resolve().parents[2]


def bring_up(h: Host, nordic: bool = False) -> None:
    h.sync()
    h.cmd("ATE0")
    h.cmd("AT+CMEE=1")
    h.until_ok("AT+CPIN?", b"+CPIN: READY")
    if nordic:
        h.cmd("AT+CFUN=1")
    h.cmd("AT+CEREG=1")
    h.until_ok("AT+CEREG?", b"+CEREG: 1,1")


def quectel(h: Host, port: int) -> bytes:
    h.cmd("AT+QIACT=1")
    h.cmd('AT+QIDNSGIP=1,"dm.example.net"')
    h.read_until(b'+QIURC: "dnsgip","127.0.0.1"')
    h.cmd('AT+QIOPEN=1,0,"UDP","127.0.0.1",%d,0,0' % port)
    h.read_until(b"+QIOPEN: 0,0")
    assert b"SEND OK" in h.prompt("AT+QISEND=0,4", b"> ", b"ping")
    h.read_until(b'+QIURC: "recv",0')
    return h.cmd("AT+QIRD=0,1500")


def ublox(h: Host, port: int) -> bytes:
    assert b'+UDNSRN: "127.0.0.1"' in h.cmd('AT+UDNSRN=0,"dm.example.net"')
    assert b"+USOCR: 0" in h.cmd("AT+USOCR=17")
    assert b"+USOST: 0,4" in h.prompt('AT+USOST=0,"127.0.0.1",%d,4' % port, b"@", b"ping")
    h.read_until(b"+UUSORF: 0,9")
    return h.cmd("AT+USORF=0,100")


def simcom(h: Host, port: int) -> bytes:
    h.cmd("AT+CNACT=0,1")
    h.read_until(b"+APP PDP: 0,ACTIVE")
    h.cmd('AT+CDNSGIP="dm.example.net"')
    h.read_until(b'+CDNSGIP: 1,"dm.example.net","127.0.0.1"')
    assert b"+CAOPEN: 0,0" in h.cmd('AT+CAOPEN=0,0,"UDP","127.0.0.1",%d' % port)
    h.prompt("AT+CASEND=0,4", b">", b"ping")
    h.read_until(b"+CADATAIND: 0")
    return h.cmd("AT+CARECV=0,100")


def telit(h: Host, port: int) -> bytes:
    assert b"#SGACT: " in h.cmd("AT#SGACT=1,1")
    assert b'"127.0.0.1"' in h.cmd('AT#QDNS="dm.example.net"')
    h.cmd('AT#SD=1,1,%d,"127.0.0.1",0,0,1' % port)
    h.prompt("AT#SSENDEXT=1,4", b"> ", b"ping")
    h.read_until(b"SRING: 1")
    return h.cmd("AT#SRECV=1,100")


def nordic(h: Host, port: int) -> bytes:
    assert b'"127.0.0.1"' in h.cmd('AT#XGETADDRINFO="dm.example.net"')
    assert b"#XSOCKET: 0,2,17" in h.cmd("AT#XSOCKET=1,2,0")
    assert b"#XSENDTO: 4" in h.cmd('AT#XSENDTO="127.0.0.1",%d,"ping"' % port)
    return h.cmd("AT#XRECVFROM=10")


SESSIONS: dict[str, Callable[[Host, int], bytes]] = {
    "quectel-bg96": quectel, "ublox-sara-r4": ublox, "simcom-sim7080": simcom,
    "telit-me910": telit, "nordic-nrf91-slm": nordic,
}


def run_session(port_obj: Any, dialect: str, echo_port: int) -> None:
    h = Host(port_obj)
    bring_up(h, nordic=dialect.startswith("nordic"))
    answer = SESSIONS[dialect](h, echo_port)
    assert b"echo:ping" in answer, answer


@pytest.mark.parametrize("dialect", sorted(SESSIONS))
def test_session_over_sim_url(dialect: str, udp_echo: int) -> None:
    port = serial.serial_for_url("sim://%s?speed=1000" % dialect, timeout=0.05)
    try:
        assert isinstance(port.modem, SimModem)
        run_session(port, dialect, udp_echo)
    finally:
        port.close()


@contextmanager
def pty_modem(dialect: str) -> Iterator[str]:
    modem = SimModem(Scenario.load(dialect), SimClock(1000.0))
    server = PtyServer(modem).start()
    try:
        yield server.path
    finally:
        server.stop()


@pytest.mark.pty
@pytest.mark.parametrize("dialect", sorted(SESSIONS))
def test_session_over_pty(dialect: str, udp_echo: int) -> None:
    with pty_modem(dialect) as path:
        port = serial.Serial(path, 115200, timeout=0.05)
        try:
            run_session(port, dialect, udp_echo)
        finally:
            port.close()


@pytest.mark.pty
def test_cli_pty_subprocess(udp_echo: int) -> None:
    """`me-lib sim --pty` in a subprocess: prints the path, serves, exits on SIGTERM."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "me_lib.sim.modem_cli", "--pty", "--scenario", "quectel-bg96",
         "--speed", "1000"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        path = proc.stdout.readline().decode().strip()
        assert path.startswith("/dev/pts/"), path
        port = serial.Serial(path, 115200, timeout=0.05)
        try:
            run_session(port, "quectel-bg96", udp_echo)
        finally:
            port.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


def test_sim_url_options_and_errors() -> None:
    port = serial.serial_for_url("sim://generic?speed=500&baud=9600", timeout=0.05)
    assert port.modem is not None and port.modem.baud == 9600
    assert port.clock is not None and port.clock.speed == 500.0
    port.close()
    for bad in ("sim://nosuch-scenario", "sim://default?speed=-1", "sim://default?x=1",
                "sim://bad$name"):
        with pytest.raises(serial.SerialException):
            serial.serial_for_url(bad)


def test_read_timeout_is_real_time() -> None:
    """read() returns after `timeout` real seconds when the modem says nothing."""
    import time

    port = serial.serial_for_url("sim://generic?speed=1", timeout=0.2)
    try:
        start = time.monotonic()
        assert port.read(10) == b""          # still booting: silent
        assert 0.15 <= time.monotonic() - start < 1.0
    finally:
        port.close()
