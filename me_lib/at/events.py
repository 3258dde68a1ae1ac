"""Events the sans-I/O engine hands back from `feed()` and `tick()`.

Plain classes (no dataclasses) so the engine runs on MicroPython. Their reprs
mask PINs and passwords (`me_lib.at.redact`): reprs end up in logs and
assertion messages.
"""

from me_lib.at.redact import redact


class Final:
    """The final result code that ended a command.

    kind: "OK", "ERROR", "CME", "CMS", "CONNECT", "NO CARRIER", "BUSY",
    "NO ANSWER", "NO DIALTONE", "COMMAND NOT SUPPORT", "MODEM ERROR",
    "EXTRA" (a per-command final such as SEND OK), "NONE" (the module never
    sends one for this command; completed after a quiet time), "ABORTED",
    "PROTOCOL" (the answer was garbled: an absurd announced payload length or
    an endless answer; `name` says which, `text` is the final that came).
    """

    def __init__(self, kind: str, ok: bool, text: str, code: int | None = None,
                 name: str | None = None) -> None:
        self.kind = kind
        self.ok = ok
        self.text = text
        self.code = code
        self.name = name

    def __repr__(self) -> str:
        return "Final(%r, ok=%r, code=%r, name=%r)" % (self.kind, self.ok, self.code, self.name)


class Response:
    """A command completed with a final result code."""

    def __init__(self, command: str, lines: list[str], final: Final,
                 payloads: list[bytes]) -> None:
        self.command = command
        self.lines = lines
        self.final = final
        self.payloads = payloads

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


class Urc:
    """An unsolicited line (and its raw payload when one was announced)."""

    def __init__(self, line: str, prefix: str, payload: bytes | None = None) -> None:
        self.line = line
        self.prefix = prefix
        self.payload = payload

    def __repr__(self) -> str:
        return "Urc(%r)" % redact(self.line)


class Prompt:
    """The modem asks for payload (`> ` or `@`); `data` is what to write now."""

    def __init__(self, char: str, command: str, data: bytes) -> None:
        self.char = char
        self.command = command
        self.data = data

    def __repr__(self) -> str:
        return "Prompt(%r, %d bytes)" % (self.char, len(self.data))


class Rebooted:
    """A boot banner: the modem restarted; `command` was in flight (or None)."""

    def __init__(self, banner: str, command: str | None) -> None:
        self.banner = banner
        self.command = command

    def __repr__(self) -> str:
        return "Rebooted(%r, command=%r)" % (
            self.banner, redact(self.command) if self.command else None)


class Timeout:
    """No final result code arrived in time; `lines` holds what did arrive."""

    def __init__(self, command: str, timeout: float, lines: list[str], consecutive: int) -> None:
        self.command = command
        self.timeout = timeout
        self.lines = lines
        self.consecutive = consecutive

    def __repr__(self) -> str:
        return "Timeout(%r, %.1fs, consecutive=%d)" % (redact(self.command), self.timeout,
                                                         self.consecutive)


class DataReceived:
    """Bytes received while the port is in data mode (after CONNECT)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return "DataReceived(%d bytes)" % len(self.data)


class ProtocolError:
    """Input the engine refused to believe (an absurd announced payload length).

    Reported instead of acting on it; `command` was in flight (or None for a
    URC), and that command then ends with a `PROTOCOL` final.
    """

    def __init__(self, line: str, reason: str, command: str | None) -> None:
        self.line = line
        self.reason = reason
        self.command = command

    def __repr__(self) -> str:
        return "ProtocolError(%r, %r)" % (self.line, self.reason)
