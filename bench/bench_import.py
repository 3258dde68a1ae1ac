"""What `import me_lib` costs, against `import serial` (the library it builds on).

Each figure is the median of N fresh interpreters, each measuring the CPU time
(`time.process_time`) of the one import statement, so interpreter start-up and
`site` are left out. Bytecode caches are allowed (as in an installed package):
the first run of each writes them and the median ignores it.
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.results import figure

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15
PROBE = ("import time; t = time.process_time(); import {0}; "
         "print(time.process_time() - t)")


def import_cpu(module: str, runs: int = RUNS) -> float:
    """Median CPU seconds of `import module` in `runs` fresh interpreters."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    samples = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PROBE.format(module)], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        samples.append(float(done.stdout))
    return statistics.median(samples)


def run() -> dict[str, Any]:
    serial_s = import_cpu("serial")
    me_lib_s = import_cpu("me_lib")
    at_s = import_cpu("me_lib.at")
    return {
        "import_serial_cpu": figure(round(serial_s * 1000, 2), "ms", "baseline"),
        "import_me_lib_cpu": figure(round(me_lib_s * 1000, 2), "ms", "light"),
        "import_me_lib_ratio": figure(round(me_lib_s / serial_s, 2), "x import serial",
                                      "<= 2"),
        "import_me_lib_at_ratio": figure(round(at_s / serial_s, 2), "x import serial",
                                         "informative: the AT engine and channel"),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
