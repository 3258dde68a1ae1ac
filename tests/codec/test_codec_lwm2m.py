import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import lwm2m, pkcs15, tlv
from me_lib.codec.lwm2m import LwTlv, SecurityInstance
from me_lib.errors import DecodeError, ProfileError

ODF = bytes.fromhex("A706300404026430")
DODF = (bytes.fromhex("A12730003011 0C0F".replace(" ", "")) + b"LwM2M Bootstrap"
        + bytes.fromhex("A110300E060606 04672B0901 300404026432".replace(" ", "")))


def test_odf_vector() -> None:
    entries = pkcs15.decode_odf(ODF + b"\x00" * 6)
    assert entries == (pkcs15.OdfEntry(0xA7, pkcs15.Path(b"\x64\x30")),)
    assert pkcs15.dodf_path(entries) == pkcs15.Path(b"\x64\x30")
    assert pkcs15.encode_odf(entries) == ODF


def test_dodf_vector_with_wrapped_oid() -> None:
    entries = pkcs15.decode_dodf(DODF + b"\xff" * 4)
    assert len(entries) == 1
    e = entries[0]
    assert (e.oid, e.oid_wrapped, e.app_name, e.label, e.raw) == (
        "2.23.43.9.1", True, "LwM2M Bootstrap", None, None)
    assert pkcs15.lwm2m_bootstrap_path(entries) == pkcs15.Path(b"\x64\x32")
    assert pkcs15.encode_dodf(entries) == DODF


def test_dodf_correct_oid_form() -> None:
    entry = pkcs15.DodfEntry(label="boot", app_name="LwM2M Bootstrap",
                             oid=pkcs15.LWM2M_BOOTSTRAP_OID, path=pkcs15.Path(b"\x64\x32"))
    data = pkcs15.encode_dodf([entry])
    assert bytes.fromhex("0604672B0901") in data and bytes.fromhex("0606") not in data
    assert pkcs15.decode_dodf(data) == (entry,)


def test_dodf_entry_with_more_attributes_kept_raw() -> None:
    # CommonObjectAttributes with a label and flags (03 02 06 40), a Path with an index.
    common = tlv.encode([(0x0C, b"b"), (0x03, b"\x06\x40")])
    path = tlv.encode([(0x04, b"\x64\x32"), (0x02, b"\x00")])
    oid_do = tlv.encode([(0x06, bytes.fromhex("672B0901")), (0x30, path)])
    entry = tlv.encode_one(0xA1, tlv.encode(
        [(0x30, common), (0x30, b""), (0xA1, tlv.encode_one(0x30, oid_do))]))
    decoded = pkcs15.decode_dodf(entry)
    assert decoded[0].oid == "2.23.43.9.1" and decoded[0].label == "b"
    assert decoded[0].raw == entry
    assert pkcs15.lwm2m_bootstrap_path(decoded) == pkcs15.Path(b"\x64\x32", 0)
    assert pkcs15.encode_dodf(decoded) == entry


def test_oid_codec() -> None:
    assert pkcs15.encode_oid("2.23.43.9.1") == bytes.fromhex("672B0901")
    assert pkcs15.decode_oid(bytes.fromhex("2A864886F70D")) == "1.2.840.113549"
    assert pkcs15.encode_oid("1.2.840.113549") == bytes.fromhex("2A864886F70D")
    for bad in (b"", b"\x86", b"\x2a\x80\x01"):
        with pytest.raises(DecodeError):
            pkcs15.decode_oid(bad)
    for text in ("1", "3.1", "1.40", "a.b"):
        with pytest.raises(ProfileError):
            pkcs15.encode_oid(text)


def _security(uri: str, boot: bool, mode: int, ssid: int | None, key: bytes) -> SecurityInstance:
    return SecurityInstance(0 if boot else 1, uri, boot, mode, ssid, (
        LwTlv(lwm2m.KIND_RESOURCE, 3, b"identity"),
        LwTlv(lwm2m.KIND_RESOURCE, 5, key)))


