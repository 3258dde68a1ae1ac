"""`me-lib provision --modem replay://F` reproduces a `--record F` run with no extra flag.

Both runs are the real entry point in subprocesses, as a user types them:
the trace alone must carry the DM probe's seed (its CoAP message id is in the
recorded bytes), the options and the starting state, `known.json` included,
so that a trace of a re-run replays as a re-run.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from me_lib.at.trace import load
from me_lib.commands.trace_end import deterministic
from me_lib.sim.dm_server import DmServer
from me_lib.sim.replay import _moved_known
from me_lib.sim.scenario_files import derive
from tests.replay.recording import BAUD, SPEED

CLI = [sys.executable, "-m", "me_lib.cli"]
GUARD = 120  # a hang guard for the subprocess, not a timing assertion
pytestmark = pytest.mark.timeout(4 * GUARD)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env_free = {"ME_LIB_PIN": ""}  # no PIN from this process's environment
    import os

    env = dict(os.environ, **env_free)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=GUARD, env=env)


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The fields a replay must reproduce: contexts, the DM verdict, the round trips."""
    return {"contexts": result["contexts"], "dm_reachable": result["dm"]["reachable"],
            "dm_probed": result["dm"]["probed"], "round_trips": result["round_trips"],
            "writes": result["writes"], "ok": result["ok"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A fresh run and a re-run on the same state directory, both recorded."""
    work = tmp_path_factory.mktemp("cli-replay")
    state = work / "state"
    out: dict[str, Any] = {"work": work}
    with DmServer() as dm:
        url = "sim://%s?speed=%d&baud=%d" % (derive(work / "world", "quectel-bg96",
                                                     dm_port=dm.port), SPEED, BAUD)
        for name in ("fresh", "rerun"):
            trace = work / (name + ".jsonl")
            proc = _cli("provision", "--modem", url, "--record", str(trace),
                        "--state-dir", str(state), "--json")
            assert proc.returncode == 0, proc.stderr
            out[name] = (trace, json.loads(proc.stdout))
    return out


@pytest.mark.parametrize("name", ["fresh", "rerun"])
def test_replay_url_reproduces_the_recorded_run(runs: dict[str, Any], name: str,
                                                tmp_path: Path) -> None:
    trace, recorded = runs[name]
    proc = _cli("provision", "--modem", "replay://%s" % trace, "--state-dir",
                str(tmp_path / "d2"), "--json")
    assert proc.returncode == 0, proc.stderr
    replayed = json.loads(proc.stdout)
    assert _comparable(replayed) == _comparable(recorded)
    # and everything else the modem's answers decide
    assert deterministic(replayed) == deterministic(recorded)


def test_the_rerun_trace_is_a_rerun(runs: dict[str, Any]) -> None:
    fresh_trace, fresh = runs["fresh"]
    rerun_trace, rerun = runs["rerun"]
    end = load(rerun_trace).end
    assert end is not None
    known = end["state"]["known.json"]
    assert isinstance(known, dict) and known["ports"] and known["dm"]
    assert isinstance(end["args"]["seed"], int) and isinstance(end["recorded_at"], float)
    assert load(fresh_trace).end["state"]["known.json"] is None  # type: ignore[index]
    # the re-run asked less: the module known on its port (one AT+CGSN instead of the
    # identification). (A new process gets a new simulated modem, its contexts gone, so
    # the DM server is probed again: the DM record's move is pinned below.)
    sent = b"".join(r.data for r in load(rerun_trace).records if r.direction == "tx")
    assert b"AT+CGSN\r" in sent and b"AT+CGMM\r" not in sent
    assert rerun["round_trips"] < fresh["round_trips"]


def test_replay_into_a_used_state_dir_is_refused(runs: dict[str, Any], tmp_path: Path) -> None:
    trace, _ = runs["fresh"]
    used = tmp_path / "used"
    used.mkdir()
    (used / "contexts.json").write_text("{}", encoding="utf-8")
    proc = _cli("provision", "--modem", "replay://%s" % trace, "--state-dir", str(used),
                "--json")
    assert proc.returncode != 0
    assert "empty or new --state-dir" in proc.stderr
    assert (used / "contexts.json").read_text(encoding="utf-8") == "{}"   # left alone


def test_known_json_moves_to_the_replay_port_and_keeps_the_dm_age() -> None:
    doc = {"format": 1, "ports": {"sim://a": {"imei": "1"}, "sim://b": {"imei": "2"}},
           "order_ports": ["sim://b", "sim://a"],
           "dm": {"1": {"reached": 1000.0, "host": "h"}}, "order_dm": ["1"]}
    moved = _moved_known(doc, "sim://a", "replay://t", 250.0)
    assert moved["ports"] == {"replay://t": {"imei": "1"}}
    assert moved["order_ports"] == ["replay://t"]
    assert moved["dm"] == {"1": {"reached": 1250.0, "host": "h"}}
    assert doc["dm"]["1"]["reached"] == 1000.0          # the snapshot itself unchanged
    # a port the record does not know: nothing of another port's module is trusted
    assert _moved_known(doc, "sim://c", "replay://t", 0.0)["ports"] == {}
