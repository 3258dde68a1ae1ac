"""Fixtures for end-to-end provisioning on the simulator with a real DM server."""

import pytest

from me_lib.modem import Modem
from me_lib.provision.ownership import Ownership
from me_lib.sim.dm_server import DmServer
from me_lib.sim.scenario_files import derive
from tests.wire_trace import WRITE_HEADS, Trace, sim_of  # noqa: F401  (re-exported)

SPEED = 200
SOCKET_DIALECTS = ["quectel-bg96", "ublox-sara-r4", "simcom-sim7080", "telit-me910",
                   "nordic-nrf91-slm"]
ALL_DIALECTS = ["generic", *SOCKET_DIALECTS]


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
