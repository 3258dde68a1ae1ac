"""The +CRSM card path on both interpreters: status words, paths, FCP, identities, +CRSM.

What a board needs to read the USIM through its modem: the status-word table
turns the same SW into the same typed error, paths normalise the same way, the
FCP of a GET RESPONSE gives the same file geometry (construct on CPython, the
small stand-in on MicroPython), ICCID/IMSI/EF_AD decode alike, and CrsmAccess
learns the `<pathid>` form and reads in 255-byte chunks over a scripted port.
"""

from portable_support import raises

from me_lib.card import path as P
from me_lib.card import sw as SW
from me_lib.card.crsm import CrsmAccess, CrsmUnusable, parse_crsm
from me_lib.card.fileinfo import from_fcp, from_gsm_response
from me_lib.card.usim import Usim
from me_lib.codec import fcp, ids
from me_lib.errors import (
    AtCommandError,
    CardError,
    CardRemoved,
    CmeError,
    DecodeError,
    FileNotFound,
    PinBlocked,
    SecurityStatusNotSatisfied,
    StatusWordError,
)

EF_DIR_FCP = bytes.fromhex("621A8205422100300483022F008A01058B032F0601800200C08801F0")
EF_ICCID_FCP = bytes.fromhex("62178202412183022FE28A01058B032F06038002000A880110")
ADF_FCP = bytes.fromhex(
    "622582027821840CA000000063504B43532D31358A01058B032F060CC60990014083010183010A")
ICCID_FILE = bytes.fromhex("98683081462002318379")
IMSI_FILE = bytes.fromhex("082982608200002080")


class _Rsp:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines


class ScriptPort:
    """A fake modem: answers each expected command line in order (or raises)."""

    def __init__(self, script: list[tuple[str, object]]) -> None:
        self.script = list(script)
        self.sent: list[str] = []

    def command(self, command: str, prefix: object = None, timeout: object = None) -> _Rsp:
        self.sent.append(command)
        assert self.script, "unexpected command %r" % command
        expected, answer = self.script.pop(0)
        assert command == expected, "expected %r, got %r" % (expected, command)
        if isinstance(answer, Exception):
            raise answer
        return _Rsp(answer)  # type: ignore[arg-type]


def test_status_words_map_to_typed_errors() -> None:
    assert SW.is_success(0x9000) and SW.is_success(0x9143) and not SW.is_success(0x6282)
    assert isinstance(SW.error_for(0x6A82, "SELECT 6F57"), FileNotFound)
    assert isinstance(SW.error_for(0x9404, "SELECT 6F57"), FileNotFound)
    assert isinstance(SW.error_for(0x6982, "READ"), SecurityStatusNotSatisfied)
    assert isinstance(SW.error_for(0x6983, "VERIFY"), PinBlocked)
    err = SW.error_for(0x6B00, "READ BINARY 6F57 at 300")
    assert isinstance(err, StatusWordError) and err.sw == 0x6B00
    assert type(err).__name__ == "WrongParameters"
    assert "READ BINARY 6F57 at 300" in err.message
    assert SW.describe(0x63C2) == "verification failed, 2 retries left"
    assert SW.describe(0x6C10) == "wrong Le; exact length is 16 (T=0)"
    assert SW.describe(0x1234) == "unknown status word"
    raises(FileNotFound, SW.check, 0x6A82, "READ")
    SW.check(0x9000, "READ")


def test_paths_normalise_to_fids_from_the_mf() -> None:
    expected = (0x3F00, 0x7FFF, 0x6F57)
    for form in ("3F007FFF6F57", "3f00/7fff/6f57", "7FFF6F57", "3F00 7FFF:6F57",
                 (0x3F00, 0x7FFF, 0x6F57), ["7FFF", "6F57"], (0x7FFF, 0x6F57)):
        assert P.parse(form) == expected, form
    assert P.to_hex(expected) == "3F007FFF6F57"
    assert P.parent(expected) == (0x3F00, 0x7FFF) and P.parent((0x3F00,)) == (0x3F00,)
    assert P.is_df_id(0x7FFF) and P.is_df_id(0x5F3A) and not P.is_df_id(0x6F57)
    for bad in ("", "3F0", "3F00XYZW", (0x10000,), (True,), [1.5], ()):
        raises(CardError, P.parse, bad)


