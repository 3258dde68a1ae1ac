"""AT traces: what the channel records is what went over the wire."""

import itertools
from pathlib import Path

import pytest

from me_lib.at import AtChannel
from me_lib.at.trace import read_trace
from me_lib.errors import DecodeError

TRACES = Path(__file__).resolve().parents[1] / "traces"


def test_recorded_bytes_are_the_wire_bytes(tmp_path):
    path = tmp_path / "s.jsonl"
    with AtChannel.open("sim://generic?speed=1000") as ch:
        sent = []
        ch.trace = lambda d, b, t: sent.append((d, b))
        ch.record(str(path))
        ch.sync()
        ch.command('AT+CPIN="1234"', check=False)
    header, records = read_trace(path)
    assert header["me_lib_trace"] == 1 and header["port"].startswith("sim://")
    assert [(d, b) for _, d, b in records] == sent          # both hooks saw the same
    tx = b"".join(b for _, d, b in records if d == "tx")
    assert tx.endswith(b'AT+CPIN="1234"\r')                  # byte-exact, for replay
    assert all(t2 >= t1 for (t1, _, _), (t2, _, _) in itertools.pairwise(records))


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
