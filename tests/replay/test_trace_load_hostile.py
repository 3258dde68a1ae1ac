"""A hostile trace file (`me-lib replay FILE`, me_lib.at.trace.load): DecodeError, no crash.

The reader moved to me_lib/at/trace.py; it promises a DecodeError naming the
line for an unreadable file or a malformed line. Bytes that are not UTF-8 and
JSON nested deeper than the interpreter's recursion limit are both things a
user can hand it.
"""

from pathlib import Path

import pytest

from me_lib.at.trace import load
from me_lib.errors import DecodeError

HEADER = b'{"me_lib_trace": 1, "port": "x", "started": 0}\n'


@pytest.mark.parametrize("body", [
    b'{"t": 0.0, "d": "tx", "b": "41540D"}\n\xff\xfe not utf-8\n',
    b"[" * 100000 + b"]" * 100000 + b"\n",
    b'{"t": 0.0, "d": "tx", "b": ' + b"[" * 100000 + b"\n",
    b'{"t": [], "d": "tx", "b": "41"}\n',
    b'{"t": 0, "d": "rx", "b": "4"}\n',
    b'{"end": []}\n',
    b'{"t": 1' + b"0" * 400 + b', "d": "tx", "b": "41"}\n',
])
def test_hostile_trace_is_a_decode_error(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(HEADER + body)
    with pytest.raises(DecodeError) as info:
        load(path)
    assert "hostile.jsonl" in str(info.value)
