"""Source `usim` (EF.DMCFG) alone, against real virtual cards."""

import pytest

from me_lib.codec import dmcfg
from me_lib.errors import ProfileMissing
from me_lib.sources import SourceContext, UsimSource, read_profile

from .helpers import FakeModem, bare, card, usim_of

DMCFG = "3F007FFF5F4D4F01"


def test_default_card_gives_every_field() -> None:
    profile = read_profile(usim_of(card()), sources=["usim"])
    assert profile.apn0.apn == "dm.operator.example"
    assert [(b.apn, b.pdp_type, b.services) for b in profile.service_bearers] == [
        ("telemetry.example", "IP", ("telemetry",)), ("fota.example", "IPV4V6", ("fota",))]
    assert profile.dm is not None
    assert (profile.dm.host, profile.dm.effective_port, profile.dm.bearer_index) == (
        "dm.example.net", 5683, 0)
    assert profile.origins == {"dm_servers": "usim:EF.DMCFG", "apn0": "usim:EF.DMCFG",
                               "service_bearers": "usim:EF.DMCFG"}
    assert profile.sequence == 1
    assert profile.notes == []


def test_same_profile_through_the_modem_path() -> None:
    modem = FakeModem(card())
    profile = read_profile(modem, sources=["usim"])
    assert profile.origins["apn0"] == "usim:EF.DMCFG"
    assert "network_apn" not in modem.calls and "pco_dm_address" not in modem.calls


def test_no_dmcfg_file_is_a_note_not_an_error() -> None:
    part = UsimSource().read(SourceContext(usim_of(bare())))
    assert part.apn0 is None and part.servers is None and part.service_bearers is None
    assert part.notes == ["usim: the card has no EF.DMCFG (3F007FFF5F4D4F01)"]


def test_unprovisioned_dmcfg() -> None:
    vc = card()
    vc.update_file(DMCFG, b"\xff" * 64)
    with pytest.raises(ProfileMissing) as info:
        read_profile(usim_of(vc), sources=["usim"])
    assert "usim" in str(info.value)
    assert info.value.__notes__ == ["usim: EF.DMCFG is not provisioned (all FF)"]


def _write(vc_cfg: dmcfg.DmConfig) -> bytes:
    return dmcfg.encode(vc_cfg, 256)


def test_an_invalid_server_leaves_dm_to_the_next_source() -> None:
    """Protocol byte 09 is not defined: the DM server field falls to LwM2M."""
    vc = card()
    cfg = dmcfg.DmConfig((dmcfg.DmServer("dm.example.net", protocol=9),),
                         (dmcfg.Bearer("dm.operator.example"),), sequence=3)
    vc.update_file(DMCFG, _write(cfg))
    profile = read_profile(usim_of(vc), sources=["usim", "lwm2m"])
    assert profile.origins == {"apn0": "usim:EF.DMCFG", "service_bearers": "usim:EF.DMCFG",
                               "dm_servers": "lwm2m:bootstrap"}
    assert profile.service_bearers == []
    assert any(n.startswith("usim: ignored DM server 'dm.example.net'") and "[ProfileError]"
               in n for n in profile.notes)


def test_one_bad_service_bearer_costs_that_service_only() -> None:
    vc = card()
    cfg = dmcfg.DmConfig((dmcfg.DmServer("dm.example.net", bearer_index=2),),
                         (dmcfg.Bearer("dm.operator.example"),
                          dmcfg.Bearer("telemetry.example", pdn_type=7, services=("telemetry",)),
                          dmcfg.Bearer("fota.example", services=("fota",))))
    vc.update_file(DMCFG, _write(cfg))
    profile = read_profile(usim_of(vc), sources=["usim"])
    assert [b.apn for b in profile.bearers] == ["dm.operator.example", "fota.example"]
    assert profile.dm is not None and profile.dm.bearer_index == 1   # still on fota.example
    assert any("service bearer 1 'telemetry.example'" in n and "#7" in n
               for n in profile.notes)


def test_server_on_a_dropped_bearer_goes_over_apn0() -> None:
    vc = card()
    cfg = dmcfg.DmConfig((dmcfg.DmServer("dm.example.net", bearer_index=1),),
                         (dmcfg.Bearer("dm.operator.example"),
                          dmcfg.Bearer("telemetry.example", auth=9, services=("telemetry",))))
    vc.update_file(DMCFG, _write(cfg))
    profile = read_profile(usim_of(vc), sources=["usim"])
    assert profile.dm is not None and profile.dm.bearer_index == 0
    assert any("which the profile does not have" in n for n in profile.notes)


def test_service_on_two_bearers_stays_on_the_first() -> None:
    vc = card()
    cfg = dmcfg.DmConfig((dmcfg.DmServer("dm.example.net"),),
                         (dmcfg.Bearer("dm.operator.example", services=("telemetry",)),
                          dmcfg.Bearer("a.example", services=("telemetry", "fota")),
                          dmcfg.Bearer("b.example", services=("fota",))))
    vc.update_file(DMCFG, _write(cfg))
    profile = read_profile(usim_of(vc), sources=["usim"])
    assert [b.services for b in profile.bearers] == [(), ("telemetry", "fota"), ()]
    assert any("fota already on an earlier bearer" in n for n in profile.notes)
