import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import efdir, tlv
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


# --- 00/FF padding around and between the data objects (ISO/IEC 7816-4 §5.2.2.1) -------

USIM_AID = "A0000000871002FF86FF0389FFFFFFFF"
AID_TLV = "4F10" + USIM_AID
LABEL_TLV = "50045553494D"


@pytest.mark.parametrize("record", [
    "61" + "1A" + AID_TLV + "FFFF" + LABEL_TLV + "FF" * 20,     # FF between objects inside
    "61" + "1A" + AID_TLV + "0000" + LABEL_TLV + "FF" * 20,     # 00 between objects inside
    "61" + "1A" + "FF" + AID_TLV + LABEL_TLV + "00" + "FF" * 20,  # before and after, inside
    "0000" + "61" + "18" + AID_TLV + LABEL_TLV + "FF" * 20,     # 00 before the template
    "FFFF" + "61" + "18" + AID_TLV + LABEL_TLV + "00" * 20,     # FF before, 00 after
    "61" + "18" + AID_TLV + LABEL_TLV + "00FF00FF",              # mixed padding after
])
def test_padded_records_decode(record: str) -> None:
    app = efdir.decode(bytes.fromhex(record))
    assert app == efdir.Application(bytes.fromhex(USIM_AID), "USIM")


@pytest.mark.parametrize("record", ["00" * 48, "FF" * 48, "00FF" * 24, ""])
def test_records_of_padding_only_are_unused(record: str) -> None:
    assert efdir.decode(bytes.fromhex(record)) is None


def test_padding_does_not_hide_a_second_object_or_a_cut_template() -> None:
    with pytest.raises(DecodeError, match="after the application template"):
        efdir.decode(bytes.fromhex("61034F0101" + "FF00" + "61034F0102"))
    with pytest.raises(DecodeError, match="says 24 bytes"):
        efdir.decode(bytes.fromhex("0000" + "6118" + AID_TLV))


_PAD = st.lists(st.sampled_from([b"\x00", b"\xff"]), max_size=4).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=16), st.none() | st.text(max_size=12),
       st.lists(st.tuples(st.sampled_from([0x51, 0x52, 0x53, 0x73]), st.binary(max_size=8)),
                max_size=2),
       st.data())
def test_padding_between_objects_decodes_the_same(aid: bytes, label: str | None,
                                                  extra: list[tuple[int, bytes]],
                                                  data: st.DataObject) -> None:
    """00/FF runs before, between and after the objects (top level and inside the
    template) give the application the unpadded record gives."""
    app = efdir.Application(aid, label, tuple(extra))
    inner = [(efdir.TAG_AID, aid)]
    if label is not None:
        inner.append((efdir.TAG_LABEL, label.encode("utf-8")))
    inner.extend(extra)
    body = b"".join(data.draw(_PAD) + tlv.encode_one(tag, value) for tag, value in inner)
    body += data.draw(_PAD)
    record = data.draw(_PAD) + tlv.encode_one(efdir.TAG_TEMPLATE, body) + data.draw(_PAD)
    assert efdir.decode(efdir.encode(app)) == app
    assert efdir.decode(record) == app
