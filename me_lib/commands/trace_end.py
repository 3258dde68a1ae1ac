"""The `end` record `me-lib provision --record` appends: what makes a trace a regression case.

A trace (me_lib/at/trace.py) says what crossed the wire; to be a test on its
own it must also say what was run and what came out. `me-lib provision
--record FILE` therefore appends one last line::

    {"end": {"command": "provision",
             "args": {"services": "eager", "reach_dm": true, "dialect": null,
                      "pin": false, "seed": 1234567},
             "recorded_at": 1764392400.0,
             "state": {"contexts.json": null, "profile-cache.json": null,
                       "known.json": null},
             "result": {...ProvisionResult.to_dict() without wall-clock fields...}}}

(`"error": {"type": ..., "message": ...}` instead of `"result"` when the run
raised). `state` is what the state directory held before the run (the
ownership record and the profile cache change what the plan writes, the
known-modules record which questions are asked at all; none holds secrets),
`recorded_at` the wall time of that snapshot (known.json's DM time is moved
by the time since on replay), `seed` drives the CoAP message id of the DM probe (a random
id would differ on replay), `pin` only says whether a PIN was given: its
value is in the AT+CPIN record itself, never repeated here.

The result keeps everything the modem's answers decide (states, cids, APNs,
addresses, writes, round trips, bytes out, ok, error texts) and drops what
the time it took decides (`seconds`, per-step `seconds`, the DM `rtt_ms`,
`last_reached` and the age quoted in its detail on a re-run), so
a replay, whose clock follows the recording only approximately, compares equal.
`bytes_in` goes too: it counts unsolicited bytes that happened to arrive
before the run ended.

This is the recording side (the runtime: no simulator module is imported to
record); the replay side (me_lib/sim/replay.py) reads the same record back with
`me_lib.at.trace.load` and compares through the same `deterministic`.
"""

import re
from pathlib import Path
from typing import Any

from me_lib.store import read_json

# The state files a run starts from (me_lib/commands/session.py: state_dir).
STATE_FILES = ("contexts.json", "profile-cache.json", "known.json")

# Result fields that depend on elapsed time, not on the modem's answers
# (bytes_in counts URCs that happened to arrive before the run ended).
_TIMING_KEYS = ("seconds", "rtt_ms", "bytes_in", "last_reached")
# Texts that quote an elapsed time (the DM record's age on a re-run): the number
# goes, the rest of the text still has to match.
_TIMING_TEXT = ((re.compile(r"last reached \d+ s ago"), "last reached N s ago"),)


def snapshot_state(state_dir: Path) -> dict[str, Any]:
    """The state files a run starts from (parsed JSON; None when absent or unreadable),
    without any `password` a product's `ProfileCache(store_passwords=True)` kept there
    (the entry's `has_password` still says there was one)."""
    out: dict[str, Any] = {}
    for name in STATE_FILES:
        try:   # bounded like the library's own reads: a hostile file is just absent
            out[name] = _without_passwords(read_json(state_dir / name))
        except (OSError, ValueError):
            out[name] = None
    return out


def _without_passwords(value: Any) -> Any:
    """`value` with every "password" key dropped, at any depth (iterative: no recursion
    limit to reach, however deep a hostile file nests)."""
    root = {"": value}
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            node.pop("password", None)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return root[""]


def error_dict(exc: BaseException) -> dict[str, str]:
    """The `error` of an end record: the exception's class name and message."""
    return {"type": type(exc).__name__, "message": str(exc)}


def deterministic(result: dict[str, Any]) -> dict[str, Any]:
    """`ProvisionResult.to_dict()` without the fields elapsed time decides."""
    out: dict[str, Any] = {}
    for key, value in result.items():
        if key in _TIMING_KEYS:
            continue
        if isinstance(value, str):
            for pattern, replacement in _TIMING_TEXT:
                value = pattern.sub(replacement, value)
        if isinstance(value, dict):
            value = deterministic(value)
        elif isinstance(value, list):
            value = [deterministic(x) if isinstance(x, dict) else x for x in value]
        out[key] = value
    return out
