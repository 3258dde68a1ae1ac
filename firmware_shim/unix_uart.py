"""A stand-in for `machine.UART` on MicroPython's unix port: a tty or pty.

Why: the unix port has no UART, yet the tests must run the real adapter
(`firmware_shim.uart.UartPort`) against a real serial line. This class gives a
pty (e.g. the one `me-lib sim --pty` prints) the `machine.UART` surface a board
has after `UART(id, baudrate, timeout=0)`: `read(n)` returns what is there or
None, `any()`, `write()`, `deinit()`, and it is pollable with `select.poll`
(through `ioctl`, the stream protocol MicroPython uses for its own UARTs).

The line is put in raw mode with VMIN=0/VTIME=0, so a read never blocks. Not
for boards; also runs on CPython (tests).
"""

import io
import select
import termios

try:
    _setraw = termios.setraw  # type: ignore[attr-defined]
except AttributeError:  # CPython keeps it in tty
    from tty import setraw as _setraw

# MicroPython stream ioctl requests (py/stream.h)
_IOCTL_POLL = 3
_IOCTL_CLOSE = 4
_IOCTL_GET_FILENO = 10
# termios c_cc indexes on Linux (MicroPython's termios does not name them)
_VTIME = 5
_VMIN = 6


class UART(io.IOBase):
    """`machine.UART(..., timeout=0)` behaviour on a tty path."""

    def __init__(self, path: str, baudrate: int = 115200) -> None:
        self.path = path
        self._file = open(path, "r+b", buffering=0)  # noqa: SIM115 - closed in deinit
        self._fd = self._file.fileno()
        _setraw(self._fd)
        attrs = termios.tcgetattr(self._fd)
        speed = getattr(termios, "B%d" % baudrate, None)
        if speed is not None:
            attrs[4] = attrs[5] = speed
        attrs[6][_VMIN] = 0
        attrs[6][_VTIME] = 0
        termios.tcsetattr(self._fd, termios.TCSANOW, attrs)
        self._poller = select.poll()
        self._poller.register(self._fd, select.POLLIN)

    def any(self) -> int:
        """1 when at least one byte is readable (machine.UART may also say just 1)."""
        return 1 if self._poller.poll(0) else 0

    def read(self, nbytes: int = 256) -> bytes | None:
        data = self._file.read(nbytes)
        return data or None

    def write(self, buf: bytes) -> int:
        return self._file.write(buf) or 0

    def flush(self) -> None:
        """A tty write is already in the kernel (f.flush() on a tty raises EINVAL)."""

    def deinit(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None  # type: ignore[assignment]

    def close(self) -> None:
        self.deinit()

    def fileno(self) -> int:
        return self._fd

    def ioctl(self, request: int, arg: int) -> int:
        """MicroPython's stream protocol: lets `select.poll` watch this object."""
        if request == _IOCTL_GET_FILENO:
            return self._fd
        if request == _IOCTL_POLL:
            return arg & select.POLLIN if self.any() else 0
        if request == _IOCTL_CLOSE:
            self.deinit()
            return 0
        return -1
