"""Every ```python block of README.md and docs/*.md is real, type-correct code.

Each block is written to a file and checked with `mypy --strict` against the
package, so an example that drifts from the API (a renamed method, a field that
may be None) fails here. Blocks whose first line says "MicroPython board code"
run on a board (`machine`, names from the board's config) and are only compiled.
Signature summaries that are not Python use ```text.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
BOARD_MARK = "MicroPython board code"


def blocks() -> list[tuple[str, int, str]]:
    """(document, line of the fence, code) of every ```python block."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append((doc.relative_to(ROOT).as_posix(), line, m.group(1)))
    return found


def is_board_code(code: str) -> bool:
    return BOARD_MARK in code.splitlines()[0]


def test_the_docs_have_python_examples() -> None:
    found = blocks()
    assert any(doc == "README.md" and not is_board_code(code) for doc, _, code in found)
    assert any(is_board_code(code) for _, _, code in found)


def test_board_examples_compile() -> None:
    for doc, line, code in blocks():
        if is_board_code(code):
            compile(code, "%s:%d" % (doc, line), "exec")


def test_examples_pass_mypy_strict(tmp_path: Path) -> None:
    files = []
    for doc, line, code in blocks():
        if is_board_code(code):
            continue
        name = "%s_%d.py" % (re.sub(r"\W", "_", doc[:-3]), line)
        (tmp_path / name).write_text(code, encoding="utf-8")
        files.append(name)
    assert files
    # the checkout's me_lib (an editable install is an import hook mypy cannot follow)
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--config-file", str(ROOT / "pyproject.toml"), *files],
                          cwd=tmp_path, env={"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_sees_a_wrong_example(tmp_path: Path) -> None:
    """The check above can fail: the README's example without its None guard does not pass."""
    (tmp_path / "wrong.py").write_text(
        "from me_lib import Modem, provision, read_profile\n"
        "with Modem.open('sim://default') as modem:\n"
        "    result = provision(modem, read_profile(modem))\n"
        "    print(result.dm.reachable)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--config-file", str(ROOT / "pyproject.toml"), "wrong.py"],
                          cwd=tmp_path, env={"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert 'Item "None" of "DmResult | None" has no attribute "reachable"' in done.stdout
