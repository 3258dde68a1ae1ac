"""FileAccess and Usim against the virtual USIM in-process (no pcscd): APDU economy,
fallbacks, PIN safety, and the same Usim over +CRSM through a card-backed modem."""

import logging
import tomllib
from collections.abc import Callable
from typing import Any

import pytest

from me_lib.card import crsm
from me_lib.card.crsm import CrsmAccess
from me_lib.card.files import FileAccess
from me_lib.card.link import FunctionLink
from me_lib.card.usim import EF_ACL, Usim
from me_lib.codec import lwm2m
from me_lib.errors import (
    CardError,
    FileNotFound,
    PinBlocked,
    ProfileIntegrityError,
    SecurityStatusNotSatisfied,
    StatusWordError,
)
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

from .at_peer import CrsmCardModem, modem

USIM_AID = "A0000000871002FF33FF018900000100"


def card(profile: str = "default.toml", **changes: Any) -> VirtualCard:
    if not changes:
        return VirtualCard.from_profile(PROFILES_DIR / profile)
    data = tomllib.loads((PROFILES_DIR / profile).read_text())
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    return VirtualCard.from_dict(data)


class Recorder:
    """Wraps a card's transmit, records C-APDUs (hex), optionally rewrites answers."""

    def __init__(self, vc: VirtualCard,
                 rule: Callable[[bytes], bytes | None] | None = None) -> None:
        self.vc = vc
        self.rule = rule
        self.sent: list[str] = []

    def __call__(self, apdu: bytes) -> bytes:
        self.sent.append(apdu.hex().upper())
        if self.rule is not None:
            forced = self.rule(apdu)
            if forced is not None:
                return forced
        return self.vc.transmit(apdu)


def usim_on(vc: VirtualCard, rule: Callable[[bytes], bytes | None] | None = None
            ) -> tuple[Usim, Recorder, FunctionLink]:
    rec = Recorder(vc, rule)
    link = FunctionLink(rec, starts_at_mf=True)
    return Usim(FileAccess(link)), rec, link


# --- APDU economy -------------------------------------------------------------------------


def test_identity_uses_sfi_reads_and_one_aid_select() -> None:
    vc = card()
    usim, rec, _ = usim_on(vc)
    ident = usim.identity()
    assert (ident.iccid, ident.imsi, ident.mcc, ident.mnc, ident.mnc_length) == (
        vc.iccid, vc.imsi, "001", "01", 2)
    assert rec.sent == [
        "00B082000A",                       # EF_ICCID by SFI 02, exact length
        "00B201F400", "00B201F430",         # EF_DIR record 1 by SFI 1E (6C30 -> exact Le)
        "00A4040C10" + USIM_AID,            # ADF.USIM, no FCP needed
        "00B0870009",                       # EF_IMSI by SFI 07
        "00B0830000",                       # EF_AD by SFI 03, size from 6282
    ]


def test_acl_and_dmcfg_economy() -> None:
    vc = card()
    usim, rec, link = usim_on(vc)
    usim.identity()
    before = len(rec.sent)
    info = usim.read_acl()
    assert info.listed is True and info.enforced is True
    assert info.acl is not None and info.acl.apns[-1] == ""
    cfg = usim.read_dmcfg()
    assert cfg is not None and cfg.apn0.apn == "dm.operator.example"
    assert rec.sent[before:] == [
        "00B0840000", "00B0850000",          # UST, EST by SFI
        "00A4000C026F57", "00B0000000",      # ACL: select by FID in the ADF, read to 6282
        "00A4000C025F4D", "00B0810000",      # DF.DMCFG, then EF.DMCFG by SFI 01
        "00B0010000",                        # 256 bytes came back: probe the end (6B00)
    ]
    assert link.stats.apdus == 13


def test_large_file_is_read_in_chunks_beyond_256_bytes() -> None:
    vc = card(dmcfg={"size": 600})
    usim, rec, _ = usim_on(vc)
    assert usim.read_dmcfg() is not None
    assert rec.sent[-3:] == ["00B0810000", "00B0010000", "00B0020000"]


