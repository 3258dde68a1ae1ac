"""Fuzz targets: every decoder of card bytes and every parser of modem answers.

Each target takes arbitrary `data: bytes`, feeds it to one decoder (and to the
derived views and encoder of whatever the decoder accepted, since a product
uses those next: what a decoder accepts must encode and decode to the same
model) and lets only `MeLibError` subclasses escape. Anything else
(IndexError, ValueError, UnicodeDecodeError, RecursionError ...) is an
*escape*: a crash a hostile card or a confused modem could trigger.

Line parsers get the bytes as Latin-1 text (every byte maps to one character,
so nothing is lost) split into lines the way the AT engine hands them over.

Users: tests/codec/test_decoder_fuzz.py (hypothesis, bounded) and
bench/fuzz.py (`make fuzz`, atheris or a mutation loop, counts escapes).
`SEEDS` holds one valid input per target, the starting corpus of both.
"""

import os
import tempfile
from collections.abc import Callable

from bench.fuzz_board import board_card_decode, board_flow, board_link
from bench.fuzz_engine import fuzz_at_engine
from me_lib.at import causes, cme, trace
from me_lib.at.fields import line_values
from me_lib.card import atport, cgla, crsm, fileinfo
from me_lib.codec import (
    acl,
    apn,
    apn_rules,
    declared,
    dmcfg,
    efdir,
    fcp,
    ids,
    ipaddr,
    lwm2m,
    pkcs15,
    services,
    tlv,
    ursp,
)
from me_lib.errors import MeLibError
from me_lib.modem import parsers, registration
from me_lib.sources.ursp import partial_from_rules


def _text(data: bytes) -> str:
    return data.decode("latin-1")


def _same(again: object, first: object) -> None:
    """What a decoder accepted must survive its encoder: a mismatch is a finding too."""
    if again != first:
        raise AssertionError("round trip changed %r into %r" % (first, again))


def _lines(data: bytes) -> list[str]:
    """Information lines as the engine gives them: split on CR/LF, empty ones dropped."""
    return [x for x in _text(data).replace("\r", "\n").split("\n") if x]


# --- codec/ -----------------------------------------------------------------


def codec_tlv(data: bytes) -> None:
    for item in tlv.decode(data, strict_padding=False):
        if tlv.is_constructed(item.tag):
            tlv.children(item)
    tlv.encode(tlv.decode(data))


def codec_apn(data: bytes) -> None:
    text = apn.decode(data)
    _same(apn.encode(text), data)


def codec_apn_lenient(data: bytes) -> None:
    apn.decode_lenient(data)


def codec_apn_rules(data: bytes) -> None:
    text = _text(data)
    apn_rules.is_valid(text)
    apn_rules.strip_operator_id(text)
    apn_rules.validate(text)


def codec_acl(data: bytes) -> None:
    model = acl.decode(data)
    _same(acl.decode(acl.encode(model)).apns, model.apns)


def codec_dmcfg(data: bytes) -> None:
    cfg = dmcfg.decode(data)
    if cfg is not None:
        _same(dmcfg.decode(dmcfg.encode(cfg)), cfg)


def codec_ursp(data: bytes) -> None:
    """The rules, then the same bytes as EF_URSP (a seed of either form reaches both)."""
    try:
        rules = ursp.decode(data)
        if ursp.encode(rules) != data:
            raise AssertionError("URSP rules did not re-encode to their bytes")
        for rule in rules:
            for route in rule.usable_routes:
                _ = (route.dnn, route.ssc_mode, route.pdu_session_type, route.snssai)
    except MeLibError:
        pass
    f = ursp.decode_file(data)
    if f is not None:
        ursp.encode_file(f)


def codec_dmcfg_address(data: bytes) -> None:
    dmcfg.validate_address(_text(data))


def codec_efdir(data: bytes) -> None:
    app = efdir.decode(data)
    if app is not None:
        _same(efdir.decode(efdir.encode(app)), app)


