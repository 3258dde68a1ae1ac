"""EF_URSP end to end on MicroPython: a board built `--with ursp` provisions from the rules.

The card of the quectel-rm500q scenario (me_lib/sim/profiles/ursp.toml) has DF_5GS/EF_URSP
with UST service 132 and no EF.DMCFG. The deployed .mpy tree runs `main.run()` on the unix
port over the pty of `me-lib sim --pty`; the same scenario then runs on CPython. Both must
take APN0 and the service bearers from EF_URSP, bring the service contexts up, and write
the same AT command lines in the same order.

EF_URSP gives no DM server, so the chain goes on past it. The board's default chain skips
the sources MicroPython cannot import (`lwm2m`, `file`: a note each); CPython runs the
chain without those two, which is what the board does, and must say the same to the modem.
"""

from pathlib import Path

import pytest
from mp_e2e import (
    assert_same_run,
    command_lines,
    cpython_flow,
    deploy,
    micropython_flow,
    sim_pty,
)

from me_lib.sim.dm_server import DmServer
from me_lib.sources import chain

SCENARIO = "quectel-rm500q"
CONFIG = {"dialect": SCENARIO}
EXTRA = ("me_lib/codec/ursp.mpy", "me_lib/sources/ursp.mpy")
CPYTHON_ONLY = ("lwm2m", "file")  # sources whose modules the board build does not ship


@pytest.fixture(scope="module")
def ursp_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The board build for a 5G module with the optional URSP source (`--with ursp`)."""
    out = tmp_path_factory.mktemp("deployed-ursp") / "tree"
    deploy(out, "--unix", "--main", "--dialect", SCENARIO, "--with", "ursp")
    return out


def test_default_build_leaves_ursp_out_and_with_ursp_adds_it(deployed: Path,
                                                             ursp_tree: Path) -> None:
    assert not any((deployed / rel).exists() for rel in EXTRA)
    assert all((ursp_tree / rel).exists() for rel in EXTRA)


@pytest.mark.pty
def test_ef_ursp_card_provisions_on_micropython_as_on_cpython(
        ursp_tree: Path, dm_server: DmServer, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with sim_pty(tmp_path / "w1", dm_server.port, SCENARIO) as pty:
        mp_doc, proc = micropython_flow(ursp_tree, pty, tmp_path / "mp", config=CONFIG)
    assert mp_doc is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = mp_doc["result"]
    assert result["ok"], result
    assert result["profile"]["origins"]["apn0"] == "usim:EF_URSP", result["profile"]
    assert result["profile"]["origins"]["service_bearers"] == "usim:EF_URSP", result["profile"]
    contexts = {c["apn"]: c for c in result["contexts"]}
    assert {"iot.example", "dm.operator.example", "internet.example"} <= {
        apn.split(".mnc")[0] for apn in contexts}, contexts
    assert all(c["state"] == "active" for c in result["contexts"]), result["contexts"]
    # the URSP modules ran from the deployed tree, as .mpy
    assert all(str(ursp_tree / rel) in mp_doc["modules"] for rel in EXTRA), mp_doc["modules"]

    notes = result["profile"]["notes"]
    skipped = [n for n in notes if n.split(":")[0] in CPYTHON_ONLY]
    assert len(skipped) == 2 and all("not available here" in n for n in skipped), notes
    assert result["dm"] is None and "no source gave a DM server" in notes
    # EF_URSP gives no DM server, so the chain also reads the network's rules: the
    # 27.007 read form, turned into rules on MicroPython (codec.ursp.rules_from_query)
    assert "AT+C5GURSPQRY?" in command_lines(mp_doc)
    assert "ursp-network: APN0 'internet.example' is the route of the match-all rule" \
        in notes, notes

    monkeypatch.setattr(chain, "DEFAULT_CHAIN", tuple(
        n for n in chain.DEFAULT_CHAIN if n not in CPYTHON_ONLY))
    with sim_pty(tmp_path / "w2", dm_server.port, SCENARIO) as pty:
        cp_doc = cpython_flow(pty, tmp_path / "cp", config=CONFIG)
    result["profile"]["notes"] = [n for n in notes if n not in skipped]
    assert_same_run(mp_doc, cp_doc)
