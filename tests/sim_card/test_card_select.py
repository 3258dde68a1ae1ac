"""SELECT in every addressing form, the FCPs it returns and the T=0 61xx/6Cxx rules."""

import pytest

from me_lib.sim.card import VirtualCard

from ._helpers import Tx, select_fcp, sender

USIM_AID = "A0000000871002FF33FF018900000100"
PKCS15_AID = "A000000063504B43532D3135"


@pytest.mark.parametrize("apdu", [
    "00A40004022FE2",           # by FID from the MF
    "00A40804022FE2",           # path from MF without 3F00
    "00A40804043F002FE2",       # path from MF with 3F00
    "00A40004022FE200",         # case 4 with Le: still 61xx on T=0
])
def test_select_iccid_forms(tx: Tx, apdu: str) -> None:
    info = select_fcp(tx, apdu)
    assert info.fid == 0x2FE2 and info.size == 10 and info.sfi == 2
    assert info.descriptor is not None and info.descriptor.structure == "transparent"
    data, sw = tx("00B000000A")
    assert sw == 0x9000 and data.hex().upper() == "98888260660000000001"


def test_select_no_data_p2_0c(tx: Tx) -> None:
    assert tx("00A4080C047FFF6F07") == (b"", 0x9000)
    assert tx("00B0000009") == (bytes.fromhex("080910101032547698"), 0x9000)


def test_select_usim_by_full_and_truncated_aid(card: VirtualCard) -> None:
    for aid in (USIM_AID, USIM_AID[:14]):  # RID+app code only, P2 first occurrence
        card.reset()
        tx = sender(card)
        tx("0070000001")
        info = select_fcp(tx, "01A40404%02X%s" % (len(aid) // 2, aid))
        assert info.df_name == bytes.fromhex(USIM_AID) and info.is_df
        assert info.pin_status is not None and info.pin_status.enabled(0x01) is False
        assert tx("01A4000C026F07") == (b"", 0x9000)  # EF under the selected ADF by FID


def test_select_aid_not_found_and_occurrence(tx: Tx) -> None:
    assert tx("00A4040C05A000000099")[1] == 0x6A82
    assert tx("00A4040C07A0000000871002")[1] == 0x9000
    assert tx("00A4040E07A0000000871002")[1] == 0x6A82   # "next": only one USIM
    assert tx("00A4044C07A0000000871002")[1] == 0x9000   # termination
    assert tx("00A4080C047FFF6F07")[1] == 0x6A82         # no current ADF any more


def test_7fff_is_current_adf(tx: Tx) -> None:
    info = select_fcp(tx, "00A40004027FFF")
    assert info.df_name == bytes.fromhex(USIM_AID)
    info = select_fcp(tx, "00A40804067FFF5F4D4F01")
    assert info.fid == 0x4F01 and info.sfi == 1 and info.size == 256


def test_pkcs15_7fff_on_logical_channel(tx: Tx) -> None:
    """Nordic's sequence: channel 1, select the PKCS#15 ADF, then 7FFF paths."""
    assert tx("0070000001") == (b"\x01", 0x9000)
    select_fcp(tx, "01A404040C%s00" % PKCS15_AID)
    info = select_fcp(tx, "01A40804047FFF503100")
    assert info.fid == 0x5031
    data, sw = tx("01B0000008")
    assert (data.hex().upper(), sw) == ("A706300404026430", 0x9000)
    # the basic channel still has ADF.USIM as 7FFF
    assert tx("00A4080C047FFF6F07")[1] == 0x9000


def test_select_by_fid_reach(tx: Tx) -> None:
    assert tx("00A4000C027FFF")[1] == 0x9000
    assert tx("00A4000C025F4D")[1] == 0x9000      # child DF of the ADF
    assert tx("00A4000C024F01")[1] == 0x9000      # child EF of DF 5F4D
    assert tx("00A4000C026F07")[1] == 0x6A82      # EF of the parent: out of reach
    assert tx("00A4000C027FFF")[1] == 0x9000      # the current ADF again
    assert tx("00A4000C023F00")[1] == 0x9000
    assert tx("00A4000C022F00")[1] == 0x9000
    assert tx("00A4000C026F07")[1] == 0x6A82      # ADF EFs not children of the MF
    assert tx("00A4000C00")[1] == 0x9000          # P1=00 without data: the MF


def test_select_relative_path_and_parent(tx: Tx) -> None:
    assert tx("00A4000C027FFF")[1] == 0x9000
    assert tx("00A4090C045F4D4F01")[1] == 0x9000
    assert tx("00A4030C00")[1] == 0x9000          # parent of the EF's DF = ADF
    info = select_fcp(tx, "00A40304")
    assert info.fid == 0x3F00                       # parent of the ADF = MF
    assert tx("00A4010C025F4D")[1] == 0x6A82      # 5F4D is not a child of the MF


def test_select_errors(tx: Tx) -> None:
    assert tx("00A40004036F0701")[1] == 0x6A87    # FID of 3 bytes
    assert tx("00A4080C037FFF6F")[1] == 0x6A87    # odd path
    assert tx("00A40008022FE2")[1] == 0x6A86      # P2 answer type 010 unsupported
    assert tx("00A40001022FE2")[1] == 0x6A86      # occurrence bits without P1=04
    assert tx("00A40204022FE2")[1] == 0x6A86      # P1=02 unsupported
    assert tx("00A40804046F076F07")[1] == 0x6A82


def test_get_response_rules(tx: Tx) -> None:
    _data, sw = tx("00A40004022FE2")
    n = sw & 0xFF
    assert tx("00C00000%02X" % (n + 5)) == (b"", 0x6C00 | n)   # too long: 6Cxx, kept
    part, sw = tx("00C0000004")                                # part, 61 rest
    assert sw == 0x6100 | (n - 4) and part[:2] == b"\x62" + bytes([n - 2])
    rest, sw = tx("00C0000000")                                # Le 00: everything left
    assert sw == 0x9000 and len(part + rest) == n
    assert tx("00C0000000")[1] == 0x6985                      # nothing pending
    tx("00A40004022FE2")
    tx("00B000000A")                                           # another command drops it
    assert tx("00C0000010")[1] == 0x6985
    assert tx("00C0010010")[1] == 0x6A86


def test_mf_and_adf_fcp_contents(tx: Tx) -> None:
    mf = select_fcp(tx, "00A40004023F00")
    assert mf.fid == 0x3F00 and mf.is_df and mf.df_name is None
    assert mf.pin_status is not None
    assert [ref for ref, _ in mf.pin_status.pins] == [0x01, 0x81, 0x0A]
    ef_dir = select_fcp(tx, "00A40004022F00")
    assert ef_dir.descriptor is not None
    assert ef_dir.descriptor.structure == "linear_fixed"
    assert (ef_dir.descriptor.record_length, ef_dir.descriptor.record_count) == (48, 4)
    assert ef_dir.sfi == 0x1E and ef_dir.size == 192
    acl = select_fcp(tx, "00A40804047FFF6F57")
    assert acl.no_sfi and dict(acl.security)[0x8C] == bytes((0x03, 0x12, 0x11))  # PIN2/PIN1
