"""Fuzz targets of the board core (`me_lib.board`): the link, the whole flow, the card decoder.

`board_link`: the input's first two bytes pick the options of one `Link.cmd`
(answer prefix, binary framing, a prompt and payload, a report flood after the
answer, how many times the rest repeats), the rest is the modem's answer. Beyond
"only a MeLibError escapes", a finding is: a wait past the command's timeout on
the port's virtual clock (one read step over is the port's granularity), more
than MAX_URCS reports kept, a buffer larger than two lines' worth.

`board_flow`: the whole `flow.provision` against a modem that replays a good
session recorded from `sim://default` (`_session`), with one answer (picked by
the input's first byte) replaced by the rest of the input. A result dict or a
MeLibError, within a bounded number of commands, and no write that carries a
value the flow did not validate (a CR, LF or an unpaired quote in a command).

`board_card_decode`: EF.DMCFG bytes to `me_lib.board.card.decode`.
"""

import functools
import json
from binascii import crc32
from typing import Any

from me_lib.board import card, flow
from me_lib.board.link import _STEPS, MAX_LINE, MAX_URCS, Link
from me_lib.errors import MeLibError
from me_lib.modem.dialects import GENERIC, by_name

#: the port's virtual seconds per real second (a read step of 0.02 s is 20 s)
SCALE = 1000.0
MAX_COMMANDS = 400
#: the most bytes one port read returns
CHUNK = 256


class VirtualClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def to_real(self, seconds: float) -> float:
        return seconds / SCALE


class ScriptPort:
    """Each command line written releases the next answer (bytes), or raises it (an
    exception: a port that fails); a read that finds nothing advances the clock by its
    timeout. `unsolicited`: what the modem has sent before the first command. `flood`:
    bytes the modem keeps sending after the script, each read costing `flood_s` of the
    clock (a module stuck in a loop). The board tests (tests/board) script it too."""

    def __init__(self, answers: "list[Any]", flood: bytes = b"", flood_s: float = 0.05,
                 limit: int = 200_000, unsolicited: bytes = b"") -> None:
        self.answers = list(answers)
        self.rx = bytearray(unsolicited)
        self.written: list[bytes] = []
        self.clock = VirtualClock()
        self.timeout = 0.0
        self.flood = flood
        self.flood_s = flood_s
        self.reads = 0
        self.limit = limit
        #: what went over a bound; the link turns the port's exception into PortClosed
        #: (a MeLibError), so the targets check this too
        self.fault = ""

    @property
    def in_waiting(self) -> int:
        return len(self.rx)

    def write(self, data: bytes) -> int:
        self.written.append(bytes(data))
        if len(self.written) > MAX_COMMANDS:
            self.fault = "more than %d writes: %r" % (MAX_COMMANDS, self.written[-3:])
            raise AssertionError(self.fault)
        if data.endswith(b"\r") and self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, BaseException):
                raise answer
            self.rx += answer
        return len(data)

    def read(self, size: int = 1) -> bytes:
        self.reads += 1
        if self.reads > self.limit:  # the link never stops reading: a hang
            self.fault = "the link kept reading past t=%.1f" % self.clock.t
            raise AssertionError(self.fault)
        if not self.rx and self.flood:
            self.rx += self.flood
            self.clock.t += self.flood_s
        if not self.rx:
            self.clock.t += self.timeout * SCALE  # the wait passes on the virtual clock
            return b""
        size = min(size, CHUNK)  # a UART FIFO: a read gives what came, a chunk at most
        out = bytes(self.rx[:size])
        del self.rx[:size]
        return out


_PREFIXES = (None, "+CGDCONT:", "+QIRD:", "#SRECV:", "+CARECV:", "+CPIN:")
_PAYLOADS = (None, ("+QIRD:", 0, 0), ("+CARECV:", 0, 1), ("#SRECV:", 1, 0))


