"""Activate and forget: the board keeps itself provisioned, on MicroPython, over a real pty.

The deployed `main.run()` provisions, then watches the modem (config "watch",
bounded here by "watch_seconds" and "watch_events"). While it watches, the
MNO updates EF.DMCFG over the air in the simulator (a new APN for the
telemetry service, sequence + 1) and the module reports REFRESH (`+QUSIM: 1`
on a BG96). The board reads the profile again through the same sources chain
and profile cache, and re-provisions only the telemetry context, in place.
The same on CPython (same main.run, pyserial), each against a fresh in-process
simulator: both must handle the same events with the same outcome and write
the same AT command lines.

Budget: the simulator runs 200x faster than real time (mp_e2e.SPEED), the
board's watch gives up after WATCH_SECONDS without an event, and every run is
bounded by RUN_TIMEOUT (a healthy side takes about 2 s).
"""

import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from mp_e2e import (
    WRITE_PREFIXES,
    command_lines,
    cpython_flow,
    differences,
    micropython_flow,
    outcome,
    sim_in_thread,
)

from me_lib.codec import dmcfg
from me_lib.sim.dm_server import DmServer

pytestmark = pytest.mark.pty

DMCFG_PATH = "3F007FFF5F4D4F01"
APNS = {"dm.operator.example": {}, "telemetry.example": {}, "fota.example": {},
        "telemetry2.example": {}}
WATCH_SECONDS = 8.0     # real seconds the board watches at most (channel clock)
RUN_TIMEOUT = 15.0      # real seconds a side may take at most
WATCH = {"watch": True, "watch_seconds": WATCH_SECONDS, "watch_events": 1}


def changed_dmcfg(sim: Any) -> bytes:
    """EF.DMCFG with bearer 1 (telemetry) on a new APN and the sequence counter + 1."""
    raw = sim.sim.card.read_file(DMCFG_PATH)
    cfg = dmcfg.decode(raw)
    bearers = list(cfg.bearers)
    bearers[1] = bearers[1].replace(apn="telemetry2.example")
    return dmcfg.encode(cfg.replace(bearers=tuple(bearers), sequence=(cfg.sequence or 0) + 1),
                        len(raw))


def flow(side: str, tree: Path, pty: str, state: Path, entry: str = "main") -> dict[str, Any]:
    """main.run() with the watch on, on MicroPython (deployed tree) or CPython
    (`entry`: firmware_shim.main, or core_main for the board core's tree)."""
    if side == "cp":
        return cpython_flow(pty, state, config=WATCH, catch=True, entry=entry)
    try:
        doc, proc = micropython_flow(tree, pty, state, timeout=RUN_TIMEOUT, config=WATCH,
                                     catch=True)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise AssertionError("MicroPython run did not finish within %.0f s; stdout so far: "
                             "%r" % (RUN_TIMEOUT, out[-2000:])) from None
    assert doc is not None, "no E2E line (a crash?):\n" + proc.stdout[-3000:] + \
        proc.stderr[-3000:]
    doc["stdout"] = proc.stdout
    return doc


def ota_while_watching(side: str, tree: Path, dm_port: int, tmp_path: Path,
                       entry: str = "main",
                       files: tuple[str, ...] = ("last_result.json", "profiles.json")
                       ) -> dict[str, Any]:
    """Boot the board (in a thread); once its first result is on flash, change EF.DMCFG
    over the air with REFRESH; the board's document once its watch has returned."""
    state = tmp_path / side
    box: dict[str, Any] = {}

    def boot(pty: str) -> None:
        try:
            box["doc"] = flow(side, tree, pty, state, entry)
        except BaseException as exc:  # handed to the test's thread
            box["error"] = exc

    with sim_in_thread(tmp_path / ("w-" + side), dm_port, network={"apns": APNS}) as (pty,
                                                                                     sim):
        thread = threading.Thread(target=boot, args=(pty,), daemon=True)
        thread.start()
        # last_result.json is saved after the first provisioning's last command and
        # before the watch starts; the REFRESH URC then waits in the pty until the
        # watch polls (no thread reads the channel on either interpreter)
        done = state / "last_result.json"
        deadline = time.monotonic() + RUN_TIMEOUT
        while not done.exists() and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if done.exists():
            sim.ota_update(DMCFG_PATH, changed_dmcfg(sim))
        thread.join(RUN_TIMEOUT + 5.0)
        assert not thread.is_alive(), "%s: the board did not return" % side
    if "error" in box:
        raise box["error"]
    doc: dict[str, Any] = box["doc"]
    doc["flash"] = {name: json.loads((state / name).read_text()) for name in files}
    return doc


