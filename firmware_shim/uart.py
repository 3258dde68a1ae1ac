"""A `machine.UART` as the byte port `AtChannel` drives (the pyserial subset).

Why an adapter: AtChannel talks to pyserial's surface: `read(n)` waits up to
`timeout` seconds for a first byte and returns b"" on a timeout, `in_waiting`
counts buffered bytes, `timeout` is a settable float. A `machine.UART` differs,
and differently per port: `read()` returns None when nothing is there, `any()`
may say 1 while more is buffered, the timeout is fixed in ms at construction
(create it with `timeout=0`), and `write()` may write part of the buffer or
return None on a full FIFO. This adapter hides that, so the AT engine runs
unchanged on a board.

Waiting for a byte uses `select.poll` on the UART where the port can poll it
(ESP32, RP2, STM32, the unix stand-in `firmware_shim.unix_uart`), else
`any()` every millisecond. Works on CPython too (the tests use a fake UART).
"""

from me_lib.clock import monotonic, sleep
from me_lib.errors import PortClosed

try:
    import select
except ImportError:  # a port built without select
    select = None  # type: ignore[assignment]

try:
    from typing import Any
except ImportError:
    pass

# Bytes taken from the UART driver per call: a whole AT answer usually fits.
_CHUNK = 256
# A write that makes no progress for this long means a dead link (CTS stuck).
_WRITE_STALL_S = 2.0


class UartPort:
    """The pyserial subset over a `machine.UART` (or anything with read/write/any)."""

    def __init__(self, uart: "Any", timeout: float = 0.02, name: str = "uart") -> None:
        self.uart = uart
        #: seconds `read()` waits for a first byte (AtChannel sets it per read)
        self.timeout = timeout
        self.name = name
        self._buf = b""
        self._closed = False
        self._poll: Any = None
        if select is not None:
            try:
                poller = select.poll()
                poller.register(uart, select.POLLIN)
                self._poll = poller
            except (TypeError, ValueError, OSError, AttributeError):
                # not pollable here (CPython fake, some ports): any() loop instead
                self._poll = None

    @property
    def in_waiting(self) -> int:
        """Bytes readable now; drains the driver because `any()` may only say 1."""
        self._check()
        if self.uart.any():
            self._take()
        return len(self._buf)

    def read(self, n: int = 1) -> bytes:
        """Up to `n` bytes; waits at most `timeout` s for the first; b"" on timeout."""
        self._check()
        if not self._buf and self._wait(self.timeout):
            self._take()
        out = self._buf[:n]
        self._buf = self._buf[n:]
        return out

    def write(self, data: bytes) -> int:
        """Writes all of `data`; raises PortClosed when the UART stops taking bytes."""
        self._check()
        view = memoryview(data)
        sent = 0
        last = monotonic()
        while sent < len(data):
            n = self.uart.write(view[sent:])
            if n:
                sent += n
                last = monotonic()
            elif monotonic() - last > _WRITE_STALL_S:
                raise PortClosed("%s took no bytes for %.0f s: check the TX wiring and "
                                 "flow control (CTS)" % (self.name, _WRITE_STALL_S))
            else:
                sleep(0.001)
        return sent

    def flush(self) -> None:
        """Waits for the TX FIFO to drain where the port can (ESP32 `UART.flush`)."""
        fn = getattr(self.uart, "flush", None)
        if fn is not None:
            fn()

    def close(self) -> None:
        """Releases the UART (`deinit`); later reads and writes raise PortClosed."""
        if self._closed:
            return
        self._closed = True
        if self._poll is not None:
            try:
                self._poll.unregister(self.uart)
            except (OSError, ValueError, KeyError):
                pass
            self._poll = None
        fn = getattr(self.uart, "deinit", None)
        if fn is not None:
            fn()

    # -- internals ---------------------------------------------------------------

    def _check(self) -> None:
        if self._closed:
            raise PortClosed("%s is closed; open a new UartPort" % self.name)

    def _take(self) -> None:
        data = self.uart.read(_CHUNK)
        if data:
            self._buf += bytes(data)

    def _wait(self, seconds: float) -> bool:
        """True when a byte is readable within `seconds`."""
        if self.uart.any():
            return True
        ms = int(seconds * 1000 + 0.999)
        if ms <= 0:
            return False
        if self._poll is not None:
            for _obj, event in self._poll.poll(ms):
                if event & select.POLLIN:
                    return True
                if event & (select.POLLHUP | select.POLLERR):
                    raise PortClosed("%s hung up (the modem side closed the line)"
                                     % self.name)
            return False
        deadline = monotonic() + ms / 1000.0
        while monotonic() < deadline:
            sleep(0.001)
            if self.uart.any():
                return True
        return False
