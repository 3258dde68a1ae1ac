"""Logical channels, CLA/INS checks, reset, thread safety, and malformed APDUs."""

import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.sim.card import DEFAULT_ATR, VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

from ._helpers import Tx, sender

_CARD = VirtualCard.from_profile(PROFILES_DIR / "default.toml")  # for the fuzz test


def test_manage_channel_open_close(tx: Tx) -> None:
    assert tx("0070000001") == (b"\x01", 0x9000)
    assert tx("0070000001") == (b"\x02", 0x9000)
    assert tx("00700003") == (b"", 0x9000)            # a chosen channel: no data
    assert tx("0070000001")[1] == 0x6A81               # 1..3 all open
    assert tx("00708002")[1] == 0x9000
    assert tx("02A4000C022FE2")[1] == 0x6881          # closed channel
    assert tx("00708002")[1] == 0x6881                 # already closed
    assert tx("00708000")[1] == 0x6A86                 # the basic channel stays
    assert tx("00700001")[1] == 0x6985                 # channel 1 already open
    assert tx("00700002")[1] == 0x9000
    assert tx("00700004")[1] == 0x6A86
    assert tx("00704000")[1] == 0x6A86


def test_channels_keep_their_own_selection(tx: Tx) -> None:
    assert tx("0070000001") == (b"\x01", 0x9000)
    assert tx("00A4080C022FE2")[1] == 0x9000           # channel 0: EF_ICCID
    assert tx("01A4080C047FFF6F07")[1] == 0x6A82       # channel 1: no ADF yet
    assert tx("01A4040C07A0000000871002")[1] == 0x9000
    assert tx("01A4000C026F07")[1] == 0x9000           # channel 1: EF_IMSI
    assert tx("00B0000002")[0] == bytes.fromhex("9888")
    assert tx("01B0000002")[0] == bytes.fromhex("0809")
    # GET RESPONSE data is per channel too
    _d, sw0 = tx("00A40004022FE2")
    _d, sw1 = tx("01A40004026F07")
    data1, s = tx("01C00000%02X" % (sw1 & 0xFF))
    assert s == 0x9000 and bytes.fromhex("83026F07") in data1
    data0, s = tx("00C00000%02X" % (sw0 & 0xFF))
    assert s == 0x9000 and bytes.fromhex("83022FE2") in data0


def test_channel_opened_from_a_channel_inherits(tx: Tx) -> None:
    assert tx("0070000001") == (b"\x01", 0x9000)
    assert tx("01A4040C07A0000000871002")[1] == 0x9000
    assert tx("0170000001") == (b"\x02", 0x9000)        # opened from channel 1
    assert tx("02A4000C026F07")[1] == 0x9000            # inherited the ADF


def test_class_and_instruction_errors(tx: Tx) -> None:
    assert tx("A0A40000023F00")[1] == 0x6E00            # 2G SIM class
    assert tx("FFA4000C023F00")[1] == 0x6E00
    assert tx("80A4000C023F00")[1] == 0x6E00            # SELECT is not a CLA 8X command
    assert tx("40A4000C023F00")[1] == 0x6881            # channel 4+: not supported
    assert tx("0CA4000C023F00")[1] == 0x6882            # secure messaging
    assert tx("00FF000000")[1] == 0x6D00
    assert tx("0088000010" + "00" * 16)[1] == 0x6D00    # AUTHENTICATE: not modelled


def test_malformed_lengths(tx: Tx) -> None:
    assert tx("00A4")[1] == 0x6700
    assert tx("00A4000C05AABB")[1] == 0x6700            # Lc says 5, 2 follow
    assert tx("00A4000C0000")[1] == 0x6700              # extended length
    assert tx("")[1] == 0x6700


def test_reset_drops_state(card: VirtualCard) -> None:
    tx = sender(card)
    assert tx("0070000001")[0] == b"\x01"
    assert card.reset() == DEFAULT_ATR == card.atr
    assert tx("01A4000C023F00")[1] == 0x6881            # channels closed
    assert tx("00A4080C047FFF6F07")[1] == 0x9000        # ADF.USIM current again


def test_shared_card_is_thread_safe(card: VirtualCard) -> None:
    """Two threads on two channels: every exchange sees only its own channel."""
    tx = sender(card)
    assert tx("0070000001")[0] == b"\x01"
    errors: list[str] = []

    def worker(channel: int, path: str, expect: bytes) -> None:
        for _ in range(300):
            r = card.transmit(bytes.fromhex("%02XA4080C%s" % (channel, path)))
            r2 = card.transmit(bytes.fromhex("%02XB0000002" % channel))
            if r != b"\x90\x00" or r2 != expect + b"\x90\x00":
                errors.append("%d %s %s" % (channel, r.hex(), r2.hex()))

    assert tx("01A4040C07A0000000871002")[1] == 0x9000  # channel 1 needs its own ADF
    threads = [threading.Thread(target=worker, args=(0, "022FE2", bytes.fromhex("9888"))),
               threading.Thread(target=worker, args=(1, "047FFF6F07", bytes.fromhex("0809")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=0, max_size=40))
def test_any_bytes_get_a_status_word(raw: bytes) -> None:
    r = _CARD.transmit(raw)
    assert len(r) >= 2 and r[-2] in (0x61, 0x62, 0x63, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C,
                                     0x6D, 0x6E, 0x90)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0x00, 0x01, 0x80]), st.sampled_from(
    [0xA4, 0xB0, 0xD6, 0xB2, 0xDC, 0xF2, 0xC0, 0x70, 0x20, 0x24, 0x26, 0x28, 0x2C]),
    st.integers(0, 255), st.integers(0, 255), st.binary(max_size=20))
def test_known_instructions_never_raise(cla: int, ins: int, p1: int, p2: int,
                                        data: bytes) -> None:
    apdu = bytes((cla, ins, p1, p2)) + (bytes((len(data),)) + data if data else b"")
    r = _CARD.transmit(apdu)
    assert len(r) >= 2
