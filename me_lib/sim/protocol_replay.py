"""pyserial URL handler for `replay://FILE`: a recorded modem played back.

Why: a trace recorded on a real modem (`me-lib provision --record FILE`) is
the cheapest faithful model of that modem, quirks included. Played back, it
turns a field bug into a regression test that needs no hardware, and it tells
when the host's behaviour changes: the host's writes must be the recorded
ones, byte for byte.

Rules (pyserial finds this module because `me_lib/__init__.py` puts
"me_lib.sim" in `serial.protocol_handler_packages`; `replay:///abs/trace.jsonl`
or `replay://relative/trace.jsonl`):

* The host's writes are compared with the recorded tx bytes as one stream, so
  the chunking may differ. The first difference raises `ReplayMismatch` (a
  `SerialException` and a `MeLibError`) naming the record (its line in the
  file), its recorded time and both command lines as text; later writes raise
  the same error again, so a caller that swallows it cannot drift on.
* The modem's bytes (rx records) are released once the host has written
  everything recorded before them, at their recorded time.
* `.clock` is virtual and follows the recording: a read that waits moves it to
  the next due record's time (or by the read's timeout when nothing is due),
  and a write moves it to the recorded time of what was written. Nothing
  sleeps, so the library's timeouts and back-offs behave as recorded at
  the speed of the CPU. The clock's `to_real` is the identity, so the channel's
  read timeouts (which it derives from the clock) are virtual waits here.
* Past the end of the recording the modem is silent (reads time out); a write
  there raises `ReplayMismatch` ("the recording ends here").
"""

import bisect
import threading
import urllib.parse
from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from me_lib.at.redact import MASK
from me_lib.at.trace import Record, Trace, load, redact_bytes
from me_lib.errors import DecodeError, MeLibError
from me_lib.sim.serial_lines import NoModemLines

MASK_BYTES = MASK.encode("ascii")

# A blocking read (timeout None) waits at most this long in virtual seconds when
# nothing is due, so a misconfigured caller cannot hang on a finished recording.
_BLOCKING_WAIT = 60.0

# How far ahead of the replay clock a recorded rx record may be and still be
# readable now. The recorded times include the recording host's own
# computing (on the simulator at speed N, 1 ms of CPU is N ms of modem time),
# so an answer the recorded host read just before it wrote (or just after a
# timer it did not yet notice) must not be held back by that noise.
DEFAULT_SLACK = 0.1


class ReplayClock:
    """Virtual seconds since the first record, moved by the replay port.

    Each look at the clock also moves it by `TICK` (the host's computing takes
    time): a caller that spins until a deadline computed from `now()` (say
    `last + 0.2`, which float rounding can leave a hair ahead of any later
    `now()`) then gets there instead of spinning forever.
    """

    TICK = 1e-7

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = 0.0

    def now(self) -> float:
        with self._lock:
            self._now += self.TICK
            return self._now

    def advance_to(self, t: float) -> float:
        """Move forward to `t` (never back); returns the current time."""
        with self._lock:
            if t > self._now:
                self._now = t
            return self._now

    def to_real(self, virtual_seconds: float) -> float:
        """Identity: the port reads a read timeout as the virtual time to wait."""
        return max(0.0, virtual_seconds)


def _show(data: bytes) -> str:
    """Bytes as readable text: 'AT+CGDCONT=1,"IP","x"\\r'."""
    return repr(bytes(data))[1:]


class ReplayMismatch(SerialException, MeLibError):  # type: ignore[misc]
    """The host wrote something other than the recording at this point.

    Both a `serial.SerialException` (what a port raises) and a `MeLibError`
    (so the channel and the CLI let it surface as itself).
    """

    def __init__(self, path: str, record: Record | None, expected: bytes, written: bytes,
                 at_end: bool = False) -> None:
        if record is None:
            where = "%s: the recording ends here (it has no tx records)" % path
        elif at_end:
            where = ("%s: the recording ends here, after line %d (t=%.3f s)"
                     % (path, record.line, record.t))
        else:
            where = "%s: replay diverges at line %d (t=%.3f s)" % (path, record.line, record.t)
        message = "%s: the recording expects %s but the host wrote %s" % (
            where, _show(expected) if expected else "nothing more", _show(written))
        MeLibError.__init__(self, message, "the host now sends something else than when "
                            "the trace was recorded (changed code, profile or state); "
                            "re-record the trace if the change is intended")
        self.path = path
        self.line = record.line if record is not None else 0
        self.t = record.t if record is not None else 0.0
        self.expected = expected
        self.written = written
        self.at_end = at_end