def test_card_refusing_big_le_takes_the_fcp_route() -> None:
    def strict(apdu: bytes) -> bytes | None:
        if apdu[1] == 0xB0 and len(apdu) == 5 and apdu[4] == 0:
            return bytes.fromhex("6700")
        return None

    usim, rec, _ = usim_on(card(), strict)
    usim.select_usim()
    n = len(rec.sent)
    info = usim.read_acl()
    assert info.acl is not None and info.listed and info.enforced
    assert rec.sent[n:] == [
        "00B0840000",                                    # 6700: learn "exact Le only"
        "00A40004026F38", "00C0000019", "00B0000008",    # then FCP route for every file
        "00A40004026F56", "00C0000019", "00B0000001",
        "00A40004026F57", "00C0000018", "00B0000060",
    ]


def test_sfi_refused_falls_back_to_select() -> None:
    def no_sfi(apdu: bytes) -> bytes | None:
        if apdu[1] == 0xB0 and apdu[2] & 0x80:
            return bytes.fromhex("6A86")
        return None

    vc = card()
    usim, rec, _ = usim_on(vc, no_sfi)
    assert usim.iccid() == vc.iccid
    assert rec.sent == ["00B082000A", "00A4000C022FE2", "00B000000A"]


def test_records_updates_and_select_info() -> None:
    vc = card()
    rec = Recorder(vc)
    fa = FileAccess(FunctionLink(rec, starts_at_mf=True))
    records = fa.read_records("3F002F00")
    assert len(records) == 4 and records[0].startswith(b"\x61")
    assert fa.file_info("3F002F00").record_length == 0x30
    n = len(rec.sent)
    assert fa.file_info("3F002F00").record_count == 4 and len(rec.sent) == n   # cached
    vc.update_file("3F002F00", b"\x61\x03\x4F\x01\x01" + b"\xFF" * 43, record=4)
    assert fa.read_record("3F002F00", 4)[:5] == b"\x61\x03\x4F\x01\x01"
    with pytest.raises(SecurityStatusNotSatisfied, match="UPDATE BINARY 3F007FFF6F57"):
        fa.update_binary("3F007FFF6F57", b"\x00")          # PIN2
    with pytest.raises(StatusWordError, match="UPDATE RECORD"):
        fa.update_record("3F002F00", 1, b"\x00" * 48)       # ADM


def test_missing_file_is_file_not_found() -> None:
    usim, _, _ = usim_on(card())
    with pytest.raises(FileNotFound, match="3F007FFF5F4D4F02"):
        usim.read_dmcfg("3F007FFF5F4D4F02")
    with pytest.raises(FileNotFound):
        usim.access.read_binary("3F007FFF6FFF")


def test_torn_dmcfg_is_a_profile_integrity_error() -> None:
    usim, _, _ = usim_on(card("torn.toml"))
    with pytest.raises(ProfileIntegrityError):
        usim.read_dmcfg()


def test_ust_without_acl_service_skips_the_file() -> None:
    vc = card()
    vc.update_file("3F007FFF6F38", b"\x00" * 8)
    usim, rec, _ = usim_on(vc)
    assert usim.read_acl().listed is False and usim.read_acl().acl is None
    assert not any("6F57" in a for a in rec.sent)


def test_no_usim_in_ef_dir_relies_on_7fff() -> None:
    vc = card()
    for n in range(1, 5):
        vc.update_file("3F002F00", b"\xFF" * 0x30, record=n)
    usim, rec, _ = usim_on(vc)
    assert usim.imsi() == vc.imsi
    assert not any(a.startswith("00A40404") or a.startswith("00A4040C") for a in rec.sent)


# --- PIN ----------------------------------------------------------------------------------------


def test_pin_protected_file_before_and_after_verify() -> None:
    vc = card("pin.toml")
    usim, _, _ = usim_on(vc)
    assert usim.iccid() == vc.iccid                       # ALW
    with pytest.raises(SecurityStatusNotSatisfied):
        usim.imsi()
    state = usim.pin_status()
    assert (state.verified, state.retries) == (False, 3)
    assert usim.verify_pin("73592468").verified
    assert usim.pin_status().verified
    assert usim.imsi() == vc.imsi and usim.read_dmcfg() is not None


def test_verify_never_spends_the_last_tries(caplog: pytest.LogCaptureFixture) -> None:
    vc = card("pin.toml")
    usim, rec, _ = usim_on(vc)
    with pytest.raises(StatusWordError, match="2 tries left"):
        usim.verify_pin("0000")
    with pytest.raises(StatusWordError, match="1 tries left"):
        usim.verify_pin("0000")
    sent = len(rec.sent)
    with pytest.raises(PinBlocked) as err:
        usim.verify_pin("73592468")                          # 1 left < min_tries 2
    assert err.value.retries == 1
    assert [a for a in rec.sent[sent:] if a.startswith("0020")] == ["00200001"]  # no VERIFY
    with caplog.at_level(logging.DEBUG, logger="me_lib.card"):
        assert usim.verify_pin("73592468", force=True).verified
    assert "31323334" not in caplog.text and "73592468" not in caplog.text


