"""Is the DM server there? A CoAP ping over UDP, or a TCP connect, through the modem.

A DNS answer only proves the name exists; the flow's "dm-reach" step wants to
know that the server answers on its port through the APN we attached with.
For CoAP servers (LwM2M DM platforms) the cheapest proof that needs no
credentials is the CoAP ping of RFC 7252 §4.3: an Empty Confirmable message
(4 bytes: version 1, type CON, token length 0, code 0.00, a message id), which
any CoAP endpoint must answer with a Reset (RST) carrying the same message id
(an ACK with that id is accepted too). TCP-based DM servers are probed by
connecting and closing.

Round trips are timed on the clock the caller gives (the channel's clock, so a
simulated modem reports simulated seconds); the time includes the modem's AT
exchanges for the socket, which is what reaching the server costs the device.
"""

import random

from me_lib.errors import NoAnswer, ProvisionError
from me_lib.modem.sockets.base import STEP, target_of

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from typing import Protocol, TypeAlias

    from me_lib.modem.sockets.base import SocketAdapter
except ImportError:
    Protocol = object  # type: ignore[assignment]


class RandomBits(Protocol):
    """A source of random bits: `random.Random`, or MicroPython's `random` module."""

    def getrandbits(self, __k: int) -> int: ...


Rng: TypeAlias = "RandomBits | Callable[[], int]"

COAP_VERSION = 1
TYPE_CON = 0
TYPE_ACK = 2
TYPE_RST = 3


def build_ping(mid: int) -> bytes:
    """The 4-byte Empty CON message with message id `mid` (0..65535)."""
    if isinstance(mid, bool) or not isinstance(mid, int) or not 0 <= mid <= 0xFFFF:
        raise ProvisionError(STEP, "CoAP message id %r is not in 0..65535" % (mid,))
    return bytes([(COAP_VERSION << 6) | (TYPE_CON << 4), 0x00, mid >> 8, mid & 0xFF])


def is_ping_reply(data: bytes, mid: int) -> bool:
    """Does `data` answer the ping `mid`: CoAP v1, RST (empty) or ACK, same message id?"""
    if len(data) < 4:
        return False
    version = data[0] >> 6
    mtype = (data[0] >> 4) & 0x3
    if version != COAP_VERSION or mtype not in (TYPE_ACK, TYPE_RST):
        return False
    if ((data[2] << 8) | data[3]) != mid:
        return False
    if mtype == TYPE_RST:
        # RFC 7252 §4.2: a Reset is an Empty message, code 0.00 and no token.
        return data[1] == 0x00 and (data[0] & 0x0F) == 0
    return True


def message_id(rng: "Rng | None" = None) -> int:
    """A CoAP message id (0..65535) drawn from `rng`.

    A `random.Random` is asked with `randrange(0x10000)`, which is what a
    recorded session's seed replays on CPython; any other object with
    `getrandbits(n)` gives 16 bits (MicroPython has no `Random` class, its
    `random` module has `getrandbits`); a callable is called. None draws from
    the interpreter's own generator. A value outside 0..65535 raises
    ProvisionError (from `build_ping`).
    """
    if rng is None:
        return random.getrandbits(16)
    pick = getattr(rng, "randrange", None)
    if pick is not None:
        mid: int = pick(0x10000)
    elif hasattr(rng, "getrandbits"):
        mid = rng.getrandbits(16)
    elif callable(rng):
        mid = rng()
    else:
        raise ProvisionError(STEP, "probe_rng %r has neither getrandbits() nor a call"
                             % (rng,), hint="pass random.Random(seed) or a callable")
    build_ping(mid)  # check the range here, where the bad generator is named
    return mid


def _clock_of(adapter: "SocketAdapter", clock: "Callable[[], float] | None"
              ) -> "Callable[[], float]":
    return clock if clock is not None else adapter.clock


def coap_ping(adapter: "SocketAdapter", ip: str, port: int, cid: int, timeout: float,
              retries: int = 2, clock: "Callable[[], float] | None" = None,
              mid: int | None = None) -> float:
    """CoAP ping the server; returns the round trip in seconds of `clock`.

    `timeout` bounds each attempt; after a silent attempt the same message is
    sent again (a retransmission keeps its message id, RFC 7252 §4.2) up to
    `retries` more times, so the whole call is bounded by
    `timeout * (retries + 1)` plus the socket closes. Errors other than
    silence (name, refused socket, PDP down) are not retried.
    """
    if retries < 0:
        raise ProvisionError(STEP, "retries must be >= 0, got %d" % retries)
    now = _clock_of(adapter, clock)
    if mid is None:
        mid = message_id()
    message = build_ping(mid)
    target = target_of(ip, port)
    last = "no reply"
    for _attempt in range(retries + 1):
        start = now()
        try:
            reply = adapter.udp_request(ip, port, message, cid, timeout)
        except NoAnswer:
            last = "no reply"
            continue
        elapsed = now() - start
        if is_ping_reply(reply, mid):
            return elapsed
        last = "unexpected reply %s" % reply[:16].hex()
    raise NoAnswer(target, "no CoAP RST/ACK for message id %d after %d attempt(s), %s"
                   % (mid, retries + 1, last), timeout)


def tcp_reach(adapter: "SocketAdapter", ip: str, port: int, cid: int, timeout: float,
              clock: "Callable[[], float] | None" = None) -> float:
    """Connect to the server over TCP and close; returns the seconds it took on `clock`."""
    now = _clock_of(adapter, clock)
    start = now()
    adapter.tcp_probe(ip, port, cid, timeout)
    return now() - start
