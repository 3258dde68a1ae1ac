"""Events the sans-I/O engine hands back from `feed()` and `tick()`.

Immutable values: two events are equal when they are of the same class with
equal fields, and assigning an attribute raises `AttributeError` (an event
may be queued, logged and compared while the engine goes on, and a shared
`Final("OK")` is only safe because nobody can change it). Plain `__slots__`
classes over one small base (no dataclasses, no tuple subclasses) so the
engine runs on MicroPython; a port built without `__setattr__` support
stores the fields plainly and only loses the guard. The list fields
(`Response.lines`, `Response.payloads`, `Timeout.lines`) stay lists, as
callers index and compare them; treat them as read-only. Reprs mask PINs and
passwords (`me_lib.at.redact`): reprs end up in logs and assertion messages.
"""

from me_lib.at.redact import redact

try:
    _set = object.__setattr__
except AttributeError:  # a MicroPython port without __setattr__: fields are plain
    _set = setattr


class _Value:
    """The base of the events: fields named by `__slots__`, fixed once built."""

    __slots__: "tuple[str, ...]" = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("%s.%s cannot change: events are values, build a new one"
                             % (type(self).__name__, name))

    def __delattr__(self, name: str) -> None:
        raise AttributeError("%s.%s cannot be deleted: events are values"
                             % (type(self).__name__, name))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return False
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __hash__(self) -> int:
        # list fields hash as tuples: equal events hash alike
        return hash(tuple([tuple(v) if isinstance(v, list) else v
                           for v in [getattr(self, name) for name in self.__slots__]]))


class Final(_Value):
    """The final result code that ended a command.

    kind: "OK", "ERROR", "CME", "CMS", "CONNECT", "NO CARRIER", "BUSY",
    "NO ANSWER", "NO DIALTONE", "COMMAND NOT SUPPORT", "MODEM ERROR",
    "EXTRA" (a per-command final such as SEND OK), "NONE" (the module never
    sends one for this command; completed after a quiet time), "ABORTED",
    "PROTOCOL" (the answer was garbled: an absurd announced payload length or
    an endless answer; `name` says which, `text` is the final that came).
    """

    __slots__ = ("code", "kind", "name", "ok", "text")
    kind: str
    ok: bool
    text: str
    code: int | None
    name: str | None

    def __init__(self, kind: str, ok: bool, text: str, code: int | None = None,
                 name: str | None = None) -> None:
        _set(self, "kind", kind)
        _set(self, "ok", ok)
        _set(self, "text", text)
        _set(self, "code", code)
        _set(self, "name", name)

    def __repr__(self) -> str:
        return "Final(%r, ok=%r, code=%r, name=%r)" % (self.kind, self.ok, self.code, self.name)


class Response(_Value):
    """A command completed with a final result code."""

    __slots__ = ("command", "final", "lines", "payloads")
    command: str
    lines: list[str]
    final: Final
    payloads: list[bytes]

    def __init__(self, command: str, lines: list[str], final: Final,
                 payloads: list[bytes]) -> None:
        _set(self, "command", command)
        _set(self, "lines", lines)
        _set(self, "final", final)
        _set(self, "payloads", payloads)

    @property
    def ok(self) -> bool:
        """Whether the final result code was a success (OK, CONNECT, a success final)."""
        return self.final.ok

    def fields(self, prefix: str) -> list[list[str]]:
        """Unquoted fields of each information line starting with `prefix`."""
        from me_lib.at.fields import line_values

        out = []
        up = prefix.upper()
        for line in self.lines:
            if line.upper().startswith(up):
                out.append(line_values(line, prefix))
        return out

    def first(self, prefix: str) -> list[str] | None:
        """The unquoted fields of the first line with `prefix`, None if there is none."""
        rows = self.fields(prefix)
        return rows[0] if rows else None

    def __repr__(self) -> str:
        return "Response(%r, lines=%r, final=%r)" % (
            redact(self.command), [redact(x) for x in self.lines], self.final)


class Urc(_Value):
    """An unsolicited line (and its raw payload when one was announced)."""

    __slots__ = ("line", "payload", "prefix")
    line: str
    prefix: str
    payload: bytes | None

    def __init__(self, line: str, prefix: str, payload: bytes | None = None) -> None:
        _set(self, "line", line)
        _set(self, "prefix", prefix)
        _set(self, "payload", payload)

    def __repr__(self) -> str:
        return "Urc(%r)" % redact(self.line)


class Prompt(_Value):
    """The modem asks for payload (`> ` or `@`); `data` is what to write now."""

    __slots__ = ("char", "command", "data")
    char: str
    command: str
    data: bytes

    def __init__(self, char: str, command: str, data: bytes) -> None:
        _set(self, "char", char)
        _set(self, "command", command)
        _set(self, "data", data)

    def __repr__(self) -> str:
        return "Prompt(%r, %d bytes)" % (self.char, len(self.data))


class Rebooted(_Value):
    """A boot banner: the modem restarted; `command` was in flight (or None)."""

    __slots__ = ("banner", "command")
    banner: str
    command: str | None

    def __init__(self, banner: str, command: str | None) -> None:
        _set(self, "banner", banner)
        _set(self, "command", command)

    def __repr__(self) -> str:
        return "Rebooted(%r, command=%r)" % (
            self.banner, redact(self.command) if self.command else None)


class Timeout(_Value):
    """No final result code arrived in time; `lines` holds what did arrive."""

    __slots__ = ("command", "consecutive", "lines", "timeout")
    command: str
    timeout: float
    lines: list[str]
    consecutive: int

    def __init__(self, command: str, timeout: float, lines: list[str], consecutive: int) -> None:
        _set(self, "command", command)
        _set(self, "timeout", timeout)
        _set(self, "lines", lines)
        _set(self, "consecutive", consecutive)

    def __repr__(self) -> str:
        return "Timeout(%r, %.1fs, consecutive=%d)" % (redact(self.command), self.timeout,
                                                         self.consecutive)


class DataReceived(_Value):
    """Bytes received while the port is in data mode (after CONNECT)."""

    __slots__ = ("data",)
    data: bytes

    def __init__(self, data: bytes) -> None:
        _set(self, "data", data)

    def __repr__(self) -> str:
        return "DataReceived(%d bytes)" % len(self.data)


class ProtocolError(_Value):
    """Input the engine refused to believe (an absurd announced payload length).

    Reported instead of acting on it; `command` was in flight (or None for a
    URC), and that command then ends with a `PROTOCOL` final.
    """

    __slots__ = ("command", "line", "reason")
    line: str
    reason: str
    command: str | None

    def __init__(self, line: str, reason: str, command: str | None) -> None:
        _set(self, "line", line)
        _set(self, "reason", reason)
        _set(self, "command", command)

    def __repr__(self) -> str:
        return "ProtocolError(%r, %r)" % (self.line, self.reason)
