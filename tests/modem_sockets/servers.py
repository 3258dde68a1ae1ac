"""A CoAP-ping-answering UDP server on 127.0.0.1 (plays the DM server)."""

import socket
import threading


class CoapServer:
    """Answers an Empty CON with an RST of the same message id; counts what it got."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            self.received.append(data)
            reply = self.answer(data)
            if reply is not None:
                self.sock.sendto(reply, addr)

    def answer(self, data: bytes) -> bytes | None:
        """What to send back to `data` (None: nothing): the RST of a ping, else an echo."""
        if len(data) == 4 and data[0] == 0x40 and data[1] == 0x00:
            return bytes([0x70, 0x00, data[2], data[3]])
        return b"echo:" + data

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1.0)
        self.sock.close()
