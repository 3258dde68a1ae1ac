"""MicroPython figures (issue 6): heap, flash size and AT round trips of a board's flow.

Runs the deployed .mpy tree (`python -m firmware_shim.deploy --out`) on the
MicroPython unix port over a real pty to the simulator (the same harness as
tests/micropython/test_mp_e2e.py), scenario quectel-bg96:

- heap high-water: gc.mem_alloc() after gc.collect() at every AT exchange
  of a full provision (imported code, profile, result: everything live;
  .mpy bytecode imported from a file system lives in the heap, on a board
  too, unless frozen into the firmware), and the same minus the heap after
  the imports (`mp_flow_heap_bytes`: what the flow itself holds);
- the smallest `-X heapsize` (KiB, bisected) with which the flow still
  succeeds: what a board must leave free for me_lib;
- the deployed .mpy bytes a board gets (manifest only: no main.py), for a
  BG96 board (`--dialect`: one socket adapter) and with all five adapters;
- the AT round trips, and whether the command lines equal a CPython run of
  the same scenario over the same kind of pty (they must).
"""

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "micropython"))

from mp_e2e import (  # noqa: E402
    command_lines,
    cpython_flow,
    deploy,
    micropython_flow,
    sim_pty,
)

from me_lib.sim.dm_server import DmServer  # noqa: E402

DIALECT = "quectel-bg96"  # the scenario's modem: a board ships its own adapter only
HEAP_GOAL = 32 * 1024
FLASH_GOAL = 64 * 1024


def _flow_ok(tree: Path, work: Path, dm: DmServer, heapsize: int | None,
             heap: bool = False) -> dict[str, Any] | None:
    """One MicroPython provision on a fresh simulator; its document when it succeeded."""
    tag = "h%s" % (heapsize or "default")
    with sim_pty(work / ("w-" + tag), dm.port) as pty:
        doc, _proc = micropython_flow(tree, pty, work / ("s-" + tag), heap=heap,
                                      heapsize="%dk" % heapsize if heapsize else None)
    return doc if doc is not None and doc["result"]["ok"] else None


def min_heapsize(tree: Path, work: Path, dm: DmServer, low: int = 8, high: int = 2048) -> int:
    """Smallest heap (KiB) in (low, high] for which the flow succeeds; bisection."""
    if _flow_ok(tree, work, dm, high) is None:
        raise RuntimeError("the flow fails even with a %d KiB heap" % high)
    while high - low > 1:
        mid = (low + high) // 2
        if _flow_ok(tree, work, dm, mid) is not None:
            high = mid
        else:
            low = mid
    return high


def run() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp, DmServer(0, tcp=True) as dm:
        work = Path(tmp)
        board = work / "board"
        deploy(board)
        flash_all = sum(p.stat().st_size for p in board.rglob("*.mpy"))
        deploy(board, "--dialect", DIALECT)
        flash = sum(p.stat().st_size for p in board.rglob("*.mpy"))
        tree = work / "tree"
        deploy(tree, "--unix", "--main", "--dialect", DIALECT)
        doc = _flow_ok(tree, work, dm, None, heap=True)
        if doc is None:
            raise RuntimeError("the MicroPython flow failed; run "
                               "pytest tests/micropython/test_mp_e2e.py for the reason")
        with sim_pty(work / "w-cpython", dm.port) as pty:
            ref = cpython_flow(pty, work / "s-cpython")
        smallest = min_heapsize(tree, work, dm)
    same = command_lines(doc) == command_lines(ref)
    return {
        "mp_heap_high_water_bytes": {"value": doc["heap_peak"], "unit": "bytes",
                                     "goal": "<= %d" % HEAP_GOAL},
        "mp_flow_heap_bytes": {"value": doc["heap_peak"] - doc["heap_base"], "unit": "bytes",
                               "goal": "<= %d (code frozen in flash)" % HEAP_GOAL},
        "mp_min_heapsize_kib": {"value": smallest, "unit": "KiB (-X heapsize)",
                                "goal": "<= %d" % (HEAP_GOAL // 1024)},
        "mp_deployed_mpy_bytes": {"value": flash, "unit": "bytes (--dialect %s)" % DIALECT,
                                  "goal": "<= %d" % FLASH_GOAL},
        "mp_deployed_mpy_all_dialects_bytes": {"value": flash_all, "unit": "bytes",
                                               "goal": None},
        "mp_at_round_trips": {"value": doc["round_trips"], "unit": "AT round trips",
                              "goal": "== %d (CPython, same scenario)" % ref["round_trips"]},
        "mp_at_commands_equal_cpython": {"value": same, "unit": "bool", "goal": True},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1, sort_keys=True))