class Player:
    """The replay logic, without pyserial: feed writes, take reads, move the clock."""

    def __init__(self, trace: Trace, clock: ReplayClock | None = None,
                 slack: float = DEFAULT_SLACK) -> None:
        self.trace = trace
        self.clock = clock or ReplayClock()
        self.slack = slack
        self.records = trace.records
        self._tx = bytearray()
        self._tx_before: list[int] = []      # tx bytes recorded before each record
        self._tx_starts: list[int] = []      # stream offset of each tx record
        self._tx_records: list[Record] = []
        for rec in self.records:
            self._tx_before.append(len(self._tx))
            if rec.direction == "tx":
                self._tx_starts.append(len(self._tx))
                self._tx_records.append(rec)
                self._tx += rec.data
        self.tx_pos = 0                      # how much of the tx stream the host has written
        self._next = 0                       # first record not yet consumed
        self._pending = bytearray()          # released rx bytes not read yet
        self._host_line = bytearray()        # what the host wrote since its last CR
        self._held = bytearray()             # host bytes of a masked line, until its CR
        self.mismatch: ReplayMismatch | None = None

    # -- modem side ----------------------------------------------------------------

    def _release(self, horizon: float) -> None:
        """Make the unlocked rx records recorded up to `horizon` readable (clock follows)."""
        while self._next < len(self.records):
            rec = self.records[self._next]
            if rec.direction == "tx":
                if self.tx_pos < self._tx_before[self._next] + len(rec.data):
                    return
            elif self.tx_pos < self._tx_before[self._next] or rec.t > horizon:
                return
            else:
                self._pending += rec.data
                self.clock.advance_to(rec.t)
            self._next += 1

    def _next_due(self) -> float | None:
        """Recorded time of the next rx record the host's writes have unlocked."""
        if self._next < len(self.records):
            rec = self.records[self._next]
            if rec.direction == "rx" and self.tx_pos >= self._tx_before[self._next]:
                return rec.t
        return None

    def waiting(self) -> int:
        self._release(self.clock.now() + self.slack)
        return len(self._pending)

    def read(self, size: int, wait: float | None) -> bytes:
        """Up to `size` bytes, letting at most `wait` virtual seconds (+ slack) pass for them."""
        limit = _BLOCKING_WAIT if wait is None else max(0.0, wait)
        deadline = self.clock.now() + limit
        while True:
            self._release(self.clock.now() + self.slack)
            if len(self._pending) >= size:
                break
            due = self._next_due()
            if due is None or due > deadline + self.slack:
                self.clock.advance_to(deadline)
                break
            self.clock.advance_to(due)
        out = bytes(self._pending[:size])
        self._pending[:size] = b""
        return out

    # -- host side -----------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if self.mismatch is not None:
            raise self.mismatch
        if self._held or self._masked_line_at(self.tx_pos):
            self._write_masked(data)
            return
        end = self.tx_pos + len(data)
        expected = self._tx[self.tx_pos:end]
        if expected == data:
            rec = self._tx_record(self.tx_pos)
            self.tx_pos = end
            self.clock.advance_to(rec.t)
            self._note_host(data)
            self._release(self.clock.now() + self.slack)
            return
        diff = next(i for i in range(len(data))
                    if i >= len(expected) or expected[i] != data[i])
        self.mismatch = self._mismatch(data, diff)
        raise self.mismatch

    def _masked_line_at(self, offset: int) -> bool:
        """Whether the recorded host line starting at `offset` had its secrets masked."""
        if offset >= len(self._tx) or (offset > 0 and self._tx[offset - 1] != 0x0D):
            return False
        stop = self._tx.find(b"\r", offset)
        return MASK_BYTES in self._tx[offset:stop if stop >= 0 else len(self._tx)]

    def _write_masked(self, data: bytes) -> None:
        """Hold the host's line until its CR, then compare it after redaction.

        A trace recorded without `--record-secrets` holds `AT+CPIN=***`; the
        replayed host sends its own PIN, which must give the same text once
        masked the same way.
        """
        self._held += data
        cut = self._held.find(b"\r")
        if cut < 0:
            return
        line, rest = bytes(self._held[:cut + 1]), bytes(self._held[cut + 1:])
        self._held = bytearray()
        stop = self._tx.find(b"\r", self.tx_pos)
        end = stop + 1 if stop >= 0 else len(self._tx)
        expected = bytes(self._tx[self.tx_pos:end])
        if redact_bytes(line) != expected:
            self.mismatch = ReplayMismatch(str(self.trace.path), self._tx_record(self.tx_pos),
                                           expected, redact_bytes(line))
            raise self.mismatch
        rec = self._tx_record(self.tx_pos)
        self.tx_pos = end
        self.clock.advance_to(rec.t)
        self._note_host(line)
        self._release(self.clock.now() + self.slack)
        if rest:
            self.write(rest)

    def _tx_record(self, offset: int) -> Record:
        return self._tx_records[bisect.bisect_right(self._tx_starts, offset) - 1]

    def _note_host(self, data: bytes) -> None:
        cut = data.rfind(b"\r")
        if cut >= 0:
            self._host_line[:] = data[cut + 1:]
        else:
            self._host_line += data

    def _mismatch(self, data: bytes, diff: int) -> ReplayMismatch:
        offset = self.tx_pos + diff
        head = bytes(self._host_line) + data[:diff]
        head_cr = head.rfind(b"\r")
        written = data[diff:]
        written = written[:written.find(b"\r") + 1] if b"\r" in written else written
        written = head[head_cr + 1:] + written
        path = str(self.trace.path)
        if offset >= len(self._tx):
            last = self.records[-1] if self.records else None
            return ReplayMismatch(path, last, b"", written, at_end=True)
        start = self._tx.rfind(b"\r", 0, offset) + 1
        stop = self._tx.find(b"\r", offset)
        expected = bytes(self._tx[start:stop + 1 if stop >= 0 else len(self._tx)])
        return ReplayMismatch(path, self._tx_record(offset), expected, written)


