"""URSP rules (TS 24.526 §5.2) and EF_URSP: hand-built vectors, the example set, round trips."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import ursp as U
from me_lib.errors import DecodeError, ProfileError

# --- hand-built vectors ----------------------------------------------------------------

# Rule 1 of the example set: traffic of the app "com.example.iot" -> DNN "iot", SSC mode 1,
# PDU session type IPv4.
RULE_IOT = bytes.fromhex(
    "0025"          # length of URSP rule: 37 bytes follow
    "01"            # precedence value of the rule: 1
    "0011"          # length of traffic descriptor: 17
    "a0" "0f"       # OS App Id type (A0), OS App Id length 15
    + b"com.example.iot".hex()
    + "000f"        # length of route selection descriptor list: 15
    "000d"          # length of route selection descriptor: 13
    "01"            # precedence value of the RSD: 1
    "000a"          # length of RSD contents: 10
    "01" "01"       # SSC mode type, SSC mode 1
    "04" "04" "03" + b"iot".hex()   # DNN type, length 4, label "iot"
    + "08" "01"     # PDU session type type, IPv4
)

# The DM server's FQDN (label-encoded) -> DNN "dm", with the slice SST 1 + SD 000001.
RULE_DM = bytes.fromhex(
    "0028"          # rule length 40
    "02"            # precedence 2
    "0011"          # traffic descriptor length 17
    "91" "0f"       # destination FQDN type, length 15
    "02" + b"dm".hex() + "07" + b"example".hex() + "03" + b"net".hex()   # dm.example.net
    + "0012"        # RSD list length 18
    "0010"          # RSD length 16
    "01"            # RSD precedence 1
    "000d"          # RSD contents length 13
    "02" "04" "01000001"   # S-NSSAI type, length 4: SST 1, SD 000001
    "04" "03" "02" + b"dm".hex()    # DNN "dm"
    + "08" "03"     # PDU session type IPv4v6
)

# Match-all -> DNN "internet" (the default route).
RULE_DEFAULT = bytes.fromhex(
    "0016"          # rule length 22
    "ff"            # precedence 255 (last)
    "0001" "01"     # traffic descriptor: match-all only
    "0010"          # RSD list length 16
    "000e" "01" "000b"     # RSD length 14, precedence 1, contents 11
    "04" "09" "08" + b"internet".hex()   # DNN "internet"
)

EXAMPLE = RULE_IOT + RULE_DM + RULE_DEFAULT


def test_example_rule_set_decodes_to_the_table() -> None:
    rules = U.decode_rules(EXAMPLE)
    assert [r.precedence for r in rules] == [1, 2, 255]
    iot, dm, default = rules
    assert iot.app_ids == ["com.example.iot"]
    assert (iot.routes[0].dnn, iot.routes[0].ssc_mode, iot.routes[0].pdu_session_type) == \
        ("iot", 1, U.PDU_IPV4)
    assert iot.routes[0].snssai is None
    assert dm.traffic_of(U.TD_FQDN) == ["dm.example.net"]
    assert dm.routes[0].snssai == bytes.fromhex("01000001")
    assert (dm.routes[0].dnn, dm.routes[0].pdu_session_type) == ("dm", U.PDU_IPV4V6)
    assert default.match_all and default.routes[0].dnn == "internet"
    assert default.routes[0].ssc_mode is None


def test_example_rule_set_round_trips_and_encodes_from_models() -> None:
    assert U.encode(U.decode(EXAMPLE)) == EXAMPLE
    built = [
        U.UrspRule(1, (U.TrafficComponent(U.TD_OS_APP_ID, "com.example.iot"),),
                   (U.RouteDescriptor(1, (U.RouteComponent(U.RSD_SSC_MODE, 1),
                                          U.RouteComponent(U.RSD_DNN, "iot"),
                                          U.RouteComponent(U.RSD_PDU_SESSION_TYPE, 1))),)),
    ]
    assert U.encode(built) == RULE_IOT


def test_os_id_app_id_and_connection_capabilities() -> None:
    os_id = bytes(range(16))
    data = U.encode([U.UrspRule(3, (
        U.TrafficComponent(U.TD_OS_ID_APP_ID, (os_id, "app")),
        U.TrafficComponent(U.TD_CONNECTION_CAPABILITIES, (0x01, 0x08)),
        U.TrafficComponent(U.TD_REMOTE_PORT, b"\x16\x33")), ())])
    # 08 + 16-byte OS Id + 03 "app"; 90 02 01 08; 50 1633 (port 5683, opaque)
    assert data[3:6] == bytes.fromhex("001c08")   # traffic descriptor: 28 bytes
    assert data[6:22] == os_id and data[22:26] == b"\x03app"
    assert data[26:30] == bytes.fromhex("90020108") and data[30:33] == bytes.fromhex("501633")
    rule = U.decode_rules(data)[0]
    assert rule.app_ids == ["app"]
    assert rule.traffic[2].name == "remote-port" and rule.traffic[2].value == b"\x16\x33"


def test_unknown_traffic_component_skips_the_rule_but_keeps_its_bytes() -> None:
    # rule 9: traffic descriptor = 52 (IP 3 tuple: layout not implemented) + 1 byte
    odd = bytes.fromhex("000c" "09" "0002" "5201" "0005" "0003" "00" "0000")
    # the RSD list (5 bytes): 00 03 = a descriptor of 3 bytes: precedence 00, contents 0000
    data = odd + RULE_DEFAULT
    everything = U.decode(data)
    assert everything[0].skipped is not None and "52" in everything[0].skipped
    assert [r.precedence for r in U.decode_rules(data)] == [255]
    assert U.encode(everything) == data


def test_unknown_route_component_skips_that_route_only() -> None:
    # RSD 1 holds 40 (location criteria, not implemented); RSD 2 gives DNN "b"
    rsd1 = bytes.fromhex("0005" "01" "0002" "4000")
    rsd2 = bytes.fromhex("0007" "02" "0004" "0402" "0162")
    td = bytes.fromhex("01")
    body = b"\x05" + len(td).to_bytes(2, "big") + td + \
        (len(rsd1) + len(rsd2)).to_bytes(2, "big") + rsd1 + rsd2
    data = len(body).to_bytes(2, "big") + body
    rule = U.decode_rules(data)[0]
    assert rule.routes[0].skipped is not None and rule.routes[0].raw == b"\x40\x00"
    assert [r.dnn for r in rule.usable_routes] == ["b"]
    assert U.encode([rule]) == data


def test_extra_bytes_after_the_route_list_are_kept() -> None:
    body = RULE_DEFAULT[2:] + b"\xAA\xBB"
    data = len(body).to_bytes(2, "big") + body
    rule = U.decode_rules(data)[0]
    assert rule.extra == b"\xAA\xBB" and U.encode([rule]) == data


@pytest.mark.parametrize("data, offset", [
    (bytes.fromhex("00"), 0),                         # rule length cut short
    (bytes.fromhex("0005010000"), 0),                 # rule says 5, 3 follow
    (RULE_DEFAULT[:-1], 0),                           # last byte missing
    (bytes.fromhex("0004" "01" "0001" "01"), 2),      # no room for the RSD list length
    # RSD contents length 1 but RSD length 3 (which leaves 0 for the contents)
    (bytes.fromhex("000b" "01" "0001" "01" "0005" "0003" "01" "0001"), 11),
    # S-NSSAI of 3 bytes
    (bytes.fromhex("000f" "01" "0001" "01" "0009" "0007" "01" "0004" "0203010203"), 13),
    # DNN of length 0
    (bytes.fromhex("000d" "01" "0001" "01" "0007" "0005" "01" "0002" "0400"), 12),
])
def test_malformed_rules_raise_decode_error_with_the_offset(data: bytes, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        U.decode(data)
    assert info.value.offset is not None and info.value.offset >= offset


def test_dnn_that_is_no_apn_is_a_decode_error_not_invalid_apn() -> None:
    bad = bytes.fromhex("000f" "01" "0001" "01" "0009" "0007" "01" "0004" "0402" "01" "2a")
    with pytest.raises(DecodeError, match="DNN"):
        U.decode(bad)


def test_encoder_refuses_bad_models() -> None:
    with pytest.raises(ProfileError):
        U.encode([U.UrspRule(1, (U.TrafficComponent(U.TD_SPI, b"\x01"),), ())])
    with pytest.raises(ProfileError):
        U.encode([U.UrspRule(1, (), (U.RouteDescriptor(1, (U.RouteComponent(U.RSD_SNSSAI,
                                                                             b"\x01\x02\x03"),)),))])
    with pytest.raises(ProfileError):
        U.encode([U.UrspRule(300, (), ())])
    with pytest.raises(ProfileError):
        U.encode_plmn("0010")


# --- EF_URSP -----------------------------------------------------------------------------

# One URSP rules data object (tag 80) per PLMN: PLMN 001-01 (00F110: MCC 001, MNC 01, F in
# the MNC digit 3 nibble), the length of the rules, the rules (24.526 §5.2).
EXAMPLE_FIRST_RULE = 2 + int.from_bytes(EXAMPLE[:2], "big")
EF_IMAGE = (b"\x80" + bytes((3 + 1 + len(EXAMPLE),)) + bytes.fromhex("00f110")
            + bytes((len(EXAMPLE),)) + EXAMPLE)


def test_ef_ursp_one_data_object_per_plmn() -> None:
    f = U.decode_file(EF_IMAGE + b"\xff" * 20)
    assert f is not None and [e.plmn for e in f.entries] == ["00101"]
    rules = f.rules_for("00101")
    assert rules is not None and [r.precedence for r in rules] == [1, 2, 255]
    assert U.encode_file(f, len(EF_IMAGE) + 20) == EF_IMAGE + b"\xff" * 20
    second = bytes.fromhex("8004" "13f400" "00")   # PLMN 314-00, no rules
    g = U.decode_file(EF_IMAGE + second)
    assert g is not None and [(e.plmn, len(e.rules)) for e in g.entries] == \
        [("00101", 3), ("31400", 0)]
    assert U.encode_file(g) == EF_IMAGE + second
    assert U.decode_plmn(U.encode_plmn("310410")) == "310410"


def test_ef_ursp_rules_over_127_bytes_take_an_81_length() -> None:
    many = U.decode(EXAMPLE + EXAMPLE[:EXAMPLE_FIRST_RULE])   # 105 + the first rule's bytes
    rules = U.encode(many)
    assert 0x80 <= len(rules) <= 0xFA
    image = U.encode_file(U.UrspFile((U.PlmnRules("310410", tuple(many)),)))
    assert image == (bytes((0x80, 0x81, 5 + len(rules))) + bytes.fromhex("130014")
                     + bytes((0x81, len(rules))) + rules)
    back = U.decode_file(image)
    assert back is not None and back.rules_for("310410") == tuple(many)


@pytest.mark.parametrize("image", [
    bytes.fromhex("8002" "00f1"),                   # PLMN cut short
    bytes.fromhex("8003" "00f110"),                 # no length of the rules
    bytes.fromhex("8005" "00f110" "02" "00"),       # rules say 2 bytes, 1 follows
    bytes.fromhex("8005" "00f110" "00" "00"),       # a byte after the rules
    bytes.fromhex("8004" "a0f110" "00"),            # nibble A in the MCC
    bytes.fromhex("8005" "00f110" "83" "00"),       # a 3-byte BER length
])
def test_ef_ursp_malformed(image: bytes) -> None:
    with pytest.raises(DecodeError):
        U.decode_file(image)


def test_ef_ursp_empty_is_none_and_unknown_objects_are_kept() -> None:
    assert U.decode_file(b"\xff" * 8) is None and U.decode_file(b"") is None
    f = U.decode_file(bytes.fromhex("8201aa") + EF_IMAGE)  # another tag: kept, ignored
    assert f is not None and f.unknown == ((0x82, b"\xaa"),)


def test_service_names() -> None:
    assert U.service_name("com.Example.IoT") == "com.example.iot"
    assert U.service_name("My App!!/x") == "my-app-x"
    assert U.service_name("...") is None
    assert len(U.service_name("a" * 50) or "") == 32


# --- hypothesis ---------------------------------------------------------------------------

_label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_dnn = st.lists(_label, min_size=1, max_size=3).map(".".join).filter(
    lambda t: not t.startswith(("rac", "lac", "sgsn", "rnc")) and not t.endswith(".gprs"))
_octet = st.integers(0, 255)


def _opaque() -> st.SearchStrategy[U.TrafficComponent]:
    kinds = sorted(U.TD_OPAQUE)
    return st.sampled_from(kinds).flatmap(
        lambda k: st.binary(min_size=U.TD_OPAQUE[k][1], max_size=U.TD_OPAQUE[k][1]).map(
            lambda v: U.TrafficComponent(k, v)))


_traffic = st.one_of(
    st.just(U.TrafficComponent(U.TD_MATCH_ALL)),
    _dnn.map(lambda d: U.TrafficComponent(U.TD_DNN, d)),
    st.tuples(st.lists(_label, min_size=1, max_size=4).map(".".join), st.booleans()).map(
        lambda t: U.TrafficComponent(U.TD_FQDN, t[0], t[1])),
    st.text(max_size=20).map(lambda a: U.TrafficComponent(U.TD_OS_APP_ID, a)),
    st.tuples(st.binary(min_size=16, max_size=16), st.text(max_size=10)).map(
        lambda t: U.TrafficComponent(U.TD_OS_ID_APP_ID, t)),
    st.lists(_octet, max_size=4).map(
        lambda v: U.TrafficComponent(U.TD_CONNECTION_CAPABILITIES, tuple(v))),
    _opaque(),
)
_route_component = st.one_of(
    st.sampled_from([U.RSD_SSC_MODE, U.RSD_PDU_SESSION_TYPE, U.RSD_PREFERRED_ACCESS,
                     U.RSD_PDU_SESSION_PAIR_ID, U.RSD_RSN]).flatmap(
        lambda k: _octet.map(lambda v: U.RouteComponent(k, v))),
    st.sampled_from([U.RSD_MULTI_ACCESS, U.RSD_NON_SEAMLESS_OFFLOAD]).map(U.RouteComponent),
    _dnn.map(lambda d: U.RouteComponent(U.RSD_DNN, d)),
    st.sampled_from(U.SNSSAI_SIZES).flatmap(lambda n: st.binary(min_size=n, max_size=n)).map(
        lambda v: U.RouteComponent(U.RSD_SNSSAI, v)),
)
_route = st.builds(U.RouteDescriptor, _octet,
                   st.lists(_route_component, max_size=4).map(tuple))
_rule = st.builds(U.UrspRule, _octet, st.lists(_traffic, max_size=3).map(tuple),
                  st.lists(_route, max_size=3).map(tuple))


@settings(max_examples=150, deadline=None)
@given(st.lists(_rule, max_size=4))
def test_models_round_trip(rules: list[U.UrspRule]) -> None:
    data = U.encode(rules)
    assert U.decode(data) == rules
    assert U.encode(U.decode(data)) == data


@settings(max_examples=150, deadline=None)
@given(st.lists(_rule, min_size=1, max_size=3), st.data())
def test_mutated_bytes_decode_or_raise_decode_error(rules: list[U.UrspRule],
                                                    data: st.DataObject) -> None:
    raw = bytearray(U.encode(rules))
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(_octet)
    raw = raw[:data.draw(st.integers(0, len(raw)))]
    try:
        decoded = U.decode(bytes(raw))
    except DecodeError:
        return
    assert U.encode(decoded) == bytes(raw)   # whatever decodes, re-encodes exactly


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_decode_or_raise_decode_error(raw: bytes) -> None:
    try:
        decoded = U.decode(raw)
    except DecodeError:
        return
    assert U.encode(decoded) == raw
    try:
        U.decode_file(raw)
    except DecodeError:
        pass


# A rule matching the remote IPv4 address 192.0.2.1/32 routed to DNN "v4.example".
# TS 24.526 Table 5.2.1 gives "IPv4 remote address type" the identifier 0x10 (address +
# mask, 8 octets; pycrate's TS24526 table and 24.501's packet filter agree); 0x09, which
# an earlier brief gave, is no traffic descriptor type: such a rule is skipped.
IPV4_RULE = ("0020" "07" "0009" "10" "c0000201" "ffffffff"
             "0012" "0010" "01" "000d" "04" "0b" "02" "7634" "07" "6578616d706c65")


def test_ipv4_remote_address_is_type_10_and_09_is_unknown() -> None:
    (rule,) = U.decode(bytes.fromhex(IPV4_RULE))
    assert rule.skipped is None and rule.traffic[0].name == "ipv4-remote"
    assert rule.traffic_of(U.TD_IPV4_REMOTE) == [bytes.fromhex("c0000201ffffffff")]
    assert rule.routes[0].dnn == "v4.example"
    assert U.encode([rule]) == bytes.fromhex(IPV4_RULE)
    (odd,) = U.decode(bytes.fromhex(IPV4_RULE.replace("0009" "10", "0009" "09", 1)))
    assert odd.skipped is not None and "09" in odd.skipped and U.decode_rules(
        bytes.fromhex(IPV4_RULE.replace("0009" "10", "0009" "09", 1))) == []
