"""The status-word tables of me_lib/card/sw.py are strings (issue 15): each row well formed.

A typo in a string table fails no import; these tests read every row as the
lookups do and pin what a few rows mean, so a malformed row fails here.
"""

from me_lib.card import sw as SW
from me_lib.errors import FileNotFound, StatusWordError, WrongParameters


def _rows(table: str) -> list[list[str]]:
    return [line.split(" ", 3) for line in table.strip().split("\n")]


def test_every_row_has_a_unique_key_a_class_letter_and_an_error_index() -> None:
    for table, width in ((SW._EXACT, 4), (SW._SW1, 2)):
        keys = [row[0] for row in _rows(table)]
        assert len(keys) == len(set(keys))
        for row in _rows(table):
            assert len(row[0]) == width and int(row[0], 16) >= 0, row
            assert row[1] in SW._KINDS or row[1] == ".", row
            assert row[2] == "." or 0 <= int(row[2]) < len(SW._ERRORS), row
            assert "\n" not in " ".join(row) and row[-1].count("|") <= 1, row


def test_every_exact_row_has_a_meaning_and_a_family_row_formats_its_sw2() -> None:
    for row in _rows(SW._EXACT):
        assert len(row) == 4 and row[3].split("|")[0], row
        assert SW.describe(int(row[0], 16)) == row[3].split("|")[0]
    for row in _rows(SW._SW1):
        if len(row) == 4:
            assert row[3].count("%d") == 1, row
            assert SW.describe(int(row[0] + "05", 16)) == row[3] % 5


def test_rows_decide_class_error_and_hint() -> None:
    assert SW.kind(0x9000) == SW.SUCCESS and SW.kind(0x9240) == SW.ERROR
    assert SW.kind(0x9205) == SW.SUCCESS and SW.kind(0x6C10) == SW.RESEND
    assert SW.kind(0x63C2) == SW.ERROR and SW.kind(0x6310) == SW.WARNING
    err = SW.error_for(0x9404, "SELECT 6F07")
    assert type(err) is FileNotFound and err.hint == "check the path; the profile may lack it"
    assert type(SW.error_for(0x9402, "READ")) is WrongParameters
    assert type(SW.error_for(0x6A80, "UPDATE")) is WrongParameters  # from the 6A row
    plain = SW.error_for(0x5000, "READ")
    assert type(plain) is StatusWordError and plain.hint is None
    assert str(plain) == "READ failed: SW 5000 (unknown status word)"
