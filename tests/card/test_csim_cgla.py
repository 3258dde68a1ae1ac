"""AT+CSIM and AT+CCHO/+CGLA/+CCHC back ends, scripted and card-backed, over a pty."""

import pytest

from me_lib.card.cgla import CglaOpener, parse_ccho
from me_lib.card.csim import CsimLink, parse_csim
from me_lib.card.files import FileAccess
from me_lib.card.usim import Usim
from me_lib.codec import lwm2m
from me_lib.errors import CardError, CardRemoved, SecurityStatusNotSatisfied
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

from .at_peer import CardModem, modem


def card(profile: str = "default.toml") -> VirtualCard:
    return VirtualCard.from_profile(PROFILES_DIR / profile)


# --- +CSIM ----------------------------------------------------------------------------------


def test_csim_raw_61xx_get_response_uppercase_and_hex_length() -> None:
    fcp = "62168202412183026F578A01058C03031211800200608800"
    script = [
        ('AT+CSIM=18,"00A40804047FFF6F57"', ['+CSIM: 4,"6118"', "OK"]),   # Sierra: raw 61xx
        ('AT+CSIM=10,"00C0000018"', ['+CSIM: 52,"%s9000"' % fcp.lower(), "OK"]),
        ('AT+CSIM=10,"00B0000060"', ["+CSIM: 196, %s9000" % ("04" + "ff" * 95), "OK"]),
    ]
    with modem(script) as (peer, at):
        link = CsimLink(at)
        fa = FileAccess(link)
        assert fa.select("3F007FFF6F57").size == 96
        assert fa.read_binary("3F007FFF6F57")[0] == 4
        assert link.stats.apdus == 3
        peer.check()


def test_csim_6cxx_reissue_and_lock_wrapping() -> None:
    script = [
        ("AT+CSIM=1", ["OK"]),
        ('AT+CSIM=10,"00B201F400"', ['+CSIM: 4,"6C30"', "OK"]),
        ('AT+CSIM=10,"00B201F430"', ['+CSIM: 100,"%s9000"' % ("61" + "00" * 47), "OK"]),
        ("AT+CSIM=0", ["OK"]),
    ]
    with modem(script) as (peer, at), CsimLink(at, lock=True) as link:
        fa = FileAccess(link, {(0x3F00, 0x2F00): 0x1E})
        fa._cur_df = (0x3F00,)  # the MF is current (as after a reset)
        assert len(fa.read_record("3F002F00", 1)) == 48
    peer.check()


def test_csim_6982_is_security_status_not_satisfied() -> None:
    script = [('AT+CSIM=18,"00A4080C047FFF6F07"', ['+CSIM: 4,"9000"', "OK"]),
              ('AT+CSIM=10,"00B00000FF"', ['+CSIM: 4,"6982"', "OK"])]
    with modem(script) as (peer, at):
        fa = FileAccess(CsimLink(at))
        with pytest.raises(SecurityStatusNotSatisfied, match="READ BINARY 3F007FFF6F07"):
            fa.read_binary("3F007FFF6F07")
        peer.check()


def test_csim_modem_errors_become_card_errors() -> None:
    cases: list[tuple[str, type[Exception], str]] = [
        ("+CME ERROR: 13", CardError, "SIM failure"), ("+CME ERROR: 10", CardRemoved, "insert"),
        ("ERROR", CardError, r"\+CGLA")]
    for answer, exc, match in cases:
        with modem([('AT+CSIM=10,"00B0820000"', [answer])]) as (peer, at):
            with pytest.raises(exc, match=match):
                CsimLink(at).transmit(bytes.fromhex("00B0820000"))
            peer.check()


@pytest.mark.parametrize(("lines", "sw"), [
    (['+CSIM: 4,"9000"'], 0x9000), (["+CSIM: 4,9000"], 0x9000), (['+CSIM:4, "6a82"'], 0x6A82),
])
def test_parse_csim_forms(lines: list[str], sw: int) -> None:
    assert parse_csim(lines, "+CSIM:") == (b"", sw)


@pytest.mark.parametrize("lines", [[], ['+CSIM: 2,"90"'], ['+CSIM: 4,"zz00"'], ["+CSIM: 0,"]])
def test_parse_csim_garbage(lines: list[str]) -> None:
    with pytest.raises(CardError):
        parse_csim(lines, "+CSIM:")


def test_whole_usim_over_csim_against_a_card_backed_modem() -> None:
    vc = card()
    with modem(responder=CardModem(vc.transmit, lower=True)) as (peer, at):
        usim = Usim(FileAccess(CsimLink(at)))
        ident = usim.identity()
        assert (ident.iccid, ident.imsi, ident.mcc, ident.mnc) == (
            vc.iccid, vc.imsi, "001", "01")
        assert usim.read_dmcfg() is not None
        assert usim.read_acl().acl is not None
        boot = usim.read_lwm2m_bootstrap()          # MANAGE CHANNEL through +CSIM
        assert isinstance(boot, lwm2m.BootstrapFile)
        assert all(not c.upper().startswith("AT+CSIM=") or c == c.upper() for c in peer.received)


# --- +CCHO / +CGLA / +CCHC --------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "sid"), [
    (["+CCHO: 1"], "1"), (["1"], "1"), (["+CCHO: 00000000038aa32f"], "00000000038aa32f"),
    (['+CCHO: "2"'], "2"), (["+CCHO:3"], "3"),
])
def test_parse_ccho_every_form(lines: list[str], sid: str) -> None:
    assert parse_ccho(lines) == sid


def test_parse_ccho_garbage() -> None:
    with pytest.raises(CardError):
        parse_ccho(["+CCHO: one"])


@pytest.mark.parametrize(("form", "ids"), [
    ("+CCHO: {}", {}), ("{}", {}), ("+CCHO: {}", {1: "00000000038aa32f"}),
    ('+CCHO: "{}"', {1: "385A7CF"}),
])
def test_lwm2m_bootstrap_over_cgla_each_ccho_form(form: str, ids: dict[int, str]) -> None:
    vc = card()
    responder = CardModem(vc.transmit, ccho_form=form, session_ids=ids)
    with modem(responder=responder) as (peer, at):
        opener = CglaOpener(at)
        usim = Usim(FileAccess(CsimLink(at, logical_channels="cgla")), apps=opener)
        boot = usim.read_lwm2m_bootstrap()
        assert isinstance(boot, lwm2m.BootstrapFile) and boot.object(0) is not None
        assert responder.misuse == []              # CLA channel bits left to the MT
        assert responder.sessions == {}            # always closed
        sid = ids.get(1, "1")
        assert responder.closed == [sid]
        assert any(c.startswith("AT+CGLA=%s," % sid) for c in peer.received)


def test_cgla_channel_closed_when_the_body_fails() -> None:
    vc = card()
    responder = CardModem(vc.transmit)
    with modem(responder=responder) as (_peer, at):
        with pytest.raises(RuntimeError), CglaOpener(at).open_app(
                bytes.fromhex("A000000063504B43532D3135")) as link:
            assert link.transmit(bytes.fromhex("00A40804047FFF5031"))[1] == 0x9000
            raise RuntimeError("body failed")
        assert responder.sessions == {} and responder.closed == ["1"]


def test_ccho_refused_is_a_card_error() -> None:
    with modem([('AT+CCHO="A000000063504B43532D3135"', ["+CME ERROR: 4"])]) as (peer, at):
        with pytest.raises(CardError, match="logical channel"), CglaOpener(at).open_app(
                bytes.fromhex("A000000063504B43532D3135")):
            pass
        peer.check()
