"""READ/UPDATE BINARY and RECORD, SFI forms, STATUS, and the OTA read/update API."""

import pytest

from me_lib.codec import dmcfg, efdir
from me_lib.errors import FileNotFound, StatusWordError
from me_lib.sim.card import VirtualCard

from ._helpers import Tx, sender


def test_read_binary_offsets_and_ends(tx: Tx) -> None:
    assert tx("00A4080C022FE2")[1] == 0x9000
    assert tx("00B0000504") == (bytes.fromhex("00000000"), 0x9000)
    data, sw = tx("00B0000810")                      # Le past the end: what is left
    assert (data, sw) == (bytes.fromhex("0001"), 0x6282)
    assert tx("00B0000A01") == (b"", 0x6B00)         # offset at the end
    assert tx("00B0010001") == (b"", 0x6B00)         # 15-bit offset beyond
    assert tx("00B0000000")[1] == 0x6282             # Le 00 = 256 on a 10-byte file


def test_read_binary_by_sfi(tx: Tx) -> None:
    assert tx("00A4000C023F00")[1] == 0x9000
    data, sw = tx("00B082000A")                      # SFI 02 = EF_ICCID under the MF
    assert sw == 0x9000 and data == bytes.fromhex("98888260660000000001")
    assert tx("00B0000002") == (data[:2], 0x9000)    # SFI read selected it
    assert tx("00B0830001")[1] == 0x6A82             # no SFI 03 under the MF
    assert tx("00B0C20001")[1] == 0x6A86             # b7-b6 must be 0
    assert tx("00A4000C027FFF")[1] == 0x9000
    assert tx("00B0870009")[1] == 0x9000             # SFI 07 = EF_IMSI under the ADF


def test_dmcfg_by_sfi_decodes(card: VirtualCard) -> None:
    tx = sender(card)
    assert tx("00A4080C047FFF5F4D")[1] == 0x9000
    data, sw = tx("00B0810000")                      # SFI 01, Le 256
    assert sw == 0x9000 and len(data) == 256
    cfg = dmcfg.decode(data)
    assert cfg is not None and cfg.servers[0].address == "dm.example.net"
    assert [b.apn for b in cfg.bearers] == ["dm.operator.example", "telemetry.example",
                                            "fota.example"]


def test_read_errors(tx: Tx) -> None:
    assert tx("00A4000C023F00")[1] == 0x9000
    assert tx("00B0000001")[1] == 0x6986             # no EF selected
    assert tx("00A4000C022F00")[1] == 0x9000
    assert tx("00B0000001")[1] == 0x6981             # EF_DIR is a record file
    assert tx("00B0000101AA")[1] == 0x6700           # READ BINARY with data
    assert tx("00B00000")[1] == 0x6700               # no Le
    assert tx("00A4080C022FE2")[1] == 0x9000
    assert tx("00B2010410")[1] == 0x6981             # READ RECORD on a transparent EF


def test_read_record_absolute_and_sfi(tx: Tx) -> None:
    assert tx("00A4080C022F00")[1] == 0x9000
    data, sw = tx("00B2010430")
    assert sw == 0x9000 and len(data) == 48
    app = efdir.decode(data)
    assert app is not None and app.is_usim and app.label == "USIM"
    app2 = efdir.decode(tx("00B2020430")[0])
    assert app2 is not None and app2.is_pkcs15
    assert tx("00B2040430") == (b"\xff" * 48, 0x9000)
    assert tx("00B2050430")[1] == 0x6A83             # record 5 of 4
    assert tx("00B2010420") == (b"", 0x6C30)         # wrong Le -> exact length
    assert tx("00B2010400") == (b"", 0x6C30)
    assert tx("00B2010230")[1] == 0x6A86             # "next" mode not supported
    first = tx("00B2010430")
    assert tx("00B2000430") == first                 # P1 00 = the current record
    assert tx("00A4000C023F00")[1] == 0x9000
    data, sw = tx("00B201F430")                      # SFI 1E in P2
    assert sw == 0x9000 and efdir.decode(data) == app


def test_current_record_without_one(tx: Tx) -> None:
    assert tx("00A4080C022F00")[1] == 0x9000
    assert tx("00B2000430")[1] == 0x6A83


