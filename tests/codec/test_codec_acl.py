import pytest
from codec_strategies import apn_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import acl
from me_lib.errors import DecodeError, InvalidApn, ProfileError

# TS 31.102 §4.2.48 worked encoding: internet, iot.example.com, network-provided.
VECTOR = bytes.fromhex(
    "03"
    "DD0908696E7465726E6574"
    "DD1003696F74076578616D706C6503636F6D"
    "DD00")


def test_reference_vector() -> None:
    data = VECTOR + b"\xff" * 8
    model = acl.decode(data)
    assert model.apns == ("internet", "iot.example.com", "")
    assert model.declared_count == 3 and not model.count_mismatch
    assert model.allows_network_provided
    assert acl.encode(model, len(data)) == data
    assert acl.encode(acl.Acl(("internet", "iot.example.com", ""))) == VECTOR


def test_count_mismatch_tolerated_and_reported() -> None:
    model = acl.decode(b"\x05" + VECTOR[1:])
    assert model.count_mismatch and model.declared_count == 5 and len(model.apns) == 3
    assert acl.encode(model) == b"\x05" + VECTOR[1:]


def test_unknown_tags_skipped_and_stops_at_padding() -> None:
    model = acl.decode(bytes.fromhex("01 C0 01 00 DD 00 FF 12 34".replace(" ", "")))
    assert model.apns == ("",)
    assert model.unknown == ((0xC0, b"\x00"),)


def test_plain_text_entry_accepted() -> None:
    data = b"\x01\xdd\x08internet"
    assert acl.decode(data).apns == ("internet",)


def test_errors() -> None:
    with pytest.raises(DecodeError):
        acl.decode(b"")
    with pytest.raises(DecodeError) as info:
        acl.decode(bytes.fromhex("01DD05036162"))
    assert info.value.offset == 1
    with pytest.raises(InvalidApn) as apn_info:
        acl.decode(bytes.fromhex("01DD03022D61"))
    assert apn_info.value.offset == 4
    with pytest.raises(ProfileError):
        acl.encode(acl.Acl(("internet",)), size=3)
    with pytest.raises(InvalidApn):
        acl.encode(acl.Acl(("bad..apn",)))


@settings(max_examples=100, deadline=None)
@given(st.lists(apn_texts(), max_size=6), st.integers(0, 10))
def test_round_trip(apns: list[str], pad: int) -> None:
    model = acl.Acl(tuple(apns))
    data = acl.encode(model)
    size = len(data) + pad
    data = acl.encode(model, size)
    back = acl.decode(data)
    assert back.apns == model.apns and not back.count_mismatch
    assert acl.encode(back, size) == data
