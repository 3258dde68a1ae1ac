"""Profile options that make the virtual card behave like cards me_lib did not write."""

import pytest

from me_lib.card.files import FileAccess
from me_lib.card.link import FunctionLink
from me_lib.card.usim import Usim
from me_lib.codec import efdir, fcp, pkcs15
from me_lib.errors import ProfileError
from me_lib.sim.card import VirtualCard
from me_lib.sim.scenario_files import card_dict

from ._helpers import sender


def card(**options: object) -> VirtualCard:
    data = card_dict("default")
    data["card"] = {**data["card"], **options}
    return VirtualCard.from_dict(data)


def test_gsm_sw_style_announces_response_data_with_9fxx() -> None:
    """TS 51.011 §9.4.1: `9F xx`, and GET RESPONSE with Le = xx gives the FCP."""
    tx = sender(card(sw_style="gsm"))
    data, sw = tx("00A40804022FE2")
    assert data == b"" and sw >> 8 == 0x9F
    body, sw2 = tx("00C00000%02X" % (sw & 0xFF))
    assert sw2 == 0x9000 and fcp.decode(body) is not None and b"\x83\x02\x2f\xe2" in body
    assert tx("00A40804022FE2")[1] >> 8 == 0x9F
    part, sw3 = tx("00C0000004")
    assert len(part) == 4 and sw3 >> 8 == 0x9F          # the rest is announced the same way
    assert sender(card())("00A40804022FE2")[1] >> 8 == 0x61   # default: UICC 61xx


def test_gsm_sw_style_card_reads_through_the_apdu_link() -> None:
    vc = card(sw_style="gsm")
    usim = Usim(FileAccess(FunctionLink(vc.transmit)))
    assert usim.iccid() == vc.iccid
    assert [a.is_pkcs15 for a in usim.applications()] == [False, True]


def test_unknown_sw_style_is_refused_with_the_choices() -> None:
    with pytest.raises(ProfileError, match="uicc, gsm"):
        card(sw_style="2g")


def test_efdir_padding_pads_before_between_and_inside_the_objects() -> None:
    vc = card(efdir_padding=True)
    raw = vc.read_file("3F002F00")
    first, second = raw[:48], raw[48:96]
    assert first[:2] == b"\x00\x00" and b"\xff\xff\x50" in first   # 00 before, FF inside
    assert efdir.decode(first) is not None and efdir.decode(first).is_usim
    assert efdir.decode(second) is not None
    assert efdir.decode(second).aid == pkcs15.AID
    usim = Usim(FileAccess(FunctionLink(vc.transmit)))
    assert usim.read_lwm2m_bootstrap() is not None