def test_bootstrap_file() -> None:
    """Security instance 0 = bootstrap server (PSK) and a Server object, as Anjay's example."""
    sec = _security("coaps://eu.iot.avsystem.cloud:5684", True, 0, None, b"SECRETKEY")
    server = LwTlv(lwm2m.KIND_OBJECT_INSTANCE, 1, b"", (
        LwTlv(lwm2m.KIND_RESOURCE, 0, lwm2m.encode_int(1)),
        LwTlv(lwm2m.KIND_RESOURCE, 1, lwm2m.encode_int(86400)),
        LwTlv(lwm2m.KIND_RESOURCE, 7, b"U")))
    bf = lwm2m.BootstrapFile((lwm2m.security_object([sec]),
                              lwm2m.BootstrapObject(lwm2m.OBJ_SERVER, (server,))))
    data = lwm2m.encode(bf, 256)
    size = int.from_bytes(data[2:4], "big")
    assert data[:2] == b"\x00\x02"  # two objects
    assert data[4:7] == b"\x00\x00\x00"  # object 0, implicit version
    assert data[4 + size:] == b"\xff" * (256 - 4 - size)
    back = lwm2m.decode(data)
    assert back == bf
    assert lwm2m.encode(back, 256) == data
    (inst,) = lwm2m.security_instances(back)
    assert inst.server_uri == "coaps://eu.iot.avsystem.cloud:5684"
    assert inst.bootstrap is True and inst.security_mode == 0 and inst.short_server_id is None
    assert "SECRETKEY" not in repr(back) and "SECRETKEY" not in repr(inst)
    assert "identity" not in repr(inst)
    assert back.object(7) is None


def test_bootstrap_tlv_bytes() -> None:
    """Hand-checked TLV: resource 0 (8-bit id, 3-bit length), resource 1, 16-bit id."""
    data = lwm2m.encode_tlv([LwTlv(lwm2m.KIND_OBJECT_INSTANCE, 0, b"", (
        LwTlv(lwm2m.KIND_RESOURCE, 0, b"coap://a"),
        LwTlv(lwm2m.KIND_RESOURCE, 1, b"\x01"),
        LwTlv(lwm2m.KIND_RESOURCE, 300, b"\x00\x01"),
    ))])
    assert data == bytes.fromhex(
        "08 00 13  C8 00 08 636F61703A2F2F61  C1 01 01  E2 012C 0001".replace(" ", ""))
    assert lwm2m.decode_tlv(data)[0].children[2].ident == 300


def test_versioned_object_and_not_provisioned() -> None:
    bf = lwm2m.BootstrapFile((lwm2m.BootstrapObject(0, (), (1, 1)),))
    data = lwm2m.encode(bf)
    assert data == bytes.fromhex("0001 0006 0000 0101 0000".replace(" ", ""))
    assert lwm2m.decode(data) == bf
    assert lwm2m.decode(b"\xff" * 32) is None
    with pytest.raises(ProfileError):
        lwm2m.encode(lwm2m.BootstrapFile((lwm2m.BootstrapObject(0, (), (0, 1)),)))


@pytest.mark.parametrize(("data", "offset"), [
    ("0001", None),                       # header cut short
    ("0001 0010 0000 00 0000", 2),        # size larger than the file
    ("0002 0005 0000 00 0000", 0),        # object count mismatch
    ("0001 0005 0000 00 0001", 4),        # object length past the end
    ("0001 0003 0000 00", 4),             # object header cut short
    ("0001 0005 0000 00 0000 12", 9),     # junk after the objects
    ("0001 0008 0000 00 0003 C8 00 05", 9),     # TLV value past the end
    ("0001 0009 0000 00 0004 08 00 01 08", 12),  # instance inside an instance
])
def test_bootstrap_malformed(data: str, offset: int | None) -> None:
    with pytest.raises(DecodeError) as info:
        lwm2m.decode(bytes.fromhex(data.replace(" ", "")))
    assert info.value.offset == offset


def test_security_resource_errors() -> None:
    inst = LwTlv(lwm2m.KIND_OBJECT_INSTANCE, 0, b"", (LwTlv(lwm2m.KIND_RESOURCE, 1, b"\x02"),))
    with pytest.raises(DecodeError):
        SecurityInstance.from_tlv(inst)
    inst = LwTlv(lwm2m.KIND_OBJECT_INSTANCE, 0, b"", (LwTlv(lwm2m.KIND_RESOURCE, 2, b"\x00" * 3),))
    with pytest.raises(DecodeError):
        SecurityInstance.from_tlv(inst)
    inst = LwTlv(lwm2m.KIND_OBJECT_INSTANCE, 0, b"", (LwTlv(lwm2m.KIND_RESOURCE, 0, b"\xff"),))
    with pytest.raises(DecodeError):
        SecurityInstance.from_tlv(inst)
    with pytest.raises(DecodeError):
        SecurityInstance.from_tlv(LwTlv(lwm2m.KIND_RESOURCE, 0, b""))


