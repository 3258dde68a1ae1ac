"""`make bench`: run every benchmark and write bench/results.json.

Each module exposes `run() -> {"figure": {"value", "unit", "goal"}}`. Timings
are reported next to a baseline measured in the same run (ratios), and
deterministic counts (AT round trips, APDUs, bytes) wherever they exist.
"""

import importlib
import json
import sys

from bench.results import merge

MODULES = ["bench.bench_at", "bench.bench_card", "bench.bench_provision",
           "bench.bench_micropython", "bench.bench_fault_matrix", "bench.bench_import"]


def main() -> int:
    results: dict[str, object] = {}
    failed = []
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        try:
            results.update(mod.run())
        except Exception as exc:  # report and go on: one bench must not hide the others
            failed.append("%s: %s" % (name, exc))
    # merged: the fuzz and mutation figures (make fuzz / make mutation) stay in the file
    merge(results)
    print(json.dumps(results, indent=1, sort_keys=True))
    for f in failed:
        print("bench failed:", f, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
