"""Fault matrix: every simulator fault kind at every command of a fresh provision.

The cells are (dialect, fault kind, command, once|always). The commands are
not written down here: `commands_of(dialect)` records one fault-free fresh run
(open, ready, read the profile, provision) through the channel's trace, so a
command the flow gains tomorrow is in the matrix tomorrow. Each command is
keyed by its text after "AT" up to the DM server's port (which changes from run
to run); the simulator matches a fault by that prefix, so "once" hits the first
command starting with the key and "always" every one. The bare `AT` has the
empty key, which the simulator matches against every command: its "once" cell
faults the very first command and its "always" cell faults all of them.

A cell passes when the run ends, within bounds, either in a result (ok or not:
a provisioning that reports a failed step is fine) or in a `MeLibError`
subclass, never in another exception. Bounds are on the simulator's virtual
clock and on the count of commands written, not on wall time (pytest-timeout
is the hang guard). The run is the same sequence as `me-lib provision`.

Sampling: none. The full cross product (2 dialects x 8 kinds x every distinct
command x {once, always}) runs in-process on the fast virtual clock within the
module's budget; the CLI cells at the bottom add the exit-code contract for a
few faults through a scenario file.

bench/bench_fault_matrix.py reuses CELLS and run_cell for the bench figures.
"""

import atexit
import functools
import random
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import pytest

from me_lib.commands import exit_codes
from me_lib.errors import MeLibError
from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.provision.ownership import Ownership
from me_lib.sim.dm_server import DmServer
from me_lib.sim.modem.faults import KINDS
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

DIALECTS = ["default", "telit-me910"]   # quectel-bg96 (the default world) and Telit
MODES = {"once": 1, "always": None}     # fault `times`
RECORD_SPEED = 1000   # the recording run, as `sim://default?speed=1000`
# The cells run faster: their pass/fail never hangs on timing (a timeout that comes
# early is an AtTimeout, a MeLibError like the real one), and ~1100 cells at speed
# 1000 spend ~95 s of the budget sleeping through virtual timeouts.
SPEED = 4000

# A fresh provision takes ~30 virtual seconds. The flow's own longest legitimate
# waits: registration (300 s), the reboot retries (3) and the per-command timeouts;
# anything past this bound is a retry loop that does not give up.
MAX_VIRTUAL_SECONDS = 1800.0
MAX_COMMANDS = 400


class Outcome:
    """How one run ended: `error` is None for a returned result."""

    def __init__(self, ok: bool | None, error: BaseException | None, virtual: float,
                 commands: list[str]) -> None:
        self.ok = ok
        self.error = error
        self.virtual = virtual
        self.commands = commands

    @property
    def escaped(self) -> bool:
        return self.error is not None and not isinstance(self.error, MeLibError)

    @property
    def survived(self) -> bool:
        return (not self.escaped and self.virtual <= MAX_VIRTUAL_SECONDS
                and len(self.commands) <= MAX_COMMANDS)

    def summary(self) -> str:
        if self.error is None:
            end = "result ok=%s" % self.ok
        else:
            tb = traceback.extract_tb(self.error.__traceback__)
            where = "%s:%d" % (Path(tb[-1].filename).name, tb[-1].lineno) if tb else "?"
            end = "%s: %s at %s" % (type(self.error).__name__, str(self.error)[:160], where)
        return "%s after %.0f virtual s, %d commands" % (end, self.virtual, len(self.commands))


def run_provision(scenario: str, dm_port: int, workdir: Path,
                  faults: list[dict[str, Any]] | None = None, speed: int = SPEED) -> Outcome:
    """One `me-lib provision` sequence in-process, faults armed before the first byte."""
    path = derive(workdir, scenario, dm_port=dm_port)
    commands: list[str] = []

    def trace(direction: str, data: bytes, now: float) -> None:
        if direction == "tx" and data.endswith(b"\r"):
            commands.append(data[:-1].decode("latin-1"))

    modem = Modem.open("sim://%s?speed=%d" % (path, speed))
    sim = modem.channel.port.modem
    for spec in faults or []:
        sim.faults.add(**spec)
    modem.channel.trace = trace
    ok = None
    error: BaseException | None = None
    try:
        modem.ready()
        profile = read_profile(modem)
        result = provision(modem, profile, ownership=Ownership(str(workdir / "contexts.json")),
                           probe_rng=random.Random(1))
        ok = result.ok
    except Exception as exc:  # recorded, judged by the caller
        error = exc
    finally:
        try:
            modem.close()
        except Exception as exc:  # closing after a lost port must not raise either
            error = error or exc
    return Outcome(ok, error, sim.t, commands)


