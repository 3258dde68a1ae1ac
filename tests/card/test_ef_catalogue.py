"""The EF catalogue (me_lib.card.catalogue): every row's vectors, its codec, and the simulator.

One test runs every row's vectors through the codec the row names (decode gives the
model written here, encode gives the same bytes back); one checks the simulator's
packaged cards serve each catalogued file with the row's FID, SFI and structure (as
the card layer reads them from the FCP) and nothing under MF / ADF.USIM the
catalogue lacks; EF.DMCFG's construct declarations must write what the portable
encoder writes.
"""

import importlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings

from me_lib.card import path as P
from me_lib.card.catalogue import CODEC, DECODE, EFS, ENCODE, PATH, SFI, STRUCTURE
from me_lib.card.fileinfo import from_fcp
from me_lib.card.usim import STANDARD_SFI
from me_lib.codec import declared, dmcfg, ursp
from me_lib.codec.acl import Acl
from me_lib.codec.dmcfg import Bearer, DmConfig, DmServer
from me_lib.codec.efdir import Application
from me_lib.codec.ids import AdminData, Iccid
from me_lib.errors import ProfileError, ProfileIntegrityError
from me_lib.sim.card_profile import PROFILES_DIR, load_parts
from me_lib.sim.fs import DF, EF
from tests.codec.codec_strategies import dmcfg_configs

USIM_AID = bytes.fromhex("A0000000871002FF33FF018900000100")

_URSP_RULE = (
    "0016" "ff" "0001" "01"        # rule length 22, precedence 255, match-all
    "0010" "000e" "01" "000b"      # RSD list 16: one RSD of 14, precedence 1, contents 11
    "0409" "08" + b"internet".hex())  # DNN "internet"

_DMCFG = (
    "800101" "810107"                                   # version 1, sequence 7
    "a018" "800f00" + b"dm.example.net".hex() + "81021633" "820101"   # FQDN, 5683, coap
    + "a00d" "800501c0000207" "820102" "830101"         # 192.0.2.7, coaps, bearer 1
    "a108" "800602646d026f70"                           # APN0 "dm.op"
    "a11d" "800703696f74026f70" "810103" "820101" "830175"  # "iot.op", IPv4v6, PAP, "u"
    "8609" + b"telemetry".hex() + "8f0416c62696" "ffffff")  # service, CRC-32, padding

#: name -> [(file content hex, the model it decodes to)]; encode(model) gives the bytes back
VECTORS: dict[str, list[tuple[str, Any]]] = {
    "EF_DIR": [("6118" "4f10" + USIM_AID.hex() + "5004" + b"USIM".hex() + "ff" * 6,
                Application(USIM_AID, "USIM"))],
    "EF_ICCID": [("98888260660000000001", Iccid("89882806660000000010")),
                 ("988882606600000000f1", Iccid("8988280666000000001"))],
    "EF_IMSI": [("080910101032547698", "001010123456789"),
                ("0801101010325476f0", "00101012345670")],
    "EF_AD": [("00000002", AdminData(0, b"\x00\x00", 2)),
              ("80000003", AdminData(0x80, b"\x00\x00", 3))],
    "EF_UST": [("0c04", frozenset({3, 4, 11}))],
    "EF_EST": [("04", frozenset({3}))],
    "EF_ACL": [("02" "dd0302696f" "dd00" "ffff", Acl(("io", ""), 2))],
    # one tag-80 object: PLMN 001-01, the rules' length (24), the rules; FF padding
    "EF_URSP": [("801c" "00f110" "18" + _URSP_RULE + "ffffffff", ursp.UrspFile((ursp.PlmnRules(
        "00101", (ursp.UrspRule(255, (ursp.TrafficComponent(ursp.TD_MATCH_ALL),), (
            ursp.RouteDescriptor(1, (ursp.RouteComponent(ursp.RSD_DNN, "internet"),)),)),)),)))],
    "EF.DMCFG": [(_DMCFG, DmConfig(
        (DmServer("dm.example.net", dmcfg.ADDR_FQDN, 5683, dmcfg.PROTO_COAP),
         DmServer("192.0.2.7", dmcfg.ADDR_IPV4, None, dmcfg.PROTO_COAPS, 1)),
        (Bearer("dm.op"), Bearer("iot.op", dmcfg.PDN_IPV4V6, dmcfg.AUTH_PAP, "u", None,
                                 ("telemetry",))), 1, 7, True))],
}


def _codec(name: str) -> tuple[Callable[..., Any], Callable[..., bytes]]:
    """The row's decoder and encoder, imported by the names the row gives."""
    row = EFS[name]
    module = importlib.import_module("me_lib.codec." + row[CODEC])
    return getattr(module, row[DECODE]), getattr(module, row[ENCODE])


def _encode(encode: Callable[..., bytes], model: Any, size: int) -> bytes:
    """Encoders taking a size get the file's (FF padding, table length); the rest do not."""
    if len(inspect.signature(encode).parameters) > 1:
        return encode(model, size)
    return encode(model)


def test_every_row_has_vectors() -> None:
    assert sorted(VECTORS) == sorted(EFS)


@pytest.mark.parametrize(("name", "hex_data", "model"), [
    (name, hex_data, model) for name in sorted(VECTORS) for hex_data, model in VECTORS[name]])
def test_row_vectors_round_trip(name: str, hex_data: str, model: Any) -> None:
    decode, encode = _codec(name)
    data = bytes.fromhex(hex_data)
    decoded = decode(data)
    assert decoded == model
    assert _encode(encode, decoded, len(data)) == data


