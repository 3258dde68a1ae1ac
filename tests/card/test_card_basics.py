"""Pure parts of the card layer: status words, paths, APDU builders, FCP view, T=0 procedure."""

import pytest

from me_lib.card import apdu as A
from me_lib.card import path as P
from me_lib.card import sw as SW
from me_lib.card.fileinfo import from_fcp, from_gsm_response
from me_lib.card.link import FunctionLink
from me_lib.errors import (
    CardError,
    ClassNotSupported,
    CommandNotAllowed,
    ExecutionError,
    FileNotFound,
    InstructionNotSupported,
    PinBlocked,
    SecurityStatusNotSatisfied,
    StatusWordError,
    TechnicalProblem,
    WrongLength,
    WrongParameters,
)

# --- status words -------------------------------------------------------------------


@pytest.mark.parametrize(("sw", "cls"), [
    (0x6A82, FileNotFound), (0x9404, FileNotFound),
    (0x6982, SecurityStatusNotSatisfied), (0x9804, SecurityStatusNotSatisfied),
    (0x6983, PinBlocked), (0x9840, PinBlocked),
    (0x6B00, WrongParameters), (0x6A86, WrongParameters), (0x9402, WrongParameters),
    (0x6F42, TechnicalProblem), (0x6F00, TechnicalProblem),
    (0x6400, ExecutionError), (0x6581, ExecutionError), (0x9240, ExecutionError),
    (0x9300, ExecutionError), (0x6700, WrongLength), (0x6C10, WrongLength),
    (0x6881, ClassNotSupported), (0x6E00, ClassNotSupported),
    (0x6986, CommandNotAllowed), (0x9408, CommandNotAllowed), (0x9862, CommandNotAllowed),
    (0x6D00, InstructionNotSupported),
    (0x63C2, StatusWordError), (0x1234, StatusWordError), (0x9001, StatusWordError),
])
def test_sw_maps_to_typed_error(sw: int, cls: type) -> None:
    err = SW.error_for(sw, "READ BINARY 3F002FE2")
    assert type(err) is cls
    assert "READ BINARY 3F002FE2" in str(err)
    if isinstance(err, StatusWordError):
        assert err.sw == sw and err.operation == "READ BINARY 3F002FE2"
        assert "%04X" % sw in str(err)
    assert SW.describe(sw) in str(err)   # the message names what the SW means
    assert SW.kind(sw) in (SW.ERROR, SW.RESEND)   # 6Cxx reaching check: Le still wrong
    with pytest.raises(type(err)):
        SW.check(sw, "READ BINARY 3F002FE2")


@pytest.mark.parametrize(("sw", "kind"), [
    (0x9000, SW.SUCCESS), (0x9110, SW.SUCCESS), (0x9200, SW.SUCCESS), (0x9203, SW.SUCCESS),
    (0x6118, SW.GET_RESPONSE), (0x9F0A, SW.GET_RESPONSE), (0x9F00, SW.GET_RESPONSE),
    (0x6C10, SW.RESEND), (0x6282, SW.WARNING), (0x6281, SW.WARNING), (0x62F3, SW.WARNING),
    (0x63F1, SW.WARNING), (0x63C1, SW.ERROR), (0x9240, SW.ERROR), (0x6A82, SW.ERROR),
    (0x9804, SW.ERROR), (0x6F00, SW.ERROR), (0x1234, SW.ERROR),
])
def test_sw_classes_from_the_one_table(sw: int, kind: str) -> None:
    assert SW.kind(sw) == kind
    assert SW.is_success(sw) == (kind == SW.SUCCESS)
    assert SW.is_usable(sw) == (kind in (SW.SUCCESS, SW.WARNING))


def test_sw_warning_keeps_the_data_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    SW.check(0x6282, "READ BINARY 3F002FE2 at 0")   # no exception: the data is kept
    assert "6282" in caplog.text and "end of file" in caplog.text
    assert SW.proactive_length(0x9123) == 0x23 and SW.proactive_length(0x9000) == 0
    assert SW.crsm_sw(0x9F0A) == 0x9000 and SW.crsm_sw(0x6110) == 0x9000
    assert SW.crsm_sw(0x6A82) == 0x6A82 and SW.crsm_sw(0x9143) == 0x9143


