"""APDU helpers shared by the virtual-card tests."""

from collections.abc import Callable

from me_lib.codec import fcp
from me_lib.sim.card import VirtualCard

Tx = Callable[[str], tuple[bytes, int]]


def sender(card: VirtualCard) -> Tx:
    """`tx("00A4...")` -> (response data, SW as int); spaces in the hex are ignored."""

    def tx(apdu_hex: str) -> tuple[bytes, int]:
        r = card.transmit(bytes.fromhex(apdu_hex.replace(" ", "")))
        assert len(r) >= 2
        return r[:-2], int.from_bytes(r[-2:], "big")

    return tx


def select_fcp(tx: Tx, apdu: str) -> fcp.Fcp:
    """SELECT with P2=04: 61xx, then GET RESPONSE xx returns the FCP with 9000."""
    data, sw = tx(apdu)
    assert data == b"" and sw >> 8 == 0x61, "%04X" % sw
    channel = int(apdu[:2], 16) & 0x03
    data, sw = tx("%02XC00000%02X" % (channel, sw & 0xFF))
    assert sw == 0x9000
    assert len(data) == data[1] + 2
    return fcp.decode(data)