def board_link(data: bytes) -> None:
    """One command against an answer built from `data` (see the module docstring)."""
    if len(data) < 2:
        return
    a, b = data[0], data[1]
    body = data[2:]
    prefix = _PREFIXES[a % len(_PREFIXES)]
    payload = _PAYLOADS[(a >> 3) % len(_PAYLOADS)]
    prompt = bool(a & 0x20)
    flood = body if a & 0x40 and body else b""
    repeat = 1 + (b & 0x0F) * (b & 0x0F)        # up to 226 copies: lines past MAX_LINE
    timeout = 1.0 + (b >> 4)
    port = ScriptPort([body * repeat], flood=flood)
    link = Link(port, by_name("quectel-bg96") if a & 0x80 else GENERIC)
    try:
        link.cmd("AT+X", prefix, timeout, payload=payload, data=b"\x40\x00\x12\x34"
                 if prompt else b"", final="SEND OK" if prompt else "")
    finally:
        _bounds(link, port, timeout)
    try:
        link.wait(("+CEREG:",), timeout)
    finally:
        _bounds(link, port, 2 * timeout)


def _bounds(link: Link, port: ScriptPort, timeout: float) -> None:
    if port.fault:
        raise AssertionError(port.fault)
    late = port.clock.t - timeout
    if late > _STEPS[-1] * SCALE + port.flood_s:
        raise AssertionError("waited %.2f s past a %.1f s timeout" % (late, timeout))
    if len(link.urcs) > MAX_URCS:
        raise AssertionError("%d reports kept" % len(link.urcs))
    if len(link.buf) > 2 * MAX_LINE + CHUNK:
        raise AssertionError("%d bytes buffered" % len(link.buf))


class _State:
    def __init__(self) -> None:
        self.doc: Any = None

    def load(self) -> Any:
        return self.doc

    def save(self, doc: Any) -> None:
        json.dumps(doc)   # what a board writes must be JSON
        self.doc = doc


@functools.cache
def _session() -> "tuple[tuple[str, bytes], ...]":
    """(command, its answer bytes) of a good board run on `sim://default`."""
    import serial

    import me_lib  # noqa: F401  (registers sim://)

    pairs: list[list[Any]] = []

    def trace(direction: str, chunk: bytes, now: float) -> None:
        if direction == "tx" and chunk.endswith(b"\r"):
            pairs.append([chunk[:-1].decode("latin-1"), b""])
        elif direction == "rx" and pairs:
            pairs[-1][1] += chunk

    port = serial.serial_for_url("sim://default?speed=4000")
    try:
        result = flow.provision(Link(port, GENERIC, trace), _State(), seed=1)
    finally:
        port.close()
    if not result["ok"]:
        raise RuntimeError("the recorded board session failed: %r" % result)
    for i in range(1, len(pairs)):  # a chunk ends mid line end: give the LF to its CR
        if pairs[i][1].startswith(b"\n") and pairs[i - 1][1].endswith(b"\r"):
            pairs[i - 1][1] += b"\n"
            pairs[i][1] = pairs[i][1][1:]
    return tuple((c, a) for c, a in pairs)


def session_seed() -> bytes:
    """A valid board_flow input: the answer of +CGDCONT? (index byte, then bytes)."""
    for i, (command, answer) in enumerate(_session()):
        if command == "AT+CGDCONT?":
            return bytes([i]) + answer
    raise RuntimeError("no AT+CGDCONT? in the recorded session")


def board_flow(data: bytes) -> None:
    """The flow against the recorded session with one answer replaced by `data[1:]`."""
    session = _session()
    answers = [a for _c, a in session]
    if data:
        answers[data[0] % len(answers)] = data[1:]
    port = ScriptPort(answers)
    link = Link(port, GENERIC)
    try:
        result = flow.provision(link, _State(), seed=1)
    finally:
        if port.fault:
            raise AssertionError(port.fault)
    if not isinstance(result, dict) or not isinstance(result.get("ok"), bool):
        raise AssertionError("not a result document: %r" % (result,))
    for line in port.written:
        text = line[:-1] if line.endswith(b"\r") else line
        if line.startswith(b"AT") and (b"\r" in text or b"\n" in text or text.count(b'"') % 2
                                       or b";" in text):
            raise AssertionError("unvalidated value in a command line: %r" % line)


def board_card_decode(data: bytes) -> None:
    """The bytes as they are, then with their CRC (tag 8F) made right: a mutated file
    otherwise fails the CRC check first and never reaches the templates."""
    try:
        card.decode(data)
    except MeLibError:
        pass
    body = data.rstrip(b"\xff")  # the padding after the CRC
    body = body[:-6] if len(body) > 6 and body[-6:-4] == b"\x8f\x04" else body
    card.decode(body + b"\x8f\x04" + (crc32(body) & 0xFFFFFFFF).to_bytes(4, "big"))
