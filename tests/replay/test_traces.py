"""Every trace in tests/traces/ replayed: the recorded run must come out the same.

A field bug captured with `me-lib provision --record FILE` becomes a
regression test by dropping FILE into tests/traces/ (see its README).
"""

from pathlib import Path

import pytest

from me_lib.sim.replay import replay_trace

TRACES = sorted((Path(__file__).resolve().parents[1] / "traces").glob("*.jsonl"))


def test_the_shipped_traces_are_there() -> None:
    names = {p.stem for p in TRACES}
    assert {"quectel-default", "ublox-default", "quectel-reject-27", "quectel-pin"} <= names


@pytest.mark.timeout(30)
@pytest.mark.parametrize("trace", TRACES, ids=[p.stem for p in TRACES])
def test_trace_replays_to_the_recorded_outcome(trace: Path, tmp_path: Path) -> None:
    outcome = replay_trace(trace, tmp_path)
    assert outcome.replayed == outcome.recorded, outcome.stderr


def test_a_field_added_since_the_recording_is_not_a_difference() -> None:
    from me_lib.sim.replay import recorded_fields

    recorded = {"result": {"dm": {"detail": ""}, "contexts": [{"cid": 1}]}}
    newer = {"result": {"dm": {"detail": "", "error": None}, "contexts": [{"cid": 1, "x": 2}]}}
    assert recorded_fields(newer, recorded) == recorded
    # a field the library no longer returns, or another value, still differs
    assert recorded_fields({"result": {"dm": {}, "contexts": [{"cid": 1}]}}, recorded) \
        != recorded
    assert recorded_fields({"error": {"type": "AtTimeout"}}, recorded) != recorded
