"""AT+CRSM back end against a scripted modem on a pty: every +CRSM quirk real modules show."""

import pytest

from me_lib.card import crsm
from me_lib.card.crsm import CrsmAccess, parse_crsm
from me_lib.errors import (
    CardError,
    CardRemoved,
    FileNotFound,
    SecurityStatusNotSatisfied,
    StatusWordError,
)

from .at_peer import modem

ACL_FCP = "62168202412183026F578A01058C03031211800200608800"   # transparent, 96 bytes
BIG_FCP = "620C8202412183026F578002012C"                         # transparent, 300 bytes
DIR_FCP = "621A8205422100300483022F008A01058B032F0601800200C08801F0"
GR_MF = 'AT+CRSM=192,28503,,,,,"3F007FFF"'
GR_MF_MAX = 'AT+CRSM=192,28503,0,0,255,,"3F007FFF"'
GR_NOMF = 'AT+CRSM=192,28503,,,,,"7FFF"'
OK = "OK"


def ok(sw1: int, sw2: int, data: str | None = None) -> list[str]:
    line = "+CRSM: %d,%d" % (sw1, sw2) + ("" if data is None else ',"%s"' % data)
    return [line, OK]


# --- answer parsing ---------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "sw", "data"), [
    (['+CRSM: 144,0,"98888260660000000001"'], 0x9000, "98888260660000000001"),
    (["+CRSM: 144,0,98888260660000000001"], 0x9000, "98888260660000000001"),
    (['+CRSM: 144, 0, "9888826066000000000f"'], 0x9000, "9888826066000000000F"),
    (["+CRSM:144,0"], 0x9000, ""),
    (['+CRSM: 144,0,""'], 0x9000, ""),
    (["+CRSM: 106,130"], 0x6A82, ""),
    (["+CRSM: 0", '+CRSM: 144,0,"62178202"'], 0x9000, "62178202"),
    (['+crsm: 144,0,"AB CD"'], 0x9000, "ABCD"),
])
def test_parse_crsm_tolerates_every_known_format(lines: list[str], sw: int, data: str) -> None:
    assert parse_crsm(lines) == (sw, bytes.fromhex(data))


@pytest.mark.parametrize("lines", [[], ["+CRSM: 0"], ['+CRSM: 144,0,"XYZ"'], ["+CRSM: 300,0"]])
def test_parse_crsm_rejects_garbage_with_card_error(lines: list[str]) -> None:
    with pytest.raises(CardError):
        parse_crsm(lines)


# --- path fallback and its cache --------------------------------------------------------------


def test_pathid_fallback_order_then_remembered_per_modem() -> None:
    cache: dict[str, dict[str, str]] = {}
    script = [
        (GR_MF, ["+CRSM: 106,130", OK]),                      # 6A82 with 3F00
        (GR_NOMF, ok(144, 0, ACL_FCP)),                        # works without 3F00
        ('AT+CRSM=176,28503,0,0,96,,"7FFF"', ok(144, 0, "04" + "FF" * 95)),
        # a second access for the same modem starts with the learned form
        ('AT+CRSM=176,28423,0,0,9,,"7FFF"', ok(144, 0, "080910101032547698")),
    ]
    with modem(script) as (peer, at):
        acc = CrsmAccess(at, modem_id="Quectel BG95/rev1", cache=cache)
        assert acc.read_binary("3F007FFF6F57") == bytes.fromhex("04" + "FF" * 95)
        assert cache["Quectel BG95/rev1"] == {"pathid": crsm.FORM_NO_MF, "get_response": "plain"}
        again = CrsmAccess(at, modem_id="Quectel BG95/rev1", cache=cache)
        assert again.read_binary("3F007FFF6F07", length=9).hex() == "080910101032547698"
        peer.check()


def test_pathid_cme_error_falls_back_and_none_form_last() -> None:
    script = [
        (GR_MF, ["+CME ERROR: 4", ]),                          # syntax not supported
        (GR_MF_MAX, ["+CME ERROR: 4"]),
        (GR_NOMF, ["ERROR"]),
        ('AT+CRSM=192,28503,0,0,255,,"7FFF"', ["ERROR"]),
        ("AT+CRSM=192,28503", ok(144, 0, ACL_FCP)),           # no <pathid> at all
    ]
    cache: dict[str, dict[str, str]] = {}
    with modem(script) as (peer, at):
        info = CrsmAccess(at, "old", cache).file_info("3F007FFF6F57")
        assert info.size == 96 and cache["old"]["pathid"] == crsm.FORM_NONE
        peer.check()


