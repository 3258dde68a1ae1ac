"""pyserial URL handler for `sim://<scenario>[?speed=N&baud=N&clock=lockstep|wall]`.

pyserial imports `<package>.protocol_sim` for a `sim://` URL when "me_lib.sim"
is in `serial.protocol_handler_packages` (me_lib/__init__.py adds it), so any
code that opens a port with `serial.serial_for_url()` can talk to the simulated
modem in-process: `sim://default` loads me_lib/sim/scenarios/default.toml,
`sim:///abs/path.toml` a file. `baud` paces the output (default 115200).

Time is lock-step by default: virtual time moves only while the host waits in
`read()`, straight to the modem's next event, so a run is as fast as the host
can compute and its outcome never depends on the machine's speed. `speed=1` asks
for a real-time modem (wall clock), as real modules answer; `clock=wall` with
another speed runs wall-clock time N times faster. `.modem` (the SimModem) and
`.clock` (its SimClock) are exposed for tests to inject faults, change the card
over the air or move the world.
"""

import select
import threading
import time
import urllib.parse
from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from me_lib.sim.modem.clock import LOCKSTEP_SPEED, SimClock
from me_lib.sim.modem.core import SimModem
from me_lib.sim.modem.scenario import Scenario, ScenarioError
from me_lib.sim.serial_lines import NoModemLines

POLL = 0.005      # real seconds between looks at the clock and the socket bridge, at most
MIN_STEP = 1e-6          # virtual seconds: the least a waiting host lets time move
REPLY_WAIT_SLICE = 0.05   # real seconds per look at a loopback peer's awaited reply


def parse_url(url: str) -> tuple[str, SimClock, int | None]:
    """'sim://default?speed=1&baud=9600' -> ('default', a real-time clock, 9600)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "sim":
        raise SerialException("expected a sim://<scenario>[?speed=N&baud=N] URL, got %r" % url)
    target = parts.netloc + parts.path if parts.netloc else parts.path
    target = target or "default"
    speed: float | None = None
    kind: str | None = None
    baud: int | None = None
    for key, values in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items():
        value = values[-1]
        try:
            if key == "speed":
                speed = float(value)
                if not 0 < speed <= 1e6:
                    raise ValueError("speed must be in (0, 1e6]")
            elif key == "baud":
                baud = int(value)
                if not 300 <= baud <= 10_000_000:
                    raise ValueError("baud must be in 300..10000000")
            elif key == "clock":
                if value not in ("lockstep", "wall"):
                    raise ValueError("clock must be lockstep or wall")
                kind = value
            else:
                raise ValueError("unknown option %r" % key)
        except ValueError as exc:
            raise SerialException("bad sim:// URL %r: %s" % (url, exc)) from None
    if kind is None:
        kind = "wall" if speed == 1.0 else "lockstep"
    if kind == "wall":
        return target, SimClock(1.0 if speed is None else speed), baud
    return target, SimClock.lockstep_clock(speed or LOCKSTEP_SPEED), baud


class Serial(NoModemLines, SerialBase):  # type: ignore[misc]
    """A pyserial port whose other end is a SimModem."""

    is_open: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.modem: SimModem | None = None
        self.clock: SimClock | None = None
        self._wake = threading.Event()
        super().__init__(*args, **kwargs)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        target, clock, baud = parse_url(self.portstr)
        try:
            scenario = Scenario.load(target)
        except ScenarioError as exc:
            raise SerialException(str(exc)) from None
        self.clock = clock
        try:
            self.modem = SimModem(scenario, self.clock, baud)
        except ScenarioError as exc:
            raise SerialException(str(exc)) from None
        self.is_open = True

    def close(self) -> None:
        if self.modem is not None:
            with self.modem.lock:
                if self.modem.sock is not None:
                    self.modem.sock.reset()
        self.is_open = False
        self._wake.set()

    def _reconfigure_port(self, *args: Any, **kwargs: Any) -> None:
        """Line settings do not matter to the simulator (pacing uses the URL's baud)."""

    def _modem(self) -> SimModem:
        if not self.is_open or self.modem is None:
            raise PortNotOpenError()
        if self.modem.closed:
            raise SerialException("device reports readiness to read but returned no data "
                                  "(device disconnected or multiple access on port?)")
        return self.modem

    @property
    def in_waiting(self) -> int:
        m = self._modem()
        with m.lock:
            return m.available()

    def read(self, size: int = 1) -> bytes:
        m = self._modem()
        if m.clock.lockstep:
            return self._read_lockstep(m, size)
        clock = m.clock
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        data = bytearray()
        self._wake.clear()
        while len(data) < size:
            with m.lock:
                data += m.read(clock.now(), size - len(data))
                nxt = m.next_wakeup()
                now = clock.now()
                closed = m.closed
            if closed and not data:
                raise SerialException("device disconnected (simulated port closed)")
            if len(data) >= size or closed or not self.is_open:
                break
            wait = POLL if nxt is None else min(POLL, clock.to_real(nxt - now))
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wait = min(wait, left)
            if wait > 0:
                self._wake.wait(wait)
        return bytes(data)

    def _read_lockstep(self, m: SimModem, size: int) -> bytes:
        """The host waits: let virtual time run to the modem's next event, not the wall's.

        Only a reply from a real loopback peer (the DM server behind a bridged
        socket) is waited for in real time, bounded, with virtual time held still,
        so it arrives at the same virtual moment however long the peer took.
        """
        clock = m.clock
        budget = None if self._timeout is None else clock.to_virtual(self._timeout)
        deadline = None if budget is None else clock.now() + budget
        data = bytearray()
        while len(data) < size and self.is_open:
            with m.lock:
                data += m.read(clock.now(), size - len(data))
                closed = m.closed
                nxt = m.next_wakeup(whole_chunks=True)
                peers = m.sock.awaiting() if m.sock is not None else []
            if closed and not data:
                raise SerialException("device disconnected (simulated port closed)")
            if data or closed:
                break
            now = clock.now()
            if deadline is not None and now >= deadline:
                break
            if peers:
                try:
                    select.select(peers, [], [], REPLY_WAIT_SLICE)
                except (OSError, ValueError):    # closed meanwhile: the next look sees it
                    pass
                continue
            if nxt is None and deadline is None:
                # nothing will ever happen by itself: wait for another thread to act
                self._wake.wait(POLL)
                continue
            target = min(t for t in (nxt, deadline) if t is not None)
            # an event due "now" that printed nothing yet (float rounding of the baud
            # pacing) must not spin: time always moves by at least a microsecond
            clock.advance_to(max(target, now + MIN_STEP))
        return bytes(data)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        m = self._modem()
        raw = bytes(data)
        with m.lock:
            m.feed(raw, m.clock.now())
        return len(raw)

    def reset_input_buffer(self) -> None:
        m = self._modem()
        with m.lock:
            m.read(m.clock.now())

    def reset_output_buffer(self) -> None:
        self._modem()

    def cancel_read(self) -> None:
        self._wake.set()
