"""`me-lib read | provision | demo` as a user runs them."""

import json
import re
from pathlib import Path

import pytest

from me_lib.cli import main
from me_lib.commands import exit_codes
from me_lib.sim.scenario_files import derive


def url_for(tmp_path, scenario, dm_port):
    return "sim://%s?speed=200" % derive(tmp_path / "w", scenario, dm_port=dm_port)


def test_provision_json_then_dry_run_shows_nothing_left(tmp_path, capsys, dm_server):
    url = url_for(tmp_path, "quectel-bg96", dm_server.port)
    state = ["--state-dir", str(tmp_path / "state")]
    assert main(["provision", "--modem", url, "--json", *state]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["dm"]["reachable"]
    assert [c["state"] for c in doc["contexts"]] == ["active"] * 3
    assert doc["profile"]["origins"]["apn0"] == "usim:EF.DMCFG"
    assert "password" not in json.dumps(doc) or '"password": null' in json.dumps(doc)


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    url = url_for(tmp_path, "ublox-sara-r4", 5683)
    assert main(["provision", "--modem", url, "--dry-run",
                 "--state-dir", str(tmp_path / "state")]) == 0
    out = capsys.readouterr().out
    assert "plan (3 write(s))" in out and "free cid 2" in out
    assert not (tmp_path / "state" / "contexts.json").exists()


def test_pin_comes_from_the_environment_never_argv(tmp_path, capsys, monkeypatch):
    url = url_for(tmp_path, "pin", 5683)
    state = ["--state-dir", str(tmp_path / "state")]
    assert main(["read", "--modem", url, *state]) == exit_codes.CARD
    assert "PIN" in capsys.readouterr().err
    monkeypatch.setenv("ME_LIB_PIN", "73592468")
    assert main(["read", "--modem", url, "--json", *state]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["card"]["iccid"] == "89882806660000000028"
    with pytest.raises(SystemExit):
        main(["read", "--modem", url, "--pin", "4321"])    # refused: no PIN on argv


def test_pin_file(tmp_path, capsys):
    url = url_for(tmp_path, "pin", 5683)
    pin = tmp_path / "pin.txt"
    pin.write_text("73592468\n")
    assert main(["read", "--modem", url, "--pin-file", str(pin),
                 "--state-dir", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "dm.operator.example" in out and not re.search(r"\b73592468\b", out)


def test_demo_runs_the_whole_flow(capsys):
    assert main(["demo", "--json", "--speed", "500"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["first"]["ok"] and doc["first"]["dm"]["reachable"]
    assert doc["second"]["writes"] == 0
    assert doc["dm_server"]["pings"] == 1


def test_watch_for_a_bounded_time(tmp_path, capsys, dm_server):
    url = url_for(tmp_path, "quectel-bg96", dm_server.port)
    assert main(["provision", "--modem", url, "--watch", "--watch-for", "20",
                 "--state-dir", str(tmp_path / "state")]) == 0
    out = capsys.readouterr().out
    assert "watching" in out and "DM server coap://dm.example.net" in out


def test_a_service_left_without_a_context_shows_no_cid(tmp_path, capsys, dm_server):
    """Two cids for three bearers: the service left out has no cid. People read "no cid";
    --json keeps `cid` an integer (-1, documented in docs/json.md) within schema 1."""
    url = "sim://%s?speed=200" % derive(tmp_path / "w", "generic", dm_port=dm_server.port,
                                        cid_max=2)
    state = ["--state-dir", str(tmp_path / "state")]
    assert main(["provision", "--modem", url, *state]) == exit_codes.FAILED
    out = capsys.readouterr().out
    lines = out.splitlines()
    table = lines[next(i for i, x in enumerate(lines) if x.split()[:2] == ["context", "cid"]):]
    row = next(x for x in table if x.strip().startswith("fota"))
    assert "no cid" in row and "-1" not in row, out
    assert main(["provision", "--modem", url, "--json", *state]) == exit_codes.FAILED
    doc = json.loads(capsys.readouterr().out)
    fota = next(c for c in doc["contexts"] if c["name"] == "fota")
    assert fota["cid"] == -1 and fota["state"] == "failed" and fota["error"]
    assert all(c["cid"] >= 0 for c in doc["contexts"] if c["name"] != "fota")
    docs = (Path(__file__).resolve().parents[2] / "docs" / "json.md").read_text()
    assert "`cid` is `-1`" in docs
