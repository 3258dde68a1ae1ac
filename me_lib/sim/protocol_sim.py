"""pyserial URL handler for `sim://<scenario>[?speed=N&baud=N]`.

pyserial imports `<package>.protocol_sim` for a `sim://` URL when "me_lib.sim"
is in `serial.protocol_handler_packages` (me_lib/__init__.py adds it), so any
code that opens a port with `serial.serial_for_url()` can talk to the simulated
modem in-process: `sim://default` loads me_lib/sim/scenarios/default.toml,
`sim:///abs/path.toml` a file. `speed` makes virtual time run N times faster
than real time (tests use 1000), `baud` paces the output (default 115200).

`read()` honours `timeout` in real seconds, like a real port; `.modem` (the
SimModem) and `.clock` (its SimClock) are exposed for tests to inject faults,
change the card over the air or move the world.
"""

import threading
import time
import urllib.parse
from typing import Any

from serial.serialutil import PortNotOpenError, SerialBase, SerialException

from me_lib.sim.modem.clock import SimClock
from me_lib.sim.modem.core import SimModem
from me_lib.sim.modem.scenario import Scenario, ScenarioError
from me_lib.sim.serial_lines import NoModemLines

POLL = 0.005      # real seconds between looks at the clock and the socket bridge, at most


def parse_url(url: str) -> tuple[str, float, int | None]:
    """'sim://default?speed=1000&baud=9600' -> ('default', 1000.0, 9600)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "sim":
        raise SerialException("expected a sim://<scenario>[?speed=N&baud=N] URL, got %r" % url)
    target = parts.netloc + parts.path if parts.netloc else parts.path
    target = target or "default"
    speed = 1.0
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
            else:
                raise ValueError("unknown option %r" % key)
        except ValueError as exc:
            raise SerialException("bad sim:// URL %r: %s" % (url, exc)) from None
    return target, speed, baud


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
        target, speed, baud = parse_url(self.portstr)
        try:
            scenario = Scenario.load(target)
        except ScenarioError as exc:
            raise SerialException(str(exc)) from None
        self.clock = SimClock(speed)
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
