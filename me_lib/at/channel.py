"""`AtChannel`: the AT engine bound to a real byte port.

The engine decides; this class does the I/O around it: it writes what the
engine returns, reads the port, tells the engine the time, writes payloads at
prompts, turns failed responses into typed exceptions, queues URCs and hands
them to subscribers in the caller's thread (`poll`) or, on request, in a
background reader thread.

Any pyserial URL works (`serial_for_url`): a device path, `socket://`,
`rfc2217://`, `loop://`, and the library's own `sim://` simulator, whose port
carries a virtual clock the channel adopts so that simulated minutes cost
milliseconds.

Portable (MicroPython). The channel drives any object with this subset of
pyserial's `Serial` (the byte port; `firmware_shim` wraps `machine.UART` in it):

- `write(data: bytes)`: queue bytes for the modem;
- `read(n: int) -> bytes`: up to `n` bytes, waiting at most `.timeout` seconds
  for the first one; `b""` when none came;
- `in_waiting`: int property, bytes that `read` returns without waiting;
- `timeout`: settable float attribute, seconds (the channel sets it in a few
  fixed steps, and only when it changes: an RFC 2217 client renegotiates on
  every assignment);
- `close()`; optionally `flush()`, and a `clock` attribute whose `monotonic()`
  (or `now()`/`time()`) the channel adopts, with `to_real(seconds)` telling it
  how long a clock second really takes (the `sim://` virtual clock).

Port loss: every failure of the port object (read, write, flush, `in_waiting`,
setting `timeout`) becomes `PortClosed`, here and nowhere else. The back ends
report a vanished device in many types (pyserial's `SerialException`, `OSError`
such as EIO, `BrokenPipeError`, `ConnectionResetError`, `termios.error`, and
`TypeError`/`AttributeError` once pyserial has dropped the fd or socket), and
none of them is caught by name: pyserial is not importable on MicroPython, and
a type missed in a list would escape as a traceback. Once lost, the channel
stays closed (every later call raises `PortClosed` at once), so a caller that
swallowed one error still cannot go on talking to a dead port. `close()` never
raises.

pyserial is imported only by `AtChannel.open()`. Threads are optional: where
`threading` is missing (MicroPython) the locks are no-ops, URCs are delivered
by `poll()` and `wait_urc()` in the caller's thread, and `start_reader()`
refuses with a typed error.
"""

from me_lib.at.engine import AtEngine, RawSpec
from me_lib.at.events import (
    DataReceived,
    Prompt,
    ProtocolError,
    Rebooted,
    Response,
    Timeout,
    Urc,
)
from me_lib.at.idempotent import is_idempotent
from me_lib.at.redact import for_log, redact
from me_lib.clock import monotonic
from me_lib.errors import (
    AtCommandError,
    AtError,
    AtProtocolError,
    AtTimeout,
    CmeError,
    CmsError,
    MeLibError,
    ModemRebooted,
    PortClosed,
    plain_error_hint,
)
from me_lib.log import DEBUG, get_logger

try:
    from collections.abc import Callable, Iterable
    from typing import Any

    UrcCallback = Callable[[Urc], None]
    RebootCallback = Callable[[Rebooted], None]
except ImportError:  # MicroPython: the names above only annotate
    pass

try:
    import threading
except ImportError:  # MicroPython: one thread; poll() delivers URCs
    threading = None  # type: ignore[assignment]

log = get_logger("me_lib.at")

# How long one blocking read may wait before the channel checks its timers.
_READ_SLICE = 0.02
_WAIT_STEPS = (0.0001, 0.0005, 0.002, 0.005, _READ_SLICE)
#: Clock seconds to pause before each retry of an idempotent command whose
#: answer was lost or late (one retry per entry): bounded, and growing, so a
#: module busy for a moment gets the time to finish.
RETRY_DELAYS = (0.5, 2.0)
#: Clock seconds `sync` keeps sending `AT` to a silent module (beyond its minimum
#: number of tries): long enough for modules that stay deaf for several seconds
#: after power-on without a banner (10 s is a documented AT-ready time), short
#: enough that a dead port is reported within half a minute.
SYNC_WITHIN = 20.0


