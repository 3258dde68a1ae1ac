"""The --json documents: one versioned envelope for read, provision and demo, on success
and on failure, and JSON Lines for provision --watch (docs/json.md)."""

import json
import subprocess
import sys
from pathlib import Path

from me_lib.commands import exit_codes

from .test_cli import url_for

ROOT = Path(__file__).resolve().parents[2]


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "me_lib.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _envelope(doc: dict, command: str, ok: bool) -> None:
    assert doc["me_lib"] == 1 and doc["command"] == command and doc["ok"] is ok, doc


def test_read_and_provision_documents_share_the_envelope(tmp_path, dm_server):
    url = url_for(tmp_path, "quectel-bg96", dm_server.port)
    state = ["--state-dir", str(tmp_path / "state")]
    read = _cli("read", "--modem", url, "--json", *state)
    assert read.returncode == 0, read.stderr
    doc = json.loads(read.stdout)
    _envelope(doc, "read", True)
    assert doc["card"]["iccid"] and doc["profile"]["origins"]["apn0"] == "usim:EF.DMCFG"
    prov = _cli("provision", "--modem", url, "--json", *state)
    assert prov.returncode == 0, prov.stderr
    doc = json.loads(prov.stdout)
    _envelope(doc, "provision", True)
    assert doc["dm"]["reachable"] and doc["round_trips"] > 0


def test_a_failure_is_a_document_too(tmp_path):
    url = url_for(tmp_path, "pin", 5683)           # the card wants a PIN nobody gave
    out = _cli("read", "--modem", url, "--json", "--state-dir", str(tmp_path / "s"))
    assert out.returncode == exit_codes.CARD
    doc = json.loads(out.stdout)
    _envelope(doc, "read", False)
    assert doc["exit_code"] == exit_codes.CARD
    error = doc["error"]
    assert error["class"] == "SimNotReady" and error["step"] == "sim"
    assert "PIN" in error["message"] and error["hint"]
    assert "Traceback" not in out.stderr


def test_a_port_that_cannot_be_opened_is_a_document(tmp_path):
    out = _cli("provision", "--modem", str(tmp_path / "no-such-tty"), "--json")
    assert out.returncode == exit_codes.DEVICE
    doc = json.loads(out.stdout)
    _envelope(doc, "provision", False)
    assert doc["error"]["class"] == "PortUnavailable"


def test_watch_json_is_json_lines(tmp_path, dm_server):
    url = url_for(tmp_path, "quectel-bg96", dm_server.port)
    out = _cli("provision", "--modem", url, "--json", "--watch", "--watch-for", "30",
               "--state-dir", str(tmp_path / "s"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    docs = [json.loads(line) for line in lines]      # every line is one document
    _envelope(docs[0], "provision", True)
    assert "contexts" in docs[0]
    assert all(d["me_lib"] == 1 and "event" in d for d in docs[1:])
