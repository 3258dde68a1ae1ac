"""The shared codec helpers: UTF-8 checking as strict as CPython, numbers, the model base."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec._common import Model, uint_bytes, utf8, utf8_error
from me_lib.errors import DecodeError, ProfileError


def _cpython_error(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return -1


# Valid text, then damage near the multi-byte edges: lead bytes, continuation
# bytes, surrogates (ED A0..BF), overlong forms (C0, C1, E0 80, F0 80), > U+10FFFF.
_edges = st.sampled_from([0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
                          0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4,
                          0xF5, 0xFF])


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.text(max_size=8)).encode("utf-8", "surrogatepass"))
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(0, len(data)))
        if draw(st.booleans()) or pos == len(data):
            data.insert(pos, draw(_edges))
        else:
            data[pos] = draw(_edges)
    return bytes(data)


@settings(max_examples=500)
@given(st.one_of(damaged(), st.binary(max_size=12)))
def test_utf8_error_is_where_cpython_fails(data: bytes) -> None:
    assert utf8_error(data) == _cpython_error(data)


def test_utf8_reports_the_offset_in_the_file() -> None:
    assert utf8("X", b"caf\xc3\xa9", 10) == "caf\u00e9"
    with pytest.raises(DecodeError) as info:
        utf8("X", b"ab\xed\xa0\x80", 10)
    assert info.value.offset == 12


def test_uint_bytes() -> None:
    assert [uint_bytes(v) for v in (0, 255, 256, 2**32 - 1)] == [
        b"\x00", b"\xff", b"\x01\x00", b"\xff\xff\xff\xff"]
    assert uint_bytes(1, 3) == b"\x00\x00\x01"
    with pytest.raises(ProfileError):
        uint_bytes(-1)


class _Point(Model):
    _FIELDS = ("x", "y")
    _HIDDEN = ("y",)

    def __init__(self, x: int, y: int = 0) -> None:
        self.x = x
        self.y = y


class _Other(_Point):
    pass


def test_model_base() -> None:
    p = _Point(1, 2)
    assert p == _Point(1, 2) and p != _Point(1, 3) and p != _Other(1, 2) and p != (1, 2)
    assert hash(p) == hash(_Point(1, 2)) and len({p, _Point(1, 2)}) == 1
    assert repr(p) == "_Point(x=1)"
    assert p.replace(y=5) == _Point(1, 5) and p.y == 2
    with pytest.raises(TypeError):
        p.replace(z=1)
