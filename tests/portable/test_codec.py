"""The provisioning codecs on both interpreters: EF.DMCFG, EF_ACL, APN labels, IP text.

The vectors are the documented ones (docs/dmcfg.md worked example, the
TS 31.102 §4.2.48 ACL, the TS 23.003 APN); the rejections carry the offset of the
bad byte, so a board reports the same byte a PC does.
"""

from portable_support import raises

from me_lib.codec import acl, apn, dmcfg, ipaddr, tlv
from me_lib.codec._common import uint_bytes, utf8_error
from me_lib.errors import (
    DecodeError,
    InvalidAddress,
    InvalidApn,
    ProfileError,
    ProfileIntegrityError,
)

WORKED = bytes.fromhex(
    "800101810107A018800F00646D2E6578616D706C652E636F6D81021634820102A11B801602646D066D6E"
    "63303031066D63633030310467707273810103A132800C03696F74076578616D706C6581010182010283"
    "036465768406733363726574860974656C656D657472798604666F74618F04D90FB64DFFFFFFFFFFFFFF"
    "FFFF")
APN_VECTOR = bytes.fromhex("02646D066D6E63303031066D63633030310467707273")
ACL_VECTOR = bytes.fromhex("03DD0908696E7465726E6574DD1003696F74076578616D706C6503636F6D"
                           "DD00")
SERVER = "A0058003006162"  # FQDN "ab"
BEARER = "A1028000"  # network-provided APN


def _worked_model() -> dmcfg.DmConfig:
    return dmcfg.DmConfig(
        servers=(dmcfg.DmServer("dm.example.com", dmcfg.ADDR_FQDN, 5684, dmcfg.PROTO_COAPS),),
        bearers=(dmcfg.Bearer("dm.mnc001.mcc001.gprs", dmcfg.PDN_IPV4V6),
                 dmcfg.Bearer("iot.example", dmcfg.PDN_IP, dmcfg.AUTH_CHAP, "dev", "s3cret",
                              ("telemetry", "fota"))),
        version=1, sequence=7, has_crc=True)


def _offset(exc_type: type, fn: object, *args: object) -> object:
    """The `offset` of the `exc_type` error that `fn(*args)` raises."""
    return getattr(raises(exc_type, fn, *args), "offset", None)  # type: ignore[arg-type]


def _decode_offset(exc_type: type, data: bytes) -> object:
    return _offset(exc_type, dmcfg.decode, data)


def test_dmcfg_worked_example() -> None:
    assert len(WORKED) == 128
    cfg = dmcfg.decode(WORKED)
    assert cfg == _worked_model()
    assert cfg is not None
    assert cfg.apn0.pdp_type == "IPV4V6"
    assert cfg.bearer_for("fota") is cfg.bearers[1]
    assert cfg.servers[0].protocol_name == "coaps"
    assert dmcfg.encode(cfg, 128) == WORKED


def test_dmcfg_models_hide_the_password_and_compare_by_value() -> None:
    cfg = _worked_model()
    assert "s3cret" not in repr(cfg) and "iot.example" in repr(cfg)
    assert hash(cfg) == hash(_worked_model())
    changed = cfg.bearers[1].replace(password="other")
    assert changed != cfg.bearers[1] and changed.apn == "iot.example"
    assert changed.password == "other" and cfg.bearers[1].password == "s3cret"
    assert cfg.replace(sequence=8).sequence == 8 and cfg.sequence == 7
    raises(TypeError, cfg.replace, colour="red")


def test_dmcfg_torn_update_and_rejections() -> None:
    torn = bytearray(WORKED)
    torn[20] ^= 0x01
    assert _decode_offset(ProfileIntegrityError, bytes(torn)) == 115
    assert dmcfg.decode(b"\xff" * 16) is None
    assert _decode_offset(DecodeError, bytes.fromhex("800102" + SERVER + BEARER)) == 2
    # FQDN bytes that are not UTF-8: bad lead byte, surrogate, overlong form
    for bad in ("FF61", "EDA080", "C0AF"):
        size = 1 + len(bad) // 2
        server = "A0%02X80%02X00%s" % (size + 2, size, bad)
        assert _decode_offset(DecodeError, bytes.fromhex("800101" + server + BEARER)) == 8
    # upper-case service name, dangling bearer index
    assert _decode_offset(DecodeError, bytes.fromhex(
        "800101" + SERVER + "A1058000860141")) == 14
    assert _decode_offset(DecodeError, bytes.fromhex(
        "800101A0088003006162830101" + BEARER)) == 12
    assert _decode_offset(InvalidApn, bytes.fromhex("800101" + SERVER + "A10380012D")) == 14


