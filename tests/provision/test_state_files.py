"""The state files (context record, profile cache) as hostile input and as shared state.

A state file is read at every boot: whatever it holds (a nesting bomb, a
megabyte of junk, wrong types) costs a note, never the run. Two processes on
one state directory must not lose each other's records. A state directory
that cannot be written is reported once, in the result and in the exit code.
"""

import json
import multiprocessing

import pytest

from me_lib.cli import main
from me_lib.commands import exit_codes
from me_lib.profile import Bearer, DmServer, Profile
from me_lib.provision import provision
from me_lib.provision.ownership import Ownership
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile
from me_lib.sources.cache import ProfileCache
from me_lib.store import MAX_BYTES, JsonFile

ICCID = "89882806660000000036"
BOMB = "[" * 200_000 + "]" * 200_000
HOSTILE = {
    "nesting bomb": BOMB.encode(),
    "object bomb": ('{"a":' * 100_000 + "1" + "}" * 100_000).encode(),
    "huge": b'{"imei:1": {}, "pad": "' + b"x" * MAX_BYTES + b'"}',
    "not utf-8": b'{"imei:1": {"2": {"apn": "\xff\xfe"}}}',
    "not json": b"{corrupt",
}


def _rec(apn):
    return {"apn": apn, "pdp_type": "IP", "auth": "none", "role": "service"}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_files_are_unreadable_with_a_note(kind, tmp_path):
    path = tmp_path / "contexts.json"
    path.write_bytes(HOSTILE[kind])
    with pytest.raises(ValueError, match="delete it and it is rebuilt"):
        JsonFile(path).load()
    record = Ownership(path)
    assert record.owned("imei:1") == {}
    assert len(record.notes) == 1 and record.notes[0].startswith(
        "ignored unreadable context record"), record.notes
    record.record("imei:1", 3, _rec("a"))   # rebuilt whole
    assert json.loads(path.read_text()) == {"imei:1": {"3": _rec("a")}}
    cache_path = tmp_path / "cache.json"
    cache_path.write_bytes(HOSTILE[kind])
    cached, notes = ProfileCache(cache_path).get(ICCID)
    assert cached is None and len(notes) == 1 and "is corrupt" in notes[0], notes


def test_wrong_types_in_the_record_are_dropped_not_trusted(tmp_path):
    path = tmp_path / "contexts.json"
    for doc in ([1, 2], "text", 5, None, {"imei:1": [3]}, {"imei:1": {"3": None}},
                {"imei:1": {"3": {"apn": ["a"], "pdp_type": "IP"}}},
                {"imei:1": {"3": {"apn": "a", "pdp_type": True}}},
                {"imei:1": {"999": _rec("a")}}):
        path.write_text(json.dumps(doc))
        record = Ownership(path)
        assert record.owned("imei:1") == {}, doc
        assert doc is None or record.notes, doc


def test_wrong_types_in_the_cache_are_a_note(tmp_path):
    path = tmp_path / "cache.json"
    good = ProfileCache(path)
    profile = Profile([DmServer("dm.example.net")], [Bearer("apn.example")])
    good.put(ICCID, profile)
    doc = json.loads(path.read_text())
    for field, value in (("sequence", "7"), ("bearers", {"apn": 1}), ("dm_servers", [5])):
        bad = json.loads(json.dumps(doc))
        bad["profiles"][ICCID][field] = value
        path.write_text(json.dumps(bad))
        cached, notes = good.get(ICCID)
        assert cached is None and "unusable" in notes[-1], (field, notes)


# --- two processes, one state directory ----------------------------------------------

ROUNDS = 40


def _writer(folder, first_cid, iccid_prefix, start):
    """One device process: its own Ownership and ProfileCache, opened before the other
    writes, then many records and cache entries of its own."""
    record = Ownership(folder + "/contexts.json")
    cache = ProfileCache(folder + "/cache.json", max_entries=4 * ROUNDS)
    start.wait(30)
    for i in range(ROUNDS):
        record.record("imei:1", first_cid + i, _rec("apn%d.example" % (first_cid + i)))
        cache.put("%s%04d" % (iccid_prefix, i),
                  Profile([], [Bearer("apn%d.example" % (first_cid + i))]))
    for i in range(0, ROUNDS, 2):
        record.release("imei:1", first_cid + i)
    if record.notes:
        raise SystemExit("notes: %r" % record.notes)


def test_two_processes_never_lose_each_others_records(tmp_path):
    folder = str(tmp_path / "state")
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(folder, first, prefix, start))
             for first, prefix in ((1, "8988280666000001"), (100, "8988280666000002"))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    owned = Ownership(folder + "/contexts.json").owned("imei:1")
    want = sorted([1 + i for i in range(1, ROUNDS, 2)] + [100 + i for i in range(1, ROUNDS, 2)])
    assert sorted(owned) == want
    assert all(owned[c]["apn"] == "apn%d.example" % c for c in owned)
    profiles = json.loads((tmp_path / "state" / "cache.json").read_text())["profiles"]
    assert len(profiles) == 2 * ROUNDS


# --- a state directory that cannot be written ------------------------------------------


@pytest.fixture
def unwritable(tmp_path):
    """A 'directory' that is a regular file (tests run as root: modes do not stop root)."""
    path = tmp_path / "state"
    path.write_text("not a directory\n")
    return path


def test_unwritable_state_is_reported_once_in_the_result(world, unwritable):
    modem = world("quectel-bg96")
    modem.start()
    modem.wait_sim_ready(None)
    profile = read_profile(modem)
    result = provision(modem, profile, state_dir=unwritable, reach_dm=False)
    assert result.ok and not result.state_saved
    assert result.to_dict()["state_saved"] is False
    assert "state_saved=false" in repr(result)
    saved = [n for n in result.notes if "could not save the context record" in n]
    assert len(saved) == 1, result.notes
    assert "writable" in saved[0] and "--state-dir" in saved[0]
    again = provision(modem, profile, state_dir=unwritable, reach_dm=False)
    assert again.ok and again.writes == 0 and again.state_saved


def test_cli_exits_with_state_when_only_the_record_failed(tmp_path, capsys, unwritable,
                                                          dm_server):
    url = "sim://%s?speed=200" % derive(tmp_path / "w", "quectel-bg96",
                                        dm_port=dm_server.port)
    rc = main(["provision", "--modem", url, "--json", "--state-dir", str(unwritable)])
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["state_saved"] is False
    assert [c["state"] for c in doc["contexts"]] == ["active"] * 3
    assert rc == exit_codes.STATE


def test_cli_a_failed_result_wins_over_the_state(tmp_path, capsys, unwritable, dm_server):
    url = "sim://%s?speed=200" % derive(tmp_path / "w", "quectel-bg96",
                                        dm_port=dm_server.port)
    dm_server.stop()
    rc = main(["provision", "--modem", url, "--json", "--state-dir", str(unwritable)])
    doc = json.loads(capsys.readouterr().out)
    assert not doc["ok"] and doc["state_saved"] is False
    assert rc == exit_codes.FAILED
