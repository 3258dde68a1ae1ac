"""Fault matrix figures: how many (dialect, fault, command, mode) cells end well.

The cells and the run of one cell are the test's own
(tests/provision/test_fault_matrix.py), so the figure and the test can never
disagree on what a cell is. A cell survives when the run ends in a result or a
MeLibError within the test's virtual-time and command-count bounds.
"""

from typing import Any


def run() -> dict[str, Any]:
    from tests.provision import test_fault_matrix as fm

    survived = 0
    worst = 0.0
    failing = []
    for cell in fm.CELLS:
        out = fm.run_cell(*cell)
        worst = max(worst, out.virtual)
        if out.survived:
            survived += 1
        else:
            failing.append("/".join(cell))
    for name in failing:
        print("fault matrix: failing cell", name)
    return {
        "fault_matrix_cells": {"value": len(fm.CELLS), "unit": "cells", "goal": None},
        "fault_matrix_survived": {"value": survived, "unit": "cells",
                                  "goal": len(fm.CELLS)},
        "fault_matrix_worst_virtual_s": {"value": round(worst, 1), "unit": "s (virtual)",
                                         "goal": "<= %d" % fm.MAX_VIRTUAL_SECONDS},
    }


if __name__ == "__main__":
    import json

    from bench.results import merge

    figures = run()
    merge(figures)
    print(json.dumps(figures, indent=1, sort_keys=True))
