"""The PC/SC fixture's decisions, pinned without touching the machine's pcscd.

pcscd is machine-wide and other sessions may be using it: the fixture must
read its pid file whatever is in it and reuse a working pcscd rather than
start, stop or clean up after one it does not own.
"""

from pathlib import Path

import pytest

from tests.pcsc_fixtures import SLOTS, parse_pid, parse_pid_file, pcscd_action

VPCD = {name for name, _port in SLOTS}


@pytest.mark.parametrize("text, pid", [
    ("27330\n\x00", 27330),            # what pcscd really writes
    (b"27330\n\x00", 27330),
    ("  4711  ", 4711),
    ("\x00\x0012\x00", 12),
    ("", None), ("\x00\n", None), ("abc", None), ("-5", None), ("0", None),
    ("12 34", None), ("1e3", None), ("99999999999999999999", None), ("+7", None),
    (b"\xff\xfe27", None), (b"\xb2", None), ("\u0663", None),   # no exotic digits
])
def test_pid_file_text(text: str | bytes, pid: int | None) -> None:
    assert parse_pid(text) == pid


def test_pid_file_missing_or_unreadable(tmp_path: Path) -> None:
    assert parse_pid_file(tmp_path / "absent.pid") is None
    assert parse_pid_file(tmp_path) is None               # a directory: not a pid file
    (tmp_path / "p.pid").write_bytes(b"31337\n\x00")
    assert parse_pid_file(tmp_path / "p.pid") == 31337


@pytest.mark.parametrize("pid, is_pcscd, answers, listed, action", [
    # a working pcscd with vpcd: reused, whatever its pid file says
    (27330, True, True, VPCD, "reuse"),
    (None, False, True, VPCD | {"Other Reader 00 00"}, "reuse"),
    # one runs without the vpcd readers (yet): never a second one, never a restart
    (27330, True, True, set(), "wait"),
    (None, False, True, {"Virtual PCD 00 00"}, "wait"),
    (27330, True, False, set(), "wait"),                  # starting up, not answering yet
    # nothing runs: start ours (stale or garbage pid files are pcscd's business)
    (None, False, False, set(), "start"),
    (27330, False, False, set(), "start"),                # dead pid, or reused by another
])
def test_reuse_or_start(pid: int | None, is_pcscd: bool, answers: bool, listed: set[str],
                        action: str) -> None:
    assert pcscd_action(pid, is_pcscd, answers, listed) == action
