"""The board core's AT link: command lines, their answers and the reports between them.

`me_lib.at.channel.AtChannel` on its sans-I/O `AtEngine` is the general
channel (threads, echo in any mode, inline payloads of every vendor, chained
commands, retries by idempotence). A board without PSRAM cannot hold it: its
code alone is about 97 KB of heap loaded from .mpy. This link keeps only what
the board flow sends: one command at a time, lines framed on CR/LF, a prompt
answered with a payload, a length-announced binary answer, and every line that
is not the pending command's answer queued as a report (URC). All of it is one
class of a few functions, so it costs a few KB on a board.

Errors are the library's own types (`me_lib.errors`), with the command
redacted there, so a PIN never leaves in an error.
"""

from me_lib.at.timeouts import timeout_for
from me_lib.clock import monotonic
from me_lib.errors import AtCommandError, AtTimeout, CmeError, ModemRebooted, PortClosed

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

#: reports kept between two waits; the oldest goes first (a flood must not fill the heap)
MAX_URCS = 32
#: the longest line (or binary answer) accepted: a +CRSM answer of 255 bytes is about 530
MAX_LINE = 2048
#: answer lines kept for one command
MAX_LINES = 64
# a line starting with one of these characters and holding ':' is a report unless the
# pending command asked for that prefix
_REPORT = "+#%^$"