def test_blocked_pin_is_reported_without_verify() -> None:
    vc = card("pin.toml")
    usim, rec, _ = usim_on(vc)
    for _ in range(2):
        with pytest.raises(StatusWordError):
            usim.verify_pin("0000")
    with pytest.raises(PinBlocked):
        usim.verify_pin("0000", force=True)              # last try spent on purpose
    assert usim.pin_status().blocked
    n = len(rec.sent)
    with pytest.raises(PinBlocked):
        usim.verify_pin("73592468", force=True)
    assert rec.sent[n:] == ["00200001"]


# --- the same Usim over +CRSM ---------------------------------------------------------------


def test_usim_over_crsm_with_fallbacks_learned() -> None:
    vc = card()
    responder = CrsmCardModem(vc.transmit, path_forms=("no_mf", "none"), gr_needs_max=True)
    cache: dict[str, dict[str, str]] = {}
    with modem(responder=responder) as (_peer, at):
        usim = Usim(CrsmAccess(at, "sim-x", cache))
        ident = usim.identity()
        assert (ident.iccid, ident.imsi, ident.mnc) == (vc.iccid, vc.imsi, "01")
        assert usim.read_acl().acl is not None
        cfg = usim.read_dmcfg()
        assert cfg is not None and len(cfg.bearers) == 3
        assert cache["sim-x"] == {"pathid": crsm.FORM_NO_MF, "pathid_mf": crsm.FORM_NONE,
                                  "get_response": crsm.GR_MAX}
        with pytest.raises(CardError, match="logical channel"):
            usim.read_lwm2m_bootstrap()
        with pytest.raises(CardError, match="APDU access"):
            usim.pin_status()
        with pytest.raises(FileNotFound):
            usim.access.read_binary("3F007FFF6FFF")
        assert EF_ACL == (0x3F00, 0x7FFF, 0x6F57)


# --- LwM2M bootstrap on a logical channel ----------------------------------------------------


def test_bootstrap_beyond_256_bytes_on_a_channel_closed_after() -> None:
    uri = "coaps://" + ".".join(c * 60 for c in "xyzw") + ".example.net:5684"
    vc = card(lwm2m={"server_uri": uri})
    usim, rec, _ = usim_on(vc)
    usim.identity()
    n = len(rec.sent)
    boot = usim.read_lwm2m_bootstrap()
    assert boot is not None and lwm2m.security_instances(boot)[0].server_uri == uri
    sent = rec.sent[n:]
    assert not any(a.startswith("00B201") for a in sent)  # EF_DIR record 1 was remembered
    assert "00B2020430" in sent                          # record 2, length already known
    assert "0070000001" in sent                          # MANAGE CHANNEL open
    assert sent[-1] == "00708001"                        # ... and close
    assert "01B000FFFF" in sent                          # second chunk of the bootstrap file


def test_bootstrap_absent_is_none_and_channel_closed() -> None:
    vc = card()
    usim, rec, _ = usim_on(vc, lambda a: bytes.fromhex("6A82") if a[1:4] == bytes.fromhex(
        "A4000C") and a[5:7] == bytes.fromhex("6432") else None)
    assert usim.read_lwm2m_bootstrap() is None
    assert rec.sent[-1] == "00708001"


def test_after_a_card_reset_selection_state_is_rebuilt() -> None:
    vc = card()
    usim, rec, link = usim_on(vc)
    assert usim.imsi() == vc.imsi
    vc.reset()
    link.generation += 1                      # what PcscLink.reset() does
    n = len(rec.sent)
    assert usim.imsi() == vc.imsi
    assert rec.sent[n:] == ["00A4040C10" + USIM_AID, "00B0870009"]


def test_card_hiding_its_retry_counter_needs_force() -> None:
    vc = card("pin.toml")
    usim, rec, _ = usim_on(vc, lambda a: bytes.fromhex("6A86") if a.hex() == "00200001" else None)
    with pytest.raises(PinBlocked, match="retry counter"):
        usim.verify_pin("73592468")
    assert [a for a in rec.sent if a.startswith("0020")] == ["00200001"]
    assert usim.verify_pin("73592468", force=True).verified
