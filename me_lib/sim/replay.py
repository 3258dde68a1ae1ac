"""Running a recorded command again against its trace (`replay://`).

`replay_trace(path, workdir)` reads the trace's end record, rebuilds the run
(same options, same state directory contents, same CoAP message id seed, the
PIN the trace itself sent), runs the command through the CLI code against
`replay://path` and returns the recorded and the replayed outcome, both
reduced to what the modem's answers decide. Equal outcomes mean the host
still behaves as recorded; a `ReplayMismatch` says where it no longer does.

`me-lib provision --modem replay://FILE` does the same from the command
line with no extra flag: `replay_setup` takes the seed, the dialect, the
services, whether a PIN was sent and the starting state from the end record.

The state snapshot includes `known.json` (me_lib/modem/known.py), so a trace
of a re-run (module known on its port, DM server reached a minute ago)
replays as a re-run: its port record is moved to the replay URL (the record
is per port) and the DM server's "last reached" time is moved forward by the
time since the recording (the re-probe policy looks at its age).
"""

import contextlib
import io
import json
import time
from pathlib import Path
from typing import Any

from me_lib.at.redact import MASK
from me_lib.at.trace import Trace, load
from me_lib.commands.trace_end import STATE_FILES, deterministic, error_dict
from me_lib.errors import MeLibError

KNOWN = "known.json"

# The PIN a replay sends where the trace holds `AT+CPIN=***` (a well-formed PIN:
# the host checks it before sending; the replay port masks it before comparing).
STAND_IN_PIN = "0000"


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


def _moved_known(doc: Any, recorded_port: str | None, port: str, shift: float) -> Any:
    """known.json as the replay must find it: the recorded port's record under `port`
    (other ports' records dropped), every DM "reached" time moved by `shift` seconds."""
    if not isinstance(doc, dict):
        return doc
    out = dict(doc)
    ports = doc.get("ports")
    if isinstance(ports, dict):
        row = ports.get(recorded_port) if recorded_port is not None else None
        out["ports"] = {port: row} if isinstance(row, dict) else {}
        out["order_ports"] = [port] if isinstance(row, dict) else []
    dm = doc.get("dm")
    if isinstance(dm, dict):
        moved: dict[str, Any] = {}
        for key in sorted(dm):
            row = dm[key]
            if isinstance(row, dict) and isinstance(row.get("reached"), (int, float)):
                row = dict(row, reached=float(row["reached"]) + shift)
            moved[key] = row
        out["dm"] = moved
    return out


def restore_state(state: dict[str, Any], state_dir: Path, recorded_port: str | None = None,
                  port: str | None = None, recorded_at: float | None = None) -> None:
    """Write the recorded state files into `state_dir` (see the module doc for known.json).

    Raises MeLibError when `state_dir` already holds any state file: a replay
    must start from exactly the recorded state (a file left there, even by an
    earlier replay, changes what the host sends), and must never overwrite a
    real state directory to get it.
    """
    present = [name for name in STATE_FILES if (state_dir / name).exists()]
    if present:
        raise MeLibError(
            "the state directory %s already holds %s; a replay starts from the recorded "
            "run's state only" % (state_dir, ", ".join(present)),
            "replay into an empty or new --state-dir (the replayed run writes there)")
    wanted: dict[str, Any] = {}
    for name in STATE_FILES:
        value = state.get(name)
        if value is None:
            continue
        if name == KNOWN and port is not None:
            shift = time.time() - recorded_at if recorded_at is not None else 0.0
            value = _moved_known(value, recorded_port, port, shift)
        wanted[name] = value
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        for name in sorted(wanted):
            (state_dir / name).write_text(json.dumps(wanted[name]), encoding="utf-8")
    except OSError as exc:
        raise MeLibError("cannot write the recorded state into %s: %s"
                         % (state_dir, exc.strerror),
                         "pass a writable --state-dir") from None


def outcome_of(end: dict[str, Any]) -> dict[str, Any]:
    """What a replay must reproduce: the result (or the error) of the recorded run."""
    if "error" in end:
        return {"error": end["error"]}
    result = end.get("result")
    # through `deterministic` again: a trace recorded before a field counted as
    # timing (`last_reached`) still holds it
    return {"result": deterministic(result) if isinstance(result, dict) else result}


