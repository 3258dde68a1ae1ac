"""The sans-I/O AT protocol engine.

`AtEngine` is a pure state machine: bytes from the modem go in through
`feed(data, now)`, the passing of time through `tick(now)`, and events come
out (`Response`, `Urc`, `Prompt`, `Rebooted`, `Timeout`, `DataReceived`).
`send()` returns the bytes to write. It never touches a port, a clock or a
thread, which is what lets the same engine run under pyserial, asyncio and
MicroPython, and lets tests prove that any chunking of the same bytes gives
the same events.

What it knows about real modems (vendor AT manuals, captures):
- line ends may be CRLF, CR CR LF, bare CR or bare LF, with blank lines, NUL
  and 0xFF noise anywhere;
- echo may be on or off, and comes back on after a reboot;
- a URC can arrive before, inside or after a response, and may share its
  prefix with the pending command (`+CEREG:`); the shape rules in `urc.py`
  tell them apart;
- some answers carry a binary payload of announced length (`+QIRD: <n>`);
- some commands want a payload after a `> ` or `@` prompt;
- some modules never send a final for some commands (Wavecom `+CPIN?`);
- a boot banner means the in-flight command will never be answered.

How it is built: the input mode (`_mode`: lines, echo, raw payload, prompt
payload, data) picks the reader of the next bytes from `_READERS`; the line
reader frames lines and hands each to `_line`, which classifies it (echo,
banner, prompt, final, response, URC); the command lifecycle (`send`,
`_complete`, `_rebooted`, `_check_timers`: idle, command, settling) is apart
from both. docs/architecture.md has the mode table.

Portable (MicroPython): no regex, no dataclasses, bytearray slice assignment only.
"""

from me_lib.at.cme import cme_code, cme_name, cms_name
from me_lib.at.command import MAX_LINE, check_line
from me_lib.at.events import (
    DataReceived,
    Final,
    Prompt,
    ProtocolError,
    Rebooted,
    Response,
    Timeout,
    Urc,
)
from me_lib.at.fields import prefix_of, split_fields, to_int
from me_lib.at.redact import redact
from me_lib.at.timeouts import timeout_for
from me_lib.at.urc import (
    BOOT_BANNERS,
    BOOT_SEQUENCE_SECONDS,
    DEFAULT_URC_PREFIXES,
    FOLLOW_UP_BANNERS,
    URC_LINES,
    is_response_shape,
)
from me_lib.errors import AtError

try:
    from typing import TYPE_CHECKING
except ImportError:  # MicroPython
    TYPE_CHECKING = False  # type: ignore[misc]

if TYPE_CHECKING:
    from collections.abc import Iterable

    Event = Response | Urc | Prompt | Rebooted | Timeout | DataReceived | ProtocolError

# Finals that are whole lines: text -> the Final (events are immutable values,
# so one instance serves every command).
_SIMPLE_FINALS = {}
for _text, _ok in (("OK", True), ("ERROR", False), ("NO CARRIER", False), ("BUSY", False),
                   ("NO ANSWER", False), ("NO DIALTONE", False),
                   ("COMMAND NOT SUPPORT", False), ("ABORTED", False)):
    _SIMPLE_FINALS[_text] = Final(_text, _ok, _text)

# First five characters of the finals that carry a value (checked before parsing).
_FINAL_HEADS = ("+CME ", "+CMS ", "MODEM")

# Bytes that are never part of a line: NUL, 0xFF and C0 controls other than TAB
# (CR and LF are line ends and never reach the line buffer).
_NOISE = bytes([c for c in range(32) if c not in (9, 10, 13)] + [0x7F, 0xFF])

# The longest announcing header of an inline payload (`+CARECV: <len>,`) worth
# waiting for: a longer start of line is not one, whatever follows.
_INLINE_HEAD = 96

# Longest partial line that can still be a prompt (`> ` with some noise around it).
_PROMPT_MAX = 8

# What may follow a prompt character before the echo of the payload written after
# it: the space of `> `, then a line end (CR LF, CR CR LF, CR or LF), each byte
# optional, in this order. None of it is the echo, however the reads cut it.
_PROMPT_TAIL = b" \r\r\n"

# What an over-long line keeps of its tail, so a final at its end is still seen.
_KEEP_TAIL = 256

# The input modes: how the next bytes are read, one reader each (`_READERS`).
# Which input leaves which mode for which: docs/architecture.md, pinned by
# tests/at/test_engine_modes.py.
_LINES = 0      # framed into lines, each classified by `_line`
_ECHO = 1       # just sent: with echo on, the bytes up to the first CR LF are its echo
_RAW = 2        # a payload of announced length (`+QIRD: 5`), taken byte for byte
_PAYLOAD = 3    # after a prompt: its tail (space, line end), then the echo of our payload
_DATA = 4       # after CONNECT: every byte is data, until `leave_data_mode()`
_MODE_NAMES = ("lines", "echo", "raw", "payload", "data")

try:
    b"a\x00".translate(None, b"\x00")
    _TRANSLATE = True