def test_sw_success_and_meanings() -> None:
    assert SW.is_success(0x9000) and SW.is_success(0x9110) and SW.is_success(0x9200)
    assert not SW.is_success(0x6282)
    SW.check(0x9000, "x")
    assert SW.describe(0x63C2) == "verification failed, 2 retries left"
    assert "exact length is 16" in SW.describe(0x6C10)
    assert SW.describe(0x6A82).startswith("file or application not found")
    assert SW.describe(0x9404).endswith("(GSM)")
    with pytest.raises(FileNotFound, match=r"check the path"):
        SW.check(0x6A82, "SELECT 3F007FFF6F57")


# --- paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["3F007FFF6F57", "3f00/7fff/6f57", "7FFF6F57",
                                  ("3F00", "7FFF", "6F57"), (0x3F00, 0x7FFF, 0x6F57),
                                  [0x7FFF, 0x6F57], "3F00 7FFF 6F57"])
def test_path_forms(text: P.PathLike) -> None:
    assert P.parse(text) == (0x3F00, 0x7FFF, 0x6F57)
    assert P.to_hex(P.parse(text)) == "3F007FFF6F57"


@pytest.mark.parametrize("bad", ["", "3F0", "3F00XYZW", (0x10000,), (True,), (1.5,), ()])
def test_bad_paths_raise_card_error(bad: object) -> None:
    with pytest.raises(CardError):
        P.parse(bad)  # type: ignore[arg-type]


def test_path_helpers() -> None:
    assert P.parent((0x3F00, 0x7FFF, 0x6F07)) == (0x3F00, 0x7FFF)
    assert P.parent((0x3F00,)) == (0x3F00,)
    assert P.is_df_id(0x5F4D) and P.is_df_id(0x7FFF) and not P.is_df_id(0x6F57)


# --- APDU builders ------------------------------------------------------------------------


def test_apdu_builders() -> None:
    assert A.select_path_from_mf((0x7FFF, 0x6F57)).hex().upper() == "00A40804047FFF6F57"
    assert A.select_fid(0x2FE2, A.SELECT_NO_DATA).hex().upper() == "00A4000C022FE2"
    assert A.read_binary(0x1FF, 255).hex().upper() == "00B001FFFF"
    assert A.read_binary(0, 256, sfi=2).hex().upper() == "00B0820000"
    assert A.read_record(1, 0x30, sfi=0x1E).hex().upper() == "00B201F430"
    assert A.verify(1, None).hex().upper() == "00200001"
    assert A.verify(0x81, A.pad_pin("5678")).hex().upper() == "002000810835363738FFFFFFFF"
    assert A.manage_channel_open().hex().upper() == "0070000001"
    assert A.manage_channel_close(2).hex().upper() == "00708002"
    assert A.with_channel(0x00, 1) == 0x01 and A.with_channel(0x80, 2) == 0x82
    assert A.with_channel(0x00, 5) == 0x41 and A.with_channel(0xA0, 1) == 0xA0
    assert A.get_response_cla(0x82) == 0x02 and A.get_response_cla(0x41) == 0x41
    assert A.get_response_cla(0xA0) == 0xA0


@pytest.mark.parametrize("call", [
    lambda: A.build(0x100, 0xB0, 0, 0), lambda: A.build(0, 0xD6, 0, 0, b"x" * 256),
    lambda: A.read_binary(0x8000, 1), lambda: A.read_binary(256, 1, sfi=1),
    lambda: A.read_record(0, 1), lambda: A.pad_pin("12a4"), lambda: A.pad_pin("123"),
    lambda: A.build(0, 0xB0, 0, 0, le=0), lambda: A.with_channel(0, 20),
])
def test_apdu_builders_refuse(call: object) -> None:
    with pytest.raises(CardError):
        call()  # type: ignore[operator]


