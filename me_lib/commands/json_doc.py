"""The `--json` documents of `me-lib read`, `provision` and `demo`: one versioned schema.

Every document is one JSON object with the same envelope, on success and on
failure, so a script reads `ok` and `me_lib` first and never parses stderr:

    {"me_lib": 1, "command": "provision", "ok": true, ...the command's fields...}
    {"me_lib": 1, "command": "read", "ok": false, "exit_code": 4,
     "error": {"class": "SimNotReady", "message": ..., "step": "sim", "hint": ...,
               "notes": [...]}}

`me_lib` is the schema version: a field is only ever added within a version.
`provision --watch --json` writes JSON Lines instead: the result, then one
document per event (`"event": kind`), each on one line. docs/json.md lists the
fields.
"""

import json
from typing import IO, Any

SCHEMA = 1


def emit(out: IO[str], command: str, ok: bool, body: dict[str, Any],
         one_line: bool = False) -> None:
    """Write one document: the envelope, then `body`'s fields."""
    doc: dict[str, Any] = {"me_lib": SCHEMA, "command": command, "ok": ok}
    doc.update(body)
    json.dump(doc, out, indent=None if one_line else 1)
    out.write("\n")
    out.flush()


def error_body(exc: BaseException, exit_code: int) -> dict[str, Any]:
    """What a failure says: the typed error (its text is already redacted) and its code."""
    notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None) or []
    return {"exit_code": exit_code, "error": {
        "class": type(exc).__name__,
        "message": getattr(exc, "message", None) or str(exc),
        "step": getattr(exc, "step", None),
        "hint": getattr(exc, "hint", None),
        "notes": [str(n) for n in notes],
    }}
