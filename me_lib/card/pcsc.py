"""PC/SC back end (pyscard's low-level `smartcard.scard` API), imported lazily.

pyscard is optional: me_lib works without it (modem-only devices), so the
import happens when a link is opened and a missing package gives a CardError
that says how to install it. The low-level API is used rather than pyscard's
object layer because it gives the raw PC/SC result codes, which is what lets
us tell "pcscd is not running" from "no reader" from "the card went away" and
say what to do in each case, and it starts no monitoring threads.

pcscd does not run the T=0 procedure for us: 61xx/6Cxx come back raw and the
shared `CardLink.transmit` handles them.
"""

import time
from typing import Any

from me_lib.card.link import CardLink
from me_lib.errors import CardError, CardRemoved

_START_PCSCD = ("start the PC/SC daemon: `pcscd --foreground &` (or `systemctl start "
                "pcscd.socket`), then retry")
_REINSERT = ("the exchange was not completed; re-insert the card or reconnect the reader, "
             "then open the link again")

# Result codes (pcsclite.h), as unsigned 32-bit values.
SCARD_E_NO_SERVICE = 0x8010001D
SCARD_E_SERVICE_STOPPED = 0x8010001E
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
SCARD_E_UNKNOWN_READER = 0x80100009
SCARD_E_TIMEOUT = 0x8010000A
SCARD_E_NO_SMARTCARD = 0x8010000C
SCARD_E_NOT_TRANSACTED = 0x80100016
SCARD_E_READER_UNAVAILABLE = 0x80100017
SCARD_E_COMM_DATA_LOST = 0x8010002F
SCARD_W_UNRESPONSIVE_CARD = 0x80100066
SCARD_W_UNPOWERED_CARD = 0x80100067
SCARD_W_RESET_CARD = 0x80100068
SCARD_W_REMOVED_CARD = 0x80100069
SCARD_E_INVALID_HANDLE = 0x80100003

_SERVICE_GONE = (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED)
_CARD_GONE = (SCARD_E_NO_SMARTCARD, SCARD_W_REMOVED_CARD, SCARD_E_READER_UNAVAILABLE,
              SCARD_E_UNKNOWN_READER, SCARD_W_UNPOWERED_CARD, SCARD_W_UNRESPONSIVE_CARD,
              SCARD_E_NOT_TRANSACTED, SCARD_E_COMM_DATA_LOST, SCARD_E_INVALID_HANDLE)


def _wants_data_case3(apdu: bytes) -> bool:
    """A SELECT asking for the FCP, written in its T=0 form (no Le).

    The card layer builds case-4 commands the T=0 way (ISO 7816-3 §12.2.5);
    on T=1 the same command without Le is case 3 and a card may then return
    no data, so the T=1 transport adds Le = 00.
    """
    return (len(apdu) > 5 and apdu[4] == len(apdu) - 5 and apdu[1] == 0xA4
            and apdu[3] & 0x0C == 0x04)


def _scard() -> Any:
    try:
        from smartcard import scard
    except ImportError as exc:
        raise CardError("PC/SC access needs pyscard, which is not installed",
                        "pip install 'me-lib[pcsc]' (needs libpcsclite-dev to build)") from exc
    return scard


