"""Short C-APDU parsing for the virtual UICC (ISO 7816-4 §5.1, T=0 view).

The card sees what pcscd/vpcd or the modem simulator hands it: a raw short
APDU. Its meaning depends on the command (P3 is Lc for a case-3 command and
Le for a case-2 one), so this module only splits the bytes and leaves that
decision to the command; a malformed length is reported as None so the card
answers `6700` instead of raising.
"""

from typing import NamedTuple

SW_OK = 0x9000


class Apdu(NamedTuple):
    """A parsed short C-APDU. `le` is None when absent; P3/Le `00` means 256."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None

    @property
    def channel(self) -> int:
        """Logical channel 0..3 from CLA b2-b1 (first interindustry class)."""
        return self.cla & 0x03


def parse(apdu: bytes) -> Apdu | None:
    """Split a short APDU; None when its length bytes are inconsistent."""
    if len(apdu) < 4:
        return None
    cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
    if len(apdu) == 4:
        return Apdu(cla, ins, p1, p2, b"", None)
    if len(apdu) == 5:
        return Apdu(cla, ins, p1, p2, b"", apdu[4] or 256)
    lc = apdu[4]
    body = apdu[5:]
    if lc == 0:  # extended length is not supported by this card
        return None
    if len(body) == lc:
        return Apdu(cla, ins, p1, p2, bytes(body), None)
    if len(body) == lc + 1:
        return Apdu(cla, ins, p1, p2, bytes(body[:lc]), body[lc] or 256)
    return None


def sw(word: int, data: bytes = b"") -> bytes:
    """R-APDU: response data followed by SW1 SW2."""
    return bytes(data) + word.to_bytes(2, "big")
