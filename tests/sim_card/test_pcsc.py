"""The virtual USIM behind the real pcscd (vpcd driver), driven with pyscard raw APDUs.

These never skip: the `pcsc_fixtures` plugin starts pcscd and the card
processes. They prove the card-sim speaks vpcd correctly, that T=0 procedure
bytes reach the host unchanged, and that the TCP_QUICKACK fix holds
(an APDU round trip far below the 44 ms Nagle/delayed-ACK stall).
"""

import contextlib
import tomllib
from typing import Any

import pytest

from me_lib.codec import ids
from me_lib.sim.card_dmcfg import encode_section
from me_lib.sim.vpcd import DEFAULT_PORT

pytestmark = pytest.mark.pcsc

Conn = Any  # a connected smartcard.CardConnection


def raw(conn: Conn, apdu_hex: str) -> tuple[bytes, int]:
    data, sw1, sw2 = conn.transmit(list(bytes.fromhex(apdu_hex)))
    return bytes(data), sw1 << 8 | sw2


def test_atr_and_t0(pcsc_card: Any, pcsc_connection: Conn) -> None:
    from smartcard.CardConnection import CardConnection

    assert bytes(pcsc_connection.getATR()) == pcsc_card.model.atr
    assert pcsc_connection.getProtocol() == CardConnection.T0_protocol
    assert pcsc_card.port == DEFAULT_PORT


def test_select_iccid_get_response_read_binary(pcsc_card: Any, pcsc_connection: Conn) -> None:
    data, sw = raw(pcsc_connection, "00A40004022FE2")
    assert data == b"" and sw >> 8 == 0x61                   # pcscd passes 61xx through
    fcp, sw2 = raw(pcsc_connection, "00C00000%02X" % (sw & 0xFF))
    assert sw2 == 0x9000 and fcp[0] == 0x62 and bytes.fromhex("83022FE2") in fcp
    iccid, sw3 = raw(pcsc_connection, "00B000000A")
    assert sw3 == 0x9000
    assert str(ids.decode_iccid(iccid)) == pcsc_card.iccid == "89882806660000000010"
    assert raw(pcsc_connection, "00B0000010") == (iccid, 0x6282)


def test_dmcfg_through_pcscd_equals_profile_encoding(pcsc_card: Any,
                                                     pcsc_connection: Conn) -> None:
    with open(pcsc_card.profile, "rb") as fh:
        expected = encode_section(tomllib.load(fh)["dmcfg"])
    assert raw(pcsc_connection, "00A4080C067FFF5F4D4F01")[1] == 0x9000
    got = b""
    while len(got) < len(expected):
        chunk, sw = raw(pcsc_connection, "00B0%04X%02X" % (len(got),
                                                         min(255, len(expected) - len(got))))
        assert sw == 0x9000
        got += chunk
    assert got == expected


def test_lwm2m_bootstrap_on_logical_channel(pcsc_card: Any, pcsc_connection: Conn) -> None:
    """Nordic's sequence through pcscd: channel 1, PKCS#15 by AID, 7FFF paths."""
    assert raw(pcsc_connection, "0070000001") == (b"\x01", 0x9000)
    try:
        assert raw(pcsc_connection, "01A4040C0CA000000063504B43532D3135")[1] == 0x9000
        assert raw(pcsc_connection, "01A4080C047FFF6432")[1] == 0x9000
        expected = pcsc_card.model.read_file("A000000063504B43532D3135/6432")
        assert raw(pcsc_connection, "01B00000%02X" % len(expected)) == (expected, 0x9000)
    finally:
        assert raw(pcsc_connection, "01708001")[1] == 0x9000


def test_second_reader_slot(pcsc_card2: Any) -> None:
    conn = pcsc_card2.connect()
    try:
        assert str(conn.getReader()) == "Virtual PCD 00 01"
        assert raw(conn, "00A4080C022FE2")[1] == 0x9000
        iccid = raw(conn, "00B000000A")[0]
        assert iccid == pcsc_card2.model.read_file("2FE2")
        assert raw(conn, "00A4080C047FFF6F07")[1] == 0x9000
        assert raw(conn, "00B0000009")[1] == 0x6982          # pin.toml: PIN1 enabled
        assert raw(conn, "0020000108" + b"73592468".hex())[1] == 0x9000
        assert raw(conn, "00B0000009") == (pcsc_card2.model.read_file("7FFF6F07"), 0x9000)
    finally:
        conn.disconnect()
        conn.release()


def test_card_removed_mid_read(removable_card: Any) -> None:
    from smartcard.Exceptions import CardConnectionException

    conn = removable_card.connect()
    try:
        assert raw(conn, "00A4080C022FE2")[1] == 0x9000
        assert removable_card.stop() == 0                      # SIGTERM: clean exit
        with pytest.raises(CardConnectionException):
            raw(conn, "00B000000A")
    finally:
        with contextlib.suppress(CardConnectionException):
            conn.disconnect()
        conn.release()


def test_card_back_after_removal(removable_card: Any) -> None:
    """After a removal the reader recovers (the fixture waits out pcscd's poll)."""
    conn = removable_card.connect()
    try:
        assert raw(conn, "00A4080C022FE2")[1] == 0x9000
    finally:
        conn.disconnect()
        conn.release()