def test_dmcfg_addresses() -> None:
    assert dmcfg.validate_address("2001:DB8::1") == (dmcfg.ADDR_IPV6, "2001:db8::1")
    assert dmcfg.validate_address("192.0.2.1") == (dmcfg.ADDR_IPV4, "192.0.2.1")
    assert dmcfg.validate_address("coaps://dm.example.com:5684")[0] == dmcfg.ADDR_URI
    for bad in ("dm..example", "-dm.example", "fe80::1%eth0", "coaps://", 'coap://a"b',
                "coap://caf\u00e9.example", "1coap://x"):
        raises(InvalidAddress, dmcfg.validate_address, bad)
    raises(InvalidAddress, dmcfg.validate_address, "300.1.1.1", dmcfg.ADDR_IPV4)
    raises(InvalidAddress, dmcfg.validate_address, "::1", dmcfg.ADDR_IPV4)
    cfg = dmcfg.DmConfig((dmcfg.DmServer("10.0.0.1"),), (dmcfg.Bearer(""),), has_crc=False)
    assert dmcfg.encode(cfg) == bytes.fromhex("800101A0078005010A000001A1028000")


def test_service_names() -> None:
    assert dmcfg.is_service_name("telemetry") and dmcfg.is_service_name("a.b_c-9")
    for bad in ("", "Telemetry", "a b", "x" * 33, "caf\u00e9"):
        assert not dmcfg.is_service_name(bad)
    bearer = dmcfg.Bearer("internet", services=("Bad",))
    raises(ProfileError, dmcfg.encode, dmcfg.DmConfig((dmcfg.DmServer("ab"),), (bearer,)))


def test_dmcfg_refuses_unsafe_credentials() -> None:
    for password in ("a\r\nAT+CFUN=0", "\ud800"):
        bearer = dmcfg.Bearer("internet", password=password)
        raises(ProfileError, dmcfg.encode, dmcfg.DmConfig((dmcfg.DmServer("ab"),), (bearer,)))


def test_acl_vector_and_rejections() -> None:
    model = acl.decode(ACL_VECTOR + b"\xff" * 4)
    assert model == acl.Acl(("internet", "iot.example.com", ""), 3)
    assert model.allows_network_provided and not model.count_mismatch
    assert acl.encode(acl.Acl(("internet", "iot.example.com", ""))) == ACL_VECTOR
    assert acl.decode(b"\x05" + ACL_VECTOR[1:]).count_mismatch
    assert acl.decode(b"\x01\xdd\x08internet").apns == ("internet",)
    assert _offset(DecodeError, acl.decode, bytes.fromhex("01DD05036162")) == 1
    assert _offset(InvalidApn, acl.decode, bytes.fromhex("01DD03022D61")) == 4
    raises(DecodeError, acl.decode, b"")


def test_apn_vector_and_rejections() -> None:
    assert apn.encode("dm.mnc001.mcc001.gprs") == APN_VECTOR
    assert apn.decode(APN_VECTOR) == "dm.mnc001.mcc001.gprs"
    assert apn.decode(b"") == "" and apn.encode("") == b""
    assert _offset(InvalidApn, apn.decode, b"\x02ab\x00") == 3
    assert _offset(InvalidApn, apn.decode, b"\x05ab") == 0
    assert _offset(InvalidApn, apn.decode, b"\x02a_") == 2
    assert _offset(InvalidApn, apn.decode, b"\x03foo\x04gprs") == 5


def test_ipaddr_canonical_forms() -> None:
    cases = [("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("0:0:0:0:0:0:0:0", "::"),
             ("::ffff:192.0.2.1", "::ffff:c000:201"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
             ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"), ("0.0.0.0", "0.0.0.0")]
    for text, canonical in cases:
        assert ipaddr.unpack(ipaddr.pack(text)) == canonical
    assert ipaddr.version("10.1.2.3") == 4 and ipaddr.version("fe80::1%eth0") == 6
    for bad in ("01.2.3.4", "1.2.3", "1::2::3", "12345::", "::1/128", "dm.example", ""):
        assert ipaddr.version(bad) == 0
        raises(InvalidAddress, ipaddr.pack, bad)
    raises(InvalidAddress, ipaddr.unpack, b"\x01\x02\x03")


def test_tlv_and_helpers() -> None:
    items = tlv.decode(bytes.fromhex("9F700102A003800100FF"))
    assert items == [tlv.Tlv(0x9F70, b"\x02", 0, 3), tlv.Tlv(0xA0, b"\x80\x01\x00", 4, 6)]
    assert tlv.children(items[1]) == [tlv.Tlv(0x80, b"\x00", 6, 8)]
    assert tlv.encode(items) == bytes.fromhex("9F700102A003800100")
    assert _offset(DecodeError, tlv.decode, bytes.fromhex("8002AA")) == 0
    assert uint_bytes(0) == b"\x00" and uint_bytes(0x10000) == b"\x01\x00\x00"
    assert uint_bytes(5, 2) == b"\x00\x05"
    assert utf8_error("h\u00e9\u20ac\U0001f600".encode()) == -1
    assert utf8_error(b"ab\xed\xa0\x80") == 2 and utf8_error(b"\xf4\x90\x80\x80") == 0
    assert utf8_error(b"a\xe2\x82") == 1
