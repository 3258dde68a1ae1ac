"""Fault matrix of the board core: every simulator fault at every command of its flow.

As tests/provision/test_fault_matrix.py does for the full library: the cells
are (scenario, fault kind, command, once|always), the commands recorded from a
fault-free run of the board flow itself, so a command the core gains is in
the matrix at once. A cell passes when the run ends within bounds (virtual
seconds, commands written) in a result or a `MeLibError`, never another
exception. The board has no recovery inside a run (its `main()` runs the
flow again later), so most faults end in a typed error: what is checked is
that they all do.
"""

import atexit
import functools
import tempfile
import traceback
from pathlib import Path
from typing import Any

import pytest
import serial

import me_lib  # noqa: F401  (registers sim://)
from firmware_shim.store import FlashFile
from me_lib.board import flow
from me_lib.board.link import Link
from me_lib.errors import MeLibError
from me_lib.modem.dialects import GENERIC
from me_lib.sim.dm_server import DmServer
from me_lib.sim.modem.faults import KINDS
from me_lib.sim.scenario_files import derive

SCENARIOS = ["default", "simcom-sim7080"]   # BG96 (+QIACT, prompt send) and SIM7080 (URC)
MODES = {"once": 1, "always": None}
SPEED = 4000
MAX_VIRTUAL_SECONDS = 1800.0
MAX_COMMANDS = 300



@functools.cache
def dm_server() -> DmServer:
    server = DmServer(0).start()
    atexit.register(server.stop)
    return server


def run(scenario: str, workdir: Path, faults: list[dict[str, Any]] | None = None
        ) -> tuple[Any, BaseException | None, float, list[str]]:
    path = derive(workdir, scenario, dm_port=dm_server().port)
    commands: list[str] = []

    def trace(direction: str, data: bytes, now: float) -> None:
        if direction == "tx" and data.endswith(b"\r"):
            commands.append(data[:-1].decode("latin-1"))

    port = serial.serial_for_url("sim://%s?speed=%d" % (path, SPEED))
    sim = port.modem
    for spec in faults or []:
        sim.faults.add(**spec)
    result: Any = None
    error: BaseException | None = None
    try:
        result = flow.provision(Link(port, GENERIC, trace), FlashFile(str(workdir / "s.json")),
                                seed=1)
    except Exception as exc:  # judged by the caller
        error = exc
    finally:
        try:
            port.close()
        except Exception as exc:
            error = error or exc
    return result, error, sim.t, commands


def _key(command: str) -> str:
    text = command[2:] if command.upper().startswith("AT") else command
    return text.split(str(dm_server().port))[0]


@functools.cache
def commands_of(scenario: str) -> tuple[str, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        result, error, _t, commands = run(scenario, Path(tmp))
    if error is not None or not result["ok"]:
        raise RuntimeError("the fault-free board run on %s failed: %r %r" % (
            scenario, error, result))
    keys: list[str] = []
    for command in commands:
        if _key(command) not in keys:
            keys.append(_key(command))
    return tuple(keys)


CELLS = [(s, kind, key, mode) for s in SCENARIOS for key in commands_of(s)
         for kind in KINDS for mode in MODES]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cell", CELLS, ids=["%s-%s-%s-%s" % (s, k, c or "AT", m)
                                             for s, k, c, m in CELLS])
def test_board_fault_cell(cell: tuple[str, str, str, str], tmp_path: Path) -> None:
    scenario, kind, key, mode = cell
    fault = {"kind": kind, "command": "AT" + key, "times": MODES[mode]}
    result, error, virtual, commands = run(scenario, tmp_path, [fault])
    assert error is None or isinstance(error, MeLibError), "".join(
        traceback.format_exception(error))
    assert virtual <= MAX_VIRTUAL_SECONDS, (virtual, commands[-5:])
    assert len(commands) <= MAX_COMMANDS, commands[-5:]
    if error is None:
        assert isinstance(result["ok"], bool)


def test_the_matrix_covers_every_kind_and_command() -> None:
    for scenario in SCENARIOS:
        keys = commands_of(scenario)
        assert len(keys) > 20, keys
        mine = [c for c in CELLS if c[0] == scenario]
        assert {c[1] for c in mine} == set(KINDS)
        assert {c[2] for c in mine if c[3] == "always"} == set(keys)
