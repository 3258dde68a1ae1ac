"""Modem power control through `machine.Pin`: PWRKEY and RESET pulses.

Why here: a board must switch the modem on after a brown-out and reset it
when it stops answering (AtChannel.unresponsive); the pulse lengths differ
per module and come from the vendors' hardware guides, kept once in the
dialect table (`Dialect.pwrkey_on_s`, `pwrkey_off_s`, `reset_pulse_s`,
`boot_s`; None where a module has no such pin or value).

Polarity: boards usually drive PWRKEY/RESET_N through an NPN transistor, so
the MCU pin goes HIGH to pull the modem's key LOW. `active` is the MCU pin
level that asserts the key (1 for that circuit, 0 for a direct connection).

Every wait is bounded: a pulse lasts exactly its documented time, and
waiting for the boot gives up after `boot_s` plus a margin with AtTimeout.
`power_on` first checks whether the modem already answers AT, because a
PWRKEY pulse on a running module switches it off.
"""

from me_lib.clock import sleep as _sleep
from me_lib.errors import AtTimeout, ProvisionError

try:
    from collections.abc import Callable
    from typing import Any
except ImportError:
    pass

# Added to the documented boot time before giving up on AT.
BOOT_MARGIN_S = 5.0
# Used when the dialect documents no boot time (plain 27.007 modules).
DEFAULT_BOOT_S = 10.0


class PowerError(ProvisionError):
    """The board cannot do the power step asked (no pin wired, no documented timing)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__("power", message, hint=hint)


class ModemPower:
    """PWRKEY/RESET pulses for one modem, timed from its dialect row."""

    def __init__(self, dialect: "Any", pwrkey: "Any" = None, reset: "Any" = None,
                 active: int = 1, sleep: "Callable[[float], None] | None" = None) -> None:
        self.dialect = dialect
        self.pwrkey = pwrkey
        self.reset_pin = reset
        self.active = 1 if active else 0
        self._sleep = sleep or _sleep
        for pin in (pwrkey, reset):
            if pin is not None:
                pin.value(1 - self.active)  # released until a pulse

    def timing(self, name: str) -> float:
        """The dialect's `<name>` in seconds; PowerError when the module documents none."""
        value = getattr(self.dialect, name, None)
        if value is None:
            raise PowerError("dialect %s documents no %s" % (
                getattr(self.dialect, "name", "?"), name),
                "pick the module's dialect, or give the value from its hardware guide")
        return float(value)

    def pulse(self, pin: "Any", seconds: float, what: str) -> None:
        """Asserts `pin` for exactly `seconds`, then releases it."""
        if pin is None:
            raise PowerError("no %s pin wired" % what,
                             "pass the machine.Pin connected to the modem's %s" % what)
        pin.value(self.active)
        try:
            self._sleep(seconds)
        finally:
            pin.value(1 - self.active)

    def power_on(self, channel: "Any" = None) -> bool:
        """Switches the modem on and waits until it answers AT; False if it already did."""
        if channel is not None and self._answers(channel):
            return False
        self.pulse(self.pwrkey, self.timing("pwrkey_on_s"), "PWRKEY")
        self.wait_ready(channel)
        return True

    def power_off(self) -> None:
        """Asks the module to shut down cleanly (it detaches from the network first)."""
        self.pulse(self.pwrkey, self.timing("pwrkey_off_s"), "PWRKEY")

    def reset(self, channel: "Any" = None) -> None:
        """Hardware reset (a modem that stopped answering), then waits for AT.

        The pulse is the one the module documents (`Dialect.reset_kind`): RESET_N
        restarts a BG96; on SARA-R4 and ME910 that pin is an unconditional
        shutdown, so the module is switched on again; SIM7080 has no reset pin
        and restarts when PWRKEY is held for `reset_pulse_s`.
        """
        kind = getattr(self.dialect, "reset_kind", "reboot")
        seconds = self.timing("reset_pulse_s")
        if kind == "pwrkey":
            self.pulse(self.pwrkey, seconds, "PWRKEY")
        else:
            self.pulse(self.reset_pin, seconds, "RESET")
            if kind == "shutdown":
                self.pulse(self.pwrkey, self.timing("pwrkey_on_s"), "PWRKEY")
        self.wait_ready(channel)

    def wait_ready(self, channel: "Any" = None) -> None:
        """Waits for the boot: AT sync for at most boot_s + margin, or boot_s blind."""
        boot = getattr(self.dialect, "boot_s", None)
        boot = DEFAULT_BOOT_S if boot is None else float(boot)
        if channel is None:
            self._sleep(boot)
            return
        attempts = int(boot + BOOT_MARGIN_S)
        try:
            channel.sync(attempts=attempts, timeout=1.0)
            return
        except AtTimeout:
            pass  # raised below: MicroPython warns on every `raise ... from`
        raise PowerError("the modem did not answer AT within %d s of the pulse" % attempts,
                         "check its supply, the PWRKEY wiring and polarity (active=%d), "
                         "and the UART pins" % self.active)

    def _answers(self, channel: "Any") -> bool:
        try:
            channel.sync(attempts=1, timeout=0.5)
            return True
        except AtTimeout:
            return False
