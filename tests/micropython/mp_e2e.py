"""Host side of the MicroPython end-to-end runs (tests and bench/bench_micropython.py).

One scenario, two interpreters, the same kind of line: the simulator
(`me-lib sim --pty`, a CPython process) serves a fresh pty; the flow runs
either on MicroPython's unix port from the deployed .mpy tree
(`mp_provision.py`) or on CPython with pyserial, both through the very same
`firmware_shim.main.run()`. The AT command lines each side wrote are
compared: portable code must say exactly the same things to the modem.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MICROPYTHON = Path(sys.executable).parent / "micropython"
SCENARIO = "quectel-bg96"
SPEED = "200"


def deploy(out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`python -m firmware_shim.deploy --out OUT FLAGS...` (checks the exit status)."""
    return subprocess.run([sys.executable, "-m", "firmware_shim.deploy", "--out", str(out),
                           *flags], cwd=ROOT, capture_output=True, text=True, check=True)


@contextmanager
def sim_pty(workdir: Path, dm_port: int, scenario: str = SCENARIO) -> Iterator[str]:
    """A simulator process serving `scenario` on a new pty; yields the pty path."""
    from me_lib.sim.scenario_files import derive

    path = derive(workdir, scenario, dm_port=dm_port)
    proc = subprocess.Popen([sys.executable, "-m", "me_lib.cli", "sim", "--pty", "--scenario",
                             path, "--speed", SPEED], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("/dev/"):
            proc.kill()
            raise AssertionError("simulator did not start: %r %s" % (
                line, proc.stderr.read() if proc.stderr else ""))
        yield line
    finally:
        proc.terminate()
        proc.wait(10)


def micropython_flow(tree: Path, pty: str, state: Path, heap: bool = False,
                     heapsize: str | None = None, timeout: float = 120
                     ) -> tuple[dict[str, Any] | None, subprocess.CompletedProcess[str]]:
    """main.run() on the unix port from `tree`; (E2E document or None, the process)."""
    state.mkdir(parents=True, exist_ok=True)
    cmd = [str(MICROPYTHON)]
    if heapsize:
        cmd += ["-X", "heapsize=" + heapsize]
    cmd += [str(HERE / "mp_provision.py"), pty, str(state)] + (["heap"] if heap else [])
    env = dict(os.environ, MICROPYPATH=str(tree))
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True,
                          timeout=timeout)
    for line in done.stdout.splitlines():
        if line.startswith("E2E "):
            return json.loads(line[4:]), done
    return None, done


def cpython_flow(pty: str, state: Path) -> dict[str, Any]:
    """The same main.run() on CPython over pyserial; the same document shape."""
    import serial

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from firmware_shim import main

    writes: list[str] = []

    def trace(direction: str, data: bytes, now: float) -> None:
        if direction == "tx":
            writes.append(data.hex())

    state.mkdir(parents=True, exist_ok=True)
    config = dict(main.DEFAULTS, state=str(state))
    port = serial.Serial(pty, 115200, timeout=0.02)
    try:
        result = main.run(port, config, trace=trace)
    finally:
        port.close()
    return {"result": result.to_dict(), "round_trips": result.round_trips, "writes": writes}


def command_lines(doc: dict[str, Any]) -> list[str]:
    """The AT command lines of a run (payload bytes written at prompts left out)."""
    out = []
    for hexed in doc["writes"]:
        data = bytes.fromhex(hexed)
        if data[:2].upper() == b"AT" and data.endswith(b"\r"):
            out.append(data[:-1].decode("ascii", "replace"))
    return out
