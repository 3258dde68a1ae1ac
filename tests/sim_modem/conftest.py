"""Fixtures for the modem simulator tests: import path, sim:// handler, echo server."""

import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if "me_lib.sim" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("me_lib.sim")


@pytest.fixture
def udp_echo() -> Iterator[int]:
    """A real UDP echo server on 127.0.0.1 (plays the DM server); yields its port."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                data, addr = srv.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            srv.sendto(b"echo:" + data, addr)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield srv.getsockname()[1]
    stop.set()
    thread.join(2)
    srv.close()


@pytest.fixture
def tcp_echo() -> Iterator[int]:
    """A real TCP echo server on 127.0.0.1 that closes after one reply; yields its port."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(3.0)
                try:
                    data = conn.recv(4096)
                    conn.sendall(b"echo:" + data)
                except OSError:
                    pass

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield srv.getsockname()[1]
    stop.set()
    thread.join(2)
    srv.close()
