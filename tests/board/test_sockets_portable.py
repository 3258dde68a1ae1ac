"""`me_lib.board.sockets` on MicroPython: it imports, runs the five dialogues as on
CPython, and keeps the board's footprint rules (few functions, rows as data)."""

import ast
import os
import subprocess
import sys

from me_lib.board import sockets
from tests.mp_support import MICROPYTHON, ROOT

SCRIPT = ROOT / "tests" / "board" / "scripted_sockets.py"
SOURCE = ROOT / "me_lib" / "board" / "sockets.py"


def _run(interpreter: str) -> str:
    env = dict(os.environ, MICROPYPATH=str(ROOT), PYTHONPATH=str(ROOT))
    done = subprocess.run([interpreter, str(SCRIPT)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_imports_on_micropython() -> None:
    env = dict(os.environ, MICROPYPATH=str(ROOT))
    done = subprocess.run([str(MICROPYTHON), "-c", "import me_lib.board.sockets as s; "
                           "print(sorted(s.ROWS))"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['nrf91',", "'quectel',", "'simcom',", "'telit',",
                                   "'ublox']"]


def test_dialogues_run_alike_on_micropython_and_cpython() -> None:
    """Message ids with bytes >= 0x80 and CR LF: every reply accepted, no line left over."""
    board = _run(str(MICROPYTHON))
    assert board == _run(sys.executable)
    lines = board.splitlines()
    assert len(lines) == 11 and lines[-1] == "mid True"
    for line in lines[:-1]:
        assert line.endswith("127.0.0.1 rtt=True left=0 bad=None urcs=0"), line


def test_footprint_rules() -> None:
    """Few code objects (each ~430 B of heap loaded from .mpy): rows, not functions."""
    tree = ast.parse(SOURCE.read_text())
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    assert len(functions) <= 8
    banned = (ast.ClassDef, ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp,
              ast.GeneratorExp, ast.AsyncFunctionDef)
    assert [type(n).__name__ for n in ast.walk(tree) if isinstance(n, banned)] == []
    for node in ast.walk(tree):  # command timeouts come from the tables, never a literal
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "cmd":
            for arg in [k.value for k in node.keywords if k.arg == "timeout"] + node.args[2:3]:
                assert not any(isinstance(n, ast.Constant) and type(n.value) in (int, float)
                               for n in ast.walk(arg)), ast.unparse(node)
    for family, row in sockets.ROWS.items():
        fields = row.split("|")
        assert len(fields) == 23, family
        for index in (2, 4, 6, 9, 11, 19, 20):
            int(fields[index])


def test_no_heavy_imports() -> None:
    """The board module reads the tables and errors only: no channel, engine, adapters."""
    tree = ast.parse(SOURCE.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    assert names <= {"random", "typing", "me_lib.at.timeouts", "me_lib.board.link",
                     "me_lib.codec", "me_lib.errors"}