def test_known_good_form_is_trusted_for_a_missing_file() -> None:
    cache = {"m": {"pathid": crsm.FORM_MF, "get_response": "0,0,255"}}
    script = [('AT+CRSM=192,28503,0,0,255,,"3F007FFF"', ["+CRSM: 106,130", OK])]
    with modem(script) as (peer, at):
        with pytest.raises(FileNotFound, match="GET RESPONSE 3F007FFF6F57"):
            CrsmAccess(at, "m", cache).read_binary("3F007FFF6F57")
        peer.check()


def test_missing_everywhere_is_file_not_found_9404_included() -> None:
    script = [(GR_MF, ["+CRSM: 106,130", OK]), (GR_NOMF, ["+CRSM: 148,4", OK]),
              ("AT+CRSM=192,28503", ["+CRSM: 106,130", OK])]
    with modem(script) as (peer, at):
        with pytest.raises(FileNotFound) as err:
            CrsmAccess(at, "x", {}).file_info("3F007FFF6F57")
        assert err.value.sw in (0x6A82, 0x9404)
        peer.check()


def test_mf_level_file_skips_the_form_without_3f00() -> None:
    script = [('AT+CRSM=176,12258,0,0,10,,"3F00"', ["+CME ERROR: 50"]),
              ("AT+CRSM=176,12258,0,0,10", ok(144, 0, "98888260660000000001"))]
    with modem(script) as (peer, at):
        assert CrsmAccess(at, "y", {}).read_binary("3F002FE2", length=10)[0] == 0x98
        peer.check()


# --- GET RESPONSE 0,0,255 -------------------------------------------------------------------------


def test_get_response_falls_back_to_0_0_255_and_remembers_it() -> None:
    cache: dict[str, dict[str, str]] = {}
    script = [
        (GR_MF, ["+CRSM: 103,0", OK]),                         # 6700: wants P3
        (GR_MF_MAX, ok(144, 0, ACL_FCP)),
        ('AT+CRSM=192,12032,0,0,255,,"3F00"', ok(144, 0, DIR_FCP)),   # learned: 0,0,255 first
    ]
    with modem(script) as (peer, at):
        acc = CrsmAccess(at, "huawei", cache)
        assert acc.file_info("3F007FFF6F57").size == 96
        assert cache["huawei"] == {"pathid": crsm.FORM_MF, "get_response": crsm.GR_MAX}
        assert acc.file_info("3F002F00").record_count == 4
        assert acc.file_info("3F007FFF6F57").size == 96           # cached: no command
        peer.check()


def test_get_response_plain_answering_ok_without_fcp_is_not_trusted() -> None:
    script = [(GR_MF, ["+CRSM: 144,0", OK]), (GR_MF_MAX, ok(144, 0, ACL_FCP))]
    with modem(script) as (peer, at):
        assert CrsmAccess(at, "z", {}).file_info("3F007FFF6F57").size == 96
        peer.check()


# --- reads, writes, quirks in answers ----------------------------------------------------------


def test_reads_are_chunked_at_255_with_offsets() -> None:
    cache = {"t": {"pathid": crsm.FORM_MF, "get_response": crsm.GR_MAX}}
    script = [
        (GR_MF_MAX, ['+CRSM: 0', '+CRSM: 144,0,"%s"' % BIG_FCP.lower(), OK]),   # Telit stray line
        ('AT+CRSM=176,28503,0,0,255,,"3F007FFF"', ["+CRSM: 144, 0, %s" % ("ab" * 255), OK]),
        ('AT+CRSM=176,28503,0,255,45,,"3F007FFF"', ['+CRSM: 144,0,"%s"' % ("CD" * 45), OK]),
    ]
    with modem(script) as (peer, at):
        acc = CrsmAccess(at, "t", cache)
        data = acc.read_binary("3F007FFF6F57")
        assert data == b"\xAB" * 255 + b"\xCD" * 45
        assert acc.commands == 3
        peer.check()


def test_security_status_is_typed_and_names_the_operation() -> None:
    cache = {"t": {"pathid": crsm.FORM_MF}}
    script = [('AT+CRSM=176,28423,0,0,9,,"3F007FFF"', ["+CRSM: 105,130", OK])]
    with modem(script) as (peer, at):
        with pytest.raises(SecurityStatusNotSatisfied, match="READ BINARY 3F007FFF6F07"):
            CrsmAccess(at, "t", cache).read_binary("3F007FFF6F07", length=9)
        peer.check()