class Link:
    """One AT command at a time over a byte port (pyserial API: read/write/in_waiting/timeout)."""

    def __init__(self, port: "Any", dialect: "Any", trace: "Any" = None) -> None:
        self.port = port
        self.trace = trace
        self.dialect = dialect
        self.banners: tuple[str, ...] = ()  # set once synced: a banner then is a reboot
        self.buf = b""
        self.urcs: list[str] = []
        self.round_trips = 0
        self.writes = 0
        clock = getattr(port, "clock", None)
        # the simulator's SimClock calls its reading `now` (as AtChannel's _port_clock reads it)
        self.now = getattr(clock, "monotonic", None) or getattr(clock, "now", None) or monotonic
        self.real = getattr(clock, "to_real", None)
        self.port_timeout = -1.0

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except Exception as exc:  # a vanished device raises anything: say so, typed
            raise PortClosed("write failed: %s" % type(exc).__name__) from exc
        if self.trace is not None:
            self.trace("tx", data, self.now())

    def fill(self, wait: float) -> bool:
        """Read what the port has, waiting at most `wait` clock seconds for a first byte."""
        port = self.port
        try:
            n = port.in_waiting
            if not n:
                real = self.real(wait) if self.real else wait
                real = 0.001 if real < 0.001 else 0.05 if real > 0.05 else real
                if real != self.port_timeout:
                    port.timeout = real
                    self.port_timeout = real
                data = port.read(1)
                n = port.in_waiting if data else 0
                if n:
                    data += port.read(n)
            else:
                data = port.read(n)
        except Exception as exc:
            raise PortClosed("read failed: %s" % type(exc).__name__) from exc
        if not data:
            return False
        data = bytes(data)
        if self.trace is not None:
            self.trace("rx", data, self.now())
        self.buf += data
        if len(self.buf) > MAX_LINE * 2:  # a line that never ends: keep the tail
            self.buf = self.buf[-MAX_LINE:]
        return True

    def take(self, size: int, deadline: float) -> "bytes | None":
        """`size` raw bytes (a binary answer), or None at the deadline."""
        while len(self.buf) < size:
            if self.now() >= deadline:
                return None
            self.fill(deadline - self.now())
        data = self.buf[:size]
        self.buf = self.buf[size:]
        return data

    def line(self, deadline: float, prompt: bytes = b"") -> "str | None":
        """The next non-empty line (or `prompt` once seen at a line start), None at the deadline."""
        while True:
            buf = self.buf
            i = 0
            while i < len(buf) and buf[i] in b"\r\n":
                i += 1
            if prompt and buf[i:i + len(prompt)] == prompt:
                self.buf = buf[i + len(prompt):]
                return ">"
            end = i
            while end < len(buf) and buf[end] not in b"\r\n":
                end += 1
            if end < len(buf):
                self.buf = buf[end + 1:]
                return latin1(buf[i:end])
            self.buf = buf[i:]
            if self.now() >= deadline:
                return None
            self.fill(deadline - self.now())

    def report(self, text: str) -> None:
        if len(self.urcs) >= MAX_URCS:
            self.urcs.pop(0)
        self.urcs.append(text)

    def sync(self, probe: str = "ATE0", attempts: int = 10, timeout: float = 1.0,
             settle: float = 0.2) -> None:
        """`probe` until OK (a module still booting ignores its UART), then a quiet
        `settle`: the answers of earlier attempts arrive late and are dropped."""
        last = None
        for _ in range(attempts):
            self.banners = ()
            try:
                self.cmd(probe, timeout=timeout)
            except AtTimeout as exc:
                last = exc
                continue
            self.drain(settle)
            self.banners = self.dialect.boot_banners
            return
        raise AtTimeout(probe, timeout * attempts, ["no OK after %d attempts: %s" % (
            attempts, last)])

    def cmd(self, command: str, prefix: "str | None" = None, timeout: "float | None" = None,
            payload: "tuple[str, int, int] | None" = None, data: bytes = b"",
            prompt: bytes = b">", final: str = "", write: bool = False) -> "list[str]":
        """Send `command`; its answer lines (prefix kept), raising on an error final.

        `timeout`: the tables' (`me_lib.at.timeouts`, the dialect's own first) unless given.

        `prefix`: the answer's information-text prefix; lines with another report
        prefix are queued. `data` is sent after `prompt` (a socket send) and
        `final` is its extra final result ("SEND OK"). `payload` = (header prefix,
        index of the length field, 1 if the bytes follow on the header's own line
        after that field, 0 if on the next line): the binary answer is appended to
        the lines as latin-1 text after its header.
        """
        self.round_trips += 1
        if write:
            self.writes += 1
        if timeout is None:
            timeout = timeout_for(command, self.dialect.timeouts)
        self.write(command.encode() + b"\r")
        deadline = self.now() + timeout
        lines: list[str] = []
        echo = True
        while True:
            text = self.line(deadline, prompt if data else b"")
            if text is None:
                raise AtTimeout(command, timeout, lines)
            if echo and text == command:  # echo still on (before ATE0 took effect)
                echo = False
                continue
            if text == ">":
                self.write(data)
                data = b""
                continue
            if text == "OK" or text == final:
                return lines
            if text == "ERROR" or text.endswith("FAIL"):
                raise AtCommandError(command, text)
            if text.startswith("+CME ERROR:") or text.startswith("+CMS ERROR:"):
                raise cme_error(command, text[11:].strip())
            if text in self.banners:
                raise ModemRebooted(text, command)
            if (prefix is not None and text.startswith(prefix)) or (prefix is None and not (
                    text[0] in _REPORT and ":" in text)):
                if len(lines) < MAX_LINES:
                    lines.append(text)
                if payload is not None and text.startswith(payload[0]):
                    self.binary(text, payload, lines, deadline, command, timeout)
                continue
            self.report(text)

    def binary(self, text: str, payload: "tuple[str, int, int]", lines: "list[str]",
               deadline: float, command: str, timeout: float) -> None:
        fields = text[len(payload[0]):].split(",")
        try:
            size = int(fields[payload[1]])
        except (IndexError, ValueError):
            size = -1
        if not 0 <= size <= MAX_LINE:
            from me_lib.errors import AtProtocolError

            raise AtProtocolError(command, "payload length not readable in %r" % text[:40])
        if payload[2]:  # the bytes came on the header's line: cut them out of it
            head = len(payload[0]) + len(",".join(fields[:payload[1] + 1])) + 1
            cut = bytearray()
            for c in text[head:] + "\r\n":  # latin1() inverted: one byte per character
                cut.append(ord(c))
            raw = bytes(cut[:size])
            if len(raw) < size:  # the line ended on a CR or LF inside the payload
                rest = self.take(size - len(raw), deadline)
                if rest is None:
                    raise AtTimeout(command, timeout, lines)
                raw += rest
                self.buf = b"\r\n" + self.buf
            lines[-1] = text[:head]
        else:  # the header's line ended on its CR: its LF is not payload
            rest = self.take(1, deadline)
            if rest is not None and rest != b"\n":
                self.buf = rest + self.buf
            rest = self.take(size, deadline) if rest is not None else None
            if rest is None:
                raise AtTimeout(command, timeout, lines)
            raw = rest
        lines.append(latin1(raw))

    def wait(self, prefixes: "tuple[str, ...]", timeout: float) -> "str | None":
        """The first report starting with one of `prefixes` (queued or new), None on timeout.

        A reboot banner read here raises ModemRebooted: what was set up is gone.
        """
        for queued in self.urcs:
            if queued.startswith(prefixes):
                self.urcs.remove(queued)
                return queued
        deadline = self.now() + timeout
        while True:
            text = self.line(deadline)
            if text is None:
                return None
            if text in self.banners:
                raise ModemRebooted(text, None)
            if text.startswith(prefixes):
                return text
            self.report(text)

    def drain(self, seconds: float) -> None:
        """Read for `seconds`, keeping reports: late answers of a sync attempt go."""
        deadline = self.now() + seconds
        while True:
            text = self.line(deadline)
            if text is None:
                return
            if text[0] in _REPORT and ":" in text:
                self.report(text)


def latin1(data: bytes) -> str:
    """`data` as one character per byte (Latin-1) on both interpreters.

    MicroPython's `decode` knows UTF-8 only: a byte >= 0x80 raises UnicodeError or
    merges with its neighbours, which would break a binary answer (a CoAP reply,
    a payload echo); ASCII, the usual line, takes the fast path.
    """
    try:
        text = data.decode()
        if len(text) == len(data):
            return text
    except UnicodeError:
        pass
    text = ""
    for b in data:
        text += chr(b)
    return text


def cme_error(command: str, text: str) -> "Exception":
    """A CmeError with its 27.007 name (the table is imported only when an error comes)."""
    from me_lib.at.cme import cme_name

    code = int(text) if text.isdigit() and len(text) < 6 else None
    return CmeError(command, code, cme_name(code) if code is not None else text)
