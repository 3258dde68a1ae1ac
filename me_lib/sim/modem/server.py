"""Serve a SimModem on a pseudo-terminal or a loopback TCP port.

Used by `me-lib sim --pty|--tcp` and by tests that want real file descriptors
between the host code and the simulator. One loop multiplexes the host side
(select with a short, bounded timeout), the virtual timeline and the real
sockets of the vendor socket bridge. Output is written non-blocking with a
backlog, so a host that stops reading never freezes the simulator.
"""

import errno
import os
import select
import socket
import threading
import tty

from me_lib.sim.modem.core import SimModem

POLL = 0.005        # real seconds between polls of sockets and the clock, at most


class _Loop:
    """Pump bytes between one file descriptor and the modem until stopped."""

    def __init__(self, modem: SimModem) -> None:
        self.modem = modem
        self.stop_event = threading.Event()
        self._backlog = b""

    def _timeout(self) -> float:
        m = self.modem
        with m.lock:
            nxt = m.next_wakeup()
            now = m.clock.now()
        if nxt is None:
            return POLL
        return max(0.0, min(POLL, m.clock.to_real(nxt - now)))

    def pump(self, fd: int) -> bool:
        """One iteration; False when the peer went away or the port was closed."""
        m = self.modem
        try:
            readable, _, _ = select.select([fd], [], [], self._timeout())
        except (OSError, ValueError):
            return False
        if readable:
            try:
                data = os.read(fd, 4096)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    data = b"\x00"[:0]
                else:
                    return False
            else:
                if not data:
                    return False
            if data:
                with m.lock:
                    m.feed(data, m.clock.now())
        with m.lock:
            self._backlog += m.read(m.clock.now())
            closed = m.closed
        if self._backlog:
            try:
                n = os.write(fd, self._backlog)
                self._backlog = self._backlog[n:]
            except BlockingIOError:
                pass
            except OSError:
                return False
        return not closed


class PtyServer(_Loop):
    """The modem behind a pty: `path` is the slave device the host opens."""

    def __init__(self, modem: SimModem) -> None:
        super().__init__(modem)
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        """Serve until stop() or the port-close fault; the slave fd stays open meanwhile."""
        try:
            while not self.stop_event.is_set():
                if not self.pump(self.master) and self.modem.closed:
                    break
        finally:
            self._close()

    def start(self) -> "PtyServer":
        self._thread = threading.Thread(target=self.serve_forever, name="sim-pty", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def parse_loopback(spec: str) -> tuple[str, int]:
    """'127.0.0.1:PORT' -> (host, port); ValueError for anything not on loopback."""
    host, sep, port_text = spec.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError("expected HOST:PORT, got %r" % spec)
    host = host or "127.0.0.1"
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        raise ValueError("the simulator only listens on loopback (127.0.0.1), not %r" % host)
    port = int(port_text)
    if not 0 <= port < 65536:
        raise ValueError("port out of range: %d" % port)
    return ("127.0.0.1" if host in ("127.0.0.1", "localhost") else "::1"), port


class TcpServer(_Loop):
    """The modem behind a loopback TCP port (one host connection at a time)."""

    def __init__(self, modem: SimModem, host: str, port: int) -> None:
        super().__init__(modem)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, port))
        self.listener.listen(1)
        self.address = self.listener.getsockname()

    def serve_forever(self) -> None:
        try:
            while not self.stop_event.is_set():
                ready, _, _ = select.select([self.listener], [], [], 0.2)
                if not ready:
                    with self.modem.lock:
                        self.modem.tick()
                    continue
                conn, _ = self.listener.accept()
                conn.setblocking(False)
                with conn:
                    while not self.stop_event.is_set() and self.pump(conn.fileno()):
                        pass
                if self.modem.closed:
                    break
        finally:
            self.listener.close()

    def stop(self) -> None:
        self.stop_event.set()
