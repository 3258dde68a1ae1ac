"""Sources `acl` (EF_ACL) and `lwm2m` (bootstrap file) alone, against real virtual cards."""

import pytest

from me_lib.codec import lwm2m
from me_lib.errors import ProfileMissing
from me_lib.sources import AclSource, Lwm2mSource, SourceContext, read_profile

from .helpers import acl_only, bare, card, lwm2m_only, set_security_instances, usim_of

EF_ACL = "3F007FFF6F57"


def _label(text: str) -> bytes:
    """Label encoding without validation (to put bad APNs on the card)."""
    return b"".join(bytes([len(p)]) + p.encode() for p in text.split("."))


def _acl(*apns: str, count: int | None = None) -> bytes:
    body = b"".join(b"\xdd" + bytes([len(_label(a) if a else b"")]) + (_label(a) if a else b"")
                    for a in apns)
    return bytes([len(apns) if count is None else count]) + body + b"\xff" * 8


# --- acl ----------------------------------------------------------------------------------


def test_acl_alone_first_apn_is_apn0_rest_unnamed_services() -> None:
    profile = read_profile(usim_of(acl_only()), sources=["acl"])
    assert profile.apn0.apn == "dm.operator.example"
    assert [(b.apn, b.services) for b in profile.service_bearers] == [
        ("telemetry.example", ()), ("fota.example", ())]   # the trailing DD 00 is no bearer
    assert profile.origins == {"apn0": "usim:EF_ACL", "service_bearers": "usim:EF_ACL"}
    assert profile.servers == []


def test_network_provided_first_entry_is_an_empty_apn0() -> None:
    profile = read_profile(usim_of(card(drop=("dmcfg",), acl={"apns": ["", "x.example"]})),
                           sources=["acl"])
    assert profile.apn0.apn == ""
    assert [b.apn for b in profile.service_bearers] == ["x.example"]


def test_single_apn_leaves_services_to_the_next_source() -> None:
    part = AclSource().read(SourceContext(usim_of(card(drop=("dmcfg",),
                                                       acl={"apns": ["only.example"]}))))
    assert part.apn0 is not None and part.apn0.apn == "only.example"
    assert part.service_bearers is None


def test_bad_label_entry_is_skipped_with_a_note() -> None:
    vc = acl_only()
    vc.update_file(EF_ACL, _acl("dm.operator.example", "bad_label.example", "ok.example"))
    profile = read_profile(usim_of(vc), sources=["acl"])
    assert profile.apn0.apn == "dm.operator.example"
    assert [b.apn for b in profile.service_bearers] == ["ok.example"]
    note = next(n for n in profile.notes if "ignored" in n)
    assert note.startswith("acl: ignored EF_ACL entry 2")
    assert "not allowed in a label" in note and "[InvalidApn]" in note


def test_bad_first_entry_never_promotes_a_service_apn_to_apn0() -> None:
    vc = acl_only()
    vc.update_file(EF_ACL, _acl("-bad.example", "svc.example"))
    part = AclSource().read(SourceContext(usim_of(vc)))
    assert part.apn0 is None
    assert part.service_bearers is not None and part.service_bearers[0].apn == "svc.example"
    assert any("APN0 (first EF_ACL entry)" in n for n in part.notes)


def test_card_without_acl() -> None:
    part = AclSource().read(SourceContext(usim_of(bare())))
    assert not any(part.answers(f) for f in ("dm_servers", "apn0", "service_bearers"))
    assert part.notes == ["acl: the card has no EF_ACL (UST service n°35 not set)"]


# --- lwm2m --------------------------------------------------------------------------------


def test_lwm2m_bootstrap_only_uses_the_bootstrap_server_and_says_so() -> None:
    part = Lwm2mSource().read(SourceContext(usim_of(lwm2m_only())))
    assert part.servers is not None
    [entry] = part.servers
    assert entry.server.address == "coap://bootstrap.example.net:5683"
    assert (entry.server.kind, entry.server.effective_protocol, entry.server.effective_port) \
        == ("uri", "coap", 5683)
    assert part.notes == ["lwm2m: DM server coap://bootstrap.example.net:5683 from the "
                          "bootstrap server in Security instance 0 (short server id 1)"]
    with pytest.raises(ProfileMissing):
        read_profile(usim_of(lwm2m_only()), sources=["lwm2m"])   # no APN in that file


def test_lwm2m_prefers_the_dm_server_instance() -> None:
    vc = lwm2m_only()
    set_security_instances(vc, [
        lwm2m.SecurityInstance(0, "coaps://bs.example.net:5684", True, 0, None),
        lwm2m.SecurityInstance(1, "coaps://dm.example.net:5684", False, 0, 101)])
    part = Lwm2mSource().read(SourceContext(usim_of(vc)))
    assert part.servers is not None
    assert [e.server.address for e in part.servers] == ["coaps://dm.example.net:5684"]
    assert part.notes == ["lwm2m: DM server coaps://dm.example.net:5684 from the DM server "
                          "in Security instance 1 (short server id 101)"]


def test_lwm2m_invalid_uri_is_skipped_with_a_note() -> None:
    vc = lwm2m_only()
    set_security_instances(vc, [lwm2m.SecurityInstance(0, "coaps://", False, 3, 1)])
    part = Lwm2mSource().read(SourceContext(usim_of(vc)))
    assert part.servers is None
    assert any(n.startswith("lwm2m: ignored server URI of Security instance 0")
               and "[InvalidAddress]" in n for n in part.notes)


def test_card_without_pkcs15() -> None:
    part = Lwm2mSource().read(SourceContext(usim_of(bare())))
    assert part.servers is None and part.notes == ["lwm2m: no LwM2M bootstrap file on the card"]