def test_fcp_stand_in_vectors() -> None:
    f = fcp.decode(EF_DIR_FCP)
    d = f.descriptor
    assert d is not None
    assert (d.file_type, d.structure, d.shareable) == ("working", "linear_fixed", True)
    assert (d.data_coding, d.record_length, d.record_count) == (0x21, 0x30, 4)
    assert (f.fid, f.size, f.sfi, f.lcsi) == (0x2F00, 0xC0, 0x1E, 5)
    assert f.arr == fcp.ArrReference(0x2F06, 1)
    info = from_fcp(EF_DIR_FCP)
    assert (info.fid, info.structure, info.size, info.record_length, info.record_count,
            info.sfi) == (0x2F00, "linear_fixed", 0xC0, 0x30, 4, 0x1E)
    info = from_fcp(EF_ICCID_FCP)
    assert (info.structure, info.size, info.sfi, info.is_record) == ("transparent", 10, 2, False)
    adf = from_fcp(ADF_FCP)
    assert adf.is_df and adf.size is None
    assert fcp.decode(ADF_FCP).pin_status == fcp.PinStatus(b"\x40", ((1, None), (10, None)))
    assert fcp.FileDescriptor(0x79).structure == "ber_tlv"
    assert fcp.FileDescriptor(0x39).shareable is False
    assert fcp.fdb("working", "cyclic") == 0x46 and fcp.fdb("df") == 0x78
    assert fcp.encode(fcp.decode(EF_DIR_FCP)) == EF_DIR_FCP


def test_fcp_rejections_carry_the_offset() -> None:
    for data, offset in (("6F0483022F00", 0), ("6203820141", 2), ("620782054221000001", 6),
                         ("620883022F0083022F00", 6), ("6203880100", 4),
                         ("6208C606900140820101", 7), ("62058005000000", 2)):
        err = raises(DecodeError, fcp.decode, bytes.fromhex(data))
        assert err.offset == offset, (data, err.offset)  # type: ignore[attr-defined]
    raises(DecodeError, from_fcp, b"")
    raises(DecodeError, from_fcp, bytes.fromhex("6205820542210000"))


def test_gsm_get_response() -> None:
    data = bytes.fromhex("0000000A2FE2040011FFFF01020000")
    info = from_gsm_response(data)
    assert (info.fid, info.structure, info.size) == (0x2FE2, "transparent", 10)
    raises(DecodeError, from_gsm_response, data[:6])


def test_identity_vectors() -> None:
    iccid = ids.decode_iccid(ICCID_FILE)
    assert iccid.digits == "89860318640220133897" and iccid.luhn_ok
    assert iccid == ids.Iccid("89860318640220133897") and str(iccid) == iccid.digits
    assert ids.encode_iccid(iccid) == ICCID_FILE
    assert ids.iccid_from_at('"98683081462002318379"') == iccid
    assert ids.decode_imsi(IMSI_FILE) == "228062800000208"
    assert ids.encode_imsi("228062800000208") == IMSI_FILE
    assert ids.decode_imsi(ids.encode_imsi("00101123456789")) == "00101123456789"
    assert ids.split_imsi("228062800000208", 3) == ("228", "062")
    ad = ids.decode_ad(bytes.fromhex("80000002FF"))
    assert ad == ids.AdminData(0x80, b"\x00\x00", 0x02, b"\xff") and ad.mnc_length == 2
    assert ids.decode_ad(bytes.fromhex("000000")).mnc_length is None
    assert ids.encode_ad(ad) == bytes.fromhex("80000002FF")
    for data, offset in (("986830814620023183A9", 9), ("98683081462002F18379", 8)):
        err = raises(DecodeError, ids.decode_iccid, bytes.fromhex(data))
        assert err.offset == offset  # type: ignore[attr-defined]
    for data, offset in (("FFFFFFFFFFFFFFFFFF", 0), ("082A82608200002080", 1),
                         ("0829F26082000020F0", 3), ("0329826012", 4)):
        err = raises(DecodeError, ids.decode_imsi, bytes.fromhex(data))
        assert err.offset == offset  # type: ignore[attr-defined]
    raises(DecodeError, ids.decode_ad, b"\x00\x00")


