"""APDU links: one `transmit(apdu) -> (data, sw)` over any transport, with T=0 done once.

PC/SC readers in T=0, and modems answering +CSIM/+CGLA, may hand back the raw
procedure status words: `61xx` (xx bytes wait for a GET RESPONSE), `9Fxx` (the
same from a GSM-style card, TS 51.011 §9.4.1) and `6Cxx` (wrong Le, re-issue
with Le = xx); the classes come from the one table in `sw.py`. Some modems
handle them internally, some do not (Sierra EM7565 returns `612F` to a SELECT,
nRF91 returns the FCP). Each back end therefore only implements `exchange()`
(one TPDU, no interpretation) and inherits `transmit()`, the single T=0
procedure, so a fix to it fixes all three.

Every loop is bounded: a card (or modem firmware, Quectel EC800G) that keeps
answering `6100` is reported instead of polled for ever.

Portable: `open_app` returns a small context-manager object (MicroPython has
no contextlib), and logging goes through `me_lib.log`.
"""

from me_lib.card import apdu as A
from me_lib.card import sw as SW
from me_lib.errors import CardError, StatusWordError
from me_lib.log import DEBUG, get_logger

try:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Self
except ImportError:  # MicroPython: annotations only
    pass

log = get_logger("me_lib.card")

MAX_GET_RESPONSE = 64   # 64 x 256 bytes: far beyond any response of a short APDU chain
MAX_EMPTY_61 = 2        # 61xx answered with no data twice in a row: firmware loop
MAX_RESEND = 2          # 6Cxx answered again after re-sending with its own Le: give up


class LinkStats:
    """APDUs and bytes actually exchanged with the card (GET RESPONSE included)."""

    def __init__(self) -> None:
        self.apdus = 0
        self.bytes_out = 0
        self.bytes_in = 0

    def reset(self) -> None:
        self.apdus = self.bytes_out = self.bytes_in = 0

    def as_dict(self) -> dict[str, int]:
        return {"apdus": self.apdus, "bytes_out": self.bytes_out, "bytes_in": self.bytes_in,
                "bytes": self.bytes_out + self.bytes_in}


