"""A 27.007 modem simulator holding the virtual USIM.

`SimModem` (core.py) is fed the host's bytes and prints the module's bytes at
virtual times kept by `SimClock` (clock.py). It is reachable in-process as the
pyserial URL `sim://<scenario>` (me_lib/sim/protocol_sim.py), as a pty or a
loopback TCP port (server.py, `me-lib sim`). Module behaviour comes from one
data table (dialects.py); the world it lives in from a scenario TOML
(scenario.py). It never imports me_lib.modem or me_lib.at: the simulator and
the driver are written independently so each catches the other's mistakes.
"""

from me_lib.sim.modem.clock import SimClock
from me_lib.sim.modem.core import SimModem
from me_lib.sim.modem.dialects import DIALECTS, Dialect
from me_lib.sim.modem.faults import Fault
from me_lib.sim.modem.scenario import Scenario, ScenarioError

__all__ = ["DIALECTS", "Dialect", "Fault", "Scenario", "ScenarioError", "SimClock", "SimModem"]