def test_int_codec() -> None:
    assert lwm2m.encode_int(0) == b"\x00"
    assert lwm2m.encode_int(128) == b"\x00\x80"
    assert lwm2m.encode_int(-129) == b"\xff\x7f"
    assert lwm2m.encode_int(1 << 40) == (1 << 40).to_bytes(8, "big")
    with pytest.raises(ProfileError):
        lwm2m.encode_int(1 << 63)


_resource = st.builds(LwTlv, st.just(lwm2m.KIND_RESOURCE), st.integers(0, 0xFFFF),
                      st.binary(max_size=300))
_multi = st.builds(LwTlv, st.just(lwm2m.KIND_MULTIPLE_RESOURCE), st.integers(0, 0xFFFF),
                   st.just(b""), st.lists(st.builds(
                       LwTlv, st.just(lwm2m.KIND_RESOURCE_INSTANCE), st.integers(0, 0xFFFF),
                       st.binary(max_size=10)), max_size=3).map(tuple))
_instance = st.builds(LwTlv, st.just(lwm2m.KIND_OBJECT_INSTANCE), st.integers(0, 0xFFFF),
                      st.just(b""), st.lists(_resource | _multi, max_size=4).map(tuple))
_objects = st.builds(lwm2m.BootstrapObject, st.integers(0, 0xFFFF),
                     st.lists(_instance, max_size=3).map(tuple),
                     st.none() | st.tuples(st.integers(1, 255), st.integers(0, 255)))


@settings(max_examples=150, deadline=None)
@given(st.lists(_objects, max_size=3).map(tuple))
def test_bootstrap_round_trip(objects: tuple[lwm2m.BootstrapObject, ...]) -> None:
    bf = lwm2m.BootstrapFile(objects)
    data = lwm2m.encode(bf)
    assert lwm2m.decode(data) == bf
    assert lwm2m.encode(lwm2m.decode(data) or bf) == data


@settings(max_examples=150, deadline=None)
@given(st.builds(SecurityInstance, st.integers(0, 0xFFFF), st.none() | st.text(max_size=40),
                 st.none() | st.booleans(), st.none() | st.integers(0, 4),
                 st.none() | st.integers(1, 65534),
                 st.lists(st.sampled_from([3, 4, 5, 6, 11, 12]), unique=True).map(
                     lambda ids: tuple(LwTlv(lwm2m.KIND_RESOURCE, i, b"k%d" % i)
                                       for i in sorted(ids)))))
def test_security_round_trip(inst: SecurityInstance) -> None:
    assert SecurityInstance.from_tlv(inst.to_tlv()) == inst


_paths = st.builds(pkcs15.Path, st.binary(min_size=1, max_size=8),
                   st.none() | st.integers(0, 0x7FFFFFFF), st.none() | st.integers(0, 0xFFFF))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.builds(pkcs15.OdfEntry, st.integers(0xA0, 0xA8), _paths), max_size=4),
       st.lists(st.builds(pkcs15.DodfEntry, st.sampled_from([0xA1, 0x30, 0xA0]),
                          st.none() | st.text(max_size=10), st.none() | st.text(max_size=10),
                          st.none() | st.sampled_from(["2.23.43.9.1", "2.23.43.7.1", "1.3.6"]),
                          st.booleans(), st.none() | _paths), max_size=3))
def test_pkcs15_round_trip(odf: list[pkcs15.OdfEntry], dodf: list[pkcs15.DodfEntry]) -> None:
    data = pkcs15.encode_odf(odf)
    assert list(pkcs15.decode_odf(data)) == odf
    data = pkcs15.encode_dodf(dodf)
    back = pkcs15.decode_dodf(data)
    assert pkcs15.encode_dodf(back) == data
    for want, got in zip(dodf, back, strict=True):
        if want.oid is not None:
            assert (got.oid, got.oid_wrapped, got.path) == (want.oid, want.oid_wrapped,
                                                            want.path)
