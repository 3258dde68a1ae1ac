"""bench/results.json: one file of figures that several tools fill in turn.

`make bench`, `make fuzz`, `make mutation` each measure different figures and
run at different times (the fuzz and mutation runs take hours), so each merges
its figures into the file instead of rewriting it: a quick `make bench` must
not erase the last mutation score.
"""

import json
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name("results.json")


def figure(value: Any, unit: str, goal: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "goal": goal}


def merge(figures: dict[str, Any], path: Path = PATH) -> dict[str, Any]:
    """Write `figures` over the same names in `path`, keeping every other figure."""
    current: dict[str, Any] = {}
    if path.exists():
        try:
            current = json.loads(path.read_text())
        except ValueError:
            current = {}
    current.update(figures)
    path.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    return current