def test_crsm_answer_parsing() -> None:
    assert parse_crsm(['+CRSM: 144,0,"98683081462002318379"']) == (0x9000, ICCID_FILE)
    assert parse_crsm(["+CRSM: 0", "+crsm: 144, 0, 98683081462002318379"]) == (0x9000,
                                                                               ICCID_FILE)
    assert parse_crsm(["+CRSM: 106,130"]) == (0x6A82, b"")
    assert parse_crsm(['+CRSM: 144,0,""']) == (0x9000, b"")
    raises(CardError, parse_crsm, ["OK"])
    raises(CardError, parse_crsm, ['+CRSM: 144,0,"ABC"'])


def test_crsm_learns_the_path_form_and_reads_in_chunks() -> None:
    fcp_300 = "62168202412183026F578A01058B036F06058002012C8800"  # 300 bytes, no SFI
    body = bytes(range(256)) + bytes(44)
    port = ScriptPort([
        ('AT+CRSM=192,28503,,,,,"3F007FFF"', CmeError("x", 4, "operation not supported")),
        ('AT+CRSM=192,28503,0,0,255,,"3F007FFF"', CmeError("x", 4, "operation not supported")),
        ('AT+CRSM=192,28503,,,,,"7FFF"', ['+CRSM: 144,0,"%s"' % fcp_300]),
        ('AT+CRSM=176,28503,0,0,255,,"7FFF"', ['+CRSM: 144,0,"%s"' % body[:255].hex()]),
        ('AT+CRSM=176,28503,0,255,45,,"7FFF"', ['+CRSM: 144,0,%s' % body[255:].hex()]),
        ('AT+CRSM=176,28589,0,0,4,,"7FFF"', ["+CRSM: 106,130"]),
    ])
    cache: dict[str, dict[str, str]] = {}
    access = CrsmAccess(port, "test-modem", cache)
    assert access.read_binary("7FFF6F57") == body
    assert cache["test-modem"] == {"pathid": "no_mf", "get_response": "plain"}
    # Known-good form says missing: believed, not retried without a path.
    raises(FileNotFound, access.read_binary, "7FFF6FAD", 0, 4)
    assert access.commands == 6 and not port.script


def test_crsm_sim_state_and_refusals() -> None:
    port = ScriptPort([('AT+CRSM=176,12258,0,0,10,,"3F00"', CmeError("x", 10, "SIM not inserted"))])
    raises(CardRemoved, CrsmAccess(port, "m", {}).read_binary, "3F002FE2", 0, 10)
    refusal = AtCommandError("AT+CRSM", "ERROR")
    port = ScriptPort([('AT+CRSM=192,28503,,,,,"3F007FFF"', refusal),
                       ('AT+CRSM=192,28503,0,0,255,,"3F007FFF"', refusal),
                       ('AT+CRSM=192,28503,,,,,"7FFF"', refusal),
                       ('AT+CRSM=192,28503,0,0,255,,"7FFF"', refusal),
                       ("AT+CRSM=192,28503", refusal),
                       ("AT+CRSM=192,28503,0,0,255", refusal)])
    raises(CrsmUnusable, CrsmAccess(port, "m", {}).file_info, "7FFF6F57")


def test_usim_identity_over_crsm() -> None:
    port = ScriptPort([
        ('AT+CRSM=176,12258,0,0,10,,"3F00"', ['+CRSM: 144,0,"%s"' % ICCID_FILE.hex()]),
        ('AT+CRSM=176,28423,0,0,9,,"3F007FFF"', ['+CRSM: 144,0,"%s"' % IMSI_FILE.hex()]),
        ('AT+CRSM=192,28589,,,,,"3F007FFF"',
         ['+CRSM: 144,0,"62178202412183026FAD8A01058C03031A0080020004880118"']),
        ('AT+CRSM=176,28589,0,0,4,,"3F007FFF"', ['+CRSM: 144,0,"00000003"']),
    ])
    usim = Usim(CrsmAccess(port, "m", {}))
    ident = usim.identity()
    assert (ident.iccid, ident.imsi, ident.mcc, ident.mnc, ident.mnc_length) == (
        "89860318640220133897", "228062800000208", "228", "062", 3)
    raises(CardError, usim.pin_status)  # +CRSM gives no APDU access
    assert not port.script
