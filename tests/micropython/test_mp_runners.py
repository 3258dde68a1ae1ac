"""The MicroPython runners run tests/portable, and fail when they should.

The WebAssembly build's own CLI exits 0 even on an uncaught exception, so the
runners' failure paths are tested as hard as their success: a failing test,
a module that does not import and an empty selection must each give a
non-zero exit status.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from mp_e2e import HERE, MICROPYTHON, ROOT
from mp_support import stage

FAILING = '''
def test_passes():
    assert 1 + 1 == 2


def test_fails():
    assert [1, 2] == [2, 1], "deliberately failing"
'''
BROKEN = "import no_such_module_anywhere\n\n\ndef test_never_runs():\n    pass\n"


def run_wasm(*args: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node 20 is needed for the WebAssembly runner"
    return subprocess.run([node, str(HERE / "run_wasm.mjs"), *args], capture_output=True,
                          text=True, timeout=300)


def run_unix(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    tree = stage(tmp / "stage")
    tests = tmp / "tests"
    tests.mkdir()
    for src in (ROOT / "tests" / "portable").glob("*.py"):
        shutil.copy(src, tests)
    for extra in args:
        if extra.endswith(".py"):
            shutil.copy(extra, tests)
    for name in ("portable_runner.py", "run_unix.py"):
        shutil.copy(HERE / name, tree)
    names = [a for a in args if not a.endswith(".py")]
    return subprocess.run([str(MICROPYTHON), "run_unix.py", str(tests), *names], cwd=tree,
                          capture_output=True, text=True, timeout=300)


def test_wasm_runner_passes_the_portable_suite(wasm_package: Path) -> None:
    done = run_wasm()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed=0" in done.stdout and "wasm runner: ok" in done.stdout


def test_unix_runner_passes_the_portable_suite(tmp_path: Path) -> None:
    done = run_unix(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failed=0" in done.stdout


@pytest.fixture
def bad_tests(tmp_path: Path) -> tuple[str, str]:
    failing = tmp_path / "extra" / "test_zz_failing.py"
    failing.parent.mkdir()
    failing.write_text(FAILING)
    broken = tmp_path / "extra" / "test_zz_broken.py"
    broken.write_text(BROKEN)
    return str(failing), str(broken)


def test_wasm_runner_fails_on_a_failing_test_an_import_error_and_no_test(
        wasm_package: Path, bad_tests: tuple[str, str]) -> None:
    failing, broken = bad_tests
    done = run_wasm("--only", "test_zz_failing", failing)
    assert done.returncode == 1, done.stdout
    assert "FAIL test_zz_failing.test_fails" in done.stdout
    assert "passed=1 failed=1" in done.stdout
    done = run_wasm("--only", "test_zz_broken", broken)
    assert done.returncode == 1 and "FAIL test_zz_broken (import)" in done.stdout
    done = run_wasm("--only", "test_no_such_module")
    assert done.returncode == 1 and "no test found" in done.stdout


def test_unix_runner_fails_on_a_failing_test_an_import_error_and_no_test(
        tmp_path: Path, bad_tests: tuple[str, str]) -> None:
    failing, broken = bad_tests
    done = run_unix(tmp_path / "a", "test_zz_failing", failing)
    assert done.returncode == 1, done.stdout
    assert "FAIL test_zz_failing.test_fails" in done.stdout
    assert "passed=1 failed=1" in done.stdout
    done = run_unix(tmp_path / "b", "test_zz_broken", broken)
    assert done.returncode == 1 and "FAIL test_zz_broken (import)" in done.stdout
    done = run_unix(tmp_path / "c", "test_no_such_module")
    assert done.returncode == 1 and "no test found" in done.stdout
