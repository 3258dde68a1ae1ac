"""The board's failure and recovery paths on MicroPython, over a real pty.

test_mp_e2e.py proves the success path; here the same `main.run()` from the
deployed .mpy tree meets a world that goes wrong: a DM server nobody answers
for, a service APN the network rejects (ESM #27), a PIN-protected SIM, a torn
EF.DMCFG after a good run, a SIM still busy at start. Each scenario runs on
the MicroPython unix port and then on CPython, each against a fresh simulator
of the same scenario, and both must reach the same outcome (the result
document without its timings, or the same typed error) with the same AT
command lines in the same order.

Budget: the simulator runs 200x faster than real time (mp_e2e.SPEED), every
MicroPython run is bounded by MP_TIMEOUT, and no scenario waits for a
host-side network timeout (a silent UDP port would cost 3 x 10 s per run:
the DM server here refuses TCP or has no DNS name instead).
"""

import json
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mp_e2e import (
    SCENARIO,
    WRITE_PREFIXES,
    assert_same_run,
    command_lines,
    cpython_flow,
    micropython_flow,
    sim_in_thread,
    sim_pty,
)

from me_lib.sim.dm_server import DmServer

pytestmark = pytest.mark.pty

MP_TIMEOUT = 8.0        # real seconds; a healthy run takes about 1 s
DMCFG_PATH = "3F007FFF5F4D4F01"
# configuration commands: none of them may go out when the modem already matches
def free_tcp_port() -> int:
    """A loopback TCP port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def mp_run(tree: Path, pty: str, state: Path, config: dict[str, Any] | None = None
           ) -> dict[str, Any]:
    """One bounded main.run() on the unix port; its E2E document (a MeLibError caught)."""
    try:
        doc, proc = micropython_flow(tree, pty, state, timeout=MP_TIMEOUT, config=config,
                                     catch=True)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise AssertionError("MicroPython run did not finish within %.0f s (a healthy run "
                             "takes ~1 s); stdout so far: %r" % (MP_TIMEOUT, out[-2000:])
                             ) from None
    assert doc is not None, "no E2E line (a crash?):\n" + proc.stdout[-3000:] + \
        proc.stderr[-3000:]
    doc["stdout"] = proc.stdout
    return doc


def on_both(tree: Path, tmp_path: Path, dm_port: int, scenario: str = SCENARIO,
            config: dict[str, Any] | None = None, **derived: Any
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """`scenario` on MicroPython, then on CPython, each against a fresh simulator.

    Asserts the same outcome and the same AT command lines; returns (mp, cp).
    """
    with sim_pty(tmp_path / "w-mp", dm_port, scenario, **derived) as pty:
        mp_doc = mp_run(tree, pty, tmp_path / "mp", config)
    with sim_pty(tmp_path / "w-cp", dm_port, scenario, **derived) as pty:
        cp_doc = cpython_flow(pty, tmp_path / "cp", config=config, catch=True)
    assert_same_run(mp_doc, cp_doc)
    return mp_doc, cp_doc


def tear_dmcfg(modem: Any) -> None:
    """A torn OTA write of EF.DMCFG: a new sequence number (tag 81, right after the
    version), but its CRC (tag 8F) no longer matches the content."""
    raw = bytearray(modem.sim.card.read_file(DMCFG_PATH))
    assert raw[3] == 0x81, raw[:8].hex()          # 80 01 01 | 81 <len> <sequence>
    raw[4 + raw[4]] += 1
    modem.ota_update(DMCFG_PATH, bytes(raw), refresh=False)


# -- 1. DM server not reached ----------------------------------------------------------------


@pytest.mark.parametrize("why", ["refused", "unresolved"])
def test_dm_server_not_reached(deployed: Path, tmp_path: Path, why: str) -> None:
    """A DM port nothing listens on (TCP: refused at once), or a DM name the modem's
    DNS does not know: no crash, the result says the DM server was not reached and
    why (the dm-reach step named), and the service contexts still come up."""
    port = free_tcp_port()
    host = "dm.example.net" if why == "refused" else "nowhere.example.net"
    server = {"address": host, "port": port, "protocol": "coap+tcp" if why == "refused"
              else "coap", "bearer": 0}
    mp_doc, _ = on_both(deployed, tmp_path, port, card={"dmcfg": {"server": [server]}})
    result = mp_doc["result"]
    assert mp_doc["error"] is None and result is not None
    assert not result["ok"]
    dm = result["dm"]
    assert not dm["reachable"] and dm["via"] == "modem:quectel", dm
    if why == "refused":
        assert dm["detail"].startswith("dm-reach: cannot open a socket to 127.0.0.1:%d"
                                       % port), dm
        assert dm["error"] == "ConnectFailed", dm
    else:
        assert dm["detail"].startswith("dm-reach: cannot resolve 'nowhere.example.net'"), dm
        assert dm["error"] == "NameNotResolved", dm
        assert dm["ip"] is None
    assert [s["step"] for s in result["steps"]].count("dm") == 1
    assert [c["state"] for c in result["contexts"]] == ["active"] * 3, result["contexts"]
    assert "DM not reached" in mp_doc["stdout"]
    # the board kept the outcome on flash, as main() leaves it for the next boot
    kept = json.loads((tmp_path / "mp" / "last_result.json").read_text())
    assert kept["ok"] is False and kept["dm"]["reachable"] is False


# -- 2. ESM cause #27 on a service APN ---------------------------------------------------------


def test_unknown_service_apn_is_named_and_not_retried(deployed: Path, dm_server: DmServer,
                                                      tmp_path: Path) -> None:
    mp_doc, _ = on_both(deployed, tmp_path, dm_server.port, "reject-27")
    result = mp_doc["result"]
    assert mp_doc["error"] is None and result is not None and not result["ok"]
    by_name = {c["name"]: c for c in result["contexts"]}
    fota = by_name["fota"]
    assert fota["state"] == "failed" and fota["cause"] == 27, fota
    assert fota["error"] == "ESM cause #27 missing or unknown APN", fota
    assert by_name["APN0"]["state"] == by_name["telemetry"]["state"] == "active"
    assert result["dm"]["reachable"]
    lines = command_lines(mp_doc)
    # a configuration cause: activated once, never retried
    assert lines.count("AT+QIACT=%d" % fota["cid"]) == 1, lines
    assert lines.count("AT+QIACT=%d" % by_name["telemetry"]["cid"]) == 1, lines


# -- 3. SIM PIN from the board's config ----------------------------------------------------------


@pytest.mark.pty
def test_sim_pin_from_the_config(deployed: Path, dm_server: DmServer,
                                 tmp_path: Path) -> None:
    """pin.toml: +CPIN? says SIM PIN until AT+CPIN="73592468"; the PIN comes from the
    board's config (main.run's `config`, /config.json on a board), never from source,
    and is never printed or kept on flash."""
    mp_doc, _ = on_both(deployed, tmp_path, dm_server.port, "pin", config={"pin": "73592468"})
    result = mp_doc["result"]
    assert mp_doc["error"] is None and result is not None and result["ok"], mp_doc["error"]
    lines = command_lines(mp_doc)
    assert lines.count('AT+CPIN="73592468"') == 1, lines
    assert lines.index('AT+CPIN="73592468"') < min(
        i for i, line in enumerate(lines) if line.startswith("AT+CRSM="))
    pin = re.compile(r"(?<!\d)73592468(?!\d)")      # the PIN, not a part of the IMEI
    printed = [x for x in mp_doc["stdout"].splitlines() if not x.startswith("E2E ")]
    assert printed and not [x for x in printed if pin.search(x)], printed
    for side in ("mp", "cp"):
        for name in ("last_result.json", "profiles.json", "contexts.json"):
            path = tmp_path / side / name
            assert path.exists() and not pin.search(path.read_text()), path



@pytest.mark.pty
def test_wrong_pin_is_sent_once_and_stops_the_read(deployed: Path, dm_server: DmServer,
                                                   tmp_path: Path) -> None:
    """A refused PIN ends the whole profile read at once with SimNotReady (no source
    waits for a registration that cannot come) and is never sent a second time."""
    mp_doc, _ = on_both(deployed, tmp_path, dm_server.port, "pin", config={"pin": "4321"})
    error = mp_doc["error"]
    assert mp_doc["result"] is None and error is not None, mp_doc
    assert error["type"] == "SimNotReady" and error["step"] == "sim", error
    lines = command_lines(mp_doc)
    assert lines.count('AT+CPIN="4321"') == 1, lines
    assert not [line for line in lines if line.startswith("AT+CRSM=")], lines

# -- 4. torn EF.DMCFG after a good run ---------------------------------------------------------


def _torn_after_good(side: str, tree: Path, dm_port: int, tmp_path: Path
                     ) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """A good boot, EF.DMCFG torn over the air, a second boot with the same flash state."""
    state = tmp_path / side

    def boot(pty: str) -> dict[str, Any]:
        return mp_run(tree, pty, state) if side == "mp" else cpython_flow(pty, state,
                                                                          catch=True)

    with sim_in_thread(tmp_path / ("w-" + side), dm_port) as (pty, modem):
        first = boot(pty)
        cached = json.loads((state / "profiles.json").read_text())
        tear_dmcfg(modem)
        second = boot(pty)
    return first, second, cached, json.loads((state / "profiles.json").read_text())


def test_torn_dmcfg_uses_the_last_good_profile(deployed: Path, dm_server: DmServer,
                                               tmp_path: Path) -> None:
    mp_first, mp_second, cached, after = _torn_after_good("mp", deployed, dm_server.port,
                                                          tmp_path)
    assert mp_first["error"] is None and mp_first["result"]["ok"], mp_first["result"]
    assert mp_first["result"]["writes"] > 0
    assert cached["profiles"], cached
    assert mp_second["error"] is None, mp_second["error"]
    result = mp_second["result"]
    assert result["ok"] and result["writes"] == 0, result
    profile = result["profile"]
    assert any("last good profile" in n for n in profile["notes"]), profile["notes"]
    assert profile["bearers"] == mp_first["result"]["profile"]["bearers"]
    assert profile["sequence"] == 1
    lines = command_lines(mp_second)
    # the card was read (and refused), then nothing was written
    assert 'AT+CRSM=176,20225,0,0,255,,"3F007FFF5F4D"' in lines, lines
    assert not [x for x in lines if x.startswith(WRITE_PREFIXES) and not x.endswith("=?")], \
        lines
    assert after == cached        # the torn profile did not replace the good one

    cp_first, cp_second, _, _ = _torn_after_good("cp", deployed, dm_server.port, tmp_path)
    assert_same_run(mp_first, cp_first)
    assert_same_run(mp_second, cp_second)


# -- 5. a SIM still busy at start --------------------------------------------------------------


def test_busy_sim_at_start(deployed: Path, dm_server: DmServer, tmp_path: Path) -> None:
    """busy-sim.toml's SIM on the deployed module (quectel-bg96), kept busy by the
    first +CPIN? for 40 virtual s (0.2 s real): +CME ERROR: 14 once, one back-off
    (0.5 s), READY, then the whole flow."""
    slow = {"kind": "slow_sim", "command": "+CPIN?", "times": 1, "seconds": 40.0}
    mp_doc, _ = on_both(deployed, tmp_path, dm_server.port, "busy-sim",
                        dialect="quectel-bg96", faults=[slow])
    result = mp_doc["result"]
    assert mp_doc["error"] is None and result is not None and result["ok"], result
    assert result["dm"]["reachable"]
    lines = command_lines(mp_doc)
    first_read = min(i for i, line in enumerate(lines) if line.startswith("AT+CRSM="))
    assert lines[:first_read].count("AT+CPIN?") == 2, lines
