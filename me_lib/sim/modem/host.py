"""What the simulated modem's parts may use of the modem that hosts them.

The command families (basic.py, network.py, simcard.py, sockets/, faults.py)
are built with the modem as their host and register handlers on it. They code
against this `Host` protocol, not against `core.SimModem`: the engine's
framing, output queue and timer heap stay its own (`tests/sim_modem/
test_host_interface.py` fails on any `host._name` outside core.py), no part
imports core, and mypy checks that `SimModem` still offers all of it.

Two kinds of verbs change the world. The test-facing API of `SimModem`
(`ota_update`, `switch_profile`, `lose_coverage`...) takes the modem lock and
catches up with the clock first, for a test thread acting while a port thread
reads. A part runs *inside* the simulation (a handler, a timer, a scenario
event), at the current virtual time with the lock already held: it uses the
`*_now` verbs, which do neither (catching up from inside a timer would run
later timers first).

Only type names are imported here, so the module loads nothing.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from me_lib.sim.modem.commands import AtFail, Command, Final, Reply
    from me_lib.sim.modem.dialects import Dialect
    from me_lib.sim.modem.network import Network
    from me_lib.sim.modem.scenario import Scenario
    from me_lib.sim.modem.simcard import CardLike, SimAccess


class Timer(Protocol):
    """A scheduled call (`Host.schedule`); cancelled timers never run."""

    def cancel(self) -> None: ...


class Host(Protocol):
    """The simulated modem as its parts see it (implemented by `core.SimModem`)."""

    # -- what the module is and how it is set up
    t: float                        # the current virtual time (seconds)
    dialect: "Dialect"              # the module family's row (dialects.py)
    scenario: "Scenario"            # the scenario it runs (scenario.py)
    sim: "SimAccess"                # the UICC side (simcard.py)
    net: "Network"                  # registration and packet data (network.py)
    # V.250 / 27.007 settings a part reads or sets (AT E, V, Q, S-registers, +CMEE)
    echo: bool
    verbose: bool
    quiet: bool
    cmee: int
    sregs: dict[int, int]
    extra_delay_until: float        # answers are held until then (a `delay` fault)

    @property
    def online(self) -> bool:
        """Powered, booted and its port still there."""

    # -- commands
    def handle(self, name: str, fn: "Callable[[Command], Reply]") -> None:
        """Answer the command `name` (upper-cased, e.g. "+CGDCONT") with `fn`."""

    def error_final(self, fail: "AtFail") -> "Final":
        """A failure rendered the way +CMEE asks (ERROR, +CME ERROR: <n> or <text>)."""

    # -- time
    def schedule(self, delay: float, fn: Callable[[], None],
                 persistent: bool = False) -> Timer:
        """Run `fn` `delay` virtual seconds from now (non-persistent timers die on reboot)."""

    def schedule_at(self, at: float, fn: Callable[[], None],
                    persistent: bool = False) -> Timer:
        """Run `fn` at virtual time `at`."""

    def later(self, delay: float, fn: Callable[[], None]) -> Callable[[], None]:
        """A callback that, when run, schedules `fn` `delay` virtual seconds later."""

    # -- output
    def emit(self, data: bytes) -> None:
        """Bytes for the host now, paced at the baud rate."""

    def urc(self, line: str) -> None:
        """An unsolicited result code (dropped while off or quiet)."""

    def sim_event(self, what: str, cid: int | None = None) -> None:
        """Tell the socket stack what the network did ("attached", "context_down", cid)."""

    # -- the module's life, from inside the simulation
    def reboot_now(self, banner: str | None = None) -> None:
        """Reset now: `banner` first, then the boot (timers not persistent die)."""

    def ota_update_now(self, path_hex: str, data: bytes, record: int | None = None,
                       refresh: bool = True, qualifier: int = 1) -> None:
        """Write a card file over the air, then REFRESH the dialect's way."""

    def switch_profile_now(self, profile: "str | Path | CardLike",
                           pin: str | None = None) -> None:
        """Activate another card profile and reboot with it."""

    def reboot(self, banner: str | None = None) -> None:
        """`reboot_now` under the modem lock (AT+CFUN=1,1, ATZ where it resets)."""

    def power_off(self, banner: str = "POWERED DOWN") -> None:
        """Switch off (AT+CPOF, +CFUN=0 on modules that power down): input ignored."""

    def hang(self, seconds: float) -> None:
        """Stop reading the UART for `seconds` (a firmware stall)."""

    def close_port(self) -> None:
        """The device disappears: the host's port raises on its next I/O."""
