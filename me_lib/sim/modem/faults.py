"""Fault injection: the ways real modems misbehave, switchable per command or in time.

A fault either matches commands (by prefix of the command text after "AT",
e.g. "+CGDCONT" or "+CGDCONT=1") or fires at a virtual time, for `times`
occurrences (None = every time). Kinds:

- no_answer   the command is swallowed: no information text, no final result
- delay       the answer comes `seconds` later than usual
- garbage     `data` (bytes, default line noise) is printed before the answer
- reboot      the module resets instead of answering (boot banners follow)
- lost_ok     the final OK of the answer is never printed
- urc_storm   `count` copies of `urc` arrive just before the answer (or at `at`)
- port_close  the port goes away (pyserial raises SerialException on next I/O)
- slow_sim    the SIM stays busy (+CME ERROR: 14) for `seconds` more

They are the failure modes the reference lists (lost URCs, SIM
busy, mid-session reboots, unresponsive modems, garbage after a crash).
"""

from typing import TYPE_CHECKING, Any

from me_lib.sim.modem.commands import Command

if TYPE_CHECKING:
    from me_lib.sim.modem.host import Host

KINDS = ("no_answer", "delay", "garbage", "reboot", "lost_ok", "urc_storm",
         "port_close", "slow_sim")
DEFAULT_GARBAGE = b"\x00\xff\xfe\x13\x80ZZ\x1f\x7f"


class Fault:
    """One armed fault; `remaining` None means it never runs out."""

    def __init__(self, kind: str, command: str | None = None, at: float | None = None,
                 times: int | None = 1, seconds: float = 5.0, data: bytes | None = None,
                 urc: str = "+CEREG: 2", count: int = 50) -> None:
        if kind not in KINDS:
            raise ValueError("unknown fault kind %r (known: %s)" % (kind, ", ".join(KINDS)))
        self.kind = kind
        self.command = _norm(command) if command else None
        self.at = at
        self.remaining = times
        self.seconds = float(seconds)
        self.data = DEFAULT_GARBAGE if data is None else data
        self.urc = urc
        self.count = int(count)
        self.fired = 0

    def matches(self, cmd: Command, now: float) -> bool:
        if self.command is None or self.remaining == 0:
            return False
        if self.at is not None and now < self.at:
            return False
        text = _norm(cmd.text)
        return text.startswith(self.command) or cmd.name == self.command

    def use(self) -> None:
        self.fired += 1
        if self.remaining is not None:
            self.remaining -= 1

    def __repr__(self) -> str:
        return "Fault(%s, command=%r, at=%r, remaining=%r)" % (
            self.kind, self.command, self.at, self.remaining)


def _norm(text: str) -> str:
    text = text.strip().upper()
    return text[2:] if text.startswith("AT") else text


class Faults:
    """The armed faults of one SimModem."""

    def __init__(self, modem: "Host") -> None:
        self.modem = modem
        self.armed: list[Fault] = []

    def add(self, kind: str, command: str | None = None, at: float | None = None,
            times: int | None = 1, **params: Any) -> Fault:
        """Arm a fault. With `at` and no `command` it fires once at that virtual time."""
        data = params.pop("data", None)
        if isinstance(data, str):
            data = data.encode("latin-1")
        try:
            fault = Fault(kind, command, at, times, data=data, **params)
        except TypeError as exc:
            raise ValueError("bad parameters for fault %r: %s" % (kind, exc)) from None
        self.armed.append(fault)
        if command is None:
            when = at if at is not None else self.modem.t
            self.modem.schedule_at(when, lambda: self._fire_timed(fault), persistent=True)
        return fault

    def clear(self) -> None:
        self.armed = []

    def load(self, specs: list[dict[str, Any]]) -> None:
        """Arm the faults of a scenario's [[faults]] tables."""
        from me_lib.sim.modem.scenario import ScenarioError

        for spec in specs:
            spec = dict(spec)
            kind = str(spec.pop("kind", ""))
            try:
                self.add(kind, spec.pop("command", None), spec.pop("at", None),
                         spec.pop("times", 1), **spec)
            except ValueError as exc:
                raise ScenarioError("[[faults]]: %s" % exc) from None

    def for_command(self, cmd: Command) -> dict[str, Any]:
        """What the armed faults do to `cmd` (consumes one use of each that matches)."""
        actions: dict[str, Any] = {}
        pre = b""
        for fault in self.armed:
            if not fault.matches(cmd, self.modem.t):
                continue
            fault.use()
            if fault.kind == "delay":
                actions["delay"] = actions.get("delay", 0.0) + fault.seconds
            elif fault.kind == "garbage":
                pre += fault.data
            elif fault.kind == "urc_storm":
                pre += self._storm_bytes(fault)
            elif fault.kind == "slow_sim":
                self.modem.sim.extend_busy(fault.seconds)
            else:
                actions[fault.kind] = True
        if pre:
            actions["pre_bytes"] = pre
        return actions

    def _storm_bytes(self, fault: Fault) -> bytes:
        line = fault.urc.encode("latin-1")
        return (b"\r\n" + line + b"\r\n") * fault.count

    def _fire_timed(self, fault: Fault) -> None:
        if fault.remaining == 0:
            return
        fault.use()
        modem = self.modem
        if fault.kind == "reboot":
            modem.reboot_now(None)
        elif fault.kind == "port_close":
            modem.close_port()
        elif fault.kind == "garbage":
            modem.emit(fault.data)
        elif fault.kind == "urc_storm":
            if modem.online:
                modem.emit(self._storm_bytes(fault))
        elif fault.kind == "slow_sim":
            modem.sim.extend_busy(fault.seconds)
        elif fault.kind == "no_answer":
            # the module hangs: input is ignored for `seconds`
            modem.hang(fault.seconds)
        elif fault.kind == "delay":
            modem.extra_delay_until = modem.t + fault.seconds
        elif fault.kind == "lost_ok":
            fault.remaining = 1
            fault.command = ""     # matches the next command of any kind
