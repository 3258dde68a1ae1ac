"""Whatever bytes a card or modem hands us, decoders raise only me_lib errors.

Each decoder gets random bytes and mutations of a valid file (flipped,
inserted, deleted bytes, truncation). When a decoder accepts the input, the
model must encode again and decode to the same model: nothing a decoder
accepts is a model the encoder chokes on.
"""

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from me_lib.codec import (
    acl,
    apn,
    apn_rules,
    declared,
    dmcfg,
    efdir,
    fcp,
    ids,
    lwm2m,
    pkcs15,
    services,
    tlv,
)
from me_lib.errors import MeLibError


def _fcp(data: bytes) -> object:
    f = fcp.decode(data)
    # Derived views must not fail on anything the decoder accepted.
    _ = (f.arr, f.life_cycle, f.activated, f.effective_sfi, f.is_df)
    if f.descriptor is not None:
        _ = (f.descriptor.file_type, f.descriptor.structure, f.descriptor.shareable)
    if f.pin_status is not None:
        _ = f.pin_status.pins
    assert fcp.decode(fcp.encode(f)) == f
    return f


def _dmcfg(data: bytes) -> object:
    cfg = dmcfg.decode(data)
    if cfg is not None:
        assert dmcfg.decode(dmcfg.encode(cfg)) == cfg
    return cfg


def _lwm2m(data: bytes) -> object:
    bf = lwm2m.decode(data)
    if bf is not None:
        assert lwm2m.decode(lwm2m.encode(bf)) == bf
        for inst in lwm2m.security_instances(bf):
            assert lwm2m.SecurityInstance.from_tlv(inst.to_tlv()) == inst
    return bf


def _acl(data: bytes) -> object:
    model = acl.decode(data)
    assert acl.decode(acl.encode(model)).apns == model.apns
    return model


def _efdir(data: bytes) -> object:
    app = efdir.decode(data)
    if app is not None:
        assert efdir.decode(efdir.encode(app)) == app
    return app


def _apn(data: bytes) -> object:
    text = apn.decode(data)
    assert apn.encode(text) == data
    return text


def _tlv(data: bytes) -> object:
    items = tlv.decode(data, strict_padding=False)
    for item in items:
        if tlv.is_constructed(item.tag):
            try:
                tlv.children(item)
            except MeLibError:
                pass
    return items


def _dodf(data: bytes) -> object:
    entries = pkcs15.decode_dodf(data)
    assert pkcs15.decode_dodf(pkcs15.encode_dodf(entries)) == entries
    return pkcs15.lwm2m_bootstrap_path(entries)


def _odf(data: bytes) -> object:
    entries = pkcs15.decode_odf(data)
    assert pkcs15.decode_odf(pkcs15.encode_odf(entries)) == entries
    return entries


def _imsi(data: bytes) -> object:
    imsi = ids.decode_imsi(data)
    assert ids.decode_imsi(ids.encode_imsi(imsi)) == imsi
    return imsi


def _iccid(data: bytes) -> object:
    iccid = ids.decode_iccid(data)
    assert ids.encode_iccid(iccid) == data
    return iccid


DECODERS: dict[str, tuple[Callable[[bytes], Any], bytes]] = {
    "tlv": (_tlv, bytes.fromhex("A0078001018102FFEE9F700100")),
    "apn": (_apn, bytes.fromhex("02646D066D6E63303031066D63633030310467707273")),
    "apn_lenient": (apn.decode_lenient, b"internet.example"),
    "iccid": (_iccid, bytes.fromhex("98683081462002318379")),
    "imsi": (_imsi, bytes.fromhex("082982608200002080")),
    "ad": (lambda d: ids.encode_ad(ids.decode_ad(d)), bytes.fromhex("00000002")),
    "services": (services.decode, bytes.fromhex("FF0F")),
    "efdir": (_efdir, bytes.fromhex("61184F10A0000000871002FF86FF0389FFFFFFFF50045553494DFFFF")),
    "fcp_dir": (_fcp, bytes.fromhex("621A8205422100300483022F008A01058B032F0601800200C08801F0")),
    "fcp_adf": (_fcp, bytes.fromhex(
        "622582027821840CA000000063504B43532D31358A01058B032F060CC60990014083010183010A")),
    "acl": (_acl, bytes.fromhex(
        "03DD0908696E7465726E6574DD1003696F74076578616D706C6503636F6DDD00FFFF")),
    "dmcfg": (_dmcfg, bytes.fromhex(
        "800101810107A018800F00646D2E6578616D706C652E636F6D81021634820102A11B801602646D066D"
        "6E63303031066D63633030310467707273810103A132800C03696F74076578616D706C658101018201"
        "0283036465768406733363726574860974656C656D657472798604666F74618F04D90FB64DFFFF")),
    "dmcfg_nocrc": (_dmcfg, bytes.fromhex("800101A0078005010A000001A1028000")),
    "odf": (_odf, bytes.fromhex("A706300404026430")),
    "dodf": (_dodf, bytes.fromhex("A12730003011 0C0F".replace(" ", "")) + b"LwM2M Bootstrap"
             + bytes.fromhex("A110300E060606 04672B0901 300404026432".replace(" ", ""))),
    "oid": (pkcs15.decode_oid, bytes.fromhex("672B0901")),
}


def _valid_lwm2m() -> bytes:
    sec = lwm2m.SecurityInstance(0, "coaps://dm.example:5684", True, 0, 1, (
        lwm2m.LwTlv(lwm2m.KIND_RESOURCE, 5, b"key"),))
    return lwm2m.encode(lwm2m.BootstrapFile((lwm2m.security_object([sec]),)), 64)


DECODERS["lwm2m"] = (_lwm2m, _valid_lwm2m())
# The construct declarations get the same seeds (their agreement with the portable
# decoders is tests/codec/test_differential_micropython.py).
DECODERS["declared_dmcfg"] = (declared.decode_dmcfg, DECODERS["dmcfg"][1])
DECODERS["declared_acl"] = (declared.decode_acl, DECODERS["acl"][1])
DECODERS["declared_apn"] = (declared.decode_apn, DECODERS["apn"][1])


def _call(name: str, data: bytes) -> None:
    decoder = DECODERS[name][0]
    try:
        decoder(data)
    except MeLibError:
        pass


@pytest.mark.parametrize("name", sorted(DECODERS))
def test_seed_is_valid(name: str) -> None:
    decoder, seed = DECODERS[name]
    decoder(seed)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(DECODERS)), st.binary(max_size=80))
def test_random_bytes(name: str, data: bytes) -> None:
    _call(name, data)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(DECODERS)))
    data = bytearray(DECODERS[name][1])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == 0 and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == 1:
            data.insert(pos, draw(st.integers(0, 255)))
        elif op == 2 and data:
            del data[pos]
        else:
            data = data[:pos]
    return name, bytes(data)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_bytes(case: tuple[str, bytes]) -> None:
    _call(*case)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_text_inputs(text: str) -> None:
    for fn in (apn_rules.validate, apn_rules.strip_operator_id, apn.encode, ids.iccid_from_at,
               dmcfg.validate_address, dmcfg.protocol_number, dmcfg.pdn_type_number):
        try:
            fn(text)
        except MeLibError:
            pass
