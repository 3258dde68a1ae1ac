"""Running a recorded command again against its trace (`replay://`), and what recording needs.

`replay_trace(path, workdir)` reads the trace's end record, rebuilds the run
(same options, same state directory contents, same CoAP message id seed, the
PIN the trace itself sent), runs the command through the CLI code against
`replay://path` and returns the recorded and the replayed outcome, both
reduced to what the modem's answers decide. Equal outcomes mean the host
still behaves as recorded; a `ReplayMismatch` says where it no longer does.

`recording_end(...)` and the `--probe-seed` option are the two things
`me-lib provision --record` needs to make that possible.
"""

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from me_lib.errors import MeLibError
from me_lib.sim.replay_trace import Trace, deterministic, load, recorded_fields, recorded_pin
from me_lib.store import read_json

STATE_FILES = ("contexts.json", "profile-cache.json")


def snapshot_state(state_dir: Path) -> dict[str, Any]:
    """The state files a run starts from (parsed JSON; None when absent or unreadable)."""
    out: dict[str, Any] = {}
    for name in STATE_FILES:
        try:   # bounded like the library's own reads: a hostile file is just absent
            out[name] = read_json(state_dir / name)
        except (OSError, ValueError):
            out[name] = None
    return out


def restore_state(state: dict[str, Any], state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    for name in STATE_FILES:
        value = state.get(name)
        if value is not None:
            (state_dir / name).write_text(json.dumps(value), encoding="utf-8")


def error_dict(exc: BaseException) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": str(exc)}


def outcome_of(end: dict[str, Any]) -> dict[str, Any]:
    """What a replay must reproduce: the result (or the error) of the recorded run."""
    if "error" in end:
        return {"error": end["error"]}
    return {"result": end.get("result")}


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


def replay_trace(path: str | Path, workdir: Path) -> ReplayOutcome:
    """Run the trace's recorded command against `replay://path` in `workdir`.

    Raises `ReplayMismatch` when the host's writes leave the recording, and
    MeLibError when the trace has no end record (it cannot say what to run).
    """
    from me_lib.cli import build_parser

    trace = load(path)
    end = trace.end
    if end is None or end.get("command") != "provision":
        raise MeLibError("%s has no end record of a provision run" % path,
                         "record it with `me-lib provision --record FILE`")
    args = end.get("args", {})
    state_dir = workdir / "state"
    restore_state(end.get("state") or {}, state_dir)
    argv = ["provision", "--modem", "replay://" + str(Path(path).resolve()), "--json",
            "--state-dir", str(state_dir), "--services", str(args.get("services", "eager")),
            "--pin-env", "ME_LIB_REPLAY_NO_PIN", "--probe-seed", str(int(args.get("seed", 0)))]
    if args.get("dialect"):
        argv += ["--dialect", str(args["dialect"])]
    pin = recorded_pin(trace) if args.get("pin") else None
    if pin is not None:
        pin_file = workdir / "pin"
        pin_file.write_text(pin + "\n", encoding="utf-8")
        pin_file.chmod(0o600)
        argv += ["--pin-file", str(pin_file)]
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
    if pin is not None:
        # round trips and bytes count from the port's opening, the PIN's +CPIN
        # included, and a masked trace does not keep the PIN's length
        recorded = {k: (_without_bytes_out(v) if k == "result" else v)
                    for k, v in recorded.items()}
        replayed = {k: (_without_bytes_out(v) if k == "result" else v)
                    for k, v in replayed.items()}
    return ReplayOutcome(trace, recorded, recorded_fields(replayed, recorded), err.getvalue())
