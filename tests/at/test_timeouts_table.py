"""Command timeouts come from the tables: the 27.007 defaults and a dialect's overrides.

`Modem` writes no timeout of its own for a command the tables know
(me_lib/at/timeouts.py, `Dialect.timeout`); these pin what each activation
method and the network procedures wait, per module, and how the two tables
combine (the longest key wins; the dialect's wins on the same key).
"""

import ast
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
    assert timeout_for("AT+CSQ") == DEFAULT_TIMEOUT
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


ROOT = Path(dialects.__file__).parents[1]
SCANNED = sorted((ROOT / "modem").rglob("*.py")) + [ROOT / "provision" / "flow.py"]


def _literal_timeouts(path: Path, root: Path = ROOT.parent) -> list[str]:
    """`command(...)` calls in `path` whose timeout argument holds a number literal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else \
            getattr(node.func, "id", "")
        if name != "command":
            continue
        args = [k.value for k in node.keywords if k.arg == "timeout"]
        args += node.args[2:3]          # command(line, prefix, timeout) given by position
        for arg in args:
            if any(isinstance(n, ast.Constant) and type(n.value) in (int, float)
                   for n in ast.walk(arg)):
                found.append("%s:%d %s" % (path.relative_to(root), node.lineno,
                                           ast.unparse(arg)))
    return found


def test_the_scan_sees_a_literal_timeout(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("ch.command('AT+X', timeout=5)\nch.command('AT', None, 2.0)\n"
                     "ch.command('AT', timeout=self.budget(d, 60.0))\n"
                     "ch.command('AT', timeout=self.budget(d, timeout_for('+X')))\n")
    assert len(_literal_timeouts(probe, tmp_path)) == 3


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_literal_timeout_is_passed_to_command(path: Path) -> None:
    """Every command's timeout comes from the tables (me_lib/at/timeouts.py, or the
    dialect's row through `Dialect.timeout`), where its source is written down."""
    assert _literal_timeouts(path) == []


# What the driver waited when these were literals at the call sites (the values
# moved into the table unchanged): the line, and the table's answer for it.
MOVED = {
    "ATI": 5.0, "AT+CGMI": 5.0, "AT+CGMM": 5.0, "AT+CGMR": 5.0, "AT+CGSN": 5.0,
    "AT+CIMI": 5.0, "AT+CPIN?": 10.0, 'AT+CPINR="SIM PIN"': 10.0, "AT+CREG?": 10.0,
    "AT+CGREG?": 10.0, "AT+CEREG?": 10.0, "AT+C5GREG?": 10.0, "AT+CGDCONT?": 10.0,
    "AT+CGDCONT=?": 10.0, 'AT+CGDCONT=2,"IP","a.example"': 10.0, "AT+CGDCONT=2": 10.0,
    'AT+CGAUTH=2,1,"u",""': 10.0, 'AT#PDPAUTH=2,1,"u",""': 10.0,
    'AT+QICSGP=2,1,"a.example","u","",1': 10.0, "AT+CEER": 10.0,
    "AT+CGCONTRDP": 10.0, "AT+CGCONTRDP=1": 10.0, "AT+CGPADDR=1": 10.0,
    "AT+C5GURSPQRY?": 10.0,
    # socket adapters: the cap of one command within the operation's budget
    "AT#XGETADDRINFO": 60.0, "AT#XSOCKET=1,2,0": 10.0, "AT#XSENDTO": 30.0,
    "#XRECVFROM MARGIN": 10.0, "#XSENDTO DATAMODE": 2.0, "AT#XCONNECT": 150.0, "AT+QIDNSGIP": 60.0,
    "AT+QIOPEN": 150.0, "AT+QISEND": 20.0, "AT+CDNSGIP": 60.0, "AT+CAOPEN": 150.0,
    "AT+CASEND": 20.0, "AT#QDNS": 60.0, "AT#SCFG": 10.0, "AT#SD": 140.0,
    "AT#SSENDEXT": 20.0, "AT+UDNSRN": 332.0, "AT+USOCR": 10.0, "AT+USOER": 5.0,
    "AT+UDCONF=1,1": 10.0, "AT+USOST": 20.0, "AT+USORF": 10.0, "AT+USOCO": 130.0,
}


@pytest.mark.parametrize("line", sorted(MOVED))
def test_moved_timeouts_keep_their_values(line: str) -> None:
    assert timeout_for(line) == MOVED[line]
    for row in ROWS:                     # no module's own entry changes them
        assert row.timeout(line) == MOVED[line], row.name
