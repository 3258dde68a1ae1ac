"""Session-wide settings the plugin and the fixtures share (kept apart to avoid import cycles)."""

import os
from pathlib import Path

import pytest

from hil.rig import ModemSpec

SPECS = pytest.StashKey[dict[str, ModemSpec]]()


def pin_from_env(config: pytest.Config) -> str | None:
    """The SIM PIN from the variable `--pin-env` names: never a command-line value,
    so it stays out of shell history, CI logs and the JUnit report."""
    name = config.getoption("hil_pin_env")
    return os.environ.get(name) or None


def trace_dir(config: pytest.Config) -> Path:
    """Where per-test AT traces go (`--hil-traces`, relative to the invocation directory)."""
    path = Path(config.getoption("hil_traces"))
    if not path.is_absolute():
        path = config.invocation_params.dir / path
    return path
