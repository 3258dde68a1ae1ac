import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import ids
from me_lib.errors import DecodeError, ProfileError

ICCID_FILE = bytes.fromhex("98683081462002318379")


def test_iccid_vector() -> None:
    iccid = ids.decode_iccid(ICCID_FILE)
    assert iccid.digits == "89860318640220133897"
    assert str(iccid) == iccid.digits
    assert iccid.luhn_ok
    assert ids.encode_iccid(iccid) == ICCID_FILE


def test_iccid_19_digits_and_bad_luhn() -> None:
    data = ids.encode_iccid("8944110000000000001")
    assert data[-1] == 0xF1
    iccid = ids.decode_iccid(data)
    assert iccid.digits == "8944110000000000001"
    assert not iccid.luhn_ok  # reported, not enforced


@pytest.mark.parametrize(("data", "offset"), [
    ("986830814620023183A9", 9),   # non-BCD nibble
    ("98683081462002F18379", 8),   # digit after padding
    ("9868308146200231FFFF", 8),   # too few digits
])
def test_iccid_malformed(data: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        ids.decode_iccid(bytes.fromhex(data))
    assert info.value.offset == offset


def test_iccid_wrong_size() -> None:
    with pytest.raises(DecodeError):
        ids.decode_iccid(ICCID_FILE[:9])
    with pytest.raises(ProfileError):
        ids.encode_iccid("1234")


@pytest.mark.parametrize("answer", [
    "89860318640220133897", '"98683081462002318379"', " 89860318640220133897 ",
    "98683081462002318379",
])
def test_iccid_from_at_either_order(answer: str) -> None:
    assert ids.iccid_from_at(answer).digits == "89860318640220133897"


def test_iccid_from_at_19_digits() -> None:
    assert ids.iccid_from_at("8944110000000000001F").digits == "8944110000000000001"
    assert ids.iccid_from_at("984411000000000000F1").digits == "8944110000000000001"
    for bad in ("", "89XX", "8986031864", "89F60318640220133897"):
        with pytest.raises(DecodeError):
            ids.iccid_from_at(bad)


def test_imsi_vector() -> None:
    data = bytes.fromhex("082982608200002080")
    assert ids.decode_imsi(data) == "228062800000208"
    assert ids.encode_imsi("228062800000208") == data
    assert ids.split_imsi("228062800000208", 2) == ("228", "06")
    assert ids.split_imsi("228062800000208", 3) == ("228", "062")


def test_imsi_even_digits() -> None:
    data = ids.encode_imsi("00101123456789")
    assert data[1] & 0x0F == 0x01
    assert ids.decode_imsi(data) == "00101123456789"


@pytest.mark.parametrize(("data", "offset"), [
    ("FFFFFFFFFFFFFFFFFF", 0),
    ("092982608200002080", 0),
    ("082A82608200002080", 1),     # type 2 is not IMSI
    ("0829826082000020A0", 8),     # non-BCD
    ("0829F26082000020F0", 3),     # digit after padding
    ("0329826012", 4),             # byte after the IMSI
])
def test_imsi_malformed(data: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        ids.decode_imsi(bytes.fromhex(data))
    assert info.value.offset == offset


def test_ad() -> None:
    ad = ids.decode_ad(bytes.fromhex("00000003"))
    assert ad.mnc_length == 3
    assert ids.decode_ad(bytes.fromhex("80000002FF")).mnc_length == 2
    assert ids.decode_ad(bytes.fromhex("000000")).mnc_length is None
    assert ids.decode_ad(bytes.fromhex("0000000F")).mnc_length is None
    for raw in ("00000003", "000000", "80000002FF01"):
        assert ids.encode_ad(ids.decode_ad(bytes.fromhex(raw))) == bytes.fromhex(raw)
    with pytest.raises(DecodeError):
        ids.decode_ad(b"\x00\x00")
    with pytest.raises(ProfileError):
        ids.encode_ad(ids.AdminData(info=b"\x00"))


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"89[0-9]{17,18}", fullmatch=True))
def test_iccid_round_trip(digits: str) -> None:
    data = ids.encode_iccid(digits)
    assert ids.decode_iccid(data).digits == digits
    assert ids.iccid_from_at(data.hex().upper()).digits == digits
    assert ids.iccid_from_at(digits).digits == digits


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{6,15}", fullmatch=True))
def test_imsi_round_trip(digits: str) -> None:
    data = ids.encode_imsi(digits)
    assert len(data) == 9
    assert ids.decode_imsi(data) == digits
    assert ids.encode_imsi(ids.decode_imsi(data)) == data


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=3, max_size=8))
def test_ad_round_trip(data: bytes) -> None:
    assert ids.encode_ad(ids.decode_ad(data)) == data