class CardLink:
    """Base of every APDU transport. Subclasses implement `exchange()` and `close()`.

    `transmit()` is the T=0 procedure; `open_app()` opens a logical channel with
    MANAGE CHANNEL (overridden by +CGLA where the modem owns the channel).
    """

    name = "card"
    #: Largest Le asked in one READ (256 = Le 00 where the transport allows it).
    max_le = 255
    #: True when the MF is known to be current at `generation` start (after a reset).
    starts_at_mf = False

    def __init__(self) -> None:
        self.stats = LinkStats()
        #: Bumped on every card reset: selection state kept above the link is stale.
        self.generation = 0
        #: Length of the proactive command the last 91xx announced (0: none).
        self.proactive_pending = 0

    # --- to implement -------------------------------------------------------

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one TPDU, return (data, sw) exactly as the transport gave them."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the transport (idempotent)."""

    # --- shared -------------------------------------------------------------

    def _raw(self, apdu: bytes) -> tuple[bytes, int]:
        if log.isEnabledFor(DEBUG):
            log.debug("%s > %s", self.name, A.redacted_hex(apdu))
        data, sw = self.exchange(apdu)
        self.stats.apdus += 1
        self.stats.bytes_out += len(apdu)
        self.stats.bytes_in += len(data) + 2
        if log.isEnabledFor(DEBUG):
            shown = "<%d bytes>" % len(data) if apdu[1] in A.SECRET_INS else data.hex().upper()
            log.debug("%s < %s %04X", self.name, shown, sw)
        return data, sw

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send a C-APDU and return (response data, final SW), 61xx/9Fxx/6Cxx resolved.

        What each SW class asks for comes from `sw.kind()`: RESEND (6Cxx) re-sends
        with Le=xx, GET_RESPONSE (61xx, and 9Fxx from GSM-style cards whatever
        the CLA) fetches xx bytes with GET RESPONSE until another class ends
        the chain. A 91xx final is noted in `proactive_pending`.
        """
        apdu = bytes(apdu)
        if len(apdu) < 4:
            raise CardError("APDU too short: %r" % A.redacted_hex(apdu))
        data, sw = self._with_le(apdu)
        if SW.kind(sw) == SW.GET_RESPONSE:
            more, sw = self._get_response(apdu[0], sw)
            data += more
        self._note(sw)
        return data, sw

    def _with_le(self, apdu: bytes) -> tuple[bytes, int]:
        """One command, re-sent with the Le a 6Cxx names (case 1/2 only, bounded)."""
        data, sw = self._raw(apdu)
        for _ in range(MAX_RESEND):
            if SW.kind(sw) != SW.RESEND or len(apdu) > 5:
                break
            apdu = apdu[:4] + bytes((sw & 0xFF,))
            data, sw = self._raw(apdu)
        return data, sw

    def _note(self, sw: int) -> None:
        pending = SW.proactive_length(sw)
        if pending:
            log.info("%s: the card has a proactive command of %d bytes pending (SW %04X)",
                     self.name, pending, sw)
        self.proactive_pending = pending

    def _get_response(self, cla: int, sw: int) -> tuple[bytes, int]:
        out = b""
        empty = 0
        for _ in range(MAX_GET_RESPONSE):
            if SW.kind(sw) != SW.GET_RESPONSE:
                return out, sw
            gr = bytes((A.get_response_cla(cla), A.INS_GET_RESPONSE, 0, 0, sw & 0xFF))
            chunk, sw = self._with_le(gr)
            out += chunk
            empty = empty + 1 if not chunk and SW.kind(sw) == SW.GET_RESPONSE else 0
            if empty >= MAX_EMPTY_61:
                break
        raise StatusWordError(sw, "GET RESPONSE", SW.describe(sw),
                              "the card or modem keeps announcing response bytes it never "
                              "delivers (a known modem firmware bug); try PC/SC or +CGLA")

    def send(self, apdu: bytes, operation: str) -> bytes:
        """`transmit` and raise the typed error unless the SW is a success."""
        data, sw = self.transmit(apdu)
        SW.check(sw, operation)
        return data

    def open_app(self, aid: bytes) -> "AppSession":
        """A logical channel with application `aid` selected, closed on exit.

        Use as `with link.open_app(aid) as channel:`. MANAGE CHANNEL on the
        basic channel, then SELECT by AID on the new channel. The channel is
        always closed, even when the body fails, so a card never runs out of
        its few channels across retries.
        """
        return AppSession(self._open_channel, aid)

    def _open_channel(self, aid: bytes) -> "CardLink":
        data = self.send(A.manage_channel_open(), "MANAGE CHANNEL open")
        if len(data) != 1 or not 0 < data[0] <= 19:
            raise CardError("MANAGE CHANNEL returned %r instead of a channel number"
                            % data.hex())
        channel = ChannelLink(self, data[0])
        try:
            channel.select_app(aid)
        except BaseException:
            channel.close()
            raise
        return channel

    def __enter__(self) -> Self:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class AppSession:
    """`with` block around an application on a logical channel (MicroPython has no contextlib).

    `opener(aid)` runs on entry and returns the channel's link, which is
    closed on exit whatever happened in the block. `stats`, when given,
    makes the channel count into another link's statistics (one count per
    physical card).
    """

    def __init__(self, opener: "Callable[[bytes], CardLink]", aid: bytes,
                 stats: LinkStats | None = None) -> None:
        self._opener = opener
        self._aid = aid
        self._stats = stats
        self._link: CardLink | None = None

    def __enter__(self) -> CardLink:
        link = self._opener(self._aid)
        if self._stats is not None:
            link.stats = self._stats
        self._link = link
        return link

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: "TracebackType | None") -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()


class ChannelLink(CardLink):
    """A logical channel on a basic link: every CLA carries the channel number."""

    def __init__(self, base: CardLink, channel: int) -> None:
        super().__init__()
        self.stats = base.stats  # one count per physical card
        self.base = base
        self.channel = channel
        self.name = "%s#%d" % (base.name, channel)
        self._open = True

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        cla = A.with_channel(apdu[0], self.channel)
        return self.base.exchange(bytes((cla,)) + apdu[1:])

    def select_app(self, aid: bytes) -> None:
        _, sw = self.transmit(A.select_aid(aid, A.SELECT_NO_DATA))
        if sw == 0x6A86:  # card wants the FCP form of SELECT by AID
            _, sw = self.transmit(A.select_aid(aid, A.SELECT_FCP))
        SW.check(sw, "SELECT application %s" % aid.hex().upper())

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self.base.send(A.manage_channel_close(self.channel),
                           "MANAGE CHANNEL close %d" % self.channel)
        except CardError as exc:
            # The card is gone or refused: nothing left to release, say so only.
            log.warning("closing logical channel %d failed: %s", self.channel, exc)


class FunctionLink(CardLink):
    """A link over any `transmit(apdu) -> R-APDU` callable (an in-process card, a recorder).

    Lets the same file-access code run against the virtual card without pcscd
    (fast unit tests, the modem simulator) exactly as through a reader.
    """

    max_le = 256

    def __init__(self, transmit: Callable[[bytes], bytes], name: str = "direct",
                 starts_at_mf: bool = False) -> None:
        super().__init__()
        self._fn = transmit
        self.name = name
        self.starts_at_mf = starts_at_mf

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        resp = bytes(self._fn(apdu))
        if len(resp) < 2:
            raise CardError("%s returned %d bytes, no status word" % (self.name, len(resp)))
        return resp[:-2], (resp[-2] << 8) | resp[-1]
