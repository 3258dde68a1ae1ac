"""Serve a `VirtualCard` to the real pcscd through the vsmartcard `vpcd` reader driver.

vpcd (loaded by pcscd from /etc/reader.conf.d/vpcd) listens on TCP 35963 for
reader slot 0 ("Virtual PCD 00 00") and 35964 for slot 1; the card connects to
it. Every frame, both ways, is a 2-byte big-endian length and a payload. A
1-byte payload is a control byte: `00` power off, `01` power on, `02` reset (no
reply), `04` "send the ATR" (reply: the ATR). Anything longer is a C-APDU,
answered with one frame holding the R-APDU.

Why `TCP_QUICKACK` before every recv: Debian's vpcd (0.8) sends the length and
the payload in two `send()` calls; Nagle on its side plus our delayed ACK stall
every frame for ~40 ms. Linux clears QUICKACK after each ACK, so it is set
again before each recv; with it an APDU round trip through pcscd is ~0.1 ms.

Run it: `python -m me_lib.sim.vpcd --profile P [--port 35963] [--host 127.0.0.1]`
or `me-lib card-sim ...`; it stays in the foreground until SIGTERM/SIGINT.
"""

import argparse
import contextlib
import logging
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from me_lib.errors import CardError, MeLibError
from me_lib.sim.card import VirtualCard

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963  # slot 0; slot 1 is 35964
POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04
_QUICKACK: int = getattr(socket, "TCP_QUICKACK", 0)  # Linux only


class VpcdLink:
    """One card's connection to vpcd: connect (bounded retries), then answer frames.

    `card` may be replaced while serving (swap the inserted card without a
    reconnect, which pcscd would otherwise have to notice by polling).
    """

    def __init__(self, card: VirtualCard, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 connect_timeout: float = 10.0, quickack: bool = True) -> None:
        self.card = card
        self.quickack = quickack and _QUICKACK != 0
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._stop = threading.Event()

    def connect(self) -> None:
        """Connect to vpcd, retrying until pcscd has loaded the driver (bounded)."""
        deadline = time.monotonic() + self.connect_timeout
        last: OSError | None = None
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
            except OSError as exc:
                last = exc
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
                continue
            if sock.getsockname() == sock.getpeername():
                # TCP self-connect: 35963 is inside Linux's ephemeral port range, so
                # while nothing listens the kernel can pick it as our source port and
                # "connect" us to ourselves, which would also keep vpcd from binding it.
                sock.close()
                last = OSError("self-connect to %s:%d (vpcd not listening yet)"
                               % (self.host, self.port))
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            log.info("card %s connected to vpcd at %s:%d", _short_iccid(self.card),
                     self.host, self.port)
            return
        raise CardError("could not connect to vpcd at %s:%d within %.1f s (%s)"
                        % (self.host, self.port, self.connect_timeout, last),
                        "start pcscd (/usr/sbin/pcscd --foreground) with the vsmartcard-vpcd "
                        "driver installed, or check the port (slot 0 = 35963, slot 1 = 35964)")

    def serve(self) -> None:
        """Answer frames until vpcd closes the connection or `stop()` is called."""
        sock = self._sock
        if sock is None:
            raise CardError("serve() before connect()", "call connect() first")
        try:
            while not self._stop.is_set():
                header = self._recv_exact(sock, 2)
                if header is None:
                    break
                (length,) = struct.unpack(">H", header)
                payload = self._recv_exact(sock, length)
                if payload is None:
                    break
                reply = self._answer(payload)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError as exc:
            if not self._stop.is_set():
                log.warning("vpcd connection lost: %s", exc)
        finally:
            self.close()

    def stop(self) -> None:
        """Make `serve()` return soon (safe from a signal handler or another thread)."""
        self._stop.set()
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            control = payload[0]
            if control == GET_ATR:
                return self.card.atr
            if control in (POWER_ON, RESET):
                self.card.reset()
                log.debug("vpcd control %02X: card reset", control)
            elif control != POWER_OFF:
                log.warning("unknown vpcd control byte %02X ignored", control)
            return None
        self.apdus += 1
        response = self.card.transmit(payload)
        log.debug("APDU %s -> %s", payload.hex().upper(), response.hex().upper())
        return response

    def _recv_exact(self, sock: socket.socket, size: int) -> bytes | None:
        """Exactly `size` bytes, or None when the peer closed the connection."""
        buf = bytearray()
        while len(buf) < size:
            if self.quickack:
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            chunk = sock.recv(size - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)


def _short_iccid(card: VirtualCard) -> str:
    try:
        return card.iccid
    except MeLibError:
        return "(no ICCID)"


def run(card: VirtualCard, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
        connect_timeout: float = 10.0, reconnect: bool = True, quickack: bool = True) -> int:
    """Serve `card` in the foreground until SIGTERM/SIGINT; returns an exit code.

    When pcscd goes away the link reconnects (bounded by `connect_timeout`), so
    a restarted pcscd finds the card again.
    """
    link = VpcdLink(card, host, port, connect_timeout, quickack)

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping the card", signum)
        link.stop()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not link.stopped:
            try:
                link.connect()
            except CardError as exc:
                if link.stopped:
                    break
                log.error("%s", exc)
                return 1
            link.serve()
            if not reconnect:
                break
            if not link.stopped:
                log.info("vpcd closed the connection; reconnecting")
        log.info("card stopped after %d APDUs", link.apdus)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The card-sim options, shared by `me-lib card-sim` and `python -m me_lib.sim.vpcd`."""
    parser.add_argument("--profile", default=None,
                        help="card profile TOML (default: the packaged default profile)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="vpcd host (default %(default)s)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="vpcd port: 35963 = slot 0, 35964 = slot 1 (default %(default)s)")
    parser.add_argument("--connect-timeout", type=float, default=10.0,
                        help="seconds to keep retrying the connection to vpcd")
    parser.add_argument("--no-quickack", dest="quickack", action="store_false",
                        help="do not set TCP_QUICKACK (only to measure the ~44 ms stall)")


def run_args(args: argparse.Namespace) -> int:
    """Entry point behind `me-lib card-sim`: load the profile and serve it."""
    from me_lib.sim.card_profile import default_profile_path

    path = args.profile or default_profile_path()
    card = VirtualCard.from_profile(path)
    log.info("card-sim: profile %s, ICCID %s, vpcd %s:%d", path, _short_iccid(card),
             args.host, args.port)
    return run(card, args.host, args.port, args.connect_timeout, quickack=args.quickack)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m me_lib.sim.vpcd",
                                     description="Serve a virtual USIM to pcscd through vpcd.")
    add_arguments(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return run_args(args)
    except MeLibError as exc:
        print("card-sim: error: %s" % exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
