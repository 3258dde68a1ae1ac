"""The simulated modem's engine: bytes in, bytes out at virtual times.

`SimModem` is sans-I/O: the host side (the `sim://` port, the pty server, a
test) calls `feed(data, now)` with what the host wrote and `read(now)` for what
the modem has printed by virtual time `now`. Everything else is scheduled on
a virtual timeline: per-command latency, output paced at the baud rate,
registration progress, URCs, socket data. That makes runs reproducible and lets
a fast clock compress minutes of network behaviour into milliseconds.

The engine implements V.250 framing (echo, ATV0/1, command lines with several
commands, result codes, `+CMEE` rendering) and power states (booting, on,
off); the 27.007 and vendor commands live in sibling modules that register
handlers here.
"""

import heapq
import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from me_lib.sim.modem import basic, network, simcard, sockets
from me_lib.sim.modem.clock import SimClock
from me_lib.sim.modem.commands import (
    ERROR,
    OK,
    AtFail,
    Command,
    DataMode,
    Final,
    Pending,
    Prompt,
    Reply,
    parse_line,
)
from me_lib.sim.modem.dialects import Dialect
from me_lib.sim.modem.faults import Fault, Faults
from me_lib.sim.modem.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    from me_lib.sim.modem.simcard import CardLike

log = logging.getLogger("me_lib.sim.modem")

Handler = Callable[[Command], Reply]

MAX_LINE = 2048          # longer command lines are answered ERROR (V.250 allows less)
CTRL_Z = 0x1A
ESC = 0x1B

# 27.007 §9.2 texts for the codes the simulator produces (AT+CMEE=2)
CME_TEXT: dict[int, str] = {
    0: "phone failure", 3: "operation not allowed", 4: "operation not supported",
    10: "SIM not inserted", 11: "SIM PIN required", 12: "SIM PUK required",
    13: "SIM failure", 14: "SIM busy", 15: "SIM wrong", 16: "incorrect password",
    17: "SIM PIN2 required", 18: "SIM PUK2 required", 20: "memory full",
    21: "invalid index", 22: "not found", 30: "no network service",
    31: "network timeout", 32: "network not allowed - emergency calls only",
    50: "incorrect parameters", 100: "unknown", 103: "Illegal MS", 106: "Illegal ME",
    107: "GPRS services not allowed", 111: "PLMN not allowed",
    112: "Location area not allowed", 113: "Roaming not allowed in this location area",
    126: "insufficient resources", 127: "missing or unknown APN",
    128: "unknown PDP address or PDP type", 129: "user authentication failed",
    130: "activation rejected by GGSN, Serving GW or PDN GW",
    131: "activation rejected, unspecified", 132: "service option not supported",
    133: "requested service option not subscribed",
    134: "service option temporarily out of order", 148: "unspecified GPRS error",
    149: "PDP authentication failure", 155: "multiple PDN connections not allowed",
    171: "last PDN disconnection not allowed", 178: "maximum number of bearers reached",
    179: "requested APN not supported in current RAT and PLMN combination",
    561: "open PDP context failed", 565: "DNS parse failed", 566: "socket connect failed",
}


class _Timer:
    __slots__ = ("at", "cancelled", "fn", "persistent", "seq")

    def __init__(self, at: float, seq: int, fn: Callable[[], None], persistent: bool) -> None:
        self.at = at
        self.seq = seq
        self.fn = fn
        self.persistent = persistent
        self.cancelled = False

    def __lt__(self, other: "_Timer") -> bool:
        return (self.at, self.seq) < (other.at, other.seq)

    def cancel(self) -> None:
        self.cancelled = True


class _DataModeRun:
    """One raw data mode session (commands.DataMode): payload not yet sent, terminator check."""

    __slots__ = ("buf", "held", "last_rx", "mode")

    def __init__(self, mode: DataMode, now: float) -> None:
        self.mode = mode
        self.buf = bytearray()       # payload received, not yet handed to on_data
        self.held = bytearray()      # a terminator candidate that began after the guard silence
        self.last_rx = now           # entering data mode counts as the last input