except (AttributeError, TypeError, NotImplementedError):  # MicroPython has no translate
    _TRANSLATE = False


try:  # one char per byte; MicroPython ignores the codec name (UTF-8) or lacks it
    _LATIN1 = b"\xc3\xa9".decode("latin-1") == "\xc3\xa9"
except (LookupError, UnicodeError, ValueError):
    _LATIN1 = False


def latin1(data: bytes) -> str:
    """`data` as text, one character per byte, on every interpreter.

    Modem lines are ASCII, but garbage and vendor text are not; the engine
    must never raise on them, and a byte must stay one character.
    """
    if _LATIN1:
        return data.decode("latin-1")
    # MicroPython: an ASCII line (nearly every line) decodes as itself in one
    # allocation; the join below builds a list of one-character strings first,
    # 9 KB for a 1 KB +CRSM answer on the 64-bit unix port, and that block is
    # what a small heap fails to find
    if not data or max(data) < 0x80:
        return data.decode()
    return "".join([chr(c) for c in data])


def _clean(line: bytes) -> bytes:
    """The line without noise bytes (the slow path for interpreters without translate)."""
    for c in line:
        if c < 32 or c == 0x7F or c == 0xFF:
            return bytes([c for c in line if not (c < 32 or c == 0x7F or c == 0xFF)])
    return line


class RawSpec:
    """A payload of announced length that follows a line.

    `prefix` starts the announcing line, `length_field` is the index of the
    field holding the byte count. With `inline` the payload starts right after
    the comma that ends the length field on the same line (`+CARECV: 5,hello`);
    otherwise it starts after the line's end (`+QIRD: 5\\r\\nhello`).
    """

    def __init__(self, prefix: str, length_field: int = 0, inline: bool = False) -> None:
        self.prefix = prefix
        self.prefix_bytes = prefix.encode()
        self.length_field = length_field
        self.inline = inline


class _Pending:
    """The command in flight and what its response has gathered so far."""

    def __init__(self, command: str, prefixes: "tuple[str, ...]", timeout: float,
                 finals: "tuple[tuple[str, bool], ...]", payload: bytes | None,
                 prompt_chars: str, raw: "tuple[RawSpec, ...]",
                 no_final_grace: float | None, settle: float) -> None:
        self.command = command
        up = command.upper()
        self.command_upper = up
        self.prefixes = prefixes
        # the common cases (no prefix, no raw payload) allocate nothing here
        self.prefixes_upper = tuple([p.upper() for p in prefixes if p]) if prefixes else ()
        self.accept_bare = (not prefixes) or ("" in prefixes)
        self.timeout = timeout
        self.deadline: float | None = None
        self.finals = finals
        self.payload = payload
        self.prompt_chars = prompt_chars
        self.awaiting_prompt = payload is not None
        if raw:
            self.raw = tuple([r for r in raw if not r.inline])
            self.inline_raw = tuple([r for r in raw if r.inline])
        else:
            self.raw = self.inline_raw = ()
        self.no_final_grace = no_final_grace
        self.grace_since: float | None = None
        self.settle = settle
        self.lines: list[str] = []
        self.payloads: list[bytes] = []
        self.echo_after = _echo_effect(up)
        #: bytes of lines and payloads gathered (bounded by the engine's max_response)
        self.size = 0
        #: why the answer cannot be trusted (an absurd announced length, an endless
        #: answer): the command then ends with a PROTOCOL final, whatever came
        self.error: str | None = None

    def add_line(self, line: str, limit: int) -> bool:
        """Keep an information line unless the answer has outgrown `limit` bytes."""
        if self.size + len(line) > limit:
            if self.error is None:
                self.error = "the answer grew past %d bytes" % limit
            return False
        self.size += len(line)
        self.lines.append(line)
        return True


def _echo_effect(up: str) -> bool | None:
    """Whether a successful command (`up`: its line in upper case) turns echo off
    (False), on (True) or leaves it.

    V.250 6.2.4: `E` without a value is `E0`, so only `E` followed by a digit
    other than 0 turns echo on (`ATE`, `ATEV1` turn it off).
    """
    if "E" not in up or not up.startswith("AT"):
        return None
    basic = up[2:]
    for stop in "+#%^$*":
        k = basic.find(stop)
        if k >= 0:
            basic = basic[:k]
    k = basic.find("E")
    if k < 0:
        return None
    arg = basic[k + 1:k + 2]
    return arg.isdigit() and arg != "0"


