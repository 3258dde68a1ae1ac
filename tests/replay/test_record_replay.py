"""CI records a fresh simulator session and replays it; a changed host is caught.

Also: what the shipped traces promise about their content (the end record,
the test PIN), and that a truncated trace is a silent modem, not a hang.
"""

import json
import time
from pathlib import Path

import pytest

from me_lib.at.trace import Record, Trace, load
from me_lib.errors import AtTimeout, MeLibError
from me_lib.modem import Modem
from me_lib.sim.protocol_replay import Player, ReplayMismatch
from me_lib.sim.replay import replay_trace
from tests.replay.recording import record

TRACES = Path(__file__).resolve().parents[1] / "traces"
pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("fresh")
    out = work / "session.jsonl"
    assert record("default", out, work) == 0
    return out


def _rewrite_tx(src: Path, dst: Path, old: bytes, new: bytes) -> int:
    """Copy a trace, replacing `old` by `new` in tx records; returns the first changed line."""
    first = 0
    lines = []
    for number, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        obj = json.loads(line)
        if obj.get("d") == "tx" and old in bytes.fromhex(obj["b"]):
            obj["b"] = bytes.fromhex(obj["b"]).replace(old, new).hex()
            first = first or number
        lines.append(json.dumps(obj))
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return first


def test_a_fresh_recording_replays_to_the_same_result(fresh: Path, tmp_path: Path) -> None:
    trace = load(fresh)
    assert trace.end is not None and trace.end["command"] == "provision"
    result = trace.end["result"]
    assert result["ok"] and [c["state"] for c in result["contexts"]] == ["active"] * 3
    assert "seconds" not in result and "rtt_ms" not in result["dm"]
    outcome = replay_trace(fresh, tmp_path)
    assert outcome.replayed == outcome.recorded


def test_a_different_apn_in_the_profile_fails_naming_the_step(fresh: Path,
                                                              tmp_path: Path) -> None:
    # The recording says the host wrote telemetry.example; here the trace claims it
    # wrote another APN, which is what a host with another profile would see.
    changed = tmp_path / "changed.jsonl"
    line = _rewrite_tx(fresh, changed, b'"telemetry.example"', b'"telemetry.other"')
    assert line
    with pytest.raises(ReplayMismatch) as err:
        replay_trace(changed, tmp_path / "run")
    exc = err.value
    assert isinstance(exc, MeLibError)
    assert exc.line == line
    assert "line %d" % line in str(exc)
    assert 'AT+CGDCONT=2,"IP","telemetry.other"' in str(exc)       # what was recorded
    assert 'AT+CGDCONT=2,"IP","telemetry.example"' in str(exc)     # what the host wrote


