"""THE key test: a board's whole provisioning flow on MicroPython, over a real pty.

The deployed .mpy tree runs `main.run()` on the unix port: the UART adapter
over the machine.UART stand-in on the pty of `me-lib sim --pty`, FlashFile
state, from sync to the DM server reached and the service contexts up. The
same scenario then runs on CPython (pyserial, same pty kind, same main.run):
both must write the same AT command lines, in the same order.
"""

import json
from pathlib import Path

import pytest
from mp_e2e import command_lines, cpython_flow, micropython_flow, sim_pty

from me_lib.sim.dm_server import DmServer


@pytest.mark.pty
def test_board_flow_on_micropython_matches_cpython(deployed: Path, dm_server: DmServer,
                                                  tmp_path: Path) -> None:
    with sim_pty(tmp_path / "w1", dm_server.port) as pty:
        mp_doc, proc = micropython_flow(deployed, pty, tmp_path / "mp")
        assert mp_doc is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
        # a reboot of the board: the same flash state, the modem already provisioned
        again, proc = micropython_flow(deployed, pty, tmp_path / "mp")
    assert again is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert again["result"]["ok"] and again["result"]["writes"] == 0, again["result"]
    result = mp_doc["result"]
    assert result["ok"], result
    mp_pings = dm_server.pings
    assert result["dm"]["reachable"] and mp_pings >= 1
    assert result["contexts"] and all(c["state"] == "active" for c in result["contexts"]), \
        result["contexts"]
    # imported from the deployed tree: .mpy only (main.py is the board's source script)
    ours = [f for f in mp_doc["modules"] if f.startswith(str(deployed))]
    assert ours and all(f.endswith(".mpy") or f.endswith("/main.py") for f in ours), ours
    # FlashFile kept the last good profile and the owned contexts, as JSON
    saved = json.loads((tmp_path / "mp" / "profiles.json").read_text())
    assert saved["profiles"], saved
    assert json.loads((tmp_path / "mp" / "last_result.json").read_text())["ok"]

    with sim_pty(tmp_path / "w2", dm_server.port) as pty:
        cp_doc = cpython_flow(pty, tmp_path / "cp")
    assert cp_doc["result"]["ok"] and dm_server.pings == mp_pings + 1
    assert command_lines(mp_doc) == command_lines(cp_doc)
    assert mp_doc["round_trips"] == cp_doc["round_trips"] == result["round_trips"]
