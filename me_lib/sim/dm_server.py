"""A small real DM server on loopback: CoAP over UDP (and a TCP listener).

The demo and the tests need something real at the other end of the modem's
socket: the simulator bridges vendor socket commands to real sockets on
127.0.0.1, and this server answers them. It speaks just enough CoAP
(RFC 7252) for a reachability probe: an Empty CON ("CoAP ping") gets a Reset
with the same message id, any other CON gets an empty ACK. It counts what it
saw so tests can assert that the probe really went through.
"""

import socket
import threading
from typing import Any

COAP_VERSION = 1
TYPE_CON = 0
TYPE_ACK = 2
TYPE_RST = 3


class DmServer:
    """UDP CoAP responder (+ optional TCP accept-and-close) on 127.0.0.1."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", tcp: bool = False) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the test DM server listens on loopback only")
        self.host = host
        self.tcp: socket.socket | None = None
        # A free UDP port need not be free for TCP: with port 0 and TCP wanted, try
        # a few ports until one is free for both (bounded).
        for attempt in range(20):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((host, port))
            self.port: int = self.udp.getsockname()[1]
            if not tcp:
                break
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((host, self.port))
                break
            except OSError:
                self.tcp.close()
                self.udp.close()
                self.tcp = None
                if port != 0 or attempt == 19:
                    raise
        self.udp.settimeout(0.05)
        if self.tcp is not None:
            self.tcp.listen(8)
            self.tcp.settimeout(0.05)
        self.pings = 0
        self.requests = 0
        self.tcp_connections = 0
        self.peers: list[Any] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "DmServer":
        for target in (self._serve_udp, self._serve_tcp if self.tcp else None):
            if target is not None:
                t = threading.Thread(target=target, name="dm-server", daemon=True)
                t.start()
                self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=1.0)
        self.udp.close()
        if self.tcp is not None:
            self.tcp.close()

    def __enter__(self) -> "DmServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve_udp(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self.answer(data)
            self.peers.append(peer)
            if reply is not None:
                try:
                    self.udp.sendto(reply, peer)
                except OSError:
                    pass

    def _serve_tcp(self) -> None:
        assert self.tcp is not None
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.tcp_connections += 1
            conn.close()

    def answer(self, data: bytes) -> bytes | None:
        """The CoAP reply to one datagram (None: not CoAP, ignored)."""
        if len(data) < 4 or data[0] >> 6 != COAP_VERSION:
            return None
        kind = (data[0] >> 4) & 0x03
        tkl = data[0] & 0x0F
        code = data[1]
        mid = data[2:4]
        if kind != TYPE_CON:
            return None
        if code == 0 and tkl == 0 and len(data) == 4:
            self.pings += 1
            return bytes([(COAP_VERSION << 6) | (TYPE_RST << 4), 0]) + mid
        self.requests += 1
        return bytes([(COAP_VERSION << 6) | (TYPE_ACK << 4), 0]) + mid
