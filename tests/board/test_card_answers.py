"""Bad and unusual +CRSM answers: the board reads as CrsmAccess does or raises its typed error.

One scripted modem answers both the board (`board.card` over a fake `Link`)
and the full library (`CrsmAccess` over a fake `AtPort`), so the lines each
sends and the error each raises can be compared: a missing file (6A82 on
every `<pathid>` form), a refused GET RESPONSE form, a malformed line, odd
hex, 6Cxx, 6282, 6982, a SIM gone (+CME ERROR: 10). What only the board
refuses (an FCP announcing more than 4 KB) is a CardError. Nothing else
escapes: no IndexError, ValueError or KeyError, whatever the line.
"""

from collections.abc import Callable
from typing import Any

import pytest

from me_lib.board import card
from me_lib.card.crsm import CrsmAccess
from me_lib.codec import ids
from me_lib.errors import (
    AtCommandError,
    AtTimeout,
    CardError,
    CardRemoved,
    CmeError,
    DecodeError,
    FileNotFound,
    MeLibError,
    ProfileMissing,
    ProfileUnreadable,
    SecurityStatusNotSatisfied,
    WrongLength,
)
from me_lib.modem.dialects import by_name

ICCID = bytes.fromhex("98683081462002318379")
FCP = "62178202412183024F018A01058B032F06038002%04X880108"
Rule = Callable[[str], Any]


class Scripted:
    """Answers each command line with `rule(line)`: a list of lines or an exception."""

    def __init__(self, rule: Rule, dialect: str = "quectel-bg96") -> None:
        self.rule = rule
        self.sent: list[str] = []
        self.dialect = by_name(dialect)

    def _answer(self, line: str) -> list[str]:
        self.sent.append(line)
        answer = self.rule(line)
        if isinstance(answer, Exception):
            raise answer
        return list(answer)

    # the board's Link
    def cmd(self, command: str, prefix: str | None = None, **_: Any) -> list[str]:
        return self._answer(command)

    # the full library's AtPort
    def command(self, command: str, prefix: str | None = None, timeout: Any = None) -> Any:
        lines = self._answer(command)

        class Rsp:
            pass

        rsp = Rsp()
        rsp.lines = lines  # type: ignore[attr-defined]
        return rsp


def card_rule(files: dict[str, bytes], extra: Rule | None = None) -> Rule:
    """A card holding `files` (by FID) behind "3F00"/"3F007FFF5F4D" paths; `extra` first."""
    def rule(line: str) -> Any:
        if extra is not None:
            answer = extra(line)
            if answer is not None:
                return answer
        fields = line[len("AT+CRSM="):].split(",")
        fid = fields[1]
        data = files.get(fid)
        if data is None or not line.endswith(('"3F00"', '"3F007FFF5F4D"')):
            return ["+CRSM: 106,130"]
        if fields[0] == "192":
            return ['+CRSM: 144,0,"%s"' % (FCP % len(data))]
        p1, p2, p3 = int(fields[2]), int(fields[3]), int(fields[4])
        at = p1 << 8 | p2
        return ['+CRSM: 144,0,"%s"' % data[at:at + p3].hex().upper()]
    return rule


def both(rule: Rule, fid: str, length: int | None, dialect: str = "quectel-bg96",
         ) -> tuple[Any, list[str], Any, list[str]]:
    """(board result or error, its lines, full result or error, its lines)."""
    file = card.ICCID_FILE if fid == "12258" else card.DMCFG_FILE
    path = "3F002FE2" if fid == "12258" else "3F007FFF5F4D4F01"
    board = Scripted(rule, dialect)
    try:
        got: Any = card.read(board, file, length)
    except MeLibError as exc:
        got = exc
    full = Scripted(rule, dialect)
    seed = dict(by_name(dialect).crsm_seed)
    access = CrsmAccess(full, "m", cache={"m": seed} if seed else {})
    try:
        want: Any = access.read_binary(path, 0, length)
    except MeLibError as exc:
        want = exc
    return got, board.sent, want, full.sent