def _u32(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def _message(sc: Any, hresult: int) -> str:
    try:
        return "%s (0x%08X)" % (sc.SCardGetErrorMessage(hresult), _u32(hresult))
    except Exception:  # pragma: no cover - message lookup is best effort
        return "0x%08X" % _u32(hresult)


def _context(sc: Any) -> Any:
    hresult, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    if hresult != sc.SCARD_S_SUCCESS:
        if _u32(hresult) in _SERVICE_GONE:
            raise CardError("cannot reach the PC/SC service: " + _message(sc, hresult),
                            _START_PCSCD)
        raise CardError("PC/SC context failed: " + _message(sc, hresult))
    return ctx


def _list(sc: Any, ctx: Any) -> list[str]:
    hresult, names = sc.SCardListReaders(ctx, [])
    if _u32(hresult) == SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hresult != sc.SCARD_S_SUCCESS:
        if _u32(hresult) in _SERVICE_GONE:
            raise CardError("PC/SC service went away: " + _message(sc, hresult), _START_PCSCD)
        raise CardError("listing PC/SC readers failed: " + _message(sc, hresult))
    return [str(n) for n in names]


def readers() -> list[str]:
    """Names of the PC/SC readers; raises CardError (start pcscd) without the service."""
    sc = _scard()
    ctx = _context(sc)
    try:
        return _list(sc, ctx)
    finally:
        sc.SCardReleaseContext(ctx)


class PcscLink(CardLink):
    """One card in one PC/SC reader, shared mode, T=0 or T=1 as the card offers.

    `reader` is an index into `readers()` or a name (exact, else unique
    substring). `wait` bounds how long to wait for a card to be present:
    pcscd polls readers without hotplug (vpcd) about every 400 ms.

    A shared connection finds the card as the previous application left it, so
    the current DF is unknown; `reset=True` warm-resets the card first (what a
    device does at boot), which makes the MF current and saves a SELECT.
    """

    starts_at_mf = False

    name = "pcsc"
    max_le = 256

    def __init__(self, reader: int | str = 0, wait: float = 3.0, reset: bool = False) -> None:
        super().__init__()
        self._sc = _scard()
        self._ctx: Any = _context(self._sc)
        self._card: Any = None
        try:
            self.reader = self._resolve(reader)
            self.name = "pcsc:" + self.reader
            self._connect(wait)
            if reset:
                self.reset()
        except BaseException:
            self.close()
            raise

    def _resolve(self, reader: int | str) -> str:
        names = _list(self._sc, self._ctx)
        if not names:
            raise CardError("no PC/SC reader found", "plug a reader in (or load vpcd)")
        if isinstance(reader, int):
            if not 0 <= reader < len(names):
                raise CardError("no PC/SC reader #%d; readers are %s" % (reader, names))
            return names[reader]
        if reader in names:
            return reader
        hits = [n for n in names if reader.lower() in n.lower()]
        if len(hits) != 1:
            raise CardError("reader %r matches %d of %s" % (reader, len(hits), names),
                            "give the exact name or an index")
        return hits[0]

    def _wait_present(self, wait: float) -> None:
        sc = self._sc
        deadline = time.monotonic() + max(wait, 0.0)
        state = sc.SCARD_STATE_UNAWARE
        while True:
            left_ms = int(max(deadline - time.monotonic(), 0.0) * 1000)
            hresult, states = sc.SCardGetStatusChange(self._ctx, left_ms,
                                                      [(self.reader, state)])
            if hresult == sc.SCARD_S_SUCCESS:
                state = states[0][1]
                if state & sc.SCARD_STATE_PRESENT and not state & sc.SCARD_STATE_MUTE:
                    return
                if state & sc.SCARD_STATE_UNKNOWN:
                    raise CardRemoved("reader %s disappeared" % self.reader, _REINSERT)
                state &= ~sc.SCARD_STATE_CHANGED
            elif _u32(hresult) != SCARD_E_TIMEOUT:
                self._fail(hresult, "waiting for a card")
            if time.monotonic() >= deadline:
                raise CardError("no card in reader %s after %.1f s" % (self.reader, wait),
                                "insert a card (or start the virtual card)")

    def _connect(self, wait: float) -> None:
        sc = self._sc
        self._wait_present(wait)
        hresult, card, protocol = sc.SCardConnect(
            self._ctx, self.reader, sc.SCARD_SHARE_SHARED,
            sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
        if hresult != sc.SCARD_S_SUCCESS:
            self._fail(hresult, "connecting to the card")
        self._card = card
        self.protocol = int(protocol)
        self._pci = sc.SCARD_PCI_T0 if protocol == sc.SCARD_PROTOCOL_T0 else sc.SCARD_PCI_T1

    def _fail(self, hresult: int, doing: str) -> None:
        code = _u32(hresult)
        text = "%s on %s failed: %s" % (doing, self.reader, _message(self._sc, hresult))
        if code in _SERVICE_GONE:
            raise CardRemoved(text, _START_PCSCD)
        if code in _CARD_GONE:
            raise CardRemoved(text, _REINSERT)
        raise CardError(text)

    @property
    def atr(self) -> bytes:
        """The card's ATR (from SCardStatus)."""
        if self._card is None:
            raise CardError("PC/SC link is closed")
        hresult, _reader, _state, _proto, atr = self._sc.SCardStatus(self._card)
        if hresult != self._sc.SCARD_S_SUCCESS:
            self._fail(hresult, "reading the ATR")
        return bytes(atr)

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one APDU to the card in the reader, returning (data, SW).

        A reset by another PC/SC client is recovered once (the session is re-selected).
        """
        if self._card is None:
            raise CardError("PC/SC link is closed", "open a new link")
        if self.protocol == self._sc.SCARD_PROTOCOL_T1 and _wants_data_case3(apdu):
            apdu = apdu + b"\x00"  # T=1 carries Le itself: ask for the FCP explicitly
        hresult, response = self._sc.SCardTransmit(self._card, self._pci, list(apdu))
        if _u32(hresult) == SCARD_W_RESET_CARD:
            self._resync_after_foreign_reset()
        if hresult != self._sc.SCARD_S_SUCCESS:
            self._fail(hresult, "sending an APDU")
        resp = bytes(response)
        if len(resp) < 2:
            # vpcd and some USB readers report a vanished card as an empty answer.
            raise CardRemoved("reader %s returned %d bytes, no status word: the card stopped "
                              "answering" % (self.reader, len(resp)), _REINSERT)
        return resp[:-2], (resp[-2] << 8) | resp[-1]

    def _resync_after_foreign_reset(self) -> None:
        """Another application reset the card: reconnect, and say our state is gone."""
        sc = self._sc
        hresult, _ = sc.SCardReconnect(self._card, sc.SCARD_SHARE_SHARED,
                                       sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1,
                                       sc.SCARD_LEAVE_CARD)
        if hresult != sc.SCARD_S_SUCCESS:
            self._fail(hresult, "reconnecting after a card reset")
        self.starts_at_mf = True
        self.generation += 1
        raise CardError("the card in %s was reset by another application: selections and "
                        "PIN verification are lost" % self.reader,
                        "retry the operation (verify the PIN again if needed)")

    def reset(self) -> None:
        """Warm-reset the card: PIN state and selections are lost, the MF is current."""
        if self._card is None:
            raise CardError("PC/SC link is closed")
        sc = self._sc
        hresult, _protocol = sc.SCardReconnect(self._card, sc.SCARD_SHARE_SHARED,
                                              sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1,
                                              sc.SCARD_RESET_CARD)
        if hresult != sc.SCARD_S_SUCCESS:
            self._fail(hresult, "resetting the card")
        self.starts_at_mf = True
        self.generation += 1

    def close(self) -> None:
        """Disconnect from the card (left powered for other clients) and release the context."""
        sc = self._sc
        if self._card is not None:
            sc.SCardDisconnect(self._card, sc.SCARD_LEAVE_CARD)
            self._card = None
        if self._ctx is not None:
            sc.SCardReleaseContext(self._ctx)
            self._ctx = None


def open_link(reader: int | str = 0, wait: float = 3.0, reset: bool = False) -> PcscLink:
    """`PcscLink(reader, wait, reset)`: the card in `reader` (index or name)."""
    return PcscLink(reader, wait, reset)
