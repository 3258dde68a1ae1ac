"""AT round trips of the provisioning flow per dialect, beside the hand-counted minimum.

Counted at the channel (every command line that went over the wire: sync,
identification, the profile read, the flow), after the simulated module has
booted, on each dialect's own scenario with a real CoAP DM server on loopback.
Three runs per dialect, the minimum of each explained in bench/README.md:

- `fresh`: a new process, an empty state directory (`me-lib provision`);
- `rerun_process`: a second `me-lib provision` process with the same state
  directory against the same (persistent) simulated modem: what a CLI user or a
  rebooted board pays;
- `rerun_in_process`: a second `provision()` in the same process with the same
  `Modem` and `Profile` objects (no re-sync, no card read): a lower bound only.

The CLI figures run `me-lib sim --tcp` in a subprocess (its clock is a wall
clock, run `SPEED` times faster) and count the AT command lines of the
`--record` trace; the in-process figures run the lock-step `sim://` clock.
Round trips are deterministic counts; goals: fresh <= 1.1 x minimum, re-run in
a new process <= minimum + 2 with 0 writes.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from me_lib.at.trace import read_trace
from me_lib.modem import Modem
from me_lib.modem.known import KnownModules
from me_lib.provision import provision
from me_lib.sim.dm_server import DmServer
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

SPEED = 50.0
DIALECTS = ("quectel-bg96", "ublox-sara-r4", "simcom-sim7080", "telit-me910",
            "nordic-nrf91-slm", "generic")

#: Hand-counted minimum per dialect: (fresh, re-run in a new process, re-run in
#: process). bench/README.md lists the commands behind each number.
MINIMUM = {
    "quectel-bg96": (29, 13, 4),
    "ublox-sara-r4": (31, 14, 4),
    "simcom-sim7080": (31, 14, 5),
    "telit-me910": (30, 14, 5),
    "nordic-nrf91-slm": (31, 15, 5),
    "generic": (25, 13, 4),
}


def _wait_booted(modem: Modem) -> None:
    """Let the simulated module finish booting, so sync costs one AT as on a powered modem."""
    deadline = time.monotonic() + 10
    while modem.channel.clock() < 6.0 and time.monotonic() < deadline:
        modem.channel.poll(0.5)


def in_process(dialect: str) -> dict[str, int]:
    """fresh, re-run with a new Modem object (a new process), re-run on the same objects."""
    with tempfile.TemporaryDirectory() as tmp, DmServer(0) as server:
        scenario = derive(Path(tmp), dialect, dm_port=server.port)
        state = Path(tmp) / "state"
        known = KnownModules(state / "known.json")
        modem = Modem.open("sim://%s" % scenario, known=known)
        try:
            _wait_booted(modem)
            profile = read_profile(modem, cache=state / "profile-cache.json")
            first = provision(modem, profile, state_dir=state)
            same = provision(modem, profile, state_dir=state)
            again = Modem(modem.channel, known=known)       # what a new process has
            profile2 = read_profile(again, cache=state / "profile-cache.json")
            second = provision(again, profile2, state_dir=state)
        finally:
            modem.close()
    for r in (first, same, second):
        assert r.ok, r.to_dict()
    assert same.writes == 0 and second.writes == 0
    return {"fresh": first.round_trips, "rerun_process": second.round_trips,
            "rerun_in_process": same.round_trips, "fresh_writes": first.writes}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _commands(trace: Path) -> int:
    """AT command lines the host wrote (payloads at prompts are not commands)."""
    _, records = read_trace(str(trace))
    return sum(1 for _, direction, data in records
               if direction == "tx" and data[:2].upper() == b"AT" and data.endswith(b"\r"))


def cli(dialect: str) -> dict[str, int]:
    """`me-lib provision` twice, two processes, one persistent `me-lib sim --tcp`."""
    exe = [sys.executable, "-m", "me_lib.cli"]
    with tempfile.TemporaryDirectory() as tmp, DmServer(0) as server:
        scenario = derive(Path(tmp), dialect, dm_port=server.port)
        port = _free_port()
        env = dict(os.environ, ME_LIB_STATE_DIR=str(Path(tmp) / "state"))
        sim = subprocess.Popen(exe + ["sim", "--tcp", "127.0.0.1:%d" % port, "--scenario",
                                      scenario, "--speed", str(SPEED)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        try:
            time.sleep(10.0 / SPEED + 0.5)           # booted (virtual 10 s), listening
            out: dict[str, int] = {}
            for name in ("fresh", "rerun_process"):
                trace = Path(tmp) / (name + ".jsonl")
                run = subprocess.run(exe + ["provision", "--modem", "socket://127.0.0.1:%d"
                                            % port, "--json", "--record", str(trace)],
                                     capture_output=True, env=env, timeout=300)
                if run.returncode != 0:
                    raise RuntimeError("%s %s: exit %d: %s" % (dialect, name, run.returncode,
                                                                run.stderr.decode()[-500:]))
                doc: dict[str, Any] = json.loads(run.stdout)
                out[name] = _commands(trace)
                out[name + "_reported"] = int(doc["round_trips"])
                out[name + "_writes"] = int(doc["writes"])
            return out
        finally:
            sim.terminate()
            sim.wait(timeout=10)


def run(with_cli: bool = True) -> dict[str, dict[str, object]]:
    figures: dict[str, dict[str, object]] = {}
    for dialect in DIALECTS:
        fresh_min, rerun_min, inproc_min = MINIMUM[dialect]
        counts = in_process(dialect)
        key = "provision_%s_" % dialect.replace("-", "_")
        figures[key + "fresh_round_trips"] = {
            "value": counts["fresh"], "unit": "AT round trips (in process)",
            "minimum": fresh_min, "goal": "<= %d (1.1 x %d)" % (int(1.1 * fresh_min + 0.5),
                                                             fresh_min)}
        figures[key + "rerun_new_modem_round_trips"] = {
            "value": counts["rerun_process"], "unit": "AT round trips, 0 writes (new Modem, "
            "same state dir)", "minimum": rerun_min, "goal": "<= %d" % (rerun_min + 2)}
        figures[key + "rerun_in_process_round_trips"] = {
            "value": counts["rerun_in_process"], "unit": "AT round trips (same Modem and "
            "Profile)", "minimum": inproc_min, "goal": None}
        if with_cli:
            c = cli(dialect)
            figures[key + "cli_fresh_round_trips"] = {
                "value": c["fresh"], "unit": "AT command lines in the --record trace",
                "reported": c["fresh_reported"], "minimum": fresh_min,
                "goal": "<= %d" % int(1.1 * fresh_min + 0.5)}
            figures[key + "cli_rerun_round_trips"] = {
                "value": c["rerun_process"], "unit": "AT command lines in the --record trace",
                "reported": c["rerun_process_reported"], "writes": c["rerun_process_writes"],
                "minimum": rerun_min, "goal": "<= %d, 0 writes" % (rerun_min + 2)}
    return figures


if __name__ == "__main__":
    print(json.dumps(run(with_cli="--no-cli" not in sys.argv), indent=1))