def test_a_missing_file_tries_every_path_form_as_crsm_access() -> None:
    got, lines, want, want_lines = both(card_rule({}), "20225", None)
    assert isinstance(got, FileNotFound) and isinstance(want, FileNotFound)
    assert lines == want_lines == ['AT+CRSM=192,20225,,,,,"3F007FFF5F4D"',
                                   'AT+CRSM=192,20225,,,,,"7FFF5F4D"', "AT+CRSM=192,20225"]
    got, lines, want, want_lines = both(card_rule({}), "12258", 10)
    assert isinstance(got, FileNotFound) and isinstance(want, FileNotFound)
    assert lines == want_lines == ['AT+CRSM=176,12258,0,0,10,,"3F00"',
                                   "AT+CRSM=176,12258,0,0,10"]


def test_read_profile_without_the_file_is_profile_missing() -> None:
    link = Scripted(card_rule({"12258": ICCID}))
    with pytest.raises(ProfileMissing) as info:
        card.read_profile(link, None)
    assert "no EF.DMCFG" in str(info.value)
    assert not isinstance(info.value, ProfileUnreadable)


@pytest.mark.parametrize("dialect", ["quectel-bg96", "simcom-sim7080"])
def test_a_refused_get_response_form_falls_back_as_crsm_access(dialect: str) -> None:
    data = bytes(range(256)) + bytes(44)

    def refuse_first(line: str) -> Any:
        seeded = dialect == "simcom-sim7080"
        if line.startswith("AT+CRSM=192") and (",0,0,255," in line) == seeded:
            return AtCommandError(line, "ERROR")
        return None

    got, lines, want, want_lines = both(card_rule({"20225": data}, refuse_first), "20225", None,
                                        dialect)
    assert got == want == data
    assert lines == want_lines and len(lines) == 2 + 2


@pytest.mark.parametrize("answer", [
    ["+CRSM: abc"], ["+CRSM: 144"], ["+CRSM:"], ['+CRSM: 144,0,"ABC"'], ['+CRSM: 144,0,"GG"'],
    ["+CRSM: 300,0"], [], ["OK"],
])
def test_malformed_answers_are_card_errors(answer: list[str]) -> None:
    rule = card_rule({"12258": ICCID}, lambda line: answer)
    got, _, want, _ = both(rule, "12258", 10)
    assert isinstance(got, CardError), got
    assert isinstance(want, CardError), want
    link = Scripted(rule)
    with pytest.raises(CardError):
        card.read_iccid(link)


def test_a_stray_partial_line_and_odd_spacing_are_tolerated() -> None:
    rule = card_rule({}, lambda line: ["+CRSM: 0", '+crsm: 144, 0 , " %s "' % ICCID.hex()])
    got, lines, want, want_lines = both(rule, "12258", 10)
    assert got == want == ICCID and lines == want_lines
    assert card.read_iccid(Scripted(rule)) == ids.decode_iccid(ICCID).digits == (
        "89860318640220133897")


def test_status_words_raise_the_tables_errors() -> None:
    for sw, cls in (("105,130", SecurityStatusNotSatisfied), ("111,0", CardError),
                    ("103,0", WrongLength)):
        rule = card_rule({}, lambda line, sw=sw: ["+CRSM: %s" % sw])
        got, lines, want, want_lines = both(rule, "12258", 10)
        assert isinstance(got, cls) and type(got) is type(want), (sw, got, want)
        assert lines == want_lines


def test_6cxx_resends_with_the_length_and_6282_keeps_short_data() -> None:
    def resend(line: str) -> Any:
        if line.endswith("0,0,10,,\"3F00\""):
            return ["+CRSM: 108,10"]
        return None

    got, lines, want, want_lines = both(card_rule({"12258": ICCID}, resend), "12258", 10)
    assert isinstance(got, WrongLength) and isinstance(want, WrongLength)
    assert lines == want_lines

    def short(line: str) -> Any:
        return ['+CRSM: 98,130,"%s"' % ICCID[:4].hex()] if "12258" in line else None

    got, lines, want, want_lines = both(card_rule({}, short), "12258", 10)
    assert got == want == ICCID[:4] and lines == want_lines
    with pytest.raises(DecodeError):
        card.read_iccid(Scripted(card_rule({}, short)))


