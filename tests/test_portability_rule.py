"""The portability rule (docs/architecture.md) checked where a test run cannot see it.

The MicroPython runs use the unix port and the WebAssembly build, whose
firmware has every optional feature; a board's firmware may not. So the
methods the rule forbids (optional or missing in MicroPython builds) are
searched for in every module of firmware_shim/manifest.txt and of the board
core's firmware_shim/core_manifest.txt by attribute name.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("partition", "rpartition", "translate", "isalnum", "zfill", "removeprefix",
             "removesuffix", "casefold")


def _manifest() -> list[Path]:
    found: list[Path] = []
    for name in ("manifest.txt", "core_manifest.txt"):
        lines = (ROOT / "firmware_shim" / name).read_text(encoding="utf-8").splitlines()
        found += [ROOT / line.strip() for line in lines
                  if line.strip() and not line.startswith("#") and ROOT / line.strip() not in found]
    return found


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    return [(node.lineno, node.func.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in FORBIDDEN]


def test_no_board_module_calls_a_method_micropython_builds_may_lack() -> None:
    found = []
    for path in _manifest():
        for line, name in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            found.append("%s:%d .%s()" % (path.relative_to(ROOT), line, name))
    # bytes.translate: probed under try/except in at/engine.py (`_TRANSLATE`) and used
    # only where the probe found it (the CPython fast path of a line)
    assert found == ["me_lib/at/engine.py:%d .translate()" % n for n in _translate_lines()]
    assert len(found) == 2, found


def _translate_lines() -> list[int]:
    text = (ROOT / "me_lib" / "at" / "engine.py").read_text(encoding="utf-8")
    return [i for i, line in enumerate(text.splitlines(), 1) if ".translate(" in line]


def test_the_scan_sees_a_forbidden_call() -> None:
    assert _calls(ast.parse("a, b, c = s.partition(':')\nx = 'v'.zfill(3)\n")) == [
        (1, "partition"), (2, "zfill")]