def test_rows_are_well_formed() -> None:
    for name, row in EFS.items():
        path = row[PATH]
        assert path[0] == P.MF and len(path) >= 2, name
        assert row[SFI] is None or 1 <= row[SFI] <= 30, name
        assert row[STRUCTURE] in ("transparent", "linear_fixed", "cyclic"), name
    paths = [row[PATH] for row in EFS.values()]
    assert len(set(paths)) == len(paths)
    sfis = [(row[PATH][:-1], row[SFI]) for row in EFS.values() if row[SFI] is not None]
    assert len(set(sfis)) == len(sfis), "two files of one DF share an SFI"


def test_card_layer_hints_every_catalogued_sfi() -> None:
    assert {row[PATH]: row[SFI] for row in EFS.values() if row[SFI] is not None} == STANDARD_SFI


def test_codec_default_paths_are_the_catalogue_rows() -> None:
    assert P.parse(dmcfg.DEFAULT_PATH) == EFS["EF.DMCFG"][PATH]
    assert P.parse(ursp.DEFAULT_PATH) == EFS["EF_URSP"][PATH]


# --- the simulator serves the catalogue -------------------------------------------------


def _served(df: DF, path: tuple[int, ...]) -> Iterator[tuple[tuple[int, ...], EF]]:
    for node in df.children.values():
        if isinstance(node, EF):
            yield path + (node.fid,), node
        elif isinstance(node, DF):
            yield from _served(node, path + (node.fid,))


def test_simulator_files_agree_with_the_catalogue() -> None:
    """Every packaged card: each EF under MF and ADF.USIM is a row, with its FID, SFI and
    structure (as the card layer reads them from the FCP the simulator sends), and its
    content decodes with the row's codec. ADF.PKCS#15 is reached through EF_DIR and its
    ODF, not by fixed paths, so it is not catalogued."""
    by_path = {row[PATH]: name for name, row in EFS.items()}
    seen = set()
    for profile in sorted(PROFILES_DIR.glob("*.toml")):
        parts = load_parts(profile)
        usim = parts.adfs[0]
        assert usim.fid == P.ADF and usim.aid is not None and usim.aid[:7] == USIM_AID[:7]
        files = list(_served(parts.mf, (P.MF,))) + list(_served(usim, (P.MF, P.ADF)))
        for path, ef in files:
            name = by_path.get(path)
            assert name is not None, "%s serves %s, which the catalogue lacks" % (
                profile.name, P.to_hex(path))
            row = EFS[name]
            info = from_fcp(ef.fcp())
            assert (info.fid, info.sfi, info.structure) == (
                row[PATH][-1], row[SFI], row[STRUCTURE]), (profile.name, name)
            decode, _ = _codec(name)
            if info.record_length:
                records = [ef.record(n) for n in range(1, ef.record_count + 1)]
                assert any(decode(record) is not None for record in records), name
            elif parts.extra.get("dmcfg", {}).get("corrupt_crc") and name == "EF.DMCFG":
                with pytest.raises(ProfileIntegrityError):  # the torn-update card
                    decode(bytes(ef.data))
            else:
                assert decode(bytes(ef.data)) is not None, name
            seen.add(name)
    assert seen == set(EFS), "rows no packaged card serves: %s" % sorted(set(EFS) - seen)


# --- EF.DMCFG: construct declarations both ways ------------------------------------------


@settings(max_examples=150, deadline=None)
@given(dmcfg_configs())
def test_construct_build_equals_the_portable_encoder(cfg: DmConfig) -> None:
    data = dmcfg.encode(cfg)
    assert declared.encode_dmcfg(cfg) == data
    assert declared.encode_dmcfg(cfg, len(data) + 5) == dmcfg.encode(cfg, len(data) + 5)
    assert declared.decode_dmcfg(data) == dmcfg.decode(data) == cfg


_BASE = DmConfig((DmServer("dm.example.net"),), (Bearer("dm.op"),))


@pytest.mark.parametrize(("label", "cfg", "size"), [
    ("port 0", _BASE.replace(servers=(DmServer("dm.example.net", port=0),)), None),
    ("port 65536", _BASE.replace(servers=(DmServer("dm.example.net", port=65536),)), None),
    ("protocol 256", _BASE.replace(servers=(DmServer("h.example", protocol=256),)), None),
    ("bearer index past the end", _BASE.replace(servers=(DmServer("h.example",
                                                                   bearer_index=1),)), None),
    ("bad address", _BASE.replace(servers=(DmServer("not a host"),)), None),
    ("bad APN", _BASE.replace(bearers=(Bearer("-bad-"),)), None),
    ("control character", _BASE.replace(bearers=(Bearer("dm.op", username="a\nb"),)), None),
    ("bad service name", _BASE.replace(bearers=(Bearer("dm.op", services=("A B",)),)), None),
    ("extra with a known tag", _BASE.replace(bearers=(Bearer("dm.op",
                                                             extra=((0x81, b"\x01"),)),)), None),
    ("unknown with a known tag", _BASE.replace(unknown=((dmcfg.TAG_CRC, b""),)), None),
    ("sequence over 4 bytes", _BASE.replace(sequence=2**32), None),
    ("no bearer", _BASE.replace(bearers=()), None),
    ("file too small", _BASE, 10),
])
def test_both_encoders_refuse_the_same_models(label: str, cfg: DmConfig,
                                              size: int | None) -> None:
    with pytest.raises(ProfileError):
        dmcfg.encode(cfg, size)
    with pytest.raises(ProfileError):
        declared.encode_dmcfg(cfg, size)
