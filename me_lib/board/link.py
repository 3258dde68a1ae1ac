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
from me_lib.errors import (
    AtCommandError,
    AtProtocolError,
    AtTimeout,
    CmeError,
    ModemRebooted,
    PortClosed,
)

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
#: lines that start a boot (the AT engine's `me_lib.at.urc` tables, kept equal by a test):
#: a reboot unless it is a follow-up banner of the same boot within the boot's time
BOOT_BANNERS = ("RDY", "APP RDY", "^SYSSTART", "+SYSSTART", "SMS Ready", "Ready",
                "*ATREADY: 1", "#SYSSTART")
FOLLOW_UP_BANNERS = ("APP RDY", "SMS Ready")
BOOT_SEQUENCE_S = 60.0
#: the port read timeouts used (real seconds): a wait is rounded up to one of them
_STEPS = (0.0001, 0.0005, 0.002, 0.005, 0.02)
# a line starting with one of these characters and holding ':' is a report unless the
# pending command asked for that prefix
_REPORT = "+#%^$"


class Link:
    """One AT command at a time over a byte port (pyserial API: read/write/in_waiting/timeout)."""

    def __init__(self, port: "Any", dialect: "Any", trace: "Any" = None) -> None:
        self.port = port
        self.trace = trace
        self.dialect = dialect
        self.syncing = False  # a banner while syncing is the boot we wait for
        self.banner_at = -1.0  # when the last boot banner came (clock seconds)
        self.buf = b""
        self.urcs: list[str] = []
        self.round_trips = 0
        self.writes = 0
        clock = getattr(port, "clock", None)  # the simulator's virtual clock, if any
        self.now = getattr(clock, "monotonic", None) or getattr(clock, "now", None) or monotonic
        self.real = getattr(clock, "to_real", None)
        self.port_timeout = -1.0
        self.pending = ""  # the command in flight, for the errors
        self.data = b""  # the bytes of the last binary answer framed

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
                real = min(_STEPS[-1], self.real(wait) if self.real else wait)
                if real <= 0:
                    return False
                for step in _STEPS:  # a few fixed values: the port timeout rarely changes
                    if step >= real:
                        real = step
                        break
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
        return True

    def line(self, deadline: float, prompt: bytes = b"",
             payload: "tuple[str, int, int] | None" = None) -> "str | None":
        """The next non-empty line, stripped; None at the deadline.

        `prompt` seen at a line start is returned as ">". A line starting with
        `payload`'s header prefix (see `cmd`) is framed by the length it
        announces, not by line ends (binary data holds CR and LF): the header
        is returned and the bytes are left in `self.data`.
        """
        while True:
            buf = self.buf
            i = 0
            while i < len(buf) and buf[i] in b"\r\n":
                i += 1
            if prompt and buf[i:i + len(prompt)] == prompt:
                self.buf = buf[i + len(prompt):]
                return ">"
            if payload is not None and buf[i:i + len(payload[0])] == payload[0].encode():
                framed = self.frame(buf, i, payload)
                if framed is not None:
                    return framed
            else:
                end = i
                while end < len(buf) and buf[end] not in b"\r\n":
                    end += 1
                if end < len(buf):
                    self.buf = buf[end + 1:]
                    text = latin1(buf[i:end]).strip()
                    if text:
                        return text
                    continue
                if end - i > MAX_LINE:  # a line that never ends: drop it, keep reading
                    i = end
            self.buf = buf[i:]
            if self.now() >= deadline:
                return None
            self.fill(deadline - self.now())

    def frame(self, buf: bytes, i: int, payload: "tuple[str, int, int]") -> "str | None":
        """Cut a length-announced binary answer at `buf[i:]`; None until it is all there.

        `payload` = (header prefix, index of the length field, 1: the bytes follow
        the comma after that field on the header's own line, 0: they follow the
        header's line end). The header is returned; the bytes go to `self.data`.
        """
        sep = i + len(payload[0])
        commas = payload[1] + 1 if payload[2] else -1
        while sep < len(buf) and buf[sep] not in b"\r\n":
            if buf[sep] == 44:  # ","
                commas -= 1
                if commas == 0:
                    break
            sep += 1
        if sep - i > MAX_LINE:
            raise AtProtocolError(self.pending, "binary answer header not readable")
        if sep >= len(buf):
            return None
        header = latin1(buf[i:sep]).strip()
        fields = header[len(payload[0]):].split(",")
        size = number(fields[payload[1]].strip()) if len(fields) > payload[1] else -1
        if not 0 <= size <= MAX_LINE:
            raise AtProtocolError(self.pending, "payload length not readable in %r" % (
                header[:40],))
        begin = sep + 1
        if not payload[2]:  # after the header's line end: CR LF, or one of them
            if begin >= len(buf):
                return None
            if buf[sep] == 13 and buf[begin] == 10:
                begin += 1
        end = begin + size
        if len(buf) < end:
            return None
        self.data = buf[begin:end]
        self.buf = buf[end:]
        return header

    def rebooted(self, text: str) -> bool:
        """Whether line `text` says the module booted again (a banner of a new boot).

        Not while syncing (that boot is the one waited for), nor when it follows
        the boot's first banner within the boot's time (Quectel RDY ... APP RDY,
        SIMCom RDY ... SMS Ready): the caller queues those as reports.
        """
        if text not in BOOT_BANNERS and text not in self.dialect.boot_banners:
            return False
        last, self.banner_at = self.banner_at, self.now()
        return not (self.syncing or (text in FOLLOW_UP_BANNERS and last >= 0 and (
            self.banner_at - last <= BOOT_SEQUENCE_S)))

    def report(self, text: str) -> None:
        if len(self.urcs) >= MAX_URCS:
            self.urcs.pop(0)
        self.urcs.append(text)

    def sync(self, probe: str = "ATE0", attempts: int = 10, timeout: float = 1.0,
             settle: float = 0.2) -> None:
        """`probe` until OK (a module still booting ignores its UART), then a quiet
        `settle`: the answers of earlier attempts arrive late and are dropped."""
        last = None
        self.syncing = True
        try:
            for _ in range(attempts):
                try:
                    self.cmd(probe, timeout=timeout)
                except AtTimeout as exc:
                    last = exc
                    continue
                self.drain(settle)
                return
        finally:
            self.syncing = False
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
        self.pending = command
        deadline = self.now() + timeout
        lines: list[str] = []
        echo = True
        while True:
            self.data = b""
            text = self.line(deadline, prompt if data else b"", payload)
            if text is None:
                raise AtTimeout(command, timeout, lines)
            if echo and text == command:  # echo still on (before ATE0 took effect)
                echo = False
                continue
            if text == ">" and data:  # a prompt again after the payload is no second send
                self.write(data)
                data = b""
                continue
            if text == "OK" or text == final:
                return lines
            if text == "ERROR" or text.endswith("FAIL"):
                raise AtCommandError(command, text)
            if text.startswith("+CME ERROR:") or text.startswith("+CMS ERROR:"):
                raise cme_error(command, text[11:].strip())
            if self.rebooted(text):
                raise ModemRebooted(text, command)
            if text in BOOT_BANNERS or text in self.dialect.boot_banners:
                self.report(text)  # part of the boot being waited for
                continue
            if (prefix is not None and text.startswith(prefix)) or (prefix is None and not (
                    text[0] in _REPORT and ":" in text)):
                if len(lines) < MAX_LINES:
                    lines.append(text)
                    if payload is not None and text.startswith(payload[0]):
                        lines.append(latin1(self.data))
                continue
            self.report(text)

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
            if self.rebooted(text):
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
            if not self.rebooted(text) and ((text[0] in _REPORT and ":" in text) or text in (
                    BOOT_BANNERS)):
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

    code = number(text)
    return CmeError(command, code if code >= 0 else None, cme_name(code) if code >= 0 else text)


def number(text: str) -> int:
    """`text` as a number when it is 1 to 9 ASCII digits, else -1.

    Not `str.isdigit`: on CPython it takes the Latin-1 bytes 0xB2, 0xB3, 0xB9
    ("²", "³", "¹") a broken or hostile modem may send, which `int` then
    refuses with a ValueError; and a field of a thousand digits is no number
    of ours either.
    """
    if 0 < len(text) < 10 and not text.strip("0123456789"):
        return int(text)
    return -1