class SimModem:
    """A 27.007 modem holding a virtual USIM, driven byte by byte.

    Its parts (basic, network, simcard, sockets, faults) see it as a
    `host.Host`: the attributes and verbs listed there are the interface they
    may use; everything named `_...` here is the engine's own.

    Build one from a `Scenario` (see scenario.py); `card` overrides the card
    the scenario names (tests pass a VirtualCard they keep a handle on).
    Not thread-safe: the port classes serialise access with their own lock.
    """

    def __init__(self, scenario: Scenario | None = None, clock: SimClock | None = None,
                 baud: int | None = None, card: "CardLike | None" = None) -> None:
        self.lock = threading.RLock()     # held by the port classes and the public API
        self.scenario = scenario or Scenario.from_dict({})
        self.clock = clock or SimClock(1.0)
        self.dialect: Dialect = self.scenario.dialect
        self.baud = baud or self.scenario.baud
        self.t = self.clock.now()
        self.closed = False
        self.power = "off"
        self.boot_count = 0
        self.handlers: dict[str, Handler] = {}
        self.faults = Faults(self)
        self._tx: deque[list[Any]] = deque()   # [start_time, bytes, sent]
        self._tx_free_at = self.t
        self._timers: list[_Timer] = []
        self._seq = 0
        self._rx_line = bytearray()
        self._lines: deque[str] = deque()
        self._last_line = ""
        self._busy = False
        self._cmds: list[Command] = []
        self._idx = 0
        self._prompt: Prompt | None = None
        self._prompt_buf = bytearray()
        self._pending: Pending | None = None
        self._datamode: _DataModeRun | None = None
        self._suppress_final = False
        self._lag_tail: str | None = None      # scenario lagging_lines: printed next time
        self._hung_until = -1.0
        self.extra_delay_until = -1.0
        self.transcript: list[tuple[float, str, bytes]] = []   # (time, "rx"|"tx", bytes)
        self.keep_transcript = False
        self._reset_volatile()
        self.sim = simcard.SimAccess(self, card)
        self.net = network.Network(self)
        self.sock = sockets.make_stack(self)
        basic.register(self)
        self.sim.register()
        self.net.register()
        if self.sock is not None:
            self.sock.register()
        self.faults.load(self.scenario.faults)
        self.net.load_events(self.scenario.events)
        self.power_on()

    # ------------------------------------------------------------------ state

    def _reset_volatile(self) -> None:
        """Settings a module forgets on reset (V.250 and 27.007 defaults)."""
        self.echo = True
        self.verbose = True
        self.quiet = False
        self.cmee = 0
        self.sregs: dict[int, int] = {0: 0, 3: 13, 4: 10, 5: 8, 7: 50, 10: 2}

    @property
    def online(self) -> bool:
        return self.power == "on" and not self.closed

    # ------------------------------------------------------------- scheduling

    def schedule(self, delay: float, fn: Callable[[], None],
                 persistent: bool = False) -> _Timer:
        """Run `fn` at virtual time now+delay. Non-persistent timers die on reboot."""
        return self.schedule_at(self.t + max(0.0, delay), fn, persistent)

    def later(self, delay: float, fn: Callable[[], None]) -> Callable[[], None]:
        """A callback that, when run, schedules `fn` `delay` virtual seconds later."""
        def arm() -> None:
            self.schedule(delay, fn)
        return arm

    def schedule_at(self, at: float, fn: Callable[[], None],
                    persistent: bool = False) -> _Timer:
        self._seq += 1
        timer = _Timer(at, self._seq, fn, persistent)
        heapq.heappush(self._timers, timer)
        return timer

    def tick(self, now: float | None = None) -> None:
        """Advance the simulation to virtual time `now`, running what fell due."""
        if now is None:
            now = self.clock.now()
        while self._timers and self._timers[0].at <= now:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.t = max(self.t, timer.at)
            self._safe(timer.fn)
        self.t = max(self.t, now)
        if self.sock is not None and self.online:
            self._safe(self.sock.poll)
        if self._pending is not None:
            self._check_pending()

    def next_wakeup(self, whole_chunks: bool = False) -> float | None:
        """Earliest virtual time at which something new may happen (None: idle).

        whole_chunks: for output being paced out, when the chunk being printed
        (a line, a response) is complete rather than its next byte. A lock-step
        host wakes once per chunk instead of once per byte, as a UART driver
        whose FIFO fills while the host sleeps.
        """
        times: list[float] = []
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        if self._timers:
            times.append(self._timers[0].at)
        if self._tx:
            start, data, sent = self._tx[0]
            times.append(start + self._byte_time() * (len(data) - 1 if whole_chunks else sent))
        if self._pending is not None:
            times.append(self._pending.deadline)
        return min(times) if times else None

    def _safe(self, fn: Callable[[], None]) -> None:
        """Run simulator code; a bug there must not kill the host's port thread."""
        try:
            fn()
        except Exception:   # pragma: no cover - reported, never propagated to the host
            log.exception("simulator internal error")

    # ----------------------------------------------------------------- output

    def _byte_time(self) -> float:
        return 10.0 / float(self.baud)

    def emit(self, data: bytes) -> None:
        """Queue bytes for the host at the current virtual time, paced at the baud rate."""
        if not data or self.closed:
            return
        start = max(self.t, self._tx_free_at)
        self._tx_free_at = start + self._byte_time() * len(data)
        self._tx.append([start, bytes(data), 0])

    def emit_line(self, line: str) -> None:
        """One information line or URC in the current ATV framing."""
        raw = line.encode("latin-1", "replace")
        self.emit(b"\r\n" + raw + b"\r\n" if self.verbose else raw + b"\r\n")

    def urc(self, line: str) -> None:
        """An unsolicited result code; held back while a response is being printed."""
        if not self.online or self.quiet:
            return
        self.emit_line(line)

    def available(self, now: float | None = None) -> int:
        self.tick(now)
        return sum(self._ready_count(entry) for entry in self._tx)

    def _ready_count(self, entry: list[Any]) -> int:
        start: float = entry[0]
        data: bytes = entry[1]
        sent: int = entry[2]
        if self.t < start:
            return 0
        n = int((self.t - start) / self._byte_time()) + 1
        return max(0, min(len(data), n) - sent)

    def read(self, now: float | None = None, size: int = 1 << 20) -> bytes:
        """Bytes the modem has printed by virtual time `now` (at most `size`)."""
        self.tick(now)
        out = bytearray()
        while self._tx and len(out) < size:
            entry = self._tx[0]
            n = min(self._ready_count(entry), size - len(out))
            if n <= 0:
                break
            _start, data, sent = entry
            out += data[sent:sent + n]
            entry[2] = sent + n
            if entry[2] >= len(data):
                self._tx.popleft()
            else:
                break
        if out and self.keep_transcript:
            self.transcript.append((self.t, "tx", bytes(out)))
        return bytes(out)

    def discard_output(self) -> None:
        self._tx.clear()
        self._tx_free_at = self.t

    # ------------------------------------------------------------------ input

    def feed(self, data: bytes, now: float | None = None) -> None:
        """Bytes the host wrote, received at virtual time `now`."""
        self.tick(now)
        if self.closed or not data:
            return
        if self.keep_transcript:
            self.transcript.append((self.t, "rx", bytes(data)))
        for byte in data:
            self._rx_byte(byte)

    def _rx_byte(self, byte: int) -> None:
        if self.power != "on" or self.t < self._hung_until:
            return                       # a booting, hung or powered-off module ignores input
        if self._datamode is not None:
            self._datamode_byte(byte)
            return
        if self._prompt is not None:
            self._prompt_byte(byte)
            return
        if self.echo:
            self.emit(bytes([byte]))
        s3 = self.sregs.get(3, 13)
        if byte == s3:
            text = self._rx_line.decode("latin-1")
            self._rx_line = bytearray()
            self._on_line(text)
        elif byte == self.sregs.get(5, 8):
            if self._rx_line:
                del self._rx_line[-1]
        elif byte == self.sregs.get(4, 10):
            pass
        else:
            self._rx_line.append(byte)
            if len(self._rx_line) > MAX_LINE * 2:
                self._rx_line = self._rx_line[-MAX_LINE * 2:]
            if self._rx_line.lower() == b"a/":      # V.250 repeat: "A/" alone, no CR
                self._rx_line = bytearray()
                if self.echo:
                    self.emit(b"\r")
                self._on_line(self._last_line)

    def _on_line(self, text: str) -> None:
        upper = text.upper()
        pos = upper.find("AT")
        if pos < 0:
            return                       # no "AT": V.250 discards the line silently
        line = text[pos:]
        self._last_line = line
        self._lines.append(line)
        self._pump()

    def _pump(self) -> None:
        while not self._busy and self._lines and self.online:
            self._start_line(self._lines.popleft())

    def _start_line(self, line: str) -> None:
        self._busy = True
        self._suppress_final = False
        if self._lag_tail is not None:
            # scenario lagging_lines: the previous answer's last line comes out again,
            # after this command's echo and before its own answer
            self.emit_line(self._lag_tail)
            self._lag_tail = None
        if len(line) > MAX_LINE:
            self._finish(ERROR)
            return
        cmds = parse_line(line[2:])
        if cmds is None:
            self._finish(ERROR)
            return
        self._cmds = cmds
        self._idx = 0
        if not cmds:                     # "AT" alone
            delay = self.dialect.base_delay
            if self.t < self.extra_delay_until:
                delay = max(delay, self.extra_delay_until - self.t)
            self.schedule(delay, lambda: self._finish(OK))
            return
        self._run_current()

    def _run_current(self) -> None:
        cmd = self._cmds[self._idx]
        actions = self.faults.for_command(cmd)
        if "no_answer" in actions:
            self._end_line()
            return
        if "reboot" in actions:
            self._end_line()
            self.reboot()
            return
        if "port_close" in actions:
            self.close_port()
            return
        try:
            reply = self.dispatch(cmd)
        except AtFail as fail:
            reply = Reply(final=self.error_final(fail))
        except Exception:        # a simulator bug answers ERROR, never a host traceback
            log.exception("simulator error on %s", cmd.text)
            reply = Reply(final=ERROR)
        delay = reply.delay if reply.delay > 0 else self.dialect.delay_for(cmd.name, cmd.kind)
        delay += actions.get("delay", 0.0)
        if self.t < self.extra_delay_until:
            delay = max(delay, self.extra_delay_until - self.t)
        pre = actions.get("pre_bytes", b"")
        if actions.get("lost_ok"):
            self._suppress_final = True
        self.schedule(delay, lambda: self._deliver(reply, pre))

    def dispatch(self, cmd: Command) -> Reply:
        """Find the handler for `cmd`; unknown commands answer a plain ERROR."""
        handler = self.handlers.get(cmd.name)
        if handler is None:
            raise AtFail(None)
        return handler(cmd)

    def error_final(self, fail: AtFail) -> Final:
        """Render a failure the way `+CMEE` asks: ERROR, +CME ERROR: <n> or <text>."""
        if fail.code is None or self.cmee == 0:
            return ERROR
        return Final("CME", fail.code, fail.text or CME_TEXT.get(fail.code, "unknown"))

    def _deliver(self, reply: Reply, pre: bytes = b"") -> None:
        if not self._busy:
            return
        if pre:
            self.emit(pre)
        self._print_info(reply)
        if reply.prompt is not None:
            self._prompt = reply.prompt
            self._prompt_buf = bytearray()
            self.emit(reply.prompt.text.encode("latin-1"))
            return
        if reply.pending is not None:
            self._pending = reply.pending
            self._check_pending()
            return
        if reply.datamode is not None:
            self._datamode = _DataModeRun(reply.datamode, self.t)   # silent: no OK on entry
            return
        self._complete(reply)

    def _print_info(self, reply: Reply) -> None:
        if self.scenario.lagging_lines and reply.lines and not reply.raw:
            self._lag_tail = reply.lines[-1]
        chunk = bytearray()
        if reply.lines:
            enc = [ln.encode("latin-1", "replace") for ln in reply.lines]
            if not self.verbose:
                chunk += b"".join(e + b"\r\n" for e in enc)
            elif reply.blank_between:
                chunk += b"".join(b"\r\n" + e + b"\r\n" for e in enc)
            else:
                chunk += b"\r\n" + b"\r\n".join(enc) + b"\r\n"
        if reply.raw:
            chunk += reply.raw + b"\r\n"
        if chunk:
            self.emit(bytes(chunk))

    def _complete(self, reply: Reply) -> None:
        final = reply.final
        if final is None:
            self._run_after(reply)
            self._end_line()
            return
        if final.kind in ("OK", "RAW") and self._idx + 1 < len(self._cmds):
            self._run_after(reply)
            self._idx += 1
            self._run_current()
            return
        self._finish(final, reply)

    def _run_after(self, reply: Reply) -> None:
        for fn in reply.after:
            self._safe(fn)

    def _check_pending(self) -> None:
        pending = self._pending
        if pending is None:
            return
        reply: Reply | None = None
        try:
            reply = pending.check()
            if reply is None and self.t >= pending.deadline:
                reply = pending.on_timeout()
        except AtFail as fail:
            reply = Reply(final=self.error_final(fail))
        except Exception:
            log.exception("simulator error while waiting")
            reply = Reply(final=ERROR)
        if reply is None:
            return
        self._pending = None
        self._print_info(reply)
        self._complete(reply)

    def _prompt_byte(self, byte: int) -> None:
        prompt = self._prompt
        assert prompt is not None
        if prompt.echo and byte not in (CTRL_Z, ESC):
            self.emit(bytes([byte]))
        if prompt.length is None:
            if byte == ESC:
                self._prompt = None
                self._finish(OK)
                return
            if byte != CTRL_Z:
                self._prompt_buf.append(byte)
                return
        else:
            self._prompt_buf.append(byte)
            if len(self._prompt_buf) < prompt.length:
                return
        data = bytes(self._prompt_buf)
        self._prompt = None
        self._prompt_buf = bytearray()
        try:
            reply = prompt.on_data(data)
        except AtFail as fail:
            reply = Reply(final=self.error_final(fail))
        except Exception:
            log.exception("simulator error on payload")
            reply = Reply(final=ERROR)
        self.schedule(max(reply.delay, self.dialect.base_delay),
                      lambda: self._deliver(reply))

    def _datamode_byte(self, byte: int) -> None:
        """A payload byte, or part of the terminator when it came after the guard silence."""
        run = self._datamode
        assert run is not None
        term = run.mode.terminator
        quiet = self.t - run.last_rx + 1e-9 >= run.mode.silence
        if not run.held:
            if term and byte == term[0] and quiet:
                run.held.append(byte)
            else:
                run.buf.append(byte)
        elif len(run.held) < len(term) and byte == term[len(run.held)] \
                and (not quiet or run.mode.silence <= 0):    # the terminator comes in one go
            run.held.append(byte)
        else:                              # not the terminator after all: it was payload
            run.buf += run.held + bytes([byte])
            run.held = bytearray()
        run.last_rx = self.t
        # checks at the exact virtual times, so the payload leaves and OK is printed on time
        self.schedule_at(self.t + run.mode.flush_after, self._datamode_tick)
        if run.held:
            self.schedule_at(self.t + run.mode.silence, self._datamode_tick)

    def _datamode_tick(self) -> None:
        run = self._datamode
        if run is None:
            return
        idle = self.t - run.last_rx + 1e-9      # timers fire at last_rx + delay: float slack
        if run.held and idle >= run.mode.silence:
            if bytes(run.held) == run.mode.terminator:
                self._datamode_end(True)
                return
            run.buf += run.held
            run.held = bytearray()
        if run.buf and idle >= run.mode.flush_after:
            chunk = bytes(run.buf)
            run.buf = bytearray()
            if not self._datamode_send(run, chunk):
                self._datamode_end(False)

    def _datamode_send(self, run: _DataModeRun, chunk: bytes) -> bool:
        try:
            return run.mode.on_data(chunk)
        except AtFail:
            return False
        except Exception:
            log.exception("simulator error on data mode payload")
            return False

    def _datamode_end(self, ok: bool) -> None:
        """Leave data mode: what is still buffered goes out, then OK (ERROR if a send failed)."""
        run = self._datamode
        assert run is not None
        self._datamode = None
        if ok and run.buf:
            ok = self._datamode_send(run, bytes(run.buf))
        self._finish(OK if ok else ERROR)

    def _finish(self, final: Final, reply: Reply | None = None) -> None:
        """Print the final result, then run the reply's after-effects, then accept input."""
        if not (self._suppress_final and final.kind == "OK"):
            self.emit_final(final)
        if reply is not None:
            self._run_after(reply)
        self._end_line()

    def emit_final(self, final: Final) -> None:
        if self.quiet:
            return
        if final.kind == "RAW":
            self.emit_line(final.text)
        elif final.kind == "CME":
            text = str(final.code) if self.cmee == 1 else final.text
            self.emit_line("+CME ERROR: " + text)
        elif self.verbose:
            self.emit_line(final.kind)
        else:
            self.emit(b"0\r" if final.kind == "OK" else b"4\r")

    def _end_line(self) -> None:
        self._busy = False
        self._cmds = []
        self._idx = 0
        self._pending = None
        self._prompt = None
        self._datamode = None
        self._suppress_final = False
        self._pump()

    # ------------------------------------------------------------------ power

    def power_on(self) -> None:
        """Cold start: silence for the dialect's boot time, then banners and SIM init."""
        self.boot_count += 1
        self.power = "booting"
        self._abort_line()
        self._reset_volatile()
        self.sim.on_power_up()
        self.net.on_power_up()
        if self.sock is not None:
            self.sock.reset()
        boot = self.scenario.boot_time
        if boot is None:
            boot = self.dialect.boot_time
        if self.scenario.ignore_input is not None:
            boot = self.scenario.ignore_input      # a slow boot: deaf, then silent
        self.schedule(boot, self._boot_done)

    def _boot_done(self) -> None:
        self.power = "on"
        if self.scenario.ignore_input is None:
            for banner in self.dialect.boot_banners:
                self.urc(banner)
        self.sim.start_init()
        self.net.on_boot_done()
        self._pump()

    def reboot(self, banner: str | None = None) -> None:
        """Reset the module now (CFUN=1,1, a fault, a profile switch)."""
        with self.lock:
            self.reboot_now(banner)

    def reboot_now(self, banner: str | None = None) -> None:
        """`reboot` from inside the simulation (host.py: the `*_now` verbs)."""
        for timer in self._timers:
            if not timer.persistent:
                timer.cancel()
        if banner:
            self.emit_line(banner)
        self.power_on()

    def power_off(self, banner: str = "POWERED DOWN") -> None:
        for timer in self._timers:
            if not timer.persistent:
                timer.cancel()
        self._abort_line()
        if banner:
            self.emit_line(banner)
        self.net.on_power_up()
        self.power = "off"

    def _abort_line(self) -> None:
        self._busy = False
        self._lag_tail = None
        self._lines.clear()
        self._rx_line = bytearray()
        self._cmds = []
        self._pending = None
        self._prompt = None
        self._datamode = None

    def hang(self, seconds: float) -> None:
        """The module stops reading its UART for `seconds` (a firmware stall)."""
        self._hung_until = self.t + seconds

    def close_port(self) -> None:
        """The device disappears (USB unplugged): the port raises on the next I/O."""
        self.closed = True
        self._tx.clear()

    # ------------------------------------------------------------ public API
    # Each call takes the modem lock and catches up with the clock first, so a
    # test thread can act on the world while a port thread reads bytes.

    def add_fault(self, kind: str, command: str | None = None, at: float | None = None,
                  times: int | None = 1, **params: Any) -> "Fault":
        """Arm a fault (see faults.py): per command prefix, or at virtual time `at`."""
        with self.lock:
            self.tick()
            return self.faults.add(kind, command, at, times, **params)

    def after(self, delay: float, action: Callable[[], None]) -> None:
        """Run `action` (e.g. `self.restore_coverage`) `delay` virtual seconds from now.

        The way a test makes the world change mid-run without a real-time timer,
        whose effect would depend on how fast the host runs (and never comes on a
        lock-step clock, where virtual time outruns the wall).
        """
        with self.lock:
            self.tick()
            self.schedule(delay, action, persistent=True)

    def ota_update(self, path_hex: str, data: bytes, record: int | None = None,
                   refresh: bool = True, qualifier: int = 1) -> None:
        """Change a card file over the air, then signal REFRESH the dialect's way."""
        with self.lock:
            self.tick()
            self.ota_update_now(path_hex, data, record, refresh, qualifier)

    def ota_update_now(self, path_hex: str, data: bytes, record: int | None = None,
                       refresh: bool = True, qualifier: int = 1) -> None:
        """`ota_update` from inside the simulation (a scenario event)."""
        if self.sim.card is None:
            raise ScenarioError(
                "no card in the simulated modem to update over the air (scenario %r has "
                'card = "none", or the card was taken out)' % self.scenario.name,
                hint="give the scenario a card (card = \"default\" or a profile under "
                "me_lib/sim/profiles/), or insert one with SimModem.set_card before "
                "ota_update")
        self.sim.card.update_file(path_hex, data, record)
        if refresh:
            self.sim.refresh([path_hex], qualifier)

    def switch_profile(self, profile: "str | Path | CardLike", pin: str | None = None) -> None:
        """Activate another card profile (new ICCID/IMSI): the module re-boots with banners."""
        with self.lock:
            self.tick()
            self.switch_profile_now(profile, pin)

    def switch_profile_now(self, profile: "str | Path | CardLike",
                           pin: str | None = None) -> None:
        """`switch_profile` from inside the simulation (a scenario event)."""
        if isinstance(profile, (str, Path)):
            card = simcard.load_card(self.scenario.card_path(str(profile)), pin)
        else:
            card = profile
        self.sim.switch_card(card)
        self.reboot_now(None)

    def lose_coverage(self, detach: bool = False) -> None:
        with self.lock:
            self.tick()
            self.net.lose_coverage(detach)

    def restore_coverage(self) -> None:
        with self.lock:
            self.tick()
            self.net.restore_coverage()

    def network_detach(self, reattach: bool = True) -> None:
        with self.lock:
            self.tick()
            self.net.network_detach(reattach)

    def network_deactivate(self, cid: int) -> None:
        with self.lock:
            self.tick()
            self.net.network_deactivate(cid)

    def send_urc(self, line: str) -> None:
        """Print an arbitrary URC now (tests of the host's URC handling)."""
        with self.lock:
            self.tick()
            self.urc(line)

    def sim_event(self, what: str, cid: int | None = None) -> None:
        """Internal notification between parts (network -> sockets)."""
        if self.sock is not None:
            self.sock.on_event(what, cid)

    # --------------------------------------------------------------- helpers

    def handle(self, name: str, fn: Handler) -> None:
        self.handlers[name.upper()] = fn

    def set_card(self, card: "CardLike") -> None:
        self.sim.card = card

    @classmethod
    def from_scenario(cls, name_or_path: str | Path, speed: float = 1.0,
                      baud: int | None = None) -> "SimModem":
        """Load a scenario by name (me_lib/sim/scenarios/<name>.toml) or path."""
        return cls(Scenario.load(name_or_path), SimClock(speed), baud)