class AtEngine:
    """Sans-I/O AT client state machine. See the module docstring."""

    def __init__(self, banners: "Iterable[str]" = BOOT_BANNERS,
                 urc_prefixes: "Iterable[str]" = DEFAULT_URC_PREFIXES,
                 urc_raw: "Iterable[RawSpec]" = (),
                 max_line: int = MAX_LINE, echo: bool | None = None,
                 max_line_bytes: int = 8192, max_raw: int = 8192,
                 max_response: int = 16384, raw_stall: float = 2.0) -> None:
        self.banners = set(banners)
        self.urc_prefixes = set([p.upper() for p in urc_prefixes])
        self.urc_lines = set(URC_LINES)
        self.urc_raw = tuple(urc_raw)
        self.max_line = max_line
        self.max_line_bytes = max_line_bytes
        #: the largest announced payload believed: no module sends more in one answer
        #: (1500 is the usual socket read); a larger count is a garbled line
        self.max_raw = max_raw
        #: the most bytes of lines and payloads one command's answer may gather
        self.max_response = max_response
        #: seconds without a byte after which a raw payload is given up: a module
        #: sends a payload in one go, and one announced by a URC has no command
        #: whose timeout would end the wait
        self.raw_stall = raw_stall
        self.protocol_errors = 0
        #: True: echo known on; False: known off; None: unknown (after a reboot)
        self.echo = echo
        self.consecutive_timeouts = 0
        self.stray_finals = 0
        self._partial = bytearray()
        self._pending: _Pending | None = None
        self._settling: Response | None = None
        self._settle_for = 0.0
        self._now = 0.0
        self._last_rx = 0.0
        #: how the next bytes are read (`_LINES` ... `_DATA`, one reader each)
        self._mode = _LINES
        #: the mode after the raw payload or data mode in progress: `_ECHO` when
        #: a command was sent meanwhile
        self._resume = _LINES
        #: a byte dropped if it comes next (-1: none): the LF of a CR LF whose CR
        #: ended the line before a raw payload or data mode
        self._skip = -1
        #: `_RAW`: bytes still to come, bytes so far, the URC that announced them
        self._raw_left = 0
        self._raw_buf = bytearray()
        self._raw_urc: Urc | None = None
        #: `_PAYLOAD`: the rest of the prompt's tail that may still come before the
        #: echo (a suffix of `_PROMPT_TAIL`), and the rest of the payload's echo
        self._lead = b""
        self._payload_echo = b""
        self._last_banner_at: float | None = None
        #: the last information line of the last answer: a module that lags one
        #: answer behind prints it again before the next answer
        self._prev_tail: str | None = None
        #: True once such a stale copy was seen (then a copy with the expected prefix
        #: is dropped too); `stale_lines` counts the copies dropped
        self.lagging = False
        self.stale_lines = 0

    # -- state ---------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A command is in flight (or settling); `send()` would refuse."""
        return self._pending is not None or self._settling is not None

    @property
    def pending_command(self) -> str | None:
        """The command awaiting its final result, None when the engine is idle."""
        return self._pending.command if self._pending is not None else None

    @property
    def data_mode(self) -> bool:
        """Whether the engine is in data mode (after CONNECT): bytes are not parsed as lines."""
        return self._mode == _DATA

    @property
    def mode(self) -> str:
        """How the next bytes are read: "lines", "echo", "raw", "payload" or "data"
        (the transition table is in docs/architecture.md)."""
        return _MODE_NAMES[self._mode]

    @property
    def phase(self) -> str:
        """Where the command lifecycle is: "idle", "command" (one in flight) or
        "settling" (answered; the response waits for a quiet line)."""
        if self._pending is not None:
            return "command"
        return "idle" if self._settling is None else "settling"

    def buffered(self) -> int:
        """Bytes the engine holds for input not yet reported (never above `buffer_limit`).

        The partial line, a raw payload being gathered and the lines and payloads
        of the answer in flight: what a stream of garbage could make grow.
        """
        size = len(self._partial) + len(self._raw_buf)
        pend = self._pending
        if pend is not None:
            size += pend.size
        if self._settling is not None:
            for line in self._settling.lines:
                size += len(line)
            for data in self._settling.payloads:
                size += len(data)
        return size

    @property
    def buffer_limit(self) -> int:
        """The most `buffered()` can reach: a line, a payload and one answer."""
        return self.max_line_bytes + self.max_raw + self.max_response

    def resync(self) -> None:
        """Forget any half-received input: partial line, raw payload, prompt echo.

        The channel calls it before its resynchronising `AT` after a timeout:
        whatever the engine was in the middle of belongs to a command that is
        over, and must not swallow the next command's answer or a boot banner.
        """
        self._partial[0:len(self._partial)] = b""
        self._drop_payload()

    def next_timer(self) -> float | None:
        """The earliest time at which `tick()` could report something (None: no timer)."""
        # asked before every read: no list, no allocation
        due: float | None = None
        pend = self._pending
        if pend is not None:
            due = pend.deadline
            if pend.grace_since is not None and pend.no_final_grace is not None:
                t = pend.grace_since + pend.no_final_grace
                if due is None or t < due:
                    due = t
        if self._settling is not None:
            t = self._last_rx + self._settle_for
            if due is None or t < due:
                due = t
        if self._raw_left:
            t = self._last_rx + self.raw_stall
            if due is None or t < due:
                due = t
        return due

    def leave_data_mode(self) -> None:
        """The caller escaped data mode (`+++`, DTR): parse lines again."""
        if self._mode == _DATA:
            self._mode = self._resume
            self._resume = _LINES

    def add_urc_prefix(self, prefix: str) -> None:
        """Treat lines starting with `prefix` as URCs, even while a command is pending."""
        self.urc_prefixes.add(prefix.upper())

    # -- commands ------------------------------------------------------------

    def send(self, command: str, prefix: "str | tuple[str, ...] | None" = None,
             timeout: float | None = None,
             finals: "dict[str, bool] | None" = None,
             payload: bytes | None = None, payload_end: bytes = b"",
             prompt: str = ">@", raw: "Iterable[RawSpec]" = (),
             no_final_grace: float | None = None, settle: float = 0.0,
             now: float | None = None) -> bytes:
        """Start a command; returns the bytes to write to the port.

        prefix: information-line prefix(es) this command answers with (`+CGDCONT:`);
            None for commands answering bare lines (`AT+CIMI`), "" in a tuple to
            accept bare lines as well.
        timeout: seconds until `Timeout`; default by command family (`timeouts.py`).
        finals: extra final lines for this command, text -> ok (`{"SEND OK": True}`).
        payload: bytes to write when the modem prompts (`> ` or `@`), followed by
            `payload_end` (e.g. Ctrl-Z for commands without a length).
        raw: payloads of announced length in the answer (`RawSpec("+QIRD:", 0)`).
        no_final_grace: for modules that never send a final for this command:
            complete this many seconds after an expected line with no final.
        settle: after the final, wait this long with no bytes before reporting,
            absorbing stray finals (used to resynchronise after a timeout).
        now: current time; when None the timeout starts at the next feed/tick.
        """
        if self._pending is not None or self._settling is not None:
            raise AtError("cannot send %r: %r is still in flight" % (
                redact(command), redact(self.pending_command or "")), command,
                "wait for its response or timeout; the engine runs one command at a time")
        check_line(command, self.max_line)
        if prefix is None:
            prefixes: tuple[str, ...] = ()
        elif isinstance(prefix, str):
            prefixes = (prefix,)
        else:
            prefixes = tuple(prefix)
        fin: tuple[tuple[str, bool], ...] = ()
        if finals:
            fin = tuple([(k, finals[k]) for k in finals])
        data = None
        if payload is not None:
            data = bytes(payload) + payload_end
        pend = _Pending(command, prefixes, timeout if timeout is not None else timeout_for(command),
                        fin, data, prompt, tuple(raw), no_final_grace, settle)
        if now is not None:
            pend.deadline = now + pend.timeout
        self._pending = pend
        if not self._partial:       # whatever comes first may be the command's echo
            if self._mode == _LINES:
                self._mode = _ECHO
            else:                   # after the payload or data mode in progress
                self._resume = _ECHO
        return command.encode() + b"\r"

    def abort(self, now: float, grace: float = 1.0) -> bytes:
        """Ask the modem to abort the command in flight (V.250: any character).

        Returns the byte to write. The command then ends with its own final
        (often `ABORTED` or `OK`) or, after `grace` seconds, with a Timeout.
        """
        pend = self._pending
        if pend is None:
            return b""
        pend.deadline = now + grace
        pend.awaiting_prompt = False
        return b" "

    # -- input ---------------------------------------------------------------

    def feed(self, data: bytes, now: float) -> "list[Event]":
        """Bytes received from the modem at time `now`; returns the events they complete.

        Each step hands the bytes from `i` on to the reader of the current mode
        (`_READERS`), which takes what it can and returns where to go on from;
        a reader that changes the mode returns at once, so the next bytes go to
        the next mode's reader.
        """
        events: list[Event] = []
        self._now = now
        n = len(data)
        if n:
            self._last_rx = now
        pend = self._pending
        if pend is not None and pend.deadline is None:
            pend.deadline = now + pend.timeout
        i = 0
        while i < n:
            skip = self._skip
            if skip >= 0:
                self._skip = -1
                if data[i] == skip:
                    i += 1
                    continue
            i = _READERS[self._mode](self, data, i, events)
        self._check_timers(now, events)
        return events

    def tick(self, now: float) -> "list[Event]":
        """Time passed with no bytes; returns Timeout/settled/no-final events due."""
        events: list[Event] = []
        self._now = now
        self._check_timers(now, events)
        return events

    # -- the readers, one per mode (`_READERS`) ------------------------------

    def _read_lines(self, data: bytes, i: int, events: "list[Event]") -> int:
        """Line framing: cut `data[i:]` into lines and hand each to `_line`.

        Line ends are CR or LF in any mix; a line with no end yet is held in
        `_partial`. Returns at the first line that changes the mode.
        """
        n = len(data)
        # lines never hold CR or LF, so this copy cuts the same lines at one byte
        norm = data.replace(b"\r", b"\n")
        partial = self._partial
        while i < n:
            pend = self._pending
            if pend is not None and pend.inline_raw:
                took = self._try_inline(data, i, events)
                if took >= 0:
                    return took
            elif not partial:
                last = norm.rfind(b"\n")
                if last > i:
                    i = self._lines_fast(norm, data, i, last, events)
                    if self._mode != _LINES:
                        return i
                    continue
            j = norm.find(b"\n", i)
            if j < 0:
                partial += data[i:]
                if len(partial) > self.max_line_bytes:
                    # a line this long is garbage (wrong baud rate, binary data):
                    # keep the tail so a final at its end is still seen
                    partial[0:len(partial) - _KEEP_TAIL] = b""
                self._check_partial_prompt(events)
                return n
            if partial:
                partial += data[i:j]
                line = bytes(partial)
                partial[0:len(partial)] = b""
            else:
                line = data[i:j]
            i = j + 1
            if self._mode == _ECHO:
                self._mode = _LINES     # a line (or a blank) came: no echo to take any more
            if line:
                self._line(line, events)
                if self._mode != _LINES:
                    self._ended_by(data[j])
                    return i
            # V.250 framing puts CR LF on both sides of a line: take the run of line
            # ends in one step (not when a payload, a prompt or data mode starts here)
            while i < n and (data[i] == 13 or data[i] == 10):
                i += 1
        return i

    def _lines_fast(self, norm: bytes, data: bytes, i: int, last: int,
                    events: "list[Event]") -> int:
        """Lines norm[i:last] one after another; returns where to go on from.

        Every complete line of the chunk in one split (the common case: no
        partial line held). Stops early, returning the position, at the first
        line that changes the mode.
        """
        self._mode = _LINES         # the first piece is a line or a blank: no echo to take
        pos = i
        for line in norm[i:last].split(b"\n"):
            end = pos + len(line)
            pos = end + 1
            if line:
                self._line(line, events)
                if self._mode != _LINES:
                    self._ended_by(data[end])
                    return pos
        return last + 1

    def _ended_by(self, term: int) -> None:
        """The line that started a raw payload, a prompt's echo or data mode ended
        with `term`: after a bare CR the LF of its CR LF may still come, and is no
        payload (nor the payload's echo)."""
        if term == 13:
            if self._mode == _PAYLOAD:
                self._lead = _PROMPT_TAIL[2:]       # the rest of CR LF or CR CR LF
            else:
                self._skip = 10

    def _read_echo(self, data: bytes, i: int, events: "list[Event]") -> int:
        """With echo known on, drop everything up to the first CR LF after a send.

        V.250 answers start with CR LF, so the bytes our command produced before
        it are its echo, whatever they look like (ModemManager's rule). Echo
        not known on: the bytes are lines (an echo among them is recognised by
        its text). Only the new bytes are searched (constant cost per byte),
        and an "echo" longer than a line is garbage: the engine stops waiting
        for its end.
        """
        if self.echo is not True:
            return self._read_lines(data, i, events)
        partial = self._partial
        held = len(partial)
        first = partial[0] if held else data[i]
        if first == 13 or first == 10:
            self._mode = _LINES
            return i
        if held and partial[held - 1] == 13 and data[i] == 10:
            k = held - 1
        else:
            found = data.find(b"\r\n", i)
            if found < 0:
                partial += data[i:]
                if len(partial) > self.max_line_bytes:
                    # no CR LF in sight: this is no echo; read lines again
                    self._mode = _LINES
                    partial[0:len(partial) - _KEEP_TAIL] = b""
                return len(data)
            k = held + found - i
        self._mode = _LINES
        if k >= held:
            partial[0:held] = b""
            return i + (k - held)
        # the CR of the CR LF was already buffered: keep it, drop the echo before it
        partial[0:k] = b""
        return i

    def _read_raw(self, data: bytes, i: int, events: "list[Event]") -> int:
        """Take the announced payload bytes, whatever they are."""
        take = self._raw_left
        if take > len(data) - i:
            take = len(data) - i
        self._raw_buf += data[i:i + take]
        self._raw_left -= take
        if not self._raw_left:
            self._finish_raw(events)
        return i + take

    def _read_payload(self, data: bytes, i: int, events: "list[Event]") -> int:
        """Drop the prompt's tail, then the modem's echo of a payload we wrote after it.

        The tail (`_lead`: the space of `> `, the prompt line's end) comes before
        the echo, and is taken byte by byte, so the reads may cut it anywhere.
        Bytes that differ from the echo end it (it was none); either way the
        mode goes back to lines.
        """
        n = len(data)
        lead = self._lead
        while lead and i < n:
            k = lead.find(data[i:i + 1])
            if k < 0:
                lead = b""              # no more of the tail: the echo (or none) starts
            else:
                lead = lead[k + 1:]
                i += 1
        self._lead = lead
        if lead:
            return i
        expect = self._payload_echo
        k = 0
        m = len(expect)
        while k < m and i + k < n and data[i + k] == expect[k]:
            k += 1
        if k == m or i + k < n:
            self._payload_echo = b""
            self._mode = _LINES
        else:
            self._payload_echo = expect[k:]
        return i + k

    def _read_data(self, data: bytes, i: int, events: "list[Event]") -> int:
        """Data mode: every byte is the caller's, until `leave_data_mode()`."""
        events.append(DataReceived(bytes(data[i:])))
        return len(data)

    # -- entering and leaving the payload modes ------------------------------

    def _check_partial_prompt(self, events: "list[Event]") -> None:
        pend = self._pending
        if pend is None or not pend.awaiting_prompt or len(self._partial) > _PROMPT_MAX:
            return
        p = bytes(self._partial).strip()
        if len(p) == 1 and chr(p[0]) in pend.prompt_chars:
            # the space of `> ` already came when the line does not end with the `>`
            lead = _PROMPT_TAIL if self._partial[-1] == p[0] else _PROMPT_TAIL[1:]
            self._partial[0:len(self._partial)] = b""
            self._prompt(chr(p[0]), events, lead)

    def _prompt(self, char: str, events: "list[Event]", lead: bytes = b"") -> None:
        """The modem asks for the payload: report it, then drop what may still
        come of the prompt (`lead`, a suffix of `_PROMPT_TAIL`) and the payload's
        echo (unless echo is known off). A prompt line's end sets `lead` in
        `_ended_by`."""
        pend = self._pending
        if pend is None or pend.payload is None:
            return
        pend.awaiting_prompt = False
        if self.echo is not False:
            self._payload_echo = pend.payload
            self._mode = _PAYLOAD
        if lead:
            self._mode = _PAYLOAD       # echo off too: the tail is no line
        self._lead = lead
        events.append(Prompt(char, pend.command, pend.payload))

    def _try_inline(self, data: bytes, i: int, events: "list[Event]") -> int:
        """Start an inline payload if the current line announces one; -1 if not."""
        pend = self._pending
        held = len(self._partial)
        if pend is None or held > _INLINE_HEAD:
            return -1
        # a header is short: look at the line's first _INLINE_HEAD bytes, never the
        # whole buffer, and the same bytes however the reads cut the line
        window = _INLINE_HEAD - held
        cur = bytes(self._partial) + data[i:i + window]
        complete = i + window >= len(data)      # the window holds the rest of data
        for spec in pend.inline_raw:
            pb = spec.prefix_bytes
            if not cur.startswith(pb[:len(cur)]):
                continue
            if len(cur) < len(pb):
                self._partial += data[i:]
                return len(data)
            pos = len(pb)
            ok = True
            start = pos
            for _ in range(spec.length_field + 1):
                start = pos
                c = cur.find(b",", pos)
                t = -1
                for term in (b"\r", b"\n"):
                    k = cur.find(term, pos)
                    if k >= 0 and (t < 0 or k < t):
                        t = k
                if c < 0 and t < 0:
                    if len(cur) >= _INLINE_HEAD or not complete:
                        return -1       # too long for a header: an ordinary line
                    self._partial += data[i:]
                    return len(data)
                if c < 0 or (0 <= t < c):
                    ok = False
                    break
                pos = c + 1
            if not ok:
                return -1
            count = to_int(latin1(cur[start:pos - 1]))
            if count is None or count <= 0:
                return -1
            header = latin1(cur[:pos - 1]).strip()
            pend.add_line(header, self.max_response)
            self._mode = _LINES
            if pos < held:
                # the line was held when the command was sent, its comma among the
                # held bytes: what follows the comma already came
                rest = bytes(self._partial[pos:])
                took = i
            else:
                rest = b""
                took = i + pos - held
            self._partial[0:held] = b""
            if not self._raw_allowed(count, header, pend, events):
                self._partial += rest           # the rest of the line: ordinary lines
                return took
            self._raw_left = count
            self._raw_buf = bytearray()
            self._raw_urc = None
            self._mode = _RAW
            if rest:
                used = self._read_raw(rest, 0, events)
                self._partial += rest[used:]    # past the payload: the line goes on
            return took
        return -1

    def _raw_allowed(self, count: int, line: str, pend: _Pending | None,
                     events: "list[Event]") -> bool:
        """Whether an announced length can be believed; reports it when not.

        A garbled line (`+QIRD: 99999999999999`) would otherwise swallow the
        next OK, the next command's answer and any boot banner as "payload".
        """
        if count <= self.max_raw:
            return True
        reason = "announced %d payload bytes, more than the %d a module sends" % (
            count, self.max_raw)
        self.protocol_errors += 1
        if pend is not None and pend.error is None:
            pend.error = reason
        events.append(ProtocolError(line[:80], reason,
                                    pend.command if pend is not None else None))
        return False

    def _start_raw(self, specs: "tuple[RawSpec, ...]", text: str, prefix: str,
                   urc: Urc | None, events: "list[Event]") -> bool:
        up = prefix.upper()
        for spec in specs:
            if spec.prefix.upper() == up:
                fields = split_fields(text[len(prefix):])
                if spec.length_field < len(fields):
                    count = to_int(fields[spec.length_field])
                    if count is not None and count > 0:
                        if not self._raw_allowed(count, text,
                                                 self._pending if urc is None else None,
                                                 events):
                            return False
                        self._raw_left = count
                        self._raw_buf = bytearray()
                        self._raw_urc = urc
                        self._mode = _RAW
                        return True
        return False

    def _finish_raw(self, events: "list[Event]") -> None:
        payload = bytes(self._raw_buf)
        self._raw_buf = bytearray()
        self._mode = self._resume
        self._resume = _LINES
        if self._raw_urc is not None:
            urc = self._raw_urc
            self._raw_urc = None
            events.append(Urc(urc.line, urc.prefix, payload))
            return
        pend = self._pending
        if pend is not None:
            # the count was checked against max_raw: bounded by max_response + max_raw
            pend.size += len(payload)
            pend.payloads.append(payload)

    def _drop_payload(self) -> None:
        """Leave raw payload and prompt states (a timeout, a reboot).

        The partial line stays: once its line end comes it is an ordinary line,
        which the line rules already route; a payload count would not be.
        """
        self._raw_left = 0
        self._raw_buf = bytearray()
        self._raw_urc = None
        self._skip = -1
        self._lead = b""
        self._payload_echo = b""
        if self._mode == _RAW or self._mode == _PAYLOAD:
            self._mode = self._resume
            self._resume = _LINES

    # -- line classification -------------------------------------------------

    def _line(self, line: bytes, events: "list[Event]") -> None:
        pend = self._pending
        if _TRANSLATE:  # CPython: both fast paths
            text = line.translate(None, _NOISE).decode("latin-1")
        else:
            text = latin1(_clean(line))
        stripped = text.strip()
        if not stripped:
            return
        if pend is not None and not pend.lines and self._is_echo(stripped, pend):
            self.echo = True
            return
        if stripped in self.banners:
            last = self._last_banner_at
            self._last_banner_at = self._now
            if (stripped in FOLLOW_UP_BANNERS and last is not None
                    and self._now - last <= BOOT_SEQUENCE_SECONDS):
                events.append(Urc(stripped, stripped))     # the same boot, progressing
            else:
                self._rebooted(stripped, events)
            return
        if (pend is not None and pend.awaiting_prompt and len(stripped) == 1
                and stripped in pend.prompt_chars):
            self._prompt(stripped, events)
            return
        # the common finals by dictionary; the parsing path only for lines that can
        # be one (+CME/+CMS ERROR, CONNECT, MODEM ERROR, per-command finals)
        final = _SIMPLE_FINALS.get(stripped)
        if final is None and (stripped[:5] in _FINAL_HEADS or stripped[:7] == "CONNECT"
                              or (pend is not None and pend.finals)):
            final = self._final(text, stripped, pend)
        if final is not None:
            if pend is not None:
                self._complete(final, events)
            else:
                self.stray_finals += 1
            return
        prefix = prefix_of(stripped)
        if pend is not None and not pend.lines and self._stale(pend, prefix, stripped):
            return
        if pend is not None and self._is_response(pend, prefix, stripped):
            if not pend.add_line(stripped, self.max_response):
                return
            if pend.no_final_grace is not None:
                pend.grace_since = self._now
            if prefix and pend.raw:
                self._start_raw(pend.raw, stripped, prefix, None, events)
            return
        urc = Urc(stripped, prefix or stripped)
        if (prefix and self.urc_raw
                and self._start_raw(self.urc_raw, stripped, prefix, urc, events)):
            return
        events.append(urc)

    def _stale(self, pend: _Pending, prefix: str, stripped: str) -> bool:
        """Is this line, first of an answer, the previous answer's tail printed again?

        A copy of that tail which the pending command does not expect (another
        prefix, bare text where none is expected) is noise, and shows that the
        module lags (so does a set command answered with nothing but the copy,
        see `_complete`); from then on a copy with the expected prefix is dropped
        as well, so it is never taken for this command's value. Lines that may
        be URCs (`+CPIN: READY`, a known URC prefix) are left to the URC rules.
        """
        tail = self._prev_tail
        if tail is None or stripped != tail:
            return False
        if stripped in self.urc_lines or (prefix and prefix.upper() in self.urc_prefixes):
            return False
        if self._is_response(pend, prefix, stripped) and not self.lagging:
            return False
        self._prev_tail = None          # one stale copy per answer
        self.lagging = True
        self.stale_lines += 1
        return True

    def _is_echo(self, stripped: str, pend: _Pending) -> bool:
        s = stripped.upper()
        if s == pend.command_upper:
            return True
        # a truncated echo (the modem dropped the tail while busy)
        return len(s) > 2 and s.startswith("AT") and pend.command_upper.startswith(s)

    def _is_response(self, pend: _Pending, prefix: str, stripped: str) -> bool:
        if prefix:
            up = prefix.upper()
            if up in pend.prefixes_upper:
                return is_response_shape(prefix, stripped[len(prefix):])
            if pend.prefixes_upper:
                return False
            return up not in self.urc_prefixes
        if stripped in self.urc_lines:
            return False
        return pend.accept_bare

    def _final(self, text: str, stripped: str, pend: _Pending | None) -> Final | None:
        if pend is not None and pend.finals:
            for f, ok in pend.finals:
                if stripped == f or stripped.startswith(f):
                    return Final("EXTRA", ok, stripped, None, f)
        c0 = stripped[0]
        if c0 == "+":
            head = stripped[:11]
            if head == "+CME ERROR:" or head == "+CMS ERROR:":
                # ModemManager's rule (real vectors): a numeric code may follow the
                # colon directly; a text needs the space; "+CME ERROR:" alone is
                # not a final.
                rest = text.lstrip()[11:]
                value = rest.strip()
                code = to_int(value) if value else None
                if code is None and not rest.startswith(" "):
                    return None
                if head == "+CME ERROR:":
                    if code is None:
                        code = cme_code(value)
                        return Final("CME", False, stripped, code, value or "unknown")
                    return Final("CME", False, stripped, code, cme_name(code))
                if code is None:
                    return Final("CMS", False, stripped, None, value or "unknown")
                return Final("CMS", False, stripped, code, cms_name(code))
            return None
        if c0 == "C" and (stripped == "CONNECT" or stripped.startswith("CONNECT ")):
            return Final("CONNECT", True, stripped)
        if c0 == "M" and stripped.startswith("MODEM ERROR:"):
            code = to_int(stripped[12:])
            if code is not None:
                return Final("MODEM ERROR", False, stripped, code, "modem error %d" % code)
        return None

    # -- command lifecycle ---------------------------------------------------

    def _complete(self, final: Final, events: "list[Event]") -> None:
        pend = self._pending
        if pend is None:
            return
        self._end_command()
        if self._mode == _PAYLOAD:
            self._lead = b""
            self._payload_echo = b""
            self._mode = _LINES
        self.consecutive_timeouts = 0
        if pend.error is not None:
            # the answer was garbled: its lines cannot be trusted, whatever the final
            final = Final("PROTOCOL", False, final.text, None, pend.error)
        if final.ok and pend.echo_after is not None:
            self.echo = pend.echo_after
        if final.kind == "CONNECT":
            self._mode = _DATA      # the framer skips the LF of a CR LF after it
        if (len(pend.lines) == 1 and not pend.prefixes and pend.lines[0] == self._prev_tail
                and "=" in pend.command and not pend.command.endswith("=?")):
            # a set command the caller expects no information from, answered with
            # nothing but the previous answer's tail: a module that lags
            pend.lines = []
            self.lagging = True
            self.stale_lines += 1
        rsp = Response(pend.command, pend.lines, final, pend.payloads)
        self._prev_tail = pend.lines[-1] if pend.lines else None
        if pend.settle > 0:
            self._settling = rsp
            self._settle_for = pend.settle
        else:
            events.append(rsp)

    def _rebooted(self, banner: str, events: "list[Event]") -> None:
        pend = self._pending
        if self._settling is not None:
            events.append(self._settling)
            self._settling = None
        self._drop_payload()
        self._end_command()
        self.echo = None
        self._mode = _LINES
        events.append(Rebooted(banner, pend.command if pend is not None else None))

    def _end_command(self) -> None:
        """The command in flight is over (final, timeout, reboot): its echo can
        no longer come."""
        self._pending = None
        if self._mode == _ECHO:
            self._mode = _LINES
        self._resume = _LINES

    def _check_timers(self, now: float, events: "list[Event]") -> None:
        pend = self._pending
        if pend is not None:
            if pend.deadline is None:
                pend.deadline = now + pend.timeout
            if (pend.grace_since is not None and pend.no_final_grace is not None
                    and now - pend.grace_since >= pend.no_final_grace):
                self._complete(Final("NONE", True, ""), events)
            elif now >= pend.deadline:
                self.consecutive_timeouts += 1
                # a raw payload or prompt echo in progress belongs to the command
                # that just died: the next answer must not be taken as its bytes
                self._drop_payload()
                self._end_command()
                events.append(Timeout(pend.command, pend.timeout, pend.lines,
                                      self.consecutive_timeouts))
        if self._settling is not None and now - self._last_rx >= self._settle_for:
            events.append(self._settling)
            self._settling = None
        if self._raw_left and now - self._last_rx >= self.raw_stall:
            left = self._raw_left
            owner = self._pending if self._raw_urc is None else None
            command = None
            if owner is not None:
                command = owner.command
                owner.error = "the payload stopped %d bytes short" % left
            self._drop_payload()
            self.protocol_errors += 1
            events.append(ProtocolError("", "a payload stopped %d bytes short of its "
                                        "announced length" % left, command))

# The reader of each mode, indexed by `AtEngine._mode`.
_READERS = (AtEngine._read_lines, AtEngine._read_echo, AtEngine._read_raw,
            AtEngine._read_payload, AtEngine._read_data)