def codec_fcp(data: bytes) -> None:
    f = fcp.decode(data)
    _ = (f.arr, f.life_cycle, f.activated, f.effective_sfi, f.is_df)
    if f.descriptor is not None:
        _ = (f.descriptor.file_type, f.descriptor.structure, f.descriptor.shareable)
    if f.pin_status is not None:
        _ = f.pin_status.pins
    _same(fcp.decode(fcp.encode(f)), f)


def codec_ids_iccid(data: bytes) -> None:
    _same(ids.encode_iccid(ids.decode_iccid(data)), data)


def codec_ids_iccid_at(data: bytes) -> None:
    ids.iccid_from_at(_text(data))


def codec_ids_imsi(data: bytes) -> None:
    imsi = ids.decode_imsi(data)
    _same(ids.decode_imsi(ids.encode_imsi(imsi)), imsi)
    ids.split_imsi(imsi, 2 + (data[0] & 1 if data else 0))


def codec_ids_ad(data: bytes) -> None:
    ids.encode_ad(ids.decode_ad(data))


def codec_ipaddr_unpack(data: bytes) -> None:
    ipaddr.pack(ipaddr.unpack(data))


def codec_ipaddr_pack(data: bytes) -> None:
    text = _text(data)
    ipaddr.version(text)
    ipaddr.unpack(ipaddr.pack(text))


def codec_lwm2m(data: bytes) -> None:
    bf = lwm2m.decode(data)
    if bf is not None:
        for inst in lwm2m.security_instances(bf):
            _same(lwm2m.SecurityInstance.from_tlv(inst.to_tlv()), inst)
        _same(lwm2m.decode(lwm2m.encode(bf)), bf)


def codec_lwm2m_tlv(data: bytes) -> None:
    lwm2m.encode_tlv(lwm2m.decode_tlv(data))


def codec_pkcs15_odf(data: bytes) -> None:
    entries = pkcs15.decode_odf(data)
    pkcs15.dodf_path(entries)
    _same(pkcs15.decode_odf(pkcs15.encode_odf(entries)), entries)


def codec_pkcs15_dodf(data: bytes) -> None:
    entries = pkcs15.decode_dodf(data)
    pkcs15.lwm2m_bootstrap_path(entries)
    _same(pkcs15.decode_dodf(pkcs15.encode_dodf(entries)), entries)


def codec_pkcs15_oid(data: bytes) -> None:
    pkcs15.encode_oid(pkcs15.decode_oid(data))


def codec_services(data: bytes) -> None:
    found = services.decode(data)
    services.encode(found, len(data))


def codec_declared_dmcfg(data: bytes) -> None:
    declared.decode_dmcfg(data)


def codec_declared_acl(data: bytes) -> None:
    declared.decode_acl(data)


def codec_declared_apn(data: bytes) -> None:
    declared.decode_apn(data)


def codec_declared_dmcfg_build(data: bytes) -> None:
    """What the portable decoder accepts, the construct build writes byte for byte as
    `dmcfg.encode` does (the two writers must agree on every model a card can hold)."""
    cfg = dmcfg.decode(data)
    if cfg is not None:
        _same(declared.encode_dmcfg(cfg), dmcfg.encode(cfg))


# --- at/: the packed CME/CMS/ESM/EMM tables, the trace reader -------------------


def at_cme(data: bytes) -> None:
    """A +CME ERROR code or text as a module may send it, through every lookup."""
    text = _text(data)
    code = int.from_bytes(data[:9], "big", signed=True) if data else 0
    for n in (code, -code, len(data), data[0] if data else 0):
        cme.cme_name(n)
        cme.cms_name(n)
        cme.esm_cause_of_cme(n)
        for table in (cme.CME_ERRORS, cme.CMS_ERRORS, causes.ESM_CAUSES, causes.EMM_CAUSES):
            if (n in table) != (table.get(n) is not None):
                raise AssertionError("`in` and get() disagree on %d" % n)
    found = cme.cme_code(text)
    if found is not None and cme.cme_name(found).lower() != text.strip().lower() \
            and cme._CME_ALIASES.get(found) is None:
        raise AssertionError("cme_code(%r) = %d, whose name is %r" % (
            text, found, cme.cme_name(found)))


