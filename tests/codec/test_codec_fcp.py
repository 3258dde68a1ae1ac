import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import fcp
from me_lib.errors import DecodeError, ProfileError

EF_DIR = bytes.fromhex("621A8205422100300483022F008A01058B032F0601800200C08801F0")
EF_ICCID = bytes.fromhex("62178202412183022FE28A01058B032F0603800200 0A880110".replace(" ", ""))
PKCS15_ADF = bytes.fromhex(
    "622582027821840CA000000063504B43532D31358A01058B032F060CC60990014083010183010A")


def test_ef_dir() -> None:
    f = fcp.decode(EF_DIR)
    d = f.descriptor
    assert d is not None
    assert (d.file_type, d.structure, d.shareable) == ("working", "linear_fixed", True)
    assert (d.data_coding, d.record_length, d.record_count) == (0x21, 0x30, 4)
    assert f.fid == 0x2F00 and f.size == 0xC0 and f.sfi == 0x1E
    assert f.life_cycle == "operational (activated)" and f.activated
    assert f.arr == fcp.ArrReference(0x2F06, 1)
    assert fcp.encode(f) == EF_DIR


def test_ef_iccid() -> None:
    f = fcp.decode(EF_ICCID)
    assert f.descriptor is not None and f.descriptor.structure == "transparent"
    assert f.fid == 0x2FE2 and f.size == 10 and f.sfi == 2 and f.effective_sfi == 2
    assert f.arr == fcp.ArrReference(0x2F06, 3)
    assert fcp.encode(f) == EF_ICCID


def test_pkcs15_adf() -> None:
    f = fcp.decode(PKCS15_ADF)
    assert f.is_df and f.descriptor is not None and f.descriptor.structure is None
    assert f.df_name == bytes.fromhex("A000000063504B43532D3135")
    assert f.pin_status is not None
    assert f.pin_status.pins == ((0x01, False), (0x0A, True))
    assert f.pin_status.enabled(0x0A) and f.pin_status.enabled(0x01) is False
    assert f.pin_status.enabled(0x81) is None
    assert fcp.encode(f) == PKCS15_ADF


def test_fdb_builder_and_names() -> None:
    assert fcp.fdb("working", "transparent") == 0x41
    assert fcp.fdb("working", "linear_fixed") == 0x42
    assert fcp.fdb("working", "cyclic") == 0x46
    assert fcp.fdb("df") == 0x78
    assert fcp.fdb("working", "ber_tlv") == 0x79
    assert fcp.fdb("internal", "transparent", shareable=False) == 0x09
    assert fcp.FileDescriptor(0x79).structure == "ber_tlv"
    assert fcp.FileDescriptor(0x39).shareable is False
    with pytest.raises(ProfileError):
        fcp.fdb("working", "weird")
    names = {v: fcp.lcsi_name(v) for v in (0, 1, 3, 4, 5, 6, 7, 0x0C, 0x0F, 0x02, 0x20)}
    assert names == {0: "no information", 1: "creation", 3: "initialisation",
                     4: "operational (deactivated)", 5: "operational (activated)",
                     6: "operational (deactivated)", 7: "operational (activated)",
                     0x0C: "terminated", 0x0F: "terminated", 0x02: "rfu",
                     0x20: "proprietary"}
    assert not fcp.Fcp(lcsi=4).activated


def test_sfi_forms() -> None:
    none = fcp.decode(bytes.fromhex("62028800"))
    assert none.no_sfi and none.effective_sfi is None
    assert fcp.encode(none) == bytes.fromhex("62028800")
    absent = fcp.decode(bytes.fromhex("620483026F07"))
    assert absent.sfi is None and absent.effective_sfi == 0x07


def test_security_forms_and_unknown() -> None:
    data = bytes.fromhex("62148B062F060001020A8C03010203AB020000" + "D00101")
    f = fcp.decode(data)
    assert f.arr == fcp.ArrReference(0x2F06, 1, ((0, 1), (2, 0x0A)))
    assert [t for t, _ in f.security] == [0x8B, 0x8C, 0xAB]
    assert f.unknown == ((0xD0, b"\x01"),)
    assert fcp.encode(f) == data