def test_pin_data_is_redacted() -> None:
    apdu = A.verify(1, A.pad_pin("1234"))
    assert "3132" not in A.redacted_hex(apdu)
    assert A.redacted_hex(apdu).startswith("0020000108")


# --- FCP view --------------------------------------------------------------------------------


def test_fcp_views() -> None:
    ef_dir = from_fcp(bytes.fromhex("621A8205422100300483022F008A01058B032F0601800200C08801F0"))
    assert (ef_dir.structure, ef_dir.record_length, ef_dir.record_count, ef_dir.sfi,
            ef_dir.size) == ("linear_fixed", 0x30, 4, 0x1E, 0xC0)
    iccid = from_fcp(bytes.fromhex("62178202412183022FE28A01058B032F06038002000A880110"))
    assert (iccid.structure, iccid.size, iccid.sfi, iccid.fid) == ("transparent", 10, 2, 0x2FE2)
    adf = from_fcp(bytes.fromhex("62198202782183027FFF840CA000000063504B43532D31358A0105"))
    assert adf.is_df
    gsm = from_gsm_response(bytes.fromhex("0000000A2FE204000400FF010200"))
    assert (gsm.structure, gsm.size) == ("transparent", 10)
    gsm_rec = from_gsm_response(bytes.fromhex("000000C06F3A040011F0220102011C"))
    assert (gsm_rec.record_length, gsm_rec.record_count) == (0x1C, 6)


# --- the shared T=0 procedure ----------------------------------------------------------------


class Scripted:
    """transmit() answering from a list of (expected C-APDU hex, R-APDU hex)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    def __call__(self, apdu: bytes) -> bytes:
        want, answer = self.pairs.pop(0)
        assert apdu.hex().upper() == want
        return bytes.fromhex(answer)


def test_t0_61xx_chain_and_6cxx() -> None:
    fn = Scripted([("00A40804047FFF6F57", "6118"), ("00C0000018", "AA" * 0x10 + "6108"),
                   ("00C0000008", "BB" * 8 + "9000")])
    link = FunctionLink(fn)
    data, sw = link.transmit(bytes.fromhex("00A40804047FFF6F57"))
    assert sw == 0x9000 and data == b"\xAA" * 16 + b"\xBB" * 8
    assert link.stats.apdus == 3
    fn2 = Scripted([("00B201F400", "6C30"), ("00B201F430", "11" * 0x30 + "9000")])
    data, sw = FunctionLink(fn2).transmit(bytes.fromhex("00B201F400"))
    assert (len(data), sw) == (0x30, 0x9000)


def test_t0_get_response_itself_answering_6cxx_and_channel_cla() -> None:
    fn = Scripted([("01A40804022F00", "6120"), ("01C0000020", "6C19"),
                   ("01C0000019", "CC" * 0x19 + "9000")])
    data, sw = FunctionLink(fn).transmit(bytes.fromhex("01A40804022F00"))
    assert (len(data), sw) == (0x19, 0x9000)


def test_t0_2g_9fxx() -> None:
    fn = Scripted([("A0A40000027F20", "9F16"), ("A0C0000016", "00" * 0x16 + "9000")])
    data, sw = FunctionLink(fn).transmit(bytes.fromhex("A0A40000027F20"))
    assert (len(data), sw) == (0x16, 0x9000)


def test_t0_endless_6100_is_reported_not_polled_forever() -> None:
    calls = []

    def stuck(apdu: bytes) -> bytes:
        calls.append(apdu)
        return bytes.fromhex("6100")

    with pytest.raises(StatusWordError, match="GET RESPONSE"):
        FunctionLink(stuck).transmit(bytes.fromhex("00A40804047FFF6F57"))
    assert len(calls) <= 4


def test_link_rejects_short_answers() -> None:
    with pytest.raises(CardError):
        FunctionLink(lambda apdu: b"\x90").transmit(b"\x00\xB0\x00\x00\x01")
    with pytest.raises(CardError):
        FunctionLink(lambda apdu: b"\x90\x00").transmit(b"\x00\xB0")
