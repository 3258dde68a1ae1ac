"""The board core sends what the full library sends, on every dialect (issue 15).

Both run against the same scenario of the simulator (a fresh modem each), the
full library through `Modem` + `read_profile` + `provision`, the board core
through `Link` + `me_lib.board.flow.provision`, each with a fresh state. The
AT lines must be equal; only the number of sync probes (`ATE0`) and of SIM
polls (`AT+CPIN?`) may differ, as they depend on when each side's waits end.
The outcome must agree too: the same contexts up with the same addresses,
the DM server reached. A second board run on the same modem and state
writes nothing.
"""

import random
from pathlib import Path
from typing import Any

import pytest
import serial

import me_lib  # noqa: F401  (registers sim://)
from firmware_shim.store import FlashFile
from me_lib.at.channel import AtChannel
from me_lib.board import flow
from me_lib.board.link import Link
from me_lib.modem.dialects import GENERIC
from me_lib.modem.modem import Modem
from me_lib.provision.flow import provision
from me_lib.provision.ownership import Ownership
from me_lib.sources.cache import ProfileCache
from me_lib.sources.chain import read_profile

SCENARIOS = ("default", "ublox-sara-r4", "simcom-sim7080", "telit-me910",
             "nordic-nrf91-slm", "generic")
POLLS = ("ATE0", "AT+CPIN?")



def _recorder(lines: list[str]) -> Any:
    def trace(direction: str, data: bytes, now: float) -> None:
        if direction == "tx":
            text = data.decode("latin-1")
            lines.append(text[:-1] if text.endswith("\r") else "RAW:" + data.hex())
    return trace


def _wire(lines: list[str]) -> list[str]:
    return [line for line in lines if line not in POLLS]


def full_run(scenario: str, state: Path) -> tuple[list[str], dict[str, Any]]:
    lines: list[str] = []
    channel = AtChannel(serial.serial_for_url("sim://" + scenario))
    channel.trace = _recorder(lines)
    try:
        modem = Modem(channel)
        modem.start()
        profile = read_profile(modem, cache=ProfileCache(state / "profiles.json"))
        result = provision(modem, profile, ownership=Ownership(state / "contexts.json"),
                           probe_rng=random.Random(1)).to_dict()
    finally:
        channel.close()
    return lines, result


def board_run(scenario: str, state: Path, runs: int = 1) -> tuple[list[str], list[Any]]:
    lines: list[str] = []
    port = serial.serial_for_url("sim://" + scenario)
    results = []
    try:
        link = Link(port, GENERIC, _recorder(lines))
        for i in range(runs):
            link.round_trips = link.writes = 0
            lines.append("-- run %d" % i)
            results.append(flow.provision(link, FlashFile(str(state / "board.json")), seed=1))
    finally:
        port.close()
    return lines, results


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_board_core_sends_the_full_librarys_lines(scenario: str, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "board").mkdir()
    full_lines, full = full_run(scenario, tmp_path / "full")
    lines, results = board_run(scenario, tmp_path / "board")
    assert _wire(lines[1:]) == _wire(full_lines)
    board = results[0]
    assert board["ok"] and full["ok"]
    assert board["dialect"] == full["modem"]["dialect"]
    assert board["registration"] == full["registration"]
    mine = [(c["role"], c["cid"], c["apn"], c["state"], c["ip"]) for c in board["contexts"]]
    theirs = [(c["role"], c["cid"], c["apn"], c["state"], c["ip"]) for c in full["contexts"]]
    assert mine == theirs
    assert board["dm"]["reachable"] == full["dm"]["reachable"]
    assert board["dm"]["ip"] == full["dm"]["ip"]   # None where the module has no IP stack


@pytest.mark.parametrize("scenario", ("default", "simcom-sim7080", "nordic-nrf91-slm"))
def test_a_second_run_on_the_same_modem_writes_nothing(scenario: str, tmp_path: Path) -> None:
    lines, results = board_run(scenario, tmp_path, runs=2)
    first, second = results
    assert first["ok"] and first["writes"] > 0
    assert second["ok"] and second["writes"] == 0, lines[lines.index("-- run 1"):]
    again = lines[lines.index("-- run 1") + 1:]
    assert "AT+CGMM" not in again and "AT+CGDCONT=?" not in again   # the module on record
    assert [c["state"] for c in second["contexts"]] == [c["state"] for c in first["contexts"]]


def test_the_board_waits_as_long_as_the_full_library() -> None:
    """The board core's waits are written apart from the full library's (importing
    `provision.flow` or `Modem` would load them on a board): they must stay equal."""
    import inspect

    from me_lib.board import start
    from me_lib.provision import flow as full_flow

    defaults = inspect.signature(full_flow.provision).parameters
    assert defaults["registration_timeout"].default == flow.REGISTER_S
    assert defaults["probe_timeout"].default == flow.PROBE_S
    assert flow.FIRST_POLL_S == full_flow.FIRST_POLL_AFTER_RADIO_ON
    assert flow.EPS_GRACE_S == full_flow.EPS_REPORT_GRACE
    assert "poll_every = %r" % flow.POLL_S in inspect.getsource(full_flow.wait_registered)
    assert inspect.signature(
        Modem.wait_sim_ready).parameters["timeout"].default == start.SIM_WAIT_S
