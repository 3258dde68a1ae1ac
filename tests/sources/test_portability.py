"""Persistent state through document objects, lazy sources, and the same modules on MicroPython.

CPython keeps its behaviour (paths, JsonFile, every source, seeded probes);
the staged board tree imports the entry points of a board's main.py, keeps
`import me_lib` light and turns the CPython-only sources into notes.
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from firmware_shim.store import FlashFile
from me_lib.profile import Bearer, DmServer, Profile
from me_lib.provision.ownership import Ownership
from me_lib.provision.probe import message_id
from me_lib.sources import ProfileCache, chain, read_profile
from me_lib.store import JsonFile
from tests.mp_support import run_micropython, stage

from .helpers import FakeModem, card, usim_of

ICCID = "89882806660000000036"


def _profile() -> Profile:
    return Profile([DmServer("dm.example.net", 5684, "coaps")], [Bearer("apn.example")],
                   sequence=3)


def test_a_path_and_its_json_file_keep_the_same_document(tmp_path: Path) -> None:
    by_path = ProfileCache(str(tmp_path / "a.json"))
    assert isinstance(by_path.document, JsonFile) and by_path.path == tmp_path / "a.json"
    by_path.put(ICCID, _profile())
    by_file = ProfileCache(JsonFile(tmp_path / "b.json"))
    by_file.put(ICCID, _profile())
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert JsonFile(tmp_path / "a.json").load()["order"] == [ICCID]
    assert JsonFile(tmp_path / "missing.json").load() is None


def test_the_board_store_keeps_the_cache_and_the_context_record(tmp_path: Path) -> None:
    cache = ProfileCache(FlashFile(str(tmp_path / "profiles.json")))
    profile = read_profile(usim_of(card()), cache=cache)
    restored, notes = cache.get(profile.iccid or "")
    assert notes == [] and restored == profile
    record = Ownership(FlashFile(str(tmp_path / "contexts.json")))
    entry = {"apn": "a", "pdp_type": "IP", "auth": "none", "role": "service"}
    record.record("imei:1", 3, entry)
    assert Ownership(FlashFile(str(tmp_path / "contexts.json"))).owned("imei:1") == {
        3: entry}
    assert not list(tmp_path.glob("*.tmp"))


def test_ownership_path_and_none(tmp_path: Path) -> None:
    record = Ownership(tmp_path / "state" / "contexts.json")
    record.record("imei:1", 2, {"apn": "a"})
    assert record.path == tmp_path / "state" / "contexts.json"
    assert json.loads(record.path.read_text()) == {"imei:1": {"2": {"apn": "a"}}}
    memory = Ownership(None)
    memory.record("imei:1", 2, {"apn": "a"})
    assert memory.document is None and memory.owned("imei:1") == {2: {"apn": "a"}}


def test_seeded_probe_ids_are_those_recorded_sessions_replay() -> None:
    # replays record the seed of random.Random and expect its randrange(0x10000)
    assert [message_id(random.Random(42)) for _ in range(2)] == [
        random.Random(42).randrange(0x10000)] * 2


def test_an_unimportable_source_fails_loudly_on_cpython(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    monkeypatch.setitem(chain._FACTORIES, "file", ("me_lib.sources.no_such", "X"))
    with pytest.raises(ImportError):
        chain.make_source("file")
    monkeypatch.setattr(chain, "SKIP_UNIMPORTABLE", True)  # as on MicroPython
    profile = read_profile(FakeModem(card()), sources=["file", "usim"])
    assert profile.origins["apn0"] == "usim:EF.DMCFG"
    assert profile.notes[0].startswith("file: not available here (me_lib.sources.no_such: "
                                       "ModuleNotFoundError")


BOARD = r'''
import sys
import me_lib
light = sorted(m for m in sys.modules if m.startswith("me_lib"))
print("LIGHT", light)
from me_lib.at.channel import AtChannel
from me_lib.modem.modem import Modem
from me_lib.sources.chain import make_source, read_profile
from me_lib.provision.flow import provision
from me_lib.sources.cache import ProfileCache
from me_lib.provision.ownership import Ownership
print("SOURCES", [type(make_source(n)).__name__ for n in
                  ("usim", "lwm2m", "acl", "file", "pco", "network")])
try:
    ProfileCache("/tmp/profiles.json")
except Exception as exc:
    print("PATH", type(exc).__name__, exc.hint)
'''


EXTRAS = r'''
from me_lib.profile import Bearer, DmServer, Profile
from me_lib.provision.watch import watch
from me_lib.sources.dm_platform import apply_service_apns
base = Profile([DmServer("dm.example.net")], [Bearer("apn0.example"),
               Bearer("tele.example", services=["telemetry"])])
new = apply_service_apns(base, [{"Profile name": "Fleet Video", 1: "video.example"},
                                {0: "telemetry", 3: False}])
print([(b.apn, b.services) for b in new.bearers], new.notes)
'''


def test_watch_and_the_dm_platform_run_there_too(tmp_path: Path) -> None:
    """Not in the manifest (flash budget), but portable: staged as extras they run."""
    board = stage(tmp_path / "board", extra=["me_lib/provision/watch.py",
                                             "me_lib/sources/dm_platform.py"])
    proc = run_micropython(EXTRAS, board)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    here = subprocess.run([sys.executable, "-c", EXTRAS], capture_output=True, text=True,
                          check=True)
    assert proc.stdout == here.stdout
    assert "('video.example', ('fleet-video',))" in here.stdout


def test_the_board_tree_imports_the_entry_points(tmp_path: Path) -> None:
    board = stage(tmp_path / "board")
    proc = run_micropython(BOARD, board)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert out[0] == "LIGHT ['me_lib', 'me_lib.errors']"
    assert out[1] == ("SOURCES ['UsimSource', 'Unavailable', 'AclSource', 'Unavailable', "
                      "'PcoSource', 'NetworkSource']")
    assert out[2] == ("PATH ProfileError pass a document object with load() and save(), "
                      "e.g. firmware_shim.store.FlashFile")