def _without_bytes_out(result: Any) -> Any:
    if not isinstance(result, dict):
        return result
    return {k: v for k, v in result.items() if k != "bytes_out"}


class ReplayOutcome:
    """The recorded and the replayed outcome of one trace (compare them with ==)."""

    def __init__(self, trace: Trace, recorded: dict[str, Any], replayed: dict[str, Any],
                 stderr: str) -> None:
        self.trace = trace
        self.recorded = recorded
        self.replayed = replayed
        self.stderr = stderr

    @property
    def same(self) -> bool:
        return self.recorded == self.replayed


REPLAY_SCHEME = "replay://"


def trace_path(url: str) -> Path | None:
    """The trace file of a `replay://FILE` URL, or None for any other URL."""
    if not url.startswith(REPLAY_SCHEME):
        return None
    return Path(url[len(REPLAY_SCHEME):].split("?", 1)[0])


def replay_setup(args: Any, state_dir: Path) -> None:
    """Make a `provision --modem replay://FILE` run the recorded one (mutates `args`).

    From the end record: the DM probe's seed (its CoAP message id must be the
    recorded bytes), and where the command line leaves them unset the dialect,
    the services mode, the config file and the PIN (taken from the trace's own
    AT+CPIN, see `recorded_pin`); the recorded state files go into `state_dir`,
    which must not hold any (`restore_state`). A trace without an end record
    runs as it is: the replay then fails where the host's bytes differ.
    """
    path = trace_path(str(args.modem))
    if path is None:
        return
    trace = load(path)
    end = trace.end
    if end is None or end.get("command") != "provision":
        return
    recorded = end.get("args") if isinstance(end.get("args"), dict) else {}
    assert isinstance(recorded, dict)
    if args.probe_seed is None and isinstance(recorded.get("seed"), int):
        args.probe_seed = recorded["seed"]
    if args.dialect is None and recorded.get("dialect"):
        args.dialect = str(recorded["dialect"])
    if args.services is None and recorded.get("services"):
        args.services = str(recorded["services"])
    if args.config is None and recorded.get("config"):
        args.config = Path(str(recorded["config"]))
    if recorded.get("pin"):
        args.replayed_pin = recorded_pin(trace)
    port = trace.header.get("port")
    at = end.get("recorded_at")
    restore_state(end.get("state") or {}, state_dir,
                  recorded_port=port if isinstance(port, str) else None, port=str(args.modem),
                  recorded_at=float(at) if isinstance(at, (int, float)) else None)


def replay_trace(path: str | Path, workdir: Path) -> ReplayOutcome:
    """Run the trace's recorded command against `replay://path` in `workdir`.

    The command line is the one a user types (`me-lib provision --modem
    replay://path --json --state-dir DIR`): the CLI takes everything else from
    the trace (`replay_setup`). Raises `ReplayMismatch` when the host's writes
    leave the recording, and MeLibError when the trace has no end record (it
    cannot say what to run).
    """
    from me_lib.cli import build_parser

    trace = load(path)
    end = trace.end
    if end is None or end.get("command") != "provision":
        raise MeLibError("%s has no end record of a provision run" % path,
                         "record it with `me-lib provision --record FILE`")
    # an ME_LIB_PIN in this process's environment is not the recorded run's
    argv = ["provision", "--modem", "replay://" + str(Path(path).resolve()), "--json",
            "--state-dir", str(workdir / "state"), "--pin-env", "ME_LIB_REPLAY_NO_PIN"]
    parsed = build_parser().parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    replayed: dict[str, Any]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parsed.func(parsed)
        except MeLibError as exc:
            from me_lib.sim.protocol_replay import ReplayMismatch

            if isinstance(exc, ReplayMismatch):
                raise
            replayed = {"error": error_dict(exc)}
        else:
            replayed = {"result": deterministic(json.loads(out.getvalue()))}
    recorded = outcome_of(end)
    if (end.get("args") or {}).get("pin"):
        # round trips and bytes count from the port's opening, the PIN's +CPIN
        # included, and a masked trace does not keep the PIN's length
        recorded = {k: (_without_bytes_out(v) if k == "result" else v)
                    for k, v in recorded.items()}
        replayed = {k: (_without_bytes_out(v) if k == "result" else v)
                    for k, v in replayed.items()}
    return ReplayOutcome(trace, recorded, recorded_fields(replayed, recorded), err.getvalue())
