"""Reading a trace for replay, and the `end` record that makes it a regression case.

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

The loader keeps each record's line number: a mismatch names the line a user
opens in an editor. It is separate from `me_lib.at.trace.read_trace`, which
predates the end record.
"""

import json
import re
from pathlib import Path
from typing import Any

from me_lib.at.redact import MASK
from me_lib.errors import DecodeError

# Result fields that depend on elapsed time, not on the modem's answers
# (bytes_in counts URCs that happened to arrive before the run ended).
# The PIN a replay sends where the trace holds `AT+CPIN=***` (a well-formed PIN:
# the host checks it before sending; the replay port masks it before comparing).
STAND_IN_PIN = "0000"

_TIMING_KEYS = ("seconds", "rtt_ms", "bytes_in", "last_reached")
# Texts that quote an elapsed time (the DM record's age on a re-run): the number
# goes, the rest of the text still has to match.
_TIMING_TEXT = ((re.compile(r"last reached \d+ s ago"), "last reached N s ago"),)


class Record:
    """One tx/rx record: `line` is its 1-based line in the file, `t` seconds, `data` bytes."""

    __slots__ = ("data", "direction", "line", "t")

    def __init__(self, line: int, t: float, direction: str, data: bytes) -> None:
        self.line = line
        self.t = t
        self.direction = direction
        self.data = data

    def __repr__(self) -> str:
        return "Record(line=%d, t=%.6f, %s, %r)" % (self.line, self.t, self.direction,
                                                   self.data)


class Trace:
    """A trace file: header, records in order, and the end record when there is one."""

    def __init__(self, path: Path, header: dict[str, Any], records: list[Record],
                 end: dict[str, Any] | None) -> None:
        self.path = path
        self.header = header
        self.records = records
        self.end = end


def load(path: str | Path) -> Trace:
    """Parse a trace file; a malformed line raises DecodeError naming the line."""
    path = Path(path)
    what = "AT trace %s" % path
    header: dict[str, Any] = {}
    records: list[Record] = []
    end: dict[str, Any] | None = None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DecodeError(what, "cannot read it: %s" % exc.strerror) from None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise TypeError("not an object")
            if "me_lib_trace" in obj and not records and not header:
                header = obj
                continue
            if "end" in obj:
                if not isinstance(obj["end"], dict):
                    raise TypeError("end is not an object")
                end = obj["end"]
                continue
            direction = str(obj["d"])
            if direction not in ("tx", "rx"):
                raise ValueError("direction %r" % direction)
            records.append(Record(number, float(obj["t"]), direction, bytes.fromhex(obj["b"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise DecodeError(what, "line %d is not a trace record: %s" % (number, exc)) from None
    return Trace(path, header, records, end)


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


def recorded_fields(replayed: Any, recorded: Any) -> Any:
    """`replayed` with only the dict keys `recorded` has, at every level.

    A trace keeps the result the library of its day returned; a later library
    may add fields (as `dm.error` was), and an old field trace must still replay
    to its outcome. A field the library no longer returns still counts as a
    difference.
    """
    if isinstance(replayed, dict) and isinstance(recorded, dict):
        return {k: recorded_fields(v, recorded[k]) if k in recorded else v
                for k, v in replayed.items() if k in recorded}
    if isinstance(replayed, list) and isinstance(recorded, list) and \
            len(replayed) == len(recorded):
        return [recorded_fields(a, b) for a, b in zip(replayed, recorded, strict=True)]
    return replayed


def append_end(path: str | Path, end: dict[str, Any]) -> None:
    """Append the end record (after the recorder has closed the file)."""
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"end": end}, sort_keys=True) + "\n")


def recorded_pin(trace: Trace) -> str | None:
    """The PIN the recorded host sent with AT+CPIN="...", if any.

    The replayed host must send the same bytes; the value is already in the
    trace, so taking it from there keeps it out of the end record. A trace
    recorded with its secrets masked (the default) gives `STAND_IN_PIN`: the
    replay compares that line after masking it, so any well-formed PIN matches.
    """
    stream = b"".join(r.data for r in trace.records if r.direction == "tx")
    for line in stream.split(b"\r"):
        text = line.decode("latin-1").strip()
        if text.upper().startswith("AT+CPIN=" + MASK):
            return STAND_IN_PIN
        if text.upper().startswith('AT+CPIN="'):
            return text[len('AT+CPIN="'):].split('"', 1)[0]
    return None
