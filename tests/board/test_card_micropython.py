"""`board/card.py` on MicroPython: the portable tests of `portable_card.py` on the unix port.

The board package is not in firmware_shim/manifest.txt yet (the deploy's
owner adds it), so the stage here is the manifest plus `me_lib/board/`. The
same functions run on CPython first, so a failure on MicroPython only is a
portability bug, not a wrong expectation. The module's import must also stay
off `codec.dmcfg`, `codec.tlv`, `profile`, `card.crsm`, `card.usim`,
`sources` and, until a bad status word comes, `card.sw`: what it exists to save.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from mp_support import stage

from me_lib.board import card  # noqa: F401 - imported on CPython too

from . import portable_card

ROOT = Path(__file__).resolve().parents[2]
MICROPYTHON = Path(sys.executable).parent / "micropython"
TESTS = sorted(n for n in dir(portable_card) if n.startswith("test_"))


def _stage(dest: Path) -> Path:
    tree = stage(dest / "stage", ["me_lib/board/__init__.py", "me_lib/board/card.py",
                                  "me_lib/board/card_rare.py"])
    for name in ("portable_runner.py", "run_unix.py"):
        shutil.copy(ROOT / "tests" / "micropython" / name, tree)
    tests = dest / "tests"
    tests.mkdir()
    shutil.copy(Path(portable_card.__file__), tests / "test_board_card.py")
    return tree


def test_portable_tests_pass_on_cpython() -> None:
    assert len(TESTS) == 4
    for name in TESTS:
        getattr(portable_card, name)()


def test_portable_tests_pass_on_micropython(tmp_path: Path) -> None:
    assert MICROPYTHON.exists(), "the test extras install the micropython unix port"
    tree = _stage(tmp_path)
    done = subprocess.run([str(MICROPYTHON), "run_unix.py", str(tmp_path / "tests")],
                          cwd=tree, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PORTABLE SUMMARY passed=%d failed=0" % len(TESTS) in done.stdout, done.stdout


def test_import_loads_none_of_the_full_card_path(tmp_path: Path) -> None:
    tree = _stage(tmp_path)
    script = ("import sys\nimport me_lib.board.card\n"
              "heavy = ['me_lib.codec.dmcfg', 'me_lib.codec.tlv', 'me_lib.profile',\n"
              "         'me_lib.card.crsm', 'me_lib.card.usim', 'me_lib.sources',\n"
              "         'me_lib.card.sw', 'me_lib.card.catalogue', 'me_lib.codec._common']\n"
              "print(sorted([m for m in heavy if m in sys.modules]))\n")
    done = subprocess.run([str(MICROPYTHON), "-c", script], cwd=tree, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