def test_a_changed_command_fails_naming_the_step(fresh: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed.jsonl"
    line = _rewrite_tx(fresh, changed, b"AT+CMEE=1", b"AT+CMEE=2")
    with pytest.raises(ReplayMismatch) as err:
        replay_trace(changed, tmp_path / "run")
    assert err.value.line == line
    assert "expects 'AT+CMEE=2\\r' but the host wrote 'AT+CMEE=1\\r'" in str(err.value)


def test_writing_past_the_end_says_the_recording_ends_here(fresh: Path,
                                                           tmp_path: Path) -> None:
    lines = fresh.read_text(encoding="utf-8").splitlines()
    # keep the header and the sync (ATE0 until OK through the boot), nothing else
    cmee = bytes("AT+CMEE=1", "ascii").hex()
    cut = next(i for i, ln in enumerate(lines) if cmee in ln)
    short = tmp_path / "short.jsonl"
    short.write_text("\n".join(lines[:cut]) + "\n", encoding="utf-8")
    with Modem.open("replay://" + str(short)) as modem:
        modem.channel.sync(probe="ATE0")
        with pytest.raises(ReplayMismatch, match="the recording ends here") as err:
            modem.channel.command("AT+CMEE=1", timeout=1)
    assert err.value.at_end and err.value.written == b"AT+CMEE=1\r"


def test_a_truncated_trace_is_a_silent_modem(fresh: Path, tmp_path: Path) -> None:
    lines = fresh.read_text(encoding="utf-8").splitlines()
    # cut after the host's first write: the modem's answer never comes
    first_tx = next(i for i, ln in enumerate(lines) if '"d": "tx"' in ln)
    short = tmp_path / "short.jsonl"
    short.write_text("\n".join(lines[:first_tx + 1]) + "\n", encoding="utf-8")
    start = time.monotonic()
    with Modem.open("replay://" + str(short)) as modem:
        with pytest.raises(AtTimeout):
            # retries=0: a retry would be a write the recording does not have
            modem.channel.command("ATE0", timeout=30.0, retries=0)
        virtual = modem.channel.clock()
    assert virtual >= 30.0                       # the library waited its whole timeout...
    assert time.monotonic() - start < 2.0        # ...in virtual time


def test_the_pin_trace_holds_no_pin_and_still_replays(tmp_path: Path) -> None:
    text = (TRACES / "quectel-pin.jsonl").read_text(encoding="utf-8")
    trace = load(TRACES / "quectel-pin.jsonl")
    assert trace.end is not None and trace.end["args"]["pin"] is True
    assert "73592468" not in json.dumps(trace.end)                 # not in the end record
    assert bytes("73592468", "ascii").hex() not in text             # nor in the bytes
    assert bytes("AT+CPIN=***\r", "ascii").hex() in text           # masked when recorded
    outcome = replay_trace(TRACES / "quectel-pin.jsonl", tmp_path)
    assert outcome.replayed == outcome.recorded


def _masked_player() -> Player:
    records = [Record(2, 0.0, "tx", b"AT\r"), Record(3, 0.01, "rx", b"\r\nOK\r\n"),
               Record(4, 0.02, "tx", b"AT+CPIN=***\r"), Record(5, 0.03, "rx", b"\r\nOK\r\n"),
               Record(6, 0.04, "tx", b"AT+CPIN?\r"),
               Record(7, 0.05, "rx", b"\r\n+CPIN: READY\r\n\r\nOK\r\n")]
    return Player(Trace(Path("masked.jsonl"), {}, records, None))


def test_a_masked_line_matches_any_pin_after_masking() -> None:
    player = _masked_player()
    player.write(b"AT\r")
    assert player.read(100, 1.0) == b"\r\nOK\r\n"
    player.write(b'AT+CPIN="9')                  # a line may come in pieces
    player.write(b'1827364"\rAT+CPIN?\r')       # ...and with the next one
    assert player.read(100, 1.0) == b"\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n"


def test_a_masked_line_still_catches_another_command() -> None:
    player = _masked_player()
    player.write(b"AT\r")
    with pytest.raises(ReplayMismatch) as err:
        player.write(b'AT+CLCK="SC",1,"91827364"\r')
    assert "AT+CPIN=***" in str(err.value) and "91827364" not in str(err.value)
    assert "line 4" in str(err.value)


def test_a_trace_without_end_record_cannot_be_replayed(fresh: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.jsonl"
    bare.write_text("\n".join(ln for ln in fresh.read_text(encoding="utf-8").splitlines()
                              if not ln.startswith('{"end"')) + "\n", encoding="utf-8")
    with pytest.raises(MeLibError, match="no end record"):
        replay_trace(bare, tmp_path / "run")


def test_a_hostile_state_file_is_snapshotted_as_absent(tmp_path):
    """`--record` snapshots the state dir: a nesting bomb there must not crash it."""
    from me_lib.commands.trace_end import snapshot_state

    (tmp_path / "contexts.json").write_text("[" * 100000 + "]" * 100000)
    (tmp_path / "profile-cache.json").write_bytes(b"\xff\xfe{}")
    (tmp_path / "known.json").write_text("{" * 100000)
    assert snapshot_state(tmp_path) == {"contexts.json": None, "profile-cache.json": None,
                                        "known.json": None}