def test_proprietary_and_total_size() -> None:
    data = bytes.fromhex("6211820278218302 3F00A5038001718102FFFF".replace(" ", ""))
    f = fcp.decode(data[:2] + data[2:])
    assert f.proprietary == bytes.fromhex("800171") and f.total_size == 0xFFFF
    assert fcp.encode(f) == data


def test_trailing_padding_tolerated() -> None:
    assert fcp.decode(EF_ICCID + b"\xff\xff") == fcp.decode(EF_ICCID)


@pytest.mark.parametrize(("data", "offset"), [
    ("6F0483022F00", 0),              # FCI, not FCP
    ("62038201", 0),                  # template cut short
    ("6203820141", 2),                # descriptor of 1 byte
    ("620782054221000001", 6),        # record length 0
    ("6203830100", 2),                # FID of 1 byte
    ("620883022F0083022F00", 6),      # FID twice
    ("6203880100", 4),                # SFI 0
    ("62048B022F06", 2),              # ARR reference of 2 bytes
    ("6205C603830101", 4),            # PIN template without PS_DO
    ("6208C606900140820101", 7),      # unexpected tag in the PIN template
    ("6208C606900140950101", 7),      # usage qualifier without a key reference
    ("62048A020101", 2),              # LCSI of 2 bytes
    ("62058005000000", 2),            # size cut short inside the template
    ("6207800500000000 01", 2),       # size of 5 bytes
    ("6202880062028800", 4),          # second template
])
def test_malformed(data: str, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        fcp.decode(bytes.fromhex(data.replace(" ", "")))
    assert info.value.offset == offset


def test_encode_rejects_out_of_range() -> None:
    with pytest.raises(ProfileError):
        fcp.encode(fcp.Fcp(fid=0x10000))
    with pytest.raises(ProfileError):
        fcp.encode(fcp.Fcp(sfi=31))
    with pytest.raises(ProfileError):
        fcp.encode(fcp.Fcp(descriptor=fcp.FileDescriptor(0x42, 0x21, 10, None)))
    with pytest.raises(ProfileError):
        fcp.encode(fcp.Fcp(size=-1))


_descriptors = st.one_of(
    st.builds(fcp.FileDescriptor, st.sampled_from([0x41, 0x01, 0x78, 0x38, 0x79]),
              st.integers(0, 255)),
    st.builds(fcp.FileDescriptor, st.sampled_from([0x42, 0x46, 0x02]), st.integers(0, 255),
              st.integers(1, 0xFFFF), st.integers(0, 255)),
)
_pins = st.lists(st.tuples(st.integers(0, 255), st.booleans()), max_size=10).map(
    fcp.PinStatus.build)


@settings(max_examples=200, deadline=None)
@given(st.builds(
    fcp.Fcp,
    descriptor=st.none() | _descriptors,
    fid=st.none() | st.integers(0, 0xFFFF),
    df_name=st.none() | st.binary(min_size=1, max_size=16),
    proprietary=st.none() | st.binary(max_size=20),
    lcsi=st.none() | st.integers(0, 255),
    security=st.lists(st.sampled_from([(0x8B, b"\x2f\x06\x01"), (0x8C, b"\x01\x02"),
                                       (0xAB, b"")]), max_size=2).map(tuple),
    pin_status=st.none() | _pins,
    size=st.none() | st.integers(0, 0xFFFFFFFF),
    total_size=st.none() | st.integers(0, 0xFFFFFFFF),
    sfi=st.none() | st.integers(1, 30),
    no_sfi=st.just(False),
    unknown=st.lists(st.tuples(st.sampled_from([0x85, 0xD1, 0x9F70]), st.binary(max_size=4)),
                     max_size=2).map(tuple),
))
def test_round_trip(model: fcp.Fcp) -> None:
    data = fcp.encode(model)
    assert fcp.decode(data) == model
    assert fcp.encode(fcp.decode(data)) == data