def split_at_refresh(doc: dict[str, Any]) -> int:
    """How many writes the board had made when the REFRESH URC reached it."""
    for writes, hexed in doc["reads"]:
        if b"+QUSIM: 1" in bytes.fromhex(hexed):
            return int(writes)
    raise AssertionError("the REFRESH URC never reached the board")


def event_outcome(event: dict[str, Any]) -> dict[str, Any]:
    """An event without what depends on wall time."""
    out = {k: v for k, v in event.items() if k != "result"}
    out["result"] = outcome({"result": event["result"], "error": None})
    return out


def check_side(doc: dict[str, Any]) -> list[str]:
    """One side's run: provisioned, then one REFRESH re-provisioning only telemetry;
    returns the AT command lines of the event."""
    assert doc["error"] is None and doc["result"] is not None, doc["error"]
    first = doc["result"]
    assert first["ok"] and first["writes"] > 0, first
    before = {c["name"]: c for c in first["contexts"]}
    assert before["telemetry"]["apn"] == "telemetry.example"
    events = doc["events"]
    assert [e["kind"] for e in events] == ["refresh"], events
    event = events[0]
    assert event["error"] == "" and event["detail"] == "+QUSIM: 1", event
    result = event["result"]
    assert result is not None and result["ok"], result
    after = {c["name"]: c for c in result["contexts"]}
    assert after["telemetry"]["apn"] == "telemetry2.example", after["telemetry"]
    assert after["telemetry"]["state"] == "active"
    assert after["telemetry"]["cid"] == before["telemetry"]["cid"]     # redefined in place
    for name in ("APN0", "fota"):
        assert after[name]["apn"] == before[name]["apn"], after[name]
        assert after[name]["cid"] == before[name]["cid"]
    assert result["profile"]["sequence"] == first["profile"]["sequence"] + 1
    assert result["writes"] > 0 and result["dm"]["reachable"], result

    split = split_at_refresh(doc)
    assert event["at"] == len(doc["writes"])      # nothing written after the event
    lines = command_lines({"writes": doc["writes"][split:]})
    writes = [x for x in lines if x.startswith(WRITE_PREFIXES) and not x.endswith("=?")]
    cid = before["telemetry"]["cid"]
    assert writes, lines
    # only the telemetry context was touched (its definition, then its activation)
    assert all(x.split("=", 1)[1].split(",", 1)[0] == str(cid) for x in writes), writes
    assert any("telemetry2.example" in x for x in writes), writes
    assert not [x for x in lines if "dm.operator.example" in x or "fota.example" in x], lines
    # the latest result and the new profile are on flash
    flash = doc["flash"]
    assert {c["name"]: c["apn"] for c in flash["last_result.json"]["contexts"]}[
        "telemetry"] == "telemetry2.example"
    cached = flash["profiles.json"]["profiles"]
    assert [p["sequence"] for p in cached.values()] == [result["profile"]["sequence"]], cached
    return lines


def test_board_reprovisions_after_an_ota_dmcfg_update(deployed: Path, dm_server: DmServer,
                                                      tmp_path: Path) -> None:
    mp_doc = ota_while_watching("mp", deployed, dm_server.port, tmp_path)
    mp_event_lines = check_side(mp_doc)
    printed = [x for x in mp_doc["stdout"].splitlines() if x.startswith("watch: ")]
    assert len(printed) == 1 and printed[0].startswith("watch: refresh (+QUSIM: 1): ok=True"), \
        mp_doc["stdout"]
    assert "telemetry2.example" in printed[0]

    cp_doc = ota_while_watching("cp", deployed, dm_server.port, tmp_path)
    cp_event_lines = check_side(cp_doc)
    diff = differences(outcome(mp_doc), outcome(cp_doc))
    diff += differences([event_outcome(e) for e in mp_doc["events"]],
                        [event_outcome(e) for e in cp_doc["events"]], "events")
    assert not diff, "\n".join(diff)
    assert mp_event_lines == cp_event_lines
    assert command_lines(mp_doc) == command_lines(cp_doc)
