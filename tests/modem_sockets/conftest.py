"""Real loopback servers for the socket adapter tests (the simulator bridges to them)."""

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.modem_sockets.servers import CoapServer  # noqa: E402


@pytest.fixture
def coap_server() -> Iterator[CoapServer]:
    srv = CoapServer()
    yield srv
    srv.close()


@pytest.fixture
def silent_udp_port() -> Iterator[int]:
    """A bound UDP port that never answers (a DM server behind a dropping firewall)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def tcp_server() -> Iterator[int]:
    """A listening TCP socket that accepts and keeps the connection until teardown.

    Like a real DM server it does not hang up first: a peer close makes a
    Telit in command mode print a bare `NO CARRIER`, which would land on the
    next command as its final (see the report).
    """
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.05)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield srv.getsockname()[1]
    stop.set()
    thread.join(1.0)
    for conn in accepted:
        conn.close()
    srv.close()


@pytest.fixture
def closed_tcp_port() -> int:
    """A port nothing listens on (bound then released): connects are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