@functools.cache
def dm_server() -> DmServer:
    """One loopback DM server for every cell: stopping one costs its poll interval."""
    server = DmServer(0, tcp=True).start()
    atexit.register(server.stop)
    return server


def _key(command: str, dm_port: int) -> str:
    text = command[2:] if command.upper().startswith("AT") else command
    return text.split(str(dm_port))[0]


@functools.cache
def commands_of(dialect: str) -> tuple[str, ...]:
    """Distinct command keys of one fault-free fresh provision, in order."""
    server = dm_server()
    with tempfile.TemporaryDirectory() as tmp:
        out = run_provision(dialect, server.port, Path(tmp), speed=RECORD_SPEED)
        if out.error is not None or not out.ok:
            raise RuntimeError("the fault-free run on %s failed: %s" % (dialect, out.summary()))
        keys: list[str] = []
        for cmd in out.commands:
            key = _key(cmd, server.port)
            if key not in keys:
                keys.append(key)
        return tuple(keys)


def cells() -> list[tuple[str, str, str, str]]:
    return [(d, kind, key, mode) for d in DIALECTS for key in commands_of(d)
            for kind in KINDS for mode in MODES]


CELLS = cells()


def run_cell(dialect: str, kind: str, key: str, mode: str) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        fault = {"kind": kind, "command": "AT" + key, "times": MODES[mode]}
        return run_provision(dialect, dm_server().port, Path(tmp), [fault])


def _cell_id(cell: tuple[str, str, str, str]) -> str:
    dialect, kind, key, mode = cell
    return "%s-%s-%s-%s" % (dialect, kind, key or "AT", mode)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cell", CELLS, ids=[_cell_id(c) for c in CELLS])
def test_fault_cell(cell: tuple[str, str, str, str]) -> None:
    out = run_cell(*cell)
    assert not out.escaped, "".join(traceback.format_exception(out.error))
    assert out.virtual <= MAX_VIRTUAL_SECONDS, out.summary()
    assert len(out.commands) <= MAX_COMMANDS, out.summary()


def test_matrix_covers_every_kind_and_command() -> None:
    for dialect in DIALECTS:
        keys = commands_of(dialect)
        assert len(keys) > 20, keys        # a fresh provision is a real session
        mine = [c for c in CELLS if c[0] == dialect]
        assert {c[1] for c in mine} == set(KINDS)
        assert {c[2] for c in mine if c[3] == "always"} == set(keys)


# --- the same through the CLI: a scenario file carries the fault --------------

CLI_CELLS = [
    ("default", {"kind": "no_answer", "command": "+CGDCONT?", "times": 1}),
    ("default", {"kind": "garbage", "command": "+CRSM", "times": 1}),
    ("default", {"kind": "reboot", "command": "+CFUN=1", "times": 1}),
    ("default", {"kind": "port_close", "command": "+QIACT=2", "times": 1}),
    ("telit-me910", {"kind": "port_close", "command": "+CGDCONT=", "times": 1}),
    ("telit-me910", {"kind": "lost_ok", "command": "+CPIN?", "times": None}),
    ("telit-me910", {"kind": "slow_sim", "command": "+CRSM", "times": 1, "seconds": 60.0}),
]
DOCUMENTED = {exit_codes.OK, exit_codes.FAILED, exit_codes.DEVICE, exit_codes.CARD,
              exit_codes.PROFILE, exit_codes.STATE, exit_codes.ERROR}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scenario,fault", CLI_CELLS,
                         ids=["%s-%s-%s" % (s, f["kind"], f["command"]) for s, f in CLI_CELLS])
def test_cli_cell(scenario: str, fault: dict[str, Any], tmp_path: Path) -> None:
    with DmServer(0, tcp=True) as server:
        spec = dict(fault)
        if spec["times"] is None:
            spec["times"] = 1000   # TOML has no null; more than any run sends
        path = derive(tmp_path / "world", scenario, dm_port=server.port, faults=[spec])
        proc = subprocess.run(
            [sys.executable, "-m", "me_lib.cli", "provision", "--modem",
             "sim://%s?speed=%d" % (path, RECORD_SPEED), "--state-dir", str(tmp_path / "state")],
            capture_output=True, text=True, timeout=50, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in DOCUMENTED, (proc.returncode, proc.stderr[-2000:])
