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
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MICROPYTHON = Path(sys.executable).parent / "micropython"
SCENARIO = "quectel-bg96"
SPEED = "200"
SETTLE = 30.0  # virtual seconds a new simulator runs before the host opens it


def deploy(out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`python -m firmware_shim.deploy --out OUT FLAGS...` (checks the exit status)."""
    return subprocess.run([sys.executable, "-m", "firmware_shim.deploy", "--out", str(out),
                           *flags], cwd=ROOT, capture_output=True, text=True, check=True)


@contextmanager
def sim_pty(workdir: Path, dm_port: int, scenario: str = SCENARIO,
            card: dict[str, Any] | None = None, **changes: Any) -> Iterator[str]:
    """A simulator process serving `scenario` on a new pty; yields the pty path.

    `card` and `changes`: what `scenario_files.derive` merges into the card
    profile and the scenario (e.g. `card={"card": {"pin_retries": 1}}`).
    """
    from me_lib.sim.scenario_files import derive

    path = derive(workdir, scenario, card=card, dm_port=dm_port, **changes)
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
        # Let the module boot, ready its SIM and register before the host opens the
        # pty: CPython opens it within milliseconds and would meet the boot silence
        # (one more AT) that MicroPython, slower to start, never sees.
        time.sleep(SETTLE / float(SPEED))
        yield line
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def sim_in_thread(workdir: Path, dm_port: int, scenario: str = SCENARIO,
                  card: dict[str, Any] | None = None, **changes: Any
                  ) -> Iterator[tuple[str, Any]]:
    """A simulator on a pty served by a thread of this process: (pty path, SimModem).

    For what a `me-lib sim` process cannot be told mid-session (a card file
    changed over the air while the board watches). `card`, `changes`: as for
    sim_pty. Yields once the module is as settled as a `me-lib sim` process is
    when its path reaches the host (SETTLE virtual seconds: booted, SIM ready,
    registered).
    """
    from me_lib.sim.modem.clock import SimClock
    from me_lib.sim.modem.core import SimModem
    from me_lib.sim.modem.scenario import Scenario
    from me_lib.sim.modem.server import PtyServer
    from me_lib.sim.scenario_files import derive

    path = derive(workdir, scenario, card=card, dm_port=dm_port, **changes)
    modem = SimModem(Scenario.load(path), SimClock(float(SPEED)))
    server = PtyServer(modem).start()
    try:
        deadline = time.monotonic() + 5.0
        while modem.clock.now() < SETTLE and time.monotonic() < deadline:
            time.sleep(0.01)
        yield server.path, modem
    finally:
        server.stop()


def micropython_flow(tree: Path, pty: str, state: Path, heap: bool = False,
                     heapsize: str | None = None, timeout: float = 120,
                     config: dict[str, Any] | None = None, catch: bool = False,
                     interpreter: Path = MICROPYTHON, frozen: bool = False
                     ) -> tuple[dict[str, Any] | None, subprocess.CompletedProcess[str]]:
    """main.run() on the unix port from `tree`; (E2E document or None, the process).

    `interpreter`: another unix-port build; `frozen`: it has me_lib frozen in (the
    bench's 32-bit build), so its frozen modules come first on the path and `tree`
    only gives main.py.

    `config`: merged into main.DEFAULTS (a board's /config.json); `catch`: a
    MeLibError out of main.run() gives a document with "result": None and
    "error" (see mp_provision.error_doc) instead of a traceback.
    """
    state.mkdir(parents=True, exist_ok=True)
    cmd = [str(interpreter)]
    if heapsize:
        cmd += ["-X", "heapsize=" + heapsize]
    cmd += [str(HERE / "mp_provision.py"), pty, str(state)] + (["heap"] if heap else [])
    cmd += (["catch"] if catch else []) + (
        ["config=" + json.dumps(config)] if config else [])
    env = dict(os.environ, MICROPYPATH=(".frozen:" if frozen else "") + str(tree))
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True,
                          timeout=timeout)
    for line in done.stdout.splitlines():
        if line.startswith("E2E "):
            return json.loads(line[4:]), done
    return None, done


def cpython_flow(pty: str, state: Path, config: dict[str, Any] | None = None,
                 catch: bool = False, entry: str = "main") -> dict[str, Any]:
    """The same main.run() on CPython over pyserial; the same document shape
    (`config` and `catch` as for micropython_flow; with the config's "watch",
    also "events" and "reads", as mp_provision.py writes them). `entry`: the
    board script, "main" (the full build) or "core_main" (the board core)."""
    import importlib

    import serial

    from me_lib.errors import MeLibError

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    main = importlib.import_module("firmware_shim." + entry)

    writes: list[str] = []
    reads: list[list[Any]] = []
    events: list[dict[str, Any]] = []
    state.mkdir(parents=True, exist_ok=True)
    settings = dict(main.DEFAULTS)
    settings["watch"] = False  # one boot, unless the config asks for the watch
    settings.update(config or {})
    settings["state"] = str(state)
    watching = bool(settings["watch"])

    def trace(direction: str, data: bytes, now: float) -> None:
        if direction == "tx":
            writes.append(data.hex())
        elif watching:
            reads.append([len(writes), data.hex()])

    def on_event(event: Any) -> None:
        events.append(event_doc(event, len(writes)))

    port = serial.Serial(pty, 115200, timeout=0.02)
    doc: dict[str, Any]
    try:
        result = main.run(port, settings, trace=trace, on_event=on_event)
        plain = result if isinstance(result, dict) else result.to_dict()
        doc = {"result": plain, "round_trips": plain["round_trips"], "error": None,
               "writes": writes}
    except MeLibError as exc:
        if not catch:
            raise
        doc = {"result": None, "round_trips": None, "error": error_doc(exc), "writes": writes}
    finally:
        port.close()
    if watching:
        doc["events"] = events
        doc["reads"] = reads
    return doc


def event_doc(event: Any, writes: int) -> dict[str, Any]:
    """A handled WatchEvent as plain data, the way mp_provision.event_doc writes it."""
    if isinstance(event, dict):  # the board core's events
        return dict(event, at=writes)
    result = event.result
    profile = event.profile
    return {"kind": event.kind, "detail": event.detail, "error": event.error,
            "result": result.to_dict() if result is not None else None,
            "notes": list(profile.notes) if profile is not None else None, "at": writes}


def error_doc(exc: BaseException) -> dict[str, Any]:
    """An error as plain data, the way mp_provision.error_doc writes it on MicroPython."""
    doc: dict[str, Any] = {"type": type(exc).__name__,
                           "message": getattr(exc, "message", str(exc))}
    for name in ("step", "cause", "cause_name", "code", "retries", "command"):
        if hasattr(exc, name):
            doc[name] = getattr(exc, name)
    return doc


def command_lines(doc: dict[str, Any]) -> list[str]:
    """The AT command lines of a run (payload bytes written at prompts left out)."""
    out = []
    for hexed in doc["writes"]:
        data = bytes.fromhex(hexed)
        if data[:2].upper() == b"AT" and data.endswith(b"\r"):
            out.append(data[:-1].decode("ascii", "replace"))
    return out


# Polls whose count depends on timing (a module still booting, a SIM not ready yet): the
# full library's channel and the board core's link wait differently between two.
POLLS = ("ATE0", "AT+CPIN?")


def collapse(lines: list[str]) -> list[str]:
    """`lines` with each run of one repeated poll (POLLS) kept once: the board core
    and the full library compared."""
    out: list[str] = []
    for line in lines:
        if not (out and line == out[-1] and line in POLLS):
            out.append(line)
    return out


# -- comparing a MicroPython run with a CPython run ------------------------------------

WRITE_PREFIXES = ("AT+CGDCONT=", "AT+CGAUTH=", "AT+QICSGP=", "AT+CFUN=", "AT+QIACT=",
                  "AT+CGACT=", "AT+CPIN=")


def outcome(doc: dict[str, Any]) -> dict[str, Any]:
    """What a run decided, without what depends on wall time: seconds, rtt, and the
    bytes read (whether a trailing newline or a late URC is read before the run ends is a
    matter of timing: seen 1 byte apart)."""
    result = doc["result"]
    if result is None:
        return {"error": doc["error"]}
    out = {k: v for k, v in result.items() if k not in ("seconds", "bytes_in")}
    if out["dm"] is not None:
        out["dm"] = {k: v for k, v in out["dm"].items() if k != "rtt_ms"}
    if "steps" in out:  # the full build's result (the board core's has no steps)
        out["steps"] = [{k: v for k, v in s.items() if k != "seconds"} for s in out["steps"]]
    return {"error": doc["error"], "result": out}


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Where two documents differ (paths and both values), for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += differences(a.get(key, "<missing>"), b.get(key, "<missing>"),
                               "%s.%s" % (where, key))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, "%s[%d]" % (where, i))
        return out
    return [] if a == b else ["%s: MicroPython %r != CPython %r" % (where or ".", a, b)]


def assert_same_run(mp_doc: dict[str, Any], cp_doc: dict[str, Any]) -> None:
    """The same outcome and the same AT command lines on both interpreters."""
    diff = differences(outcome(mp_doc), outcome(cp_doc))
    assert not diff, "\n".join(diff)
    assert command_lines(mp_doc) == command_lines(cp_doc)
