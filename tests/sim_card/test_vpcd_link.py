"""The vpcd wire protocol against a fake vpcd (a local listener), without pcscd."""

import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from me_lib.errors import CardError
from me_lib.sim.card import VirtualCard
from me_lib.sim.vpcd import VpcdLink


def _frame(payload: bytes) -> bytes:
    return struct.pack(">H", len(payload)) + payload


def _read_frame(conn: socket.socket) -> bytes:
    head = b""
    while len(head) < 2:
        head += conn.recv(2 - len(head))
    (n,) = struct.unpack(">H", head)
    body = b""
    while len(body) < n:
        body += conn.recv(n - len(body))
    return body


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(5)
    yield srv
    srv.close()


def test_frames_control_bytes_and_apdus(card: VirtualCard, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    link = VpcdLink(card, "127.0.0.1", port, connect_timeout=2)
    link.connect()
    server = threading.Thread(target=link.serve)
    server.start()
    conn, _ = listener.accept()
    conn.settimeout(5)
    try:
        conn.sendall(_frame(b"\x04"))
        assert _read_frame(conn) == card.atr
        card.transmit(bytes.fromhex("0070000001"))              # channel 1 open ...
        conn.sendall(_frame(b"\x01") + _frame(b"\x02"))         # power on, reset: no reply
        # split a frame across two sends, as Debian's vpcd does (length, then payload)
        apdu = bytes.fromhex("01A4000C023F00")
        conn.sendall(struct.pack(">H", len(apdu)))
        time.sleep(0.01)
        conn.sendall(apdu)
        assert _read_frame(conn) == b"\x68\x81"                 # ... closed by the reset
        conn.sendall(_frame(bytes.fromhex("00A4080C022FE2")) + _frame(bytes.fromhex(
            "00B000000A")))
        assert _read_frame(conn) == b"\x90\x00"
        assert _read_frame(conn)[:2] == b"\x98\x88"
        assert link.apdus == 3
    finally:
        conn.close()                                            # vpcd gone: serve() returns
        server.join(5)
    assert not server.is_alive()


def test_stop_ends_serve(card: VirtualCard, listener: socket.socket) -> None:
    link = VpcdLink(card, "127.0.0.1", listener.getsockname()[1], connect_timeout=2)
    link.connect()
    conn, _ = listener.accept()
    server = threading.Thread(target=link.serve)
    server.start()
    link.stop()
    server.join(5)
    conn.close()
    assert not server.is_alive() and link.stopped


def test_connect_is_bounded(card: VirtualCard) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()                                               # nothing listens there
    link = VpcdLink(card, "127.0.0.1", port, connect_timeout=0.3)
    start = time.monotonic()
    with pytest.raises(CardError, match="could not connect to vpcd"):
        link.connect()
    assert time.monotonic() - start < 3
    with pytest.raises(CardError):
        link.serve()
