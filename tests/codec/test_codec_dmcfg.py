import zlib
from collections.abc import Callable

import pytest
from codec_strategies import dmcfg_configs as configs
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import dmcfg
from me_lib.codec.dmcfg import Bearer, DmConfig, DmServer
from me_lib.errors import (
    DecodeError,
    InvalidAddress,
    InvalidApn,
    MeLibError,
    ProfileError,
    ProfileIntegrityError,
)

WORKED_HEX = (
    "800101"
    "810107"
    "A018"
    "800F00646D2E6578616D706C652E636F6D"
    "81021634"
    "820102"
    "A11B"
    "801602646D066D6E63303031066D63633030310467707273"
    "810103"
    "A132"
    "800C03696F74076578616D706C65"
    "810101"
    "820102"
    "8303646576"
    "8406733363726574"
    "860974656C656D65747279"
    "8604666F7461"
    "8F04D90FB64D"
) + "FF" * 15
WORKED = bytes.fromhex(WORKED_HEX)


def _crc32_bitwise(data: bytes) -> int:
    """CRC-32/IEEE computed bit by bit, to check zlib's answer independently."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_worked_example() -> None:
    """EF.DMCFG worked example (128-byte file), built by hand.

    offset  bytes                                  meaning
    0       80 01 01                               format version 1
    3       81 01 07                               sequence number 7
    6       A0 18                                  DM server #1 (24 bytes)
    8         80 0F 00 64 6D 2E 65 78 61 6D 70 6C    address: type 00 FQDN,
              65 2E 63 6F 6D                         "dm.example.com"
    25        81 02 16 34                            port 5684
    29        82 01 02                               protocol 02 LwM2M/CoAP over DTLS
                                                     (no 83: bearer index 0 = APN0)
    32      A1 1B                                  bearer #0 = APN0 (27 bytes)
    34        80 16 02 64 6D 06 6D 6E 63 30 30 31    APN "dm.mnc001.mcc001.gprs"
              06 6D 63 63 30 30 31 04 67 70 72 73    (TS 23.003 labels, with OI)
    58        81 01 03                               PDN type 03 IPV4V6
    61      A1 32                                  bearer #1 (50 bytes)
    63        80 0C 03 69 6F 74 07 65 78 61 6D 70    APN "iot.example"
              6C 65
    77        81 01 01                               PDN type 01 IP
    80        82 01 02                               auth 02 CHAP
    83        83 03 64 65 76                         user name "dev"
    88        84 06 73 33 63 72 65 74                password "s3cret"
    96        86 09 74 65 6C 65 6D 65 74 72 79       service "telemetry"
    107       86 04 66 6F 74 61                      service "fota"
    113     8F 04 D9 0F B6 4D                      CRC-32 (IEEE) of bytes 0..112
    119     FF x 9                                 padding to the file size (128)

    (The test pads to 128 bytes: 119 + 9 = 128.)
    """
    data = WORKED[:119] + b"\xff" * 9
    assert len(data) == 128
    assert _crc32_bitwise(data[:113]) == 0xD90FB64D == zlib.crc32(data[:113])
    cfg = dmcfg.decode(data)
    assert cfg == DmConfig(
        servers=(DmServer("dm.example.com", dmcfg.ADDR_FQDN, 5684, dmcfg.PROTO_COAPS),),
        bearers=(Bearer("dm.mnc001.mcc001.gprs", dmcfg.PDN_IPV4V6),
                 Bearer("iot.example", dmcfg.PDN_IP, dmcfg.AUTH_CHAP, "dev", "s3cret",
                        ("telemetry", "fota"))),
        version=1, sequence=7, has_crc=True)
    assert cfg.apn0.apn == "dm.mnc001.mcc001.gprs"
    assert cfg.bearer_for("fota") is cfg.bearers[1]
    assert cfg.bearer_for("video") is None
    assert cfg.servers[0].protocol_name == "coaps"
    assert cfg.bearers[0].pdp_type == "IPV4V6"
    assert dmcfg.encode(cfg, 128) == data


def test_password_never_in_repr() -> None:
    cfg = dmcfg.decode(WORKED)
    assert cfg is not None
    assert "s3cret" not in repr(cfg)
    assert "s3cret" not in repr(cfg.bearers[1]) and "s3cret" not in str(cfg)


def test_not_provisioned() -> None:
    assert dmcfg.decode(b"\xff" * 64) is None
    assert dmcfg.decode(b"") is None


def test_wrong_crc_is_integrity_error() -> None:
    torn = bytearray(WORKED)
    torn[20] ^= 0x01  # one bit of the FQDN flipped by a torn OTA write
    with pytest.raises(ProfileIntegrityError) as info:
        dmcfg.decode(bytes(torn))
    assert info.value.offset == 115


def test_without_crc() -> None:
    cfg = DmConfig((DmServer("10.0.0.1"),), (Bearer(""),), has_crc=False)
    data = dmcfg.encode(cfg)
    assert data == bytes.fromhex("800101 A0078005010A000001 A1028000".replace(" ", ""))
    back = dmcfg.decode(data)
    assert back is not None and not back.has_crc
    assert back.servers[0].kind == dmcfg.ADDR_IPV4 and back.bearers[0].apn == ""


def test_unknown_tags_kept() -> None:
    cfg = DmConfig((DmServer("coaps://dm.example.com:5684", extra=((0x8A, b"x"),)),),
                   (Bearer("internet", extra=((0x85, b"\x01"),)),),
                   unknown=((0x90, b"\x01\x02"), (0xB0, b"")))
    data = dmcfg.encode(cfg)
    back = dmcfg.decode(data)
    assert back is not None
    assert back.unknown == cfg.unknown
    assert back.servers[0].extra == ((0x8A, b"x"),) and back.servers[0].kind == dmcfg.ADDR_URI
    assert back.bearers[0].extra == ((0x85, b"\x01"),)
    assert dmcfg.encode(back) == data


def test_address_kinds() -> None:
    assert dmcfg.validate_address("dm.example.com") == (dmcfg.ADDR_FQDN, "dm.example.com")
    assert dmcfg.validate_address("192.0.2.1") == (dmcfg.ADDR_IPV4, "192.0.2.1")
    assert dmcfg.validate_address("2001:DB8::1") == (dmcfg.ADDR_IPV6, "2001:db8::1")
    assert dmcfg.validate_address("coaps://[2001:db8::1]:5684")[0] == dmcfg.ADDR_URI
    for bad, kind in [("dm..example", dmcfg.AUTO), ("-dm.example", dmcfg.AUTO),
                      ("dm_example.com", dmcfg.AUTO), ("300.1.1.1", dmcfg.ADDR_IPV4),
                      ("coaps://", dmcfg.AUTO), ("no scheme", dmcfg.ADDR_URI),
                      ('coap://a"b', dmcfg.AUTO), ("fe80::1%eth0", dmcfg.AUTO),
                      ("dm.example.com", 9), ("", dmcfg.AUTO), ("a" * 64, dmcfg.AUTO)]:
        with pytest.raises(InvalidAddress):
            dmcfg.validate_address(bad, kind)
    assert DmServer("192.0.2.1").address_kind == dmcfg.ADDR_IPV4
    assert DmServer("x", dmcfg.ADDR_URI).address_kind == dmcfg.ADDR_URI


def test_name_maps() -> None:
    assert dmcfg.protocol_number("coap") == dmcfg.PROTO_COAP == 1
    assert dmcfg.protocol_number("MQTTS") == dmcfg.PROTO_MQTTS == 8
    assert dmcfg.protocol_number("lwm2m") == 1 and dmcfg.protocol_number(4) == 4
    assert dmcfg.pdn_type_number("IPv4V6") == dmcfg.PDN_IPV4V6
    assert dmcfg.pdn_type_number("ipv4") == dmcfg.PDN_IP
    assert dmcfg.pdn_type_number("Non-IP") == dmcfg.PDN_NONIP
    assert dmcfg.auth_number("chap") == dmcfg.AUTH_CHAP
    assert dmcfg.address_kind_number("ipv4") == dmcfg.ADDR_IPV4
    assert dmcfg.address_kind_number("auto") == dmcfg.AUTO
    assert dmcfg.name_of(dmcfg.PROTOCOLS, 2) == "coaps"
    assert dmcfg.name_of(dmcfg.PROTOCOLS, 99) == "#99"
    assert dmcfg.name_of(dmcfg.PDN_TYPES, None) is None
    cases: list[tuple[Callable[[str | int], int], str | int]] = [
        (dmcfg.protocol_number, "gopher"), (dmcfg.protocol_number, 9),
        (dmcfg.pdn_type_number, "ppp"), (dmcfg.auth_number, "eap")]
    for fn, bad in cases:
        with pytest.raises(ProfileError):
            fn(bad)


def _file(*tlvs: str, crc: bool = False) -> bytes:
    body = bytes.fromhex("".join(tlvs).replace(" ", ""))
    if crc:
        body += b"\x8f\x04" + zlib.crc32(body).to_bytes(4, "big")
    return body


SERVER = "A0 05 8003 00 6162"   # FQDN "ab"
BEARER = "A1 02 8000"           # network-provided APN


@pytest.mark.parametrize(("data", "offset"), [
    (_file("800102", SERVER, BEARER), 2),                      # version 2
    (_file("80020101", SERVER, BEARER), 0),                    # version of 2 bytes
    (_file(SERVER, BEARER), None),                             # no version
    (_file("800101", BEARER), None),                           # no server
    (_file("800101", SERVER), None),                           # no bearer
    (_file("800101", "8105 0102030405", SERVER, BEARER), 3),   # sequence of 5 bytes
    (_file("800101", "800101", SERVER, BEARER), 3),            # version twice
    (_file("800101", "A004 810201BB", BEARER), 3),             # server without address
    (_file("800101", "A004 8002 0461", BEARER), 7),            # address type 04
    (_file("800101", "A006 8004 01 0A0000", BEARER), 7),       # IPv4 of 3 bytes
    (_file("800101", "A005 8003 00 2D61", BEARER), 8),         # bad FQDN
    (_file("800101", "A005 8003 03 6162", BEARER), 8),         # URI without scheme
    (_file("800101", "A005 8003 00 C3A9", BEARER), 8),         # non-ASCII FQDN
    (_file("800101", "A005 8003 00 FF61", BEARER), 8),         # not UTF-8
    (_file("800101", "A009 8003 006162 81020000", BEARER), 12),    # port 0
    (_file("800101", "A008 8003 006162 830101", BEARER), 12),      # dangling bearer index
    (_file("800101", SERVER, "A103 810101"), 10),                # bearer without APN
    (_file("800101", SERVER, "A103 8001 2D"), 14),             # bad APN label -> InvalidApn
    (_file("800101", SERVER, "A105 8000 8601 41"), 14),        # service name upper case
    (_file("800101", SERVER, "A106 8000 8402 610A"), 17),      # control char in password
    (_file("800101", SERVER, BEARER, "8F0400000000 800101"), 20),  # data after CRC
    (_file("800101", SERVER, BEARER, "8F03000000"), 14),       # CRC of 3 bytes
    (_file("800101", SERVER, BEARER) + b"\xff\x80", 15),       # junk after padding
    (_file("800101", SERVER, BEARER)[:-1], 10),                # truncated
])
def test_malformed(data: bytes, offset: int | None) -> None:
    with pytest.raises((DecodeError, InvalidApn)) as info:
        dmcfg.decode(data)
    assert getattr(info.value, "offset", None) == offset


def test_minimal_file_with_crc() -> None:
    data = _file("800101", SERVER, BEARER, crc=True)
    cfg = dmcfg.decode(data)
    assert cfg is not None and cfg.has_crc and cfg.servers[0].address == "ab"
    assert dmcfg.encode(cfg) == data


def test_encode_errors() -> None:
    good_server, good_bearer = DmServer("dm.example.com"), Bearer("internet")
    bad_models = [
        DmConfig((), (good_bearer,)),
        DmConfig((good_server,), ()),
        DmConfig((DmServer("dm.example.com", port=0),), (good_bearer,)),
        DmConfig((DmServer("dm.example.com", protocol=256),), (good_bearer,)),
        DmConfig((DmServer("dm.example.com", bearer_index=1),), (good_bearer,)),
        DmConfig((good_server,), (Bearer("internet", services=("Bad Name",)),)),
        DmConfig((good_server,), (Bearer("internet", password="a\r\nAT+CFUN=0"),)),
        DmConfig((good_server,), (good_bearer,), sequence=1 << 32),
        DmConfig((good_server,), (good_bearer,), unknown=((0xA0, b""),)),
        DmConfig((DmServer("x", extra=((0x80, b""),)),), (good_bearer,)),
    ]
    for model in bad_models:
        with pytest.raises(ProfileError):
            dmcfg.encode(model)
    with pytest.raises(InvalidAddress):
        dmcfg.encode(DmConfig((DmServer("bad address"),), (good_bearer,)))
    with pytest.raises(InvalidApn):
        dmcfg.encode(DmConfig((good_server,), (Bearer("-x"),)))
    with pytest.raises(ProfileError):
        dmcfg.encode(DmConfig((good_server,), (good_bearer,)), size=10)


@settings(max_examples=100, deadline=None)
@given(configs(), st.integers(0, 16))
def test_round_trip(cfg: DmConfig, pad: int) -> None:
    raw = dmcfg.encode(cfg)
    data = dmcfg.encode(cfg, len(raw) + pad)
    back = dmcfg.decode(data)
    assert back == cfg
    assert dmcfg.encode(back, len(data)) == data


@settings(max_examples=60, deadline=None)
@given(configs(), st.data())
def test_any_flipped_byte_is_caught_by_the_crc(cfg: DmConfig, data: st.DataObject) -> None:
    raw = dmcfg.encode(DmConfig(cfg.servers, cfg.bearers, sequence=cfg.sequence,
                                has_crc=True))
    crc_at = len(raw) - 6
    pos = data.draw(st.integers(0, crc_at - 1))
    torn = bytearray(raw)
    torn[pos] ^= data.draw(st.integers(1, 255))
    with pytest.raises(MeLibError):
        dmcfg.decode(bytes(torn))