def test_other_status_words_are_status_word_errors() -> None:
    cache = {"t": {"pathid": crsm.FORM_MF}}
    script = [('AT+CRSM=178,12032,9,4,48,,"3F00"', ["+CRSM: 106,131", OK])]
    with modem(script) as (peer, at):
        with pytest.raises(StatusWordError) as err:
            CrsmAccess(at, "t", cache).read_record("3F002F00", 9, 48)
        assert err.value.sw == 0x6A83 and "READ RECORD" in str(err.value)
        peer.check()


def test_sim_state_cme_errors_are_not_path_problems() -> None:
    script = [(GR_MF, ["+CME ERROR: 10"])]
    with modem(script) as (peer, at):
        with pytest.raises(CardRemoved, match="SIM not inserted"):
            CrsmAccess(at, "t", {}).file_info("3F007FFF6F57")
        peer.check()
    with modem([(GR_MF, ["+CME ERROR: 14"])]) as (peer, at):
        with pytest.raises(CardError, match="busy"):
            CrsmAccess(at, "t", {}).file_info("3F007FFF6F57")
        peer.check()


def test_no_crsm_support_at_all_says_what_to_do() -> None:
    script = [(GR_MF, ["+CME ERROR: 3"]), (GR_MF_MAX, ["+CME ERROR: 3"]),
              (GR_NOMF, ["+CME ERROR: 3"]), ('AT+CRSM=192,28503,0,0,255,,"7FFF"',
                                             ["+CME ERROR: 3"]),
              ("AT+CRSM=192,28503", ["+CME ERROR: 3"]),
              ("AT+CRSM=192,28503,0,0,255", ["+CME ERROR: 3"])]
    with modem(script) as (peer, at):
        with pytest.raises(CardError, match=r"\+CSIM/\+CGLA"):
            CrsmAccess(at, "eg916q", {}).file_info("3F007FFF6F57")
        peer.check()


def test_updates_quote_data_and_chunk() -> None:
    cache = {"t": {"pathid": crsm.FORM_MF}}
    data = bytes(range(100))
    script = [
        ('AT+CRSM=214,28503,0,0,64,"%s","3F007FFF"' % data[:64].hex().upper(), ["+CRSM: 144,0",
                                                                                 OK]),
        ('AT+CRSM=214,28503,0,64,36,"%s","3F007FFF"' % data[64:].hex().upper(),
         ["+CRSM: 144,0", OK]),
        ('AT+CRSM=220,12032,2,4,3,"AABBCC","3F00"', ["+CRSM: 105,130", OK]),
    ]
    with modem(script) as (peer, at):
        acc = CrsmAccess(at, "t", cache)
        acc.update_binary("3F007FFF6F57", data)
        with pytest.raises(SecurityStatusNotSatisfied):
            acc.update_record("3F002F00", 2, b"\xAA\xBB\xCC")
        peer.check()


def test_records_via_get_response_geometry() -> None:
    cache = {"t": {"pathid": crsm.FORM_MF, "get_response": crsm.GR_MAX}}
    script = [('AT+CRSM=192,12032,0,0,255,,"3F00"', ok(144, 0, DIR_FCP))]
    script += [('AT+CRSM=178,12032,%d,4,48,,"3F00"' % n, ok(144, 0, "%02X" % n * 48))
               for n in range(1, 5)]
    with modem(script) as (peer, at):
        recs = CrsmAccess(at, "t", cache).read_records("3F002F00")
        assert [r[0] for r in recs] == [1, 2, 3, 4]
        peer.check()


def test_modem_without_get_response_reads_to_the_end_the_card_reports() -> None:
    """Option HSO style: +CRSM=192 always fails; the read learns the size from 6Cxx."""
    cache = {"hso": {"pathid": crsm.FORM_MF}}
    script = [
        ('AT+CRSM=192,28589,,,,,"3F007FFF"', ["ERROR"]),
        ('AT+CRSM=192,28589,0,0,255,,"3F007FFF"', ["ERROR"]),
        ('AT+CRSM=192,28589,,,,,"7FFF"', ["ERROR"]),
        ('AT+CRSM=192,28589,0,0,255,,"7FFF"', ["ERROR"]),
        ("AT+CRSM=192,28589", ["ERROR"]),
        ("AT+CRSM=192,28589,0,0,255", ["ERROR"]),
        ('AT+CRSM=176,28589,0,0,255,,"3F007FFF"', ["+CRSM: 108,4", OK]),
        ('AT+CRSM=176,28589,0,0,4,,"3F007FFF"', ['+CRSM: 144,0,"00000002"', OK]),
    ]
    with modem(script) as (peer, at):
        assert CrsmAccess(at, "hso", cache).read_binary("3F007FFF6FAD") == b"\0\0\0\2"
        peer.check()


