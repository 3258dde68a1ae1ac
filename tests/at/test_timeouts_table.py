"""Command timeouts come from the tables: the 27.007 defaults and a dialect's overrides.

`Modem` writes no timeout of its own for a command the tables know
(me_lib/at/timeouts.py, `Dialect.timeout`); these pin what each activation
method and the network procedures wait, per module, and how the two tables
combine (the longest key wins; the dialect's wins on the same key).
"""

import re
from pathlib import Path

import pytest

from me_lib.at.timeouts import DEFAULT_TIMEOUT, FAMILY_TIMEOUTS, timeout_for
from me_lib.modem import dialects
from me_lib.modem.activation import METHODS

ROWS = [dialects.GENERIC, *dialects.DIALECTS]


@pytest.mark.parametrize("how", sorted(METHODS))
def test_every_activation_key_is_in_the_table(how: str) -> None:
    row = METHODS[how]
    for key in ("up_timeout", "down_timeout", "query_timeout"):
        assert row[key] in FAMILY_TIMEOUTS, (how, key)
    # a network procedure going up; a local read of what is up
    assert FAMILY_TIMEOUTS[row["up_timeout"]] == 150.0
    assert FAMILY_TIMEOUTS[row["down_timeout"]] == 40.0
    assert FAMILY_TIMEOUTS[row["query_timeout"]] == 10.0


def test_longest_key_wins_and_the_dialect_overrides_the_same_key() -> None:
    assert timeout_for("AT+CGATT=1") == 180.0
    assert timeout_for("AT+CGATT?") == 10.0
    assert timeout_for("AT+CGACT=0,3") == 40.0
    assert timeout_for("AT+CGACT=1,3") == 150.0
    assert timeout_for("AT+CGDCONT?") == DEFAULT_TIMEOUT
    # a key with a space names a use, never a line
    assert timeout_for("#SGACT DOWN") == 40.0
    assert timeout_for("AT#SGACT=1,0") == 150.0
    ublox = dialects.by_name("ublox-sara-r4")
    assert ublox.timeout("AT+CGATT=1") == 360.0      # its own entry
    assert ublox.timeout("AT+CGATT?") == 10.0        # the longer default key still wins
    assert timeout_for("AT+X", {"+X": 3.0}) == 3.0


@pytest.mark.parametrize("row", ROWS, ids=lambda d: d.name)
def test_each_module_waits_from_the_tables(row: dialects.Dialect) -> None:
    assert row.timeout("AT+CFUN=4") == 60.0
    assert row.timeout("AT+CPIN=\"0000\"") == 20.0
    for how in {row.activation, row.service_activation}:
        assert row.timeout(METHODS[how]["up_timeout"]) == 150.0


def test_modem_writes_no_timeout_the_tables_hold() -> None:
    source = Path(dialects.__file__).with_name("modem.py").read_text()
    for match in re.finditer(r'command\(\s*"(AT[^"]*)"[^)]*timeout=(\d+)', source):
        line = match.group(1)
        assert timeout_for(line) == DEFAULT_TIMEOUT, (
            "%s has a table entry: take its timeout from Dialect.timeout" % line)
