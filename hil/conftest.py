"""Loads the HIL plugin for `pytest hil ...`.

tests/ goes on sys.path so the PC/SC configuration reuses the real pcscd + vpcd
fixtures of tests/pcsc_fixtures.py (one machine-wide pcscd, under its lock)
instead of a second copy of that machinery.
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1] / "tests")
if _TESTS not in sys.path:
    sys.path.append(_TESTS)

pytest_plugins = ["hil.plugin", "hil.fixtures", "pcsc_fixtures"]
