"""The board's whole flow fits a fixed heap (issue 15): any growth fails here, deterministically.

The BG96 board tree (`deploy --dialect quectel-bg96`, .mpy loaded from the file
system, the way a board without frozen modules runs) does the whole flow on the
64-bit unix port with `-X heapsize=HEAP_BUDGET_KIB`: identify, card read over
+CRSM, EF.DMCFG decode, plan, apply, DM probe, services. The heap is fixed
(the unix port's GC heap does not grow), the simulator runs on its virtual
clock, and the run imports every deployed module first and collects at every
AT exchange (mp_provision.py `heap`): the big allocations (each .mpy's code)
then come in one fixed order before anything timing-dependent, so the run fits
or raises MemoryError the same way every time. (Imported lazily, mid-flow, the
modules meet a heap fragmented by however many bytes each read happened to
take: seen failing at 600 KiB on a loaded machine and passing at 541.)

The budget is a constant, a little above the measured minimum
(`mp_min_heapsize_kib` of bench/bench_micropython.py), so a module or table
that grows the board's footprint by more than the margin fails this test and the
budget is raised only on purpose. Issue 15's goal is 96 KiB.
"""

from pathlib import Path

import pytest
from mp_e2e import micropython_flow, sim_pty

from me_lib.sim.dm_server import DmServer

# Measured minimum 2026-12 (64-bit unix port, BG96 tree, modules preloaded): 534 KiB
# after issue 15's first round; 474 once mp_provision.py streams its document (as one
# string it needed the run's largest contiguous block); 461 with the errors rows, the
# status-word strings, the dialect rows and the redaction table (second round), where
# one of two repeats failed: the minimum itself is not repeatable. Margin ~8%.
HEAP_BUDGET_KIB = 500
# The .mpy a BG96 board gets (bytes, `deploy --dialect quectel-bg96`): 190,139 before,
# 190,553 after issue 15's first round, 191,020 after its second (issue 15 goal: 65,536).
MPY_BUDGET_BYTES = 192 * 1024


def _mpy_bytes(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*.mpy")
               if p.name != "unix_uart.mpy")  # the test stand-in is not shipped to a board


@pytest.mark.pty
def test_the_whole_flow_runs_in_the_heap_budget(deployed: Path, dm_server: DmServer,
                                                tmp_path: Path) -> None:
    with sim_pty(tmp_path / "w", dm_server.port) as pty:
        doc, proc = micropython_flow(deployed, pty, tmp_path / "mp", heap=True,
                                     heapsize="%dk" % HEAP_BUDGET_KIB)
    assert doc is not None, (
        "the flow no longer fits %d KiB of heap (MemoryError?): %s %s" % (
            HEAP_BUDGET_KIB, proc.stdout[-2000:], proc.stderr[-2000:]))
    result = doc["result"]
    assert result["ok"] and result["dm"]["reachable"], result
    assert result["contexts"] and all(c["state"] == "active" for c in result["contexts"])
    assert dm_server.pings >= 1


@pytest.mark.pty
def test_a_heap_far_below_the_budget_fails_loudly(deployed: Path, dm_server: DmServer,
                                                  tmp_path: Path) -> None:
    # The cap is real: with half the budget the imports alone do not fit, and the
    # failure is a MemoryError traceback, not a hang or a half-written document.
    with sim_pty(tmp_path / "w", dm_server.port) as pty:
        doc, proc = micropython_flow(deployed, pty, tmp_path / "mp", heap=True,
                                     heapsize="%dk" % (HEAP_BUDGET_KIB // 2))
    assert doc is None
    assert "MemoryError" in proc.stdout + proc.stderr


def test_the_board_build_stays_in_its_flash_budget(deployed: Path) -> None:
    assert 0 < _mpy_bytes(deployed) <= MPY_BUDGET_BYTES, _mpy_bytes(deployed)