def test_sim_gone_and_a_silent_modem() -> None:
    gone = card_rule({}, lambda line: CmeError(line, 10, "SIM not inserted"))
    got, lines, want, want_lines = both(gone, "20225", None)
    assert isinstance(got, CardRemoved) and isinstance(want, CardRemoved)
    assert lines == want_lines and len(lines) == 1
    with pytest.raises(CardRemoved):
        card.read_profile(Scripted(gone), None)

    silent = card_rule({}, lambda line: AtTimeout(line, 5.0, []))
    with pytest.raises(AtTimeout):
        card.read(Scripted(silent), card.DMCFG_FILE, None)
    with pytest.raises(ProfileUnreadable):
        card.read_profile(Scripted(silent), None)


def test_an_fcp_over_4_kb_is_refused() -> None:
    rule = card_rule({"12258": ICCID}, lambda line: ['+CRSM: 144,0,"%s"' % (FCP % 5000)]
                     if line.startswith("AT+CRSM=192") else None)
    link = Scripted(rule)
    with pytest.raises(CardError) as info:
        card.read(link, card.DMCFG_FILE, None)
    assert "5000" in str(info.value) and len(link.sent) == 1
    with pytest.raises(ProfileUnreadable):
        card.read_profile(Scripted(rule), None)


def test_a_cached_profile_answers_when_the_file_cannot_be_read() -> None:
    from me_lib.codec import dmcfg

    cfg = dmcfg.DmConfig((dmcfg.DmServer("dm.example.net"),), (dmcfg.Bearer("iot"),),
                         sequence=4)
    data = dmcfg.encode(cfg, 64)
    good = card_rule({"12258": ICCID, "20225": data})
    iccid, profile, origin = card.read_profile(Scripted(good), None)
    assert origin == "usim:EF.DMCFG"
    doc = {"iccid": iccid, "profile": profile}
    silent = card_rule({"12258": ICCID}, lambda line: AtTimeout(line, 5.0, [])
                       if "20225" in line else None)
    assert card.read_profile(Scripted(silent), doc) == (iccid, profile, "cache:EF.DMCFG")
    # another card: its own read, not this cache
    other = bytes.fromhex("98683081462002318378")
    with pytest.raises(ProfileUnreadable):
        card.read_profile(Scripted(card_rule({"12258": other}, lambda line: AtTimeout(
            line, 5.0, []) if "20225" in line else None)), doc)
    # a stored document that was tampered with is not trusted
    bad = {"iccid": iccid, "profile": dict(profile, bearers=[["bad apn", "IP", "none", None,
                                                              None, []]])}
    with pytest.raises(ProfileUnreadable):
        card.read_profile(Scripted(silent), bad)
    # a bearer needing a password the document lacks: the whole file, as the full library
    locked = {"iccid": iccid, "profile": dict(profile, bearers=[["iot", "IP", "chap", "u",
                                                                 None, []]])}
    link = Scripted(good)
    assert card.read_profile(link, locked) == (iccid, profile, "usim:EF.DMCFG")
    assert [line for line in link.sent if ",9," in line] == []


def test_a_card_still_busy_after_ready_is_asked_again_then_read() -> None:
    """SIM7080 and others answer +CPIN: READY while +CRSM still says SIM busy (14)."""
    from bench.fuzz_board import ScriptPort
    from me_lib.board.link import Link
    from me_lib.modem.dialects import GENERIC

    busy = b"\r\n+CME ERROR: 14\r\n"
    port = ScriptPort([busy, busy, b'\r\n+CRSM: 144,0,"98888260660000000001"\r\n\r\nOK\r\n'])
    assert card.read_iccid(Link(port, GENERIC)) == "89882806660000000010"  # the BCD nibbles swapped
    assert len(port.written) == 3
    port = ScriptPort([busy] * 10)
    with pytest.raises(CardError):
        card.read_iccid(Link(port, GENERIC))
    assert len(port.written) == len(card.BUSY_WAITS) + 1      # bounded
    assert port.clock.t < 60.0
