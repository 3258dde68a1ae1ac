"""Fixtures for end-to-end provisioning on the simulator with a real DM server."""

import pytest
import serial

from me_lib.modem import Modem
from me_lib.provision.ownership import Ownership
from me_lib.sim.dm_server import DmServer
from me_lib.sim.scenario_files import derive

SPEED = 200
SOCKET_DIALECTS = ["quectel-bg96", "ublox-sara-r4", "simcom-sim7080", "telit-me910",
                   "nordic-nrf91-slm"]
ALL_DIALECTS = ["generic", *SOCKET_DIALECTS]

# Command heads that change the modem's configuration or state: a re-run on a
# provisioned modem must send none of them.
WRITE_HEADS = ("AT+CGDCONT=", "AT+CGAUTH=", "AT+CFUN=", "AT+CGACT=1", "AT+CGATT=1",
               "AT+QIACT=", "AT+QICSGP=", "AT+CNACT=", "AT+CNCFG=", "AT#SGACT=",
               "AT+UPSD")


@pytest.fixture
def dm_server():
    with DmServer(0, tcp=True) as server:
        yield server


@pytest.fixture
def world(tmp_path, dm_server):
    """Open a modem on a derived scenario whose card names `dm_server`'s port."""
    opened = []

    def open_world(scenario="default", **changes):
        path = derive(tmp_path / ("w%d" % len(opened)), scenario, dm_port=dm_server.port,
                      **changes)
        modem = Modem.open("sim://%s?speed=%d" % (path, SPEED))
        opened.append(modem)
        return modem

    yield open_world
    for modem in opened:
        modem.close()


@pytest.fixture
def ownership(tmp_path):
    return Ownership(tmp_path / "state" / "contexts.json")


class Trace:
    """Every command line the library wrote, from the channel's own trace hook."""

    def __init__(self, modem):
        self.lines = []
        modem.channel.trace = self._record

    def _record(self, direction, data, now):
        if direction == "tx" and data.endswith(b"\r"):
            self.lines.append(data[:-1].decode("latin-1"))

    def writes(self):
        return [x for x in self.lines if x.upper().startswith(WRITE_HEADS)]

    def clear(self):
        self.lines.clear()


def sim_of(modem):
    port = modem.channel.port
    assert isinstance(port, serial.SerialBase)
    return port.modem