def parse_url(url: str) -> tuple[str, float]:
    """'replay:///tmp/a.jsonl?slack=0.5' -> ('/tmp/a.jsonl', 0.5); relative paths work too."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "replay":
        raise SerialException("expected a replay://FILE[?slack=S] URL, got %r" % url)
    path = urllib.parse.unquote(parts.netloc + parts.path)
    if not path:
        raise SerialException("replay:// needs a trace file: replay:///path/to/trace.jsonl")
    slack = DEFAULT_SLACK
    for key, values in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items():
        try:
            if key != "slack":
                raise ValueError("unknown option %r" % key)
            slack = float(values[-1])
            if not 0 <= slack <= 60:
                raise ValueError("slack must be in [0, 60] seconds")
        except ValueError as exc:
            raise SerialException("bad replay:// URL %r: %s" % (url, exc)) from None
    return path, slack


class Serial(NoModemLines, SerialBase):  # type: ignore[misc]
    """A pyserial port whose other end is a recorded modem (see the module docstring)."""

    is_open: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.player: Player | None = None
        self.clock = ReplayClock()
        self._lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        path, slack = parse_url(self.portstr)
        try:
            trace = load(path)
        except DecodeError as exc:
            raise SerialException(str(exc)) from None
        self.player = Player(trace, self.clock, slack)
        self.is_open = True

    def close(self) -> None:
        self.is_open = False

    def _reconfigure_port(self, *args: Any, **kwargs: Any) -> None:
        """Line settings do not matter to a recording."""

    def _player(self) -> Player:
        if not self.is_open or self.player is None:
            raise PortNotOpenError()
        return self.player

    @property
    def in_waiting(self) -> int:
        p = self._player()
        with self._lock:
            return p.waiting()

    def read(self, size: int = 1) -> bytes:
        p = self._player()
        with self._lock:
            return p.read(size, self._timeout)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        p = self._player()
        raw = bytes(data)
        with self._lock:
            p.write(raw)
        return len(raw)

    def reset_input_buffer(self) -> None:
        p = self._player()
        with self._lock:
            p.read(p.waiting(), 0.0)

    def reset_output_buffer(self) -> None:
        self._player()
