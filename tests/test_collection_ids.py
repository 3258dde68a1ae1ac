"""Test ids are the same at every collection: pytest-xdist workers each collect the
suite and refuse to run when their lists differ (a port number or a random value in a
parameter's id does that). The files that once chose a free port at collection are
collected twice here, in fresh processes, and must list the same ids."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["tests/at/test_port_loss.py", "tests/provision/test_cli_errors.py"]


def _collect() -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", *FILES], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return [x for x in proc.stdout.splitlines() if "::" in x]


def test_two_collections_list_the_same_ids() -> None:
    first = _collect()
    assert any("refused" in x for x in first), first
    assert _collect() == first
