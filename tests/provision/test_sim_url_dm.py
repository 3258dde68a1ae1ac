"""The README's `me-lib provision --modem sim://default` reaches a DM server with no setup.

The simulated card's DM host resolves to 127.0.0.1 and nothing listens on its
port, so the simulator serves its own loopback DM server there (scenario
`serve_dm`, on by default); with it off the server is unreachable as before.
"""

import json
import socket
import subprocess
import sys
from pathlib import Path

from me_lib.commands import exit_codes
from me_lib.sim.scenario_files import derive

ROOT = Path(__file__).resolve().parents[2]


def provision_json(url: str, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "me_lib.cli", "provision", "--modem", url,
                           "--state-dir", str(state), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sim_default_reaches_its_own_dm_server(tmp_path: Path) -> None:
    done = provision_json("sim://default", tmp_path / "state")
    assert done.returncode == exit_codes.OK, done.stderr
    doc = json.loads(done.stdout)
    assert doc["ok"] is True
    assert doc["dm"]["reachable"] is True and doc["dm"]["host"] == "dm.example.net"
    # the result names the card's address, not where the simulator served it
    assert (doc["dm"]["ip"], doc["dm"]["port"]) == ("127.0.0.1", 5683)


def test_with_serve_dm_off_the_dm_server_is_unreachable(tmp_path: Path) -> None:
    scenario = derive(tmp_path / "w", "default", dm_port=free_udp_port())   # serve_dm off
    done = provision_json("sim://%s" % scenario, tmp_path / "state")
    assert done.returncode == exit_codes.FAILED, done.stderr
    doc = json.loads(done.stdout)
    assert doc["dm"]["reachable"] is False


def test_serve_dm_can_be_turned_on_for_a_derived_scenario(tmp_path: Path) -> None:
    scenario = derive(tmp_path / "w", "default", dm_port=free_udp_port(), serve_dm=True)
    done = provision_json("sim://%s" % scenario, tmp_path / "state")
    assert done.returncode == exit_codes.OK, done.stderr
    assert json.loads(done.stdout)["dm"]["reachable"] is True
