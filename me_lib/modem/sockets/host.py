"""The host's own IP stack, for data paths where the modem is only a pipe.

When the modem carries IP for the host (PPP over the serial port, or a USB
network interface in router mode), the DM server is reached with ordinary
sockets; the modem's socket AT commands are neither needed nor usable. This
adapter gives that path the same contract as the vendor adapters so the flow
treats both alike. The `cid` is ignored: routing is the host's business.

Its socket errors are not a lost modem port: they are the DM server's
(refused, unreachable, silent) and come out as the same typed errors the
vendor adapters raise (`ConnectFailed`, `NoAnswer`, `NameNotResolved`). Bad
addresses or ports (`ValueError`, `OverflowError` from the socket module)
are typed too.
"""

import socket
import time
from collections.abc import Callable

from me_lib.errors import ConnectFailed, NameNotResolved, NoAnswer


class HostSockets:
    """SocketAdapter over the host's IP stack (see the module docstring)."""

    family = "host"

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.monotonic

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)
        except (OSError, UnicodeError) as exc:
            raise NameNotResolved(host, str(exc)) from None
        out: list[str] = []
        for info in infos:
            addr = str(info[4][0])
            if addr not in out:
                out.append(addr)
        if not out:
            raise NameNotResolved(host, "no address")
        return out

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes:
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        target = "%s:%s" % (ip, port)
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.sendto(payload, (ip, port))
                data, _ = sock.recvfrom(2048)
        except TimeoutError:
            raise NoAnswer(target, "no datagram came back", timeout) from None
        except (OSError, ValueError, OverflowError, TypeError) as exc:
            raise ConnectFailed(target, _reason(exc)) from None
        return data

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None:
        target = "%s:%s" % (ip, port)
        try:
            with socket.create_connection((ip, port), timeout=timeout):
                pass
        except TimeoutError:
            raise NoAnswer(target, "no TCP answer", timeout) from None
        except (OSError, ValueError, OverflowError, TypeError) as exc:
            raise ConnectFailed(target, _reason(exc)) from None


def _reason(exc: BaseException) -> str:
    """The socket error in words, with its type (ECONNRESET and a bad port read alike)."""
    return "%s: %s" % (type(exc).__name__, exc)
