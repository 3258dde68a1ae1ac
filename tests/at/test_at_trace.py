"""AT traces: what the channel records is what went over the wire."""

import itertools
from pathlib import Path

import pytest

from me_lib.at import AtChannel
from me_lib.at.trace import read_trace
from me_lib.errors import DecodeError

TRACES = Path(__file__).resolve().parents[1] / "traces"


def _session(path, secrets_in_clear):
    with AtChannel.open("sim://generic?speed=1000") as ch:
        sent = []
        ch.trace = lambda d, b, t: sent.append((d, b))
        ch.record(str(path), secrets_in_clear=secrets_in_clear)
        ch.sync()
        ch.command('AT+CPIN="73592468"', check=False)
        ch.command('AT+CGAUTH=1,1,"user","pw-Zq7xK9"', check=False)
    return sent


def test_recorded_bytes_are_the_wire_bytes_but_secrets(tmp_path):
    path = tmp_path / "s.jsonl"
    sent = _session(path, False)
    header, records = read_trace(path)
    assert header["me_lib_trace"] == 1 and header["port"].startswith("sim://")
    masked = [(d, b.replace(b'"73592468"', b"***").replace(b'"user","pw-Zq7xK9"', b"***,***"))
              for d, b in sent]
    assert [(d, b) for _, d, b in records] == masked        # the wire bytes, secrets masked
    tx = b"".join(b for _, d, b in records if d == "tx")
    assert b'AT+CPIN=***\r' in tx and tx.endswith(b'AT+CGAUTH=1,1,***,***\r')
    assert b"73592468" not in path.read_bytes() and b"pw-Zq7xK9" not in path.read_bytes()
    assert all(t2 >= t1 for (t1, _, _), (t2, _, _) in itertools.pairwise(records))


@pytest.mark.secrets_in_clear
def test_secrets_in_clear_only_on_request_and_private(tmp_path):
    path = tmp_path / "clear.jsonl"
    path.write_text("")
    path.chmod(0o644)                   # an existing readable file is not reused as is
    sent = _session(path, True)
    _, records = read_trace(path)
    assert [(d, b) for _, d, b in records] == sent          # byte-exact, for replay
    assert b'AT+CPIN="73592468"\r' in b"".join(b for _, d, b in records if d == "tx")
    assert path.stat().st_mode & 0o777 == 0o600


def test_shipped_traces_read_with_their_end_record():
    for path in sorted(TRACES.glob("*.jsonl")):
        header, records = read_trace(path)
        assert header["end"]["command"] == "provision", path
        assert records


def test_a_broken_line_is_a_typed_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"me_lib_trace": 1}\n{"t": 0, "d": "tx"}\n')
    with pytest.raises(DecodeError) as err:
        read_trace(path)
    assert "line 2" in str(err.value)