_NO_GET_RESPONSE = [
    ('AT+CRSM=192,28589,,,,,"3F007FFF"', ["ERROR"]),
    ('AT+CRSM=192,28589,0,0,255,,"3F007FFF"', ["ERROR"]),
    ('AT+CRSM=192,28589,,,,,"7FFF"', ["ERROR"]),
    ('AT+CRSM=192,28589,0,0,255,,"7FFF"', ["ERROR"]),
    ("AT+CRSM=192,28589", ["ERROR"]),
    ("AT+CRSM=192,28589,0,0,255", ["ERROR"]),
]


@pytest.mark.parametrize("eof", [(107, 0), (106, 134)], ids=["6B00", "6A86"])
def test_blind_read_stops_at_the_end_the_card_signals(eof: tuple[int, int]) -> None:
    """Without GET RESPONSE, reading past the end (6B00 or 6A86) after data ends the
    file: what was read is the file, not an error."""
    cache = {"hso": {"pathid": crsm.FORM_MF}}
    script = [*_NO_GET_RESPONSE,
              ('AT+CRSM=176,28589,0,0,255,,"3F007FFF"', ok(144, 0, "5A" * 255)),
              ('AT+CRSM=176,28589,0,255,255,,"3F007FFF"', ["+CRSM: %d,%d" % eof, OK])]
    with modem(script) as (peer, at):
        assert CrsmAccess(at, "hso", cache).read_binary("3F007FFF6FAD") == b"\x5A" * 255
        peer.check()


@pytest.mark.parametrize("eof", [(107, 0), (106, 134)], ids=["6B00", "6A86"])
def test_blind_read_past_the_end_with_nothing_read_is_an_error(eof: tuple[int, int]) -> None:
    """The same SW on the first read means the offset is beyond the file: typed error,
    not an empty file."""
    cache = {"hso": {"pathid": crsm.FORM_MF}}
    script = [*_NO_GET_RESPONSE,
              ('AT+CRSM=176,28589,1,0,255,,"3F007FFF"', ["+CRSM: %d,%d" % eof, OK])]
    with modem(script) as (peer, at):
        with pytest.raises(StatusWordError) as err:
            CrsmAccess(at, "hso", cache).read_binary("3F007FFF6FAD", offset=256)
        assert err.value.sw == eof[0] << 8 | eof[1]
        assert "READ BINARY 3F007FFF6FAD at 256" in str(err.value)
        peer.check()


def test_blind_read_keeps_the_short_data_of_6282() -> None:
    cache = {"hso": {"pathid": crsm.FORM_MF}}
    script = [*_NO_GET_RESPONSE,
              ('AT+CRSM=176,28589,0,0,255,,"3F007FFF"', ok(98, 130, "0102"))]
    with modem(script) as (peer, at):
        assert CrsmAccess(at, "hso", cache).read_binary("3F007FFF6FAD") == b"\x01\x02"
        peer.check()


@pytest.mark.parametrize("sw", [(105, 130), (152, 4)], ids=["6982", "9804"])
def test_get_response_security_status_is_not_retried_in_other_forms(
        sw: tuple[int, int]) -> None:
    """A 6982 to GET RESPONSE reached the file: no other parameter variant or path form
    is tried (each would cost a round trip and say the same), the path form is learned,
    and the error is typed."""
    cache: dict[str, dict[str, str]] = {}
    script = [(GR_MF, ["+CRSM: %d,%d" % sw, OK])]
    with modem(script) as (peer, at):
        acc = CrsmAccess(at, "sec", cache)
        with pytest.raises(SecurityStatusNotSatisfied, match="GET RESPONSE 3F007FFF6F57"):
            acc.file_info("3F007FFF6F57")
        assert acc.commands == 1
        assert cache["sec"]["pathid"] == crsm.FORM_MF
        peer.check()
