import pytest
from codec_strategies import tag_values
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import tlv
from me_lib.errors import DecodeError, ProfileError


def test_lengths_and_offsets() -> None:
    data = bytes.fromhex("8001AA") + bytes.fromhex("818181") + b"\x01" * 0x81 \
        + bytes.fromhex("82820100") + b"\x02" * 256 + b"\xff\xff"
    items = tlv.decode(data)
    assert [(i.tag, len(i.value), i.offset, i.value_offset) for i in items] == [
        (0x80, 1, 0, 2), (0x81, 0x81, 3, 6), (0x82, 256, 6 + 0x81, 6 + 0x81 + 4)]
    assert tlv.encode(items) == data[:-2]


def test_two_byte_tag() -> None:
    items = tlv.decode(bytes.fromhex("9F700102DF0100"))
    assert [(i.tag, i.value) for i in items] == [(0x9F70, b"\x02"), (0xDF01, b"")]
    assert tlv.encode(items) == bytes.fromhex("9F700102DF0100")


def test_nested() -> None:
    data = bytes.fromhex("A0078001018102FFEE")
    outer = tlv.decode(data)[0]
    assert tlv.is_constructed(outer.tag) and not tlv.is_constructed(0x80)
    kids = tlv.children(outer)
    assert [(k.tag, k.value, k.offset) for k in kids] == [(0x80, b"\x01", 2),
                                                          (0x81, b"\xff\xee", 5)]
    assert tlv.find(kids, 0x81) == kids[1]
    assert tlv.find(kids, 0x82) is None
    assert tlv.find_all(kids, 0x80) == [kids[0]]


def test_non_minimal_length_accepted() -> None:
    assert tlv.decode(bytes.fromhex("80810141"))[0].value == b"A"


@pytest.mark.parametrize(("data", "offset"), [
    ("80", 0),          # no length
    ("8002AA", 0),      # value cut short
    ("8083000001", 1),  # 3-byte length form
    ("8080", 1),        # indefinite length
    ("9F", 0),          # two-byte tag cut short
    ("9F8101", 1),      # three-byte tag
    ("8081", 1),        # 81 without its byte
    ("8001AAFF80", 4),  # data after the padding
])
def test_malformed(data: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        tlv.decode(bytes.fromhex(data))
    assert info.value.offset == offset


def test_tolerant_padding_and_base() -> None:
    assert tlv.decode(bytes.fromhex("8001AAFF80"), strict_padding=False)[0].value == b"\xaa"
    with pytest.raises(DecodeError) as info:
        tlv.decode(bytes.fromhex("8005"), base=7)
    assert info.value.offset == 7


def test_bad_tags_on_encode() -> None:
    for tag in (0x1F, 0xFF, 0x9F80, 0x10000, -1):
        with pytest.raises(ProfileError):
            tlv.encode_one(tag, b"")
    with pytest.raises(ProfileError):
        tlv.encode_one(0x80, bytes(0x10000))


@settings(max_examples=200, deadline=None)
@given(st.lists(tag_values, max_size=6))
def test_round_trip(items: list[tuple[int, bytes]]) -> None:
    data = tlv.encode(items)
    decoded = tlv.decode(data, padding=b"")
    assert [(i.tag, i.value) for i in decoded] == items
    assert tlv.encode(decoded) == data