# Finals the engine made up (the grace for modules that send none, a garbled answer
# given up): the module's real final may still come, so the next command resyncs first.
_UNCERTAIN_ENDS = ("NONE", "PROTOCOL")
#: URCs kept for `poll`/`wait_urc` at most: a module flooding reports while nobody
#: polls must not take a board's heap (the oldest go first; reboots are kept)
MAX_QUEUED_URCS = 256


class _Unthreaded:
    """Stands in for the Lock, RLock, Condition and Event where there are no threads.

    With a single thread there is nothing to exclude or to wake, so every
    operation succeeds at once; the reader thread, the only waiter, cannot exist.
    """

    def __enter__(self) -> "_Unthreaded":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def acquire(self, blocking: bool = True) -> bool:
        return True

    def release(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> bool:
        return False

    def notify_all(self) -> None:
        pass

    def set(self) -> None:
        pass

    def clear(self) -> None:
        pass

    def is_set(self) -> bool:
        return False


def _real_seconds(port: Any) -> Callable[[float], float]:
    """Converts the channel clock's seconds into real seconds (identity on real ports).

    The simulator's virtual clock can run 1000x faster than real time; a read
    that blocks for 20 real ms would then let 20 virtual seconds pass.
    """
    fn = getattr(getattr(port, "clock", None), "to_real", None)
    if callable(fn):
        return fn  # type: ignore[no-any-return]
    return lambda seconds: seconds


def _port_clock(port: Any) -> Callable[[], float] | None:
    clock = getattr(port, "clock", None)
    if clock is None:
        return None
    for name in ("monotonic", "now", "time"):
        fn = getattr(clock, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


class AtChannel:
    """One modem's AT port: one command at a time, URCs queued, typed errors."""

    def __init__(self, port: Any, engine: AtEngine | None = None,
                 clock: Callable[[], float] | None = None, name: str | None = None,
                 max_consecutive_timeouts: int = 3) -> None:
        self.port = port
        self.engine = engine if engine is not None else AtEngine()
        self.clock: Callable[[], float] = clock or _port_clock(port) or monotonic
        self._to_real = _real_seconds(port) if clock is None else (lambda seconds: seconds)
        self.name = name or str(getattr(port, "port", None) or getattr(port, "name", "port"))
        self.max_consecutive_timeouts = max_consecutive_timeouts
        self.round_trips = 0
        #: commands sent that may change the module (what `is_idempotent` calls a
        #: write: a set command that is not a mode switch, a card update, a payload)
        self.writes = 0
        self.bytes_out = 0
        self.bytes_in = 0
        self.reboots = 0
        self.retries = 0
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self.trace: Callable[[str, bytes, float], None] | None = None
        self._recorders: list[Any] = []
        self._secrets: list[str] = []     # learned during the session (add_secret)
        self._port_timeout: float | None = None
        self._cmd_lock: Any
        self._io: Any
        self._write_lock: Any
        self._stop: Any
        if threading is not None:
            self._cmd_lock = threading.RLock()
            # reentrant: a write that fails while the lock is held (a payload at a
            # prompt) marks the port closed under the same lock
            io_lock = threading.RLock()
            self._io = threading.Condition(io_lock)
            # the condition's own lock, taken directly on the per-command path (holding
            # it is holding the condition; Condition.__enter__ is a Python-level call)
            self._io_lock: Any = io_lock
            self._write_lock = threading.Lock()
            self._stop = threading.Event()
        else:
            self._cmd_lock = self._io = self._write_lock = self._stop = _Unthreaded()
            self._io_lock = self._io
        # a list, not a deque: MicroPython's deque can neither iterate nor remove
        self._queue: list[Urc | Rebooted] = []
        # items ever appended to _queue (appends only at its end): wait_urc looks only
        # at the ones that came since its last look, not the whole queue every read
        self._queued = 0
        #: URCs dropped because the queue was full (MAX_QUEUED_URCS): nobody polled
        self.urcs_dropped = 0
        self.max_queued_urcs = MAX_QUEUED_URCS
        # (prefix, callback) in subscription order: delivery order must not
        # depend on dict order, which MicroPython does not keep
        self._subs: list[tuple[str, UrcCallback]] = []
        self._reboot_subs: list[RebootCallback] = []
        self._result: Response | Timeout | Rebooted | None = None
        self._reader: Any = None
        self._reader_dispatch = False
        # a payload written without a prompt (command(payload_after=...)): the
        # command it belongs to, the parts still to write, when and at what gap
        self._late_command: str | None = None
        self._late_parts: list[bytes] = []
        self._late_due = 0.0
        self._late_gap = 0.0
        self._closed_reason: str | None = None
        self._resync_needed = False
        #: the module's numeric error reports: None never asked, True `AT+CMEE=1`
        #: accepted, False refused (`Modem.start` sets it, `Modem.reset_session` forgets
        #: it).
        #: It decides what a plain ERROR is taken to mean and which hint it carries.
        self.cmee: bool | None = None
        self._data_rx: list[bytes] = []
        # asked once, while the port is healthy: on a dead one the property itself may
        # raise AttributeError (pyserial's socket:// once its socket is gone)
        self._has_waiting = hasattr(port, "in_waiting")
        if hasattr(port, "timeout"):
            try:
                port.timeout = _READ_SLICE
            except Exception:  # some URL handlers refuse; reads still work
                pass

    # -- construction ----------------------------------------------------------

    @classmethod
    def open(cls, url: str, baudrate: int = 115200, engine: AtEngine | None = None,
             **serial_kwargs: Any) -> "AtChannel":
        """Open any pyserial URL or device path (`/dev/ttyUSB2`, `socket://h:p`, `sim://default`)."""
        import serial

        import me_lib  # noqa: F401 - registers the sim:// and replay:// URL handlers

        try:
            port = serial.serial_for_url(url, baudrate=baudrate, timeout=_READ_SLICE,
                                         **serial_kwargs)
        except MeLibError:
            raise
        except Exception as exc:  # SerialException, OSError, ValueError (bad URL or baud)
            from me_lib.at.port_open import open_error

            raise open_error(url, exc) from None
        return cls(port, engine=engine, name=url)

    def record(self, path: str, secrets_in_clear: bool = False) -> Any:
        """Write a trace of this session to `path` (me_lib.at.trace format).

        PINs and passwords are masked unless `secrets_in_clear` (then the file is
        byte-exact and created 0600).
        """
        from me_lib.at.trace import TraceRecorder

        recorder = TraceRecorder(path, self.name, secrets_in_clear)
        previous = self.trace

        def both(direction: str, data: bytes, now: float) -> None:
            recorder(direction, data, now)
            if previous is not None:
                previous(direction, data, now)

        self.trace = both if previous is not None else recorder
        self._recorders.append(recorder)
        return recorder

    def add_secret(self, value: str) -> None:
        """A secret this session learned (a bearer password read from the card): the
        traces mask it wherever it went by, as text or as hex, when they are closed."""
        if value and value not in self._secrets:
            self._secrets.append(value)

    def close(self) -> None:
        """Close the port and stop the reader thread and trace recorders (bounded wait)."""
        for recorder in self._recorders:
            recorder.close(self._secrets)
        self._recorders.clear()
        self._stop.set()
        reader = self._reader
        if (reader is not None and threading is not None
                and reader is not threading.current_thread()):
            reader.join(timeout=1.0)
        self._reader = None
        try:
            self.port.close()
        except Exception as exc:  # closing a dead port must not raise, whatever the type
            log.debug("%s: close failed (port already gone): %s", self.name, exc)

    def __enter__(self) -> "AtChannel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands ----------------------------------------------------------------

    def command(self, command: str, prefix: str | tuple[str, ...] | None = None,
                timeout: float | None = None, finals: dict[str, bool] | None = None,
                payload: bytes | None = None, payload_end: bytes = b"",
                raw: Iterable[RawSpec] = (), no_final_grace: float | None = None,
                check: bool = True, settle: float = 0.0,
                payload_after: float | None = None, retries: int | None = None) -> Response:
        """Send one command and return its response; failures raise typed errors.

        With `check=False` an error final is returned instead of raised (the
        caller inspects `response.final`); timeouts, reboots and a closed port
        always raise.

        A command that `me_lib.at.idempotent` says can be repeated (a query, a
        test, an identification, a card read) is sent again when its answer is
        lost or late, after the pauses of `retry_delays`, before `AtTimeout` is
        raised; `retries` overrides how many times (0: never). A write is not
        repeated, nor is anything once the modem has rebooted (that restarts
        the session: `ModemRebooted`). Before a retry the channel resynchronises
        (`AT` with a quiet settle time), so the late answer of the first copy
        is dropped as stale instead of being taken for the second's.

        `payload` is written when the modem prompts (`> `, `@`), then
        `payload_end`. With `payload_after` there is no prompt: the payload
        goes out that many seconds after the command line and `payload_end` as
        long again after it (the guard time an escape such as `+++` needs), for
        modules that switch to a data mode silently (nRF91 SLM `#XSENDTO`).
        Nothing is written once the command has ended: a module that refused it
        at once would read the bytes as commands.
        """
        with self._cmd_lock:
            self._check_open()
            idempotent = payload is None and is_idempotent(command)
            if retries is None:
                retries = len(self.retry_delays) if idempotent else 0
            reboots = self.reboots
            attempt = 0
            own: AtTimeout | None = None    # this command's timeout, not its resync's
            while True:
                try:
                    if self._resync_needed:
                        self._resync()
                    if attempt and self.reboots != reboots:
                        # the silence was a reboot: the caller restarts from sync
                        raise self._reboot_error(command)
                    if not idempotent:
                        self.writes += 1
                    return self._exchange(command, prefix, timeout, finals, payload,
                                          payload_end, tuple(raw), no_final_grace, check,
                                          settle, payload_after)
                except AtTimeout as exc:
                    if self.reboots != reboots:
                        raise self._reboot_error(command) from None
                    if exc.command == command or own is None:
                        own = exc
                    if attempt >= retries:
                        if own is exc:
                            raise
                        raise own from exc      # name the command, not the resync's AT
                delay = self.retry_delays[min(attempt, len(self.retry_delays) - 1)] \
                    if self.retry_delays else 0.0
                attempt += 1
                self.retries += 1
                log.info("%s: no answer to %s; retry %d of %d in %.1f s", self.name,
                         redact(command), attempt, retries, delay)
                self._pause(delay)

    def _pause(self, seconds: float) -> None:
        """Wait `seconds` on the channel clock in the middle of a command (a retry).

        The port is still read, so a late answer is taken in now and dropped as
        stale (no command is pending); URCs stay queued for `poll`, because the
        caller is in the middle of a command and its callbacks must not run here.
        """
        deadline = self.clock() + seconds
        while True:
            now = self.clock()
            if now >= deadline:
                return
            if self._reader is None:
                self._pump(deadline - now)
            else:
                with self._io:
                    self._io.wait(min(_READ_SLICE, self._to_real(deadline - now)))

    def _reboot_error(self, command: str) -> ModemRebooted:
        """The reboot seen while a retried command was waiting: it explains the silence."""
        with self._io:
            seen = [x for x in self._queue if isinstance(x, Rebooted)]
        return ModemRebooted(seen[-1].banner if seen else "boot banner", command)

    def sync(self, attempts: int = 10, timeout: float = 1.0, settle: float = 0.2,
             within: float = SYNC_WITHIN, probe: str = "AT") -> None:
        """`probe` until `OK`: tolerates garbage, boot banners and a modem still booting.

        Tries at least `attempts` times and, beyond those, for as long as `within`
        clock seconds from the first try have not passed: a module that ignores
        its UART for several seconds after power-on, and prints no banner when it
        is ready, is only found by asking again. Both bounds are finite, so a dead
        port ends in `AtTimeout` after about max(attempts * timeout, within).

        `probe` is any harmless command the module answers `OK` to; `ATE0` syncs
        and turns echo off in one round trip (the engine reads an echoed probe
        either way). A module that answers the probe with an error is alive:
        the error is raised, not retried.
        """
        last: Exception | None = None
        tries = 0
        with self._cmd_lock:
            self._check_open()
            deadline = self.clock() + within
            while tries < attempts or self.clock() < deadline:
                tries += 1
                try:
                    self._exchange(probe, None, timeout, None, None, b"", (), None, True,
                                   settle)
                    self._resync_needed = False
                    return
                except (AtTimeout, ModemRebooted) as exc:
                    last = exc
        raise AtTimeout(probe, max(timeout * tries, within),
                        ["no OK after %d attempts: %s" % (tries, last)])

    def write_raw(self, data: bytes) -> None:
        """Bytes outside the command protocol (wake-up ESC, `+++`)."""
        self._check_open()
        self._write(data)

    def _resync(self) -> None:
        # After a timeout the late answer may still come and would be taken for
        # the next command's; an AT with a quiet settle time absorbs it.
        self._resync_needed = False
        with self._io:
            self.engine.resync()
        try:
            self._exchange("AT", None, 2.0, None, None, b"", (), None, False, 0.25)
        except AtTimeout:
            self._resync_needed = True
            raise

    def _exchange(self, command: str, prefix: str | tuple[str, ...] | None,
                  timeout: float | None, finals: dict[str, bool] | None,
                  payload: bytes | None, payload_end: bytes, raw: tuple[RawSpec, ...],
                  no_final_grace: float | None, check: bool, settle: float,
                  payload_after: float | None = None) -> Response:
        late: list[bytes] = []
        if payload is not None and payload_after is not None:
            late = [bytes(payload), payload_end] if payload_end else [bytes(payload)]
            payload = None
        if self._reader is None:
            # what arrived while we were idle (a boot banner, URCs) is not this
            # command's answer: take it in first
            while self._waiting() > 0:
                self._pump(0.0)
        with self._io_lock:
            self._result = None
            data = self.engine.send(command, prefix=prefix, timeout=timeout, finals=finals,
                                    payload=payload, payload_end=payload_end, raw=raw,
                                    no_final_grace=no_final_grace, settle=settle,
                                    now=self.clock())
            self._late_command = command if late else None
            self._late_parts = late
            self._late_gap = payload_after or 0.0
        # asked once per command: building the log lines (redaction) is skipped when off
        debug = log.isEnabledFor(DEBUG)
        if debug:
            log.debug("%s -> %s", self.name, for_log(command))
        self._write(data)
        self.round_trips += 1
        self._late_due = self.clock() + self._late_gap
        try:
            result = self._wait_result()
        finally:
            self._late_parts = []
        if isinstance(result, Timeout):
            self._resync_needed = True
            if debug:
                log.debug("%s timeout after %.1fs: %s", self.name, result.timeout,
                          redact(command))
            raise AtTimeout(command, result.timeout, result.lines)
        if isinstance(result, Rebooted):
            raise ModemRebooted(result.banner, command)
        if result.final.kind in _UNCERTAIN_ENDS:
            # the module's own final may still be on its way, and would be taken for
            # the next command's answer (then every answer after it, one behind)
            self._resync_needed = True
        if debug:
            for line in result.lines:
                log.debug("%s <- %s", self.name, for_log(line))
            log.debug("%s <- %s", self.name, result.final.text or result.final.kind)
        if check and not result.final.ok:
            raise_for_final(result, self.cmee)
        return result

    def _wait_result(self) -> Response | Timeout | Rebooted:
        while True:
            with self._io_lock:
                result = self._result
                if result is not None:
                    self._result = None
                    return result
                if self._closed_reason is not None:
                    raise PortClosed(self._closed_reason, self.engine.pending_command)
                wait = self._until_timer()
                if self._late_parts:
                    wait = self._write_late(wait)
                if self._reader is not None:
                    self._io.wait(min(_READ_SLICE, self._to_real(wait)))
                    events = self.engine.tick(self.clock())
                    self._handle(events)
                    continue
            self._pump(wait)

    def _write_late(self, wait: float) -> float:
        """Write the next part of a prompt-less payload when due; returns the wait left.

        Called with `self._io` held, while the command is in flight.
        """
        now = self.clock()
        if now < self._late_due:
            return min(wait, self._late_due - now)
        if self.engine.pending_command != self._late_command:
            self._late_parts = []       # it ended: the module is not taking data
            return wait
        self._write(self._late_parts.pop(0))
        self._late_due = now + self._late_gap
        return min(wait, self._late_gap) if self._late_parts else wait

    def _until_timer(self) -> float:
        """Clock seconds until the engine's next timer (capped; 0 when already due)."""
        due = self.engine.next_timer()
        if due is None:
            return 3600.0
        return max(0.0, due - self.clock())

    # -- URCs --------------------------------------------------------------------

    def subscribe(self, prefix: str, callback: UrcCallback) -> None:
        """Call `callback(urc)` for every URC starting with `prefix` (delivered by `poll`)."""
        self._subs.append((prefix.upper(), callback))
        self.engine.add_urc_prefix(prefix)

    def unsubscribe(self, prefix: str, callback: UrcCallback) -> None:
        """Stop delivering URCs with `prefix` to `callback` (no error if it was not subscribed)."""
        entry = (prefix.upper(), callback)
        if entry in self._subs:
            self._subs.remove(entry)

    def on_reboot(self, callback: RebootCallback) -> None:
        """Call `callback` when the module's boot banner is seen: its session state is gone."""
        self._reboot_subs.append(callback)

    def poll(self, timeout: float = 0.0) -> int:
        """Read for up to `timeout` seconds and deliver queued URCs here; returns how many."""
        deadline = self.clock() + timeout
        while True:
            # with a reader thread, it is the one that met the loss: say so here
            self._check_open()
            if self._reader is None and self._cmd_lock.acquire(blocking=False):
                try:
                    self._pump(max(0.0, deadline - self.clock()))
                finally:
                    self._cmd_lock.release()
            elif self._reader is not None:
                with self._io:
                    if not self._queue:
                        self._io.wait(min(_READ_SLICE, self._to_real(
                            max(0.0, deadline - self.clock()))))
            delivered = self._dispatch_queue()
            if delivered or self.clock() >= deadline:
                return delivered

    def wait_urc(self, prefix: str, timeout: float,
                 match: Callable[[Urc], bool] | None = None) -> Urc:
        """Wait for (and consume) the first URC with `prefix` that `match` accepts.

        Used for asynchronous results such as `+QIOPEN: <id>,<err>` after `OK`.
        Other URCs stay queued for `poll`.
        """
        up = prefix.upper()
        self.engine.add_urc_prefix(prefix)
        deadline = self.clock() + timeout
        reboots_before = self.reboots
        looked = -1     # self._queued at the last look; -1: look at the whole queue
        while True:
            with self._io:
                # what came since the last look is the queue's tail (removals by a
                # dispatching reader only shorten it): a flood of URCs that do not
                # match is examined once each, not again on every read
                fresh = self._queued - looked if looked >= 0 else len(self._queue)
                looked = self._queued
                for item in self._queue[max(0, len(self._queue) - fresh):]:
                    if (isinstance(item, Urc) and item.line.upper().startswith(up)
                            and (match is None or match(item))):
                        self._queue.remove(item)
                        found = item
                        break
                else:
                    found = None
                if found is None and self._closed_reason is not None:
                    raise PortClosed(self._closed_reason)
                reboot = None
                if self.reboots != reboots_before:
                    reboot = next((x for x in reversed(self._queue)
                                   if isinstance(x, Rebooted)), None)
            if found is not None:
                self._deliver(found)
                return found
            if reboot is not None:
                raise ModemRebooted(reboot.banner, "waiting for " + prefix)
            now = self.clock()
            if now >= deadline:
                raise AtTimeout("URC " + prefix, timeout)
            if self._reader is None:
                with self._cmd_lock:
                    self._pump(deadline - now)
            else:
                with self._io:
                    self._io.wait(min(_READ_SLICE, self._to_real(deadline - now)))

    def discard_reboots(self) -> int:
        """Drop queued reboot reports (the caller has just re-initialised the modem)."""
        with self._io:
            stale = [x for x in self._queue if isinstance(x, Rebooted)]
            for item in stale:
                self._queue.remove(item)
        return len(stale)

    def forget_before_reboot(self) -> int:
        """Drop queued URCs the module sent before its last reboot, and the reboot reports.

        They describe a module that no longer exists (a "+CEREG: 1" from before a
        reset would pass for a registration the new boot has not made yet).
        """
        with self._io:
            last = -1
            for i, item in enumerate(self._queue):
                if isinstance(item, Rebooted):
                    last = i
            stale = last + 1
            del self._queue[:stale]
        return stale

    def pending_urcs(self) -> list[Urc]:
        """The URCs queued and not yet delivered, without consuming them."""
        with self._io:
            return [x for x in self._queue if isinstance(x, Urc)]

    def _drop_oldest_urc(self) -> None:
        """The queue is full: the oldest URC goes (a reboot stays: it ends the session)."""
        for i, item in enumerate(self._queue):
            if isinstance(item, Urc):
                del self._queue[i]
                self.urcs_dropped += 1
                if self.urcs_dropped == 1 or self.urcs_dropped % 1000 == 0:
                    log.warning("%s: %d URC(s) dropped: more than %d queued and nobody "
                                "polled (call poll() or subscribe)", self.name,
                                self.urcs_dropped, self.max_queued_urcs)
                return

    def _dispatch_queue(self) -> int:
        count = 0
        while True:
            with self._io:
                if not self._queue:
                    return count
                item = self._queue.pop(0)
            self._deliver(item)
            count += 1

    def _deliver(self, item: Urc | Rebooted) -> None:
        if isinstance(item, Rebooted):
            for rcb in list(self._reboot_subs):
                rcb(item)
            return
        line = item.line.upper()
        for prefix, cb in list(self._subs):
            if line.startswith(prefix):
                cb(item)

    # -- background reader ---------------------------------------------------------

    def start_reader(self, dispatch: bool = False) -> None:
        """Read the port in a daemon thread; with `dispatch`, URC callbacks run there too.

        CPython only: without threads (MicroPython) call `poll()` regularly instead.
        """
        if self._reader is not None:
            return
        if threading is None:
            raise MeLibError("this interpreter has no threads, so no background reader",
                             "call channel.poll(timeout) in the main loop to read the "
                             "port and deliver URCs")
        self._reader_dispatch = dispatch
        self._stop.clear()
        thread = threading.Thread(target=self._reader_loop, name="me_lib-at-reader",
                                  daemon=True)
        self._reader = thread
        thread.start()

    def _reader_loop(self) -> None:
        # Nothing may end this thread silently: callers waiting on it would wait
        # for a timeout instead of learning that the port is gone.
        while not self._stop.is_set():
            try:
                self._pump(self._until_timer())
            except PortClosed:
                return          # _mark_closed already woke the waiters
            except Exception as exc:
                self._mark_closed("the reader thread stopped: %s: %s"
                                  % (type(exc).__name__, exc))
                return
            if self._reader_dispatch:
                try:
                    self._dispatch_queue()
                except Exception as exc:  # a subscriber's bug must not stop the reading
                    log.warning("%s: URC callback failed: %s: %s", self.name,
                                type(exc).__name__, exc)

    # -- I/O ---------------------------------------------------------------------

    def _check_open(self) -> None:
        """PortClosed at once when the port was lost earlier (the loss is sticky)."""
        if self._closed_reason is not None:
            raise PortClosed(self._closed_reason, self.engine.pending_command)

    def _lost(self, what: str, exc: BaseException) -> PortClosed:
        """The one translation of a port failure: remember it, wake waiters, type it."""
        reason = "%s failed: %s: %s" % (what, type(exc).__name__, exc)
        if self._closed_reason is None:
            self._mark_closed(reason)
        return PortClosed(reason, self.engine.pending_command)

    def _waiting(self) -> int:
        """`port.in_waiting` (0 for ports without it); its failure is a lost port."""
        if not self._has_waiting:
            return 0
        try:
            return int(self.port.in_waiting or 0)
        except MeLibError:
            raise
        except Exception as exc:  # an ioctl on a vanished fd, see the module docstring
            raise self._lost("in_waiting", exc) from exc

    def _write(self, data: bytes) -> None:
        if not data:
            return
        with self._write_lock:
            try:
                self.port.write(data)
                flush = getattr(self.port, "flush", None)
                if flush is not None:
                    flush()
            except MeLibError:  # already says what went wrong (replay:// mismatch)
                raise
            except Exception as exc:  # any type: see the module docstring
                raise self._lost("write", exc) from exc
        self.bytes_out += len(data)
        if self.trace is not None:
            self.trace("tx", data, self.clock())

    def _read(self, wait: float) -> bytes:
        """Whatever the port has, waiting at most `wait` clock seconds for a first byte."""
        port = self.port
        waiting = self._waiting()
        try:
            if waiting:
                return bytes(port.read(waiting))
            real = min(_READ_SLICE, self._to_real(wait))
            if real <= 0:
                return b""
            # a few fixed steps, so the port timeout rarely changes
            real = next((step for step in _WAIT_STEPS if step >= real), _READ_SLICE)
            if real != self._port_timeout:
                # only on change: pyserial's RFC 2217 client renegotiates the port
                # settings on every timeout assignment (~150 ms per command)
                try:
                    port.timeout = real
                    self._port_timeout = real
                except Exception:
                    pass
            first = port.read(1)
            if not first:
                return b""
            # the rest of the answer usually came with its first byte: take it in the
            # same call, so the engine parses the answer in one feed, not two
            more = self._waiting()
            if more:
                return bytes(first) + bytes(port.read(more))
            return bytes(first)
        except MeLibError:
            raise
        except Exception as exc:  # any type: see the module docstring
            raise self._lost("read", exc) from exc

    def _mark_closed(self, reason: str) -> None:
        with self._io:
            self._closed_reason = reason
            self._io.notify_all()

    def _pump(self, wait: float) -> None:
        self._check_open()
        data = self._read(wait)
        with self._io_lock:
            now = self.clock()
            if data:
                self.bytes_in += len(data)
                if self.trace is not None:
                    self.trace("rx", data, now)
                events = self.engine.feed(data, now)
            else:
                events = self.engine.tick(now)
            self._handle(events)

    def _handle(self, events: list[Any]) -> None:
        """Route engine events; called with `self._io` held."""
        for ev in events:
            if isinstance(ev, (Response, Timeout)):     # the common case first
                self._result = ev
            elif isinstance(ev, Urc):
                if log.isEnabledFor(DEBUG):
                    log.debug("%s <- URC %s", self.name, for_log(ev.line))
                if len(self._queue) >= self.max_queued_urcs:
                    self._drop_oldest_urc()
                self._queue.append(ev)
                self._queued += 1
            elif isinstance(ev, Prompt):
                if log.isEnabledFor(DEBUG):
                    log.debug("%s <- prompt %r, writing %d bytes", self.name, ev.char,
                              len(ev.data))
                self._write(ev.data)
            elif isinstance(ev, Rebooted):
                self.reboots += 1
                log.info("%s: modem rebooted (%s)", self.name, ev.banner)
                if ev.command is not None:
                    self._result = ev
                self._queue.append(ev)
                self._queued += 1
            elif isinstance(ev, DataReceived):
                self._data_rx.append(ev.data)
            elif isinstance(ev, ProtocolError):
                log.warning("%s: %s (%s)", self.name, ev.reason, redact(ev.line))
        if events:
            self._io.notify_all()

    @property
    def consecutive_timeouts(self) -> int:
        """How many commands in a row got no answer: a growing count means the module hangs."""
        return self.engine.consecutive_timeouts

    @property
    def unresponsive(self) -> bool:
        """Enough timeouts in a row that the caller should reset the modem."""
        return self.engine.consecutive_timeouts >= self.max_consecutive_timeouts


def raise_for_final(response: Response, cmee: bool | None = None) -> None:
    """Turn an error final into the matching typed exception.

    `cmee`: whether the module accepted `AT+CMEE=1` (None: not known), which
    decides the hint of a plain ERROR (`me_lib.errors.plain_error_hint`).
    """
    final = response.final
    if final.ok:
        return
    if final.kind == "CME":
        raise CmeError(response.command, final.code, final.name or "unknown",
                       _cme_hint(final.code))
    if final.kind == "CMS":
        raise CmsError(response.command, final.code, final.name or "unknown")
    if final.kind == "PROTOCOL":
        raise AtProtocolError(response.command, final.name or "garbled answer")
    if final.kind in ("ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE",
                      "COMMAND NOT SUPPORT", "MODEM ERROR", "ABORTED", "EXTRA"):
        raise AtCommandError(response.command, final.text or final.kind,
                             plain_error_hint(cmee))
    raise AtError("%s ended with %s" % (redact(response.command), final.text), response.command)


def _cme_hint(code: int | None) -> str | None:
    if code == 14:
        return "the SIM is still initialising; retry after a short back-off"
    if code in (11, 12, 17, 18):
        return "the SIM needs a PIN/PUK; provide it through the environment"
    if code == 10:
        return "insert a SIM and power-cycle the modem"
    if code is not None and 100 <= code <= 255:
        return "the network rejected the request; see the 3GPP cause"
    return None