def at_trace(data: bytes) -> None:
    """A trace file a user hands to `me-lib replay` (me_lib.at.trace.load)."""
    fd, path = tempfile.mkstemp(suffix=".jsonl", prefix="me-lib-fuzz-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        trace.read_trace(path)
    finally:
        os.unlink(path)


# --- modem/: the MT's URSP rules (+C5GURSPQRY?, 27.007 §10.1.75) --------------


def modem_ursp_query(data: bytes) -> None:
    """The answer lines as Modem.ursp_rules hands them over, then the profile view
    and the simulator's writer of whatever decoded."""
    rows = [line_values(line, "+C5GURSPQRY:") for line in _lines(data)
            if line.upper().startswith("+C5GURSPQRY:")]
    rules = ursp.rules_from_query(rows)
    part = partial_from_rules(rules, "network:URSP", "ursp-network", ["dm.example.net"])
    for bearer in ([part.apn0] if part.apn0 else []) + list(part.service_bearers or []):
        if not apn_rules.is_valid(bearer.apn):
            raise AssertionError("an invalid APN %r became a bearer" % bearer.apn)
    ursp.rules_from_query(ursp.query_rows(rules))


# --- card/: the modem's answers to +CRSM, +CSIM, +CGLA, +CCHO ----------------


def card_crsm(data: bytes) -> None:
    crsm.parse_crsm(_lines(data))


def card_fileinfo(data: bytes) -> None:
    """What +CRSM GET RESPONSE bytes become (FCP or a 2G response), as crsm.py decides."""
    if data[:1] == b"\x62":
        fileinfo.from_fcp(data)
    else:
        fileinfo.from_gsm_response(data)


def card_csim(data: bytes) -> None:
    atport.parse_csim(_lines(data), "+CSIM:")


def card_cgla(data: bytes) -> None:
    atport.parse_csim(_lines(data), "+CGLA:")


def card_ccho(data: bytes) -> None:
    cgla.parse_ccho(_lines(data))


def card_hex(data: bytes) -> None:
    atport.parse_hex(_text(data), "fuzz")


# --- modem/: 27.007 packet-data and registration answers ---------------------


def modem_cgdcont(data: bytes) -> None:
    parsers.parse_cgdcont(_lines(data))


def modem_cgdcont_test(data: bytes) -> None:
    parsers.parse_cgdcont_test(_lines(data))


def modem_cgact(data: bytes) -> None:
    parsers.parse_cgact(_lines(data))


def modem_cgcontrdp(data: bytes) -> None:
    parsers.parse_cgcontrdp(_lines(data))


def modem_cgpaddr(data: bytes) -> None:
    parsers.parse_cgpaddr(_lines(data))


def modem_cpin(data: bytes) -> None:
    parsers.parse_cpin(_lines(data))


def modem_cgev(data: bytes) -> None:
    parsers.parse_cgev(_text(data))


def modem_ranges(data: bytes) -> None:
    parsers.parse_ranges(_text(data))


def modem_registration(data: bytes) -> None:
    for line in _lines(data):
        registration.parse_registration(line)
        registration.parse_registration(line, True)
        registration.parse_registration(line, False)


def _lwm2m_object() -> lwm2m.BootstrapObject:
    sec = lwm2m.SecurityInstance(0, "coaps://dm.example:5684", True, 0, 1, (
        lwm2m.LwTlv(lwm2m.KIND_RESOURCE, 5, b"key"),))
    return lwm2m.security_object([sec])


_H = bytes.fromhex
_DMCFG = _H("800101810107A018800F00646D2E6578616D706C652E636F6D81021634820102A11B801602646D066D"
            "6E63303031066D63633030310467707273810103A132800C03696F74076578616D706C658101018201"
            "0283036465768406733363726574860974656C656D657472798604666F74618F04D90FB64DFFFF")
_ACL = _H("03DD0908696E7465726E6574DD1003696F74076578616D706C6503636F6DDD00FFFF")
_APN = _H("02646D066D6E63303031066D63633030310467707273")
_FCP = _H("621A8205422100300483022F008A01058B032F0601800200C08801F0")

#: One valid input per target: the corpus a mutation starts from.
SEEDS: dict[str, bytes] = {
    "at_engine": b"\x01\x05\r\n+CGDCONT: 1,\"IP\",\"internet\"\r\n\r\nOK\r\n",
    "codec_tlv": _H("A0078001018102FFEE9F700100"),
    "codec_apn": _APN,
    "codec_apn_lenient": b"internet.example",
    "codec_apn_rules": b"iot.example.mnc001.mcc001.gprs",
    "codec_acl": _ACL,
    "codec_dmcfg": _DMCFG,
    "codec_dmcfg_address": b"coaps://dm.example.com:5684",
    # EF_URSP: one tag-80 object: PLMN 001-01, the rules' length, the rules "app
    # com.example.iot -> DNN iot, SSC 1, IPv4" and "match-all -> DNN internet"
    # (tests/codec/test_codec_ursp.py explains the bytes)
    "codec_ursp": _H("804300F1103F" "0025010011A00F636F6D2E6578616D706C652E696F74000F000D"
                     "01000A0101040403696F7408010016FF0001010010000E01000B040908696E7465726E6574"),
    "codec_efdir": _H("61184F10A0000000871002FF86FF0389FFFFFFFF50045553494DFFFF"),
    "codec_fcp": _FCP,
    "codec_ids_iccid": _H("98683081462002318379"),
    "codec_ids_iccid_at": b'"89860318640220133897"',
    "codec_ids_imsi": _H("082982608200002080"),
    "codec_ids_ad": _H("00000002"),
    "codec_ipaddr_unpack": _H("20010DB8000000000000000000000001"),
    "codec_ipaddr_pack": b"2001:db8::1",
    "codec_lwm2m": lwm2m.encode(lwm2m.BootstrapFile((_lwm2m_object(),)), 64),
    "codec_lwm2m_tlv": lwm2m.encode_tlv(_lwm2m_object().instances),
    "codec_pkcs15_odf": _H("A706300404026430"),
    "codec_pkcs15_dodf": _H("A12730003011" "0C0F") + b"LwM2M Bootstrap"
    + _H("A110300E06060" "604672B0901300404026432"),
    "codec_pkcs15_oid": _H("672B0901"),
    "codec_services": _H("FF0F"),
    "codec_declared_dmcfg": _DMCFG,
    "codec_declared_acl": _ACL,
    "codec_declared_apn": _APN,
    "codec_declared_dmcfg_build": _DMCFG,
    "at_cme": b"SIM not inserted",
    "at_trace": b'{"me_lib_trace": 1, "port": "sim://x", "started": 0}\n'
                b'{"t": 0.0, "d": "tx", "b": "41540D"}\n'
                b'{"t": 0.01, "d": "rx", "b": "0D0A4F4B0D0A"}\n'
                b'{"end": {"command": "provision"}}\n',
    # one rule (app com.example.iot -> iot.example over IP) and the match-all rule
    "modem_ursp_query": b'+C5GURSPQRY: 0,1,"com.example.iot"' + b"," * 20
                        + b'1,1,"01.0000A1","iot.example","IP",1,,,\r\n'
                        + b"+C5GURSPQRY: 0,255" + b"," * 21
                        + b'1,,,"internet.example","IP",,,,\r\n',
    "card_crsm": b'+CRSM: 0\r\n+CRSM: 144,0,"621A8205422100300483022F00"\r\n',
    "card_fileinfo": _FCP,
    "card_csim": b'+CSIM: 8,"6F0A9000"\r\n',
    "card_cgla": b'+CGLA: 8,"6F0A9000"\r\n',
    "card_ccho": b"+CCHO: 1\r\n",
    "card_hex": b'"6F 0A 90 00"',
    "modem_cgdcont": b'+CGDCONT: 1,"IP","internet","10.0.0.2",0,0\r\n'
                     b'+CGDCONT: 2,"IPV4V6","ims",,0,0,0,0,0,0,1\r\n',
    "modem_cgdcont_test": b'+CGDCONT: (1-15),"IP",,,(0-2),(0-4)\r\n'
                          b'+CGDCONT: (1-15),"IPV6",,,(0-2),(0-4)\r\n',
    "modem_cgact": b"+CGACT: 1,1\r\n+CGACT: 2,0\r\n",
    "modem_cgcontrdp": b'+CGCONTRDP: 1,5,"internet","10.0.0.2.255.255.255.0",'
                       b'"10.0.0.1","8.8.8.8","8.8.4.4"\r\n',
    "modem_cgpaddr": b'+CGPADDR: 1,"10.0.0.2","32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"\r\n',
    "modem_cpin": b"+CPIN: SIM PIN\r\n",
    "modem_cgev": b"+CGEV: NW PDN DEACT 2",
    "modem_ranges": b"(1-15,20,(30-31))",
    "modem_registration": b'+CEREG: 2,5,"1A2B","01ABCDEF",7\r\n+CREG: 1\r\n',
    # options (no prefix, no payload, one copy, 1 s), then the answer
    "board_link": b"\x00\x00\r\nBG96\r\n\r\nOK\r\n",
    # answer 0 (the first ATE0's) replaced by the same: the recorded good session
    "board_flow": b"\x00\r\n",
    "board_card_decode": _DMCFG,
}


def run_one(target: Callable[[bytes], None], data: bytes) -> BaseException | None:
    """Run `target` on `data`; the escaped exception, or None (a MeLibError is fine)."""
    try:
        target(data)
    except MeLibError:
        return None
    except Exception as exc:  # the point of a fuzz target: anything else is a finding
        return exc
    return None


# Kept at the bottom so targets added in other branches (at_engine ...) merge as lines.
TARGETS: dict[str, Callable[[bytes], None]] = {
    "at_engine": fuzz_at_engine,
    "codec_tlv": codec_tlv,
    "codec_apn": codec_apn,
    "codec_apn_lenient": codec_apn_lenient,
    "codec_apn_rules": codec_apn_rules,
    "codec_acl": codec_acl,
    "codec_dmcfg": codec_dmcfg,
    "codec_dmcfg_address": codec_dmcfg_address,
    "codec_ursp": codec_ursp,
    "codec_efdir": codec_efdir,
    "codec_fcp": codec_fcp,
    "codec_ids_iccid": codec_ids_iccid,
    "codec_ids_iccid_at": codec_ids_iccid_at,
    "codec_ids_imsi": codec_ids_imsi,
    "codec_ids_ad": codec_ids_ad,
    "codec_ipaddr_unpack": codec_ipaddr_unpack,
    "codec_ipaddr_pack": codec_ipaddr_pack,
    "codec_lwm2m": codec_lwm2m,
    "codec_lwm2m_tlv": codec_lwm2m_tlv,
    "codec_pkcs15_odf": codec_pkcs15_odf,
    "codec_pkcs15_dodf": codec_pkcs15_dodf,
    "codec_pkcs15_oid": codec_pkcs15_oid,
    "codec_services": codec_services,
    "codec_declared_dmcfg": codec_declared_dmcfg,
    "codec_declared_dmcfg_build": codec_declared_dmcfg_build,
    "at_cme": at_cme,
    "at_trace": at_trace,
    "modem_ursp_query": modem_ursp_query,
    "codec_declared_acl": codec_declared_acl,
    "codec_declared_apn": codec_declared_apn,
    "card_crsm": card_crsm,
    "card_fileinfo": card_fileinfo,
    "card_csim": card_csim,
    "card_cgla": card_cgla,
    "card_ccho": card_ccho,
    "card_hex": card_hex,
    "modem_cgdcont": modem_cgdcont,
    "modem_cgdcont_test": modem_cgdcont_test,
    "modem_cgact": modem_cgact,
    "modem_cgcontrdp": modem_cgcontrdp,
    "modem_cgpaddr": modem_cgpaddr,
    "modem_cpin": modem_cpin,
    "modem_cgev": modem_cgev,
    "modem_ranges": modem_ranges,
    "modem_registration": modem_registration,
    "board_link": board_link,
    "board_flow": board_flow,
    "board_card_decode": board_card_decode,
}