def test_update_binary_needs_adm(tx: Tx) -> None:
    assert tx("00A4080C067FFF5F4D4F01")[1] == 0x9000
    assert tx("00D6000002FFFF")[1] == 0x6982
    assert tx("002000 0A 08 3131313131313131")[1] == 0x9000
    assert tx("00D6000002ABCD")[1] == 0x9000
    assert tx("00B0000002") == (bytes.fromhex("ABCD"), 0x9000)
    assert tx("00D600FF02ABCD")[1] == 0x6700          # runs past the end
    assert tx("00D6010002ABCD")[1] == 0x6B00          # starts past the end
    assert tx("00D60000")[1] == 0x6700                 # no data


def test_update_record_and_never(tx: Tx) -> None:
    assert tx("0020000A083131313131313131")[1] == 0x9000
    assert tx("00A4080C022F00")[1] == 0x9000
    assert tx("00DC030405" + "6103500141")[1] == 0x6700        # not the record length
    record = "6103500141" + "FF" * 43
    assert tx("00DC0304" + "30" + record)[1] == 0x9000
    assert tx("00B2030430") == (bytes.fromhex(record), 0x9000)
    assert tx("00DC0904" + "30" + record)[1] == 0x6A83
    assert tx("00A4080C022FE2")[1] == 0x9000
    assert tx("00D6000001FF")[1] == 0x6982                      # EF_ICCID: NEVER


def test_status(tx: Tx) -> None:
    data, sw = tx("80F2000000")
    assert sw >> 8 == 0x6C
    data, sw = tx("80F20000%02X" % (sw & 0xFF))
    assert sw == 0x9000 and data[0] == 0x62 and bytes.fromhex("83023F00") in data
    assert tx("80F2000C00") == (b"", 0x9000)
    aid = bytes.fromhex("A0000000871002FF33FF018900000100")
    assert tx("80F2000112") == (b"\x84\x10" + aid, 0x9000)
    assert tx("80F2030000")[1] == 0x6A86
    assert tx("80F2000200")[1] == 0x6A86
    assert tx("00F2000000")[1] == 0x6E00              # STATUS is a CLA 8X command


def test_read_file_and_update_file_api(card: VirtualCard) -> None:
    assert card.iccid == "89882806660000000010"
    assert card.imsi == "001010123456789"
    assert card.read_file("3F002FE2") == bytes.fromhex("98888260660000000001")
    assert card.read_file("7FFF6F07") == card.read_file("3F007FFF6F07")
    assert card.read_file("A000000063504B43532D3135/5031")[:2] == b"\xa7\x06"
    card.update_file("7FFF5F4D4F01", b"\xff" * 64)           # OTA: no ADM needed
    assert card.read_file("3F007FFF5F4D4F01") == b"\xff" * 64
    tx = sender(card)
    assert tx("00A4080C067FFF5F4D4F01")[1] == 0x9000
    assert tx("00B0004001")[1] == 0x6B00                      # size followed the content
    card.update_file("3F002F00", b"\x61\x03\x50\x01\x41", record=3)
    assert card.read_file("2F00")[96:102] == bytes.fromhex("6103500141FF")
    with pytest.raises(FileNotFound):
        card.read_file("3F007FFF6FFF")
    with pytest.raises(FileNotFound):
        card.read_file("7FFF5F4D")                            # a DF, not an EF
    with pytest.raises(FileNotFound):
        card.read_file("not hex")
    with pytest.raises(StatusWordError) as err:
        card.update_file("2F00", b"\x00", record=9)
    assert err.value.sw == 0x6A83
    with pytest.raises(StatusWordError):
        card.update_file("2F00", b"\x00" * 49, record=1)
    with pytest.raises(StatusWordError):
        card.update_file("2FE2", b"\x00", record=1)


def test_update_file_visible_to_new_select(card: VirtualCard) -> None:
    """An OTA change shows in the next FCP and read, as after a REFRESH."""
    new = dmcfg.encode(dmcfg.DmConfig((dmcfg.DmServer("10.0.0.1", port=5684, protocol=2),),
                                      (dmcfg.Bearer("iot.example"),), sequence=7), 128)
    card.update_file("3F007FFF5F4D4F01", new)
    tx = sender(card)
    tx("00A4080C067FFF5F4D4F01")
    data, sw = tx("00B0000080")
    assert sw == 0x9000 and data == new
    cfg = dmcfg.decode(data)
    assert cfg is not None and cfg.sequence == 7
