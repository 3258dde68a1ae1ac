import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import efdir
from me_lib.errors import DecodeError

RECORD = bytes.fromhex("61184F10A0000000871002FF86FF0389FFFFFFFF50045553494D") + b"\xff" * 22


def test_reference_record() -> None:
    app = efdir.decode(RECORD)
    assert app is not None
    assert app.aid == bytes.fromhex("A0000000871002FF86FF0389FFFFFFFF")
    assert app.label == "USIM"
    assert app.is_usim and not app.is_isim and not app.is_pkcs15
    assert efdir.encode(app, len(RECORD)) == RECORD


def test_empty_record() -> None:
    assert efdir.decode(b"\xff" * 48) is None
    assert efdir.encode(None, 4) == b"\xff" * 4


def test_pkcs15_with_path() -> None:
    app = efdir.Application(efdir.PKCS15_AID, "PKCS15", ((efdir.TAG_PATH, b"\x7f\xff"),))
    data = efdir.encode(app)
    back = efdir.decode(data)
    assert back == app and back.is_pkcs15 and back.path == b"\x7f\xff"


@pytest.mark.parametrize(("data", "offset"), [
    ("62034F0101", 0),                 # not an application template
    ("6103500141", 0),                 # no AID
    ("6100FF01", 3),                   # junk after padding
    ("6103500241", 2),                 # label cut short inside the template
    ("61034F0101610100", 5),           # second object after the template
    ("6106500241FF4F00", 5),           # label not UTF-8
    ("61024F00", 2),                   # empty AID
    ("61134F11A0000000871002FF86FF0389FFFFFFFF00", 2),  # AID of 17 bytes
])
def test_malformed(data: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        efdir.decode(bytes.fromhex(data))
    assert info.value.offset == offset


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=16), st.none() | st.text(max_size=12),
       st.integers(0, 20))
def test_round_trip(aid: bytes, label: str | None, pad: int) -> None:
    app = efdir.Application(aid, label)
    data = efdir.encode(app)
    data += b"\xff" * pad
    assert efdir.decode(data) == app
    assert efdir.encode(efdir.decode(data), len(data)) == data
