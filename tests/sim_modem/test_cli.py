"""`me-lib sim` argument handling and the loopback TCP server."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from me_lib.sim import modem_cli
from me_lib.sim.modem.server import parse_loopback

from .sim_modem_host import Host

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("spec", ["0.0.0.0:7000", "192.168.1.2:7000", "example.com:1", "7000",
                                  "127.0.0.1:99999"])
def test_tcp_refuses_non_loopback(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_loopback(spec)
    assert modem_cli.main(["--tcp", spec]) == 2


def test_bad_scenario_and_speed_exit_2() -> None:
    assert modem_cli.main(["--pty", "--scenario", "nosuch"]) == 2
    assert modem_cli.main(["--pty", "--speed", "0"]) == 2


def test_register_adds_the_subcommand() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    modem_cli.register(sub)
    args = parser.parse_args(["sim", "--tcp", "127.0.0.1:0", "--speed", "50"])
    assert args.func is modem_cli.run and args.speed == 50.0


def test_tcp_server_session() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "me_lib.sim.modem_cli", "--tcp", "127.0.0.1:0", "--scenario",
         "generic", "--speed", "1000"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().decode().strip()
        assert address.startswith("127.0.0.1:")
        port = serial.serial_for_url("socket://%s" % address, timeout=0.05)
        try:
            h = Host(port)
            h.sync()
            assert b"SIM-27007" in h.cmd("AT+CGMM")
        finally:
            port.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=5) == 0


@pytest.mark.pty
def test_pty_port_close_fault_ends_the_device() -> None:
    from me_lib.sim.modem import Scenario, SimClock, SimModem
    from me_lib.sim.modem.server import PtyServer

    modem = SimModem(Scenario.load("generic"), SimClock(1000.0))
    server = PtyServer(modem).start()
    try:
        port = serial.Serial(server.path, timeout=0.05)
        h = Host(port)
        h.sync()
        modem.add_fault("port_close", "+CGMM")
        port.write(b"AT+CGMM\r")
        with pytest.raises(serial.SerialException):
            end = time.monotonic() + 3
            while time.monotonic() < end:
                port.read(100)
        port.close()
    finally:
        server.stop()
