"""The whole chain: per-field precedence, origins, laziness, reordering, failures."""

from pathlib import Path

import pytest

from me_lib.card.usim import Identity
from me_lib.errors import CardError, PortClosed, ProfileError, ProfileMissing
from me_lib.profile import Bearer, DmServer
from me_lib.sources import DEFAULT_CHAIN, Partial, SourceContext, read_profile
from me_lib.sources.base import ServerEntry

from .helpers import FakeModem, acl_only, bare, card, lwm2m_only, usim_of

CONFIG = """
[default]
dm = [{ address = "dm.file.example" }]
apn0 = { apn = "file.example" }
services = [{ name = "telemetry", apn = "tele.file.example" }]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(CONFIG)
    return path


def test_usim_answers_everything_and_nothing_else_is_asked(config: Path) -> None:
    modem = FakeModem(card(), network_apn="internet", pco="pco.example")
    profile = read_profile(modem, config=config)
    assert set(profile.origins.values()) == {"usim:EF.DMCFG"}
    assert "network_apn" not in modem.calls and "pco_dm_address" not in modem.calls
    assert modem.calls.count("usim") == 1


def test_per_field_precedence_across_sources(config: Path) -> None:
    """No EF.DMCFG: the DM server from LwM2M, APNs from EF_ACL; the file is not needed."""
    vc = card(drop=("dmcfg",))
    profile = read_profile(FakeModem(vc, network_apn="internet"), config=config)
    assert profile.origins == {"dm_servers": "lwm2m:bootstrap", "apn0": "usim:EF_ACL",
                               "service_bearers": "usim:EF_ACL"}
    assert profile.dm is not None and profile.dm.host == "bootstrap.example.net"
    assert profile.apn0.apn == "dm.operator.example"


def test_file_fills_what_the_card_lacks(config: Path) -> None:
    vc = card(drop=("dmcfg",), acl={"apns": ["dm.operator.example"]})   # one APN: no services
    profile = read_profile(usim_of(vc), config=config)
    assert profile.origins == {"dm_servers": "lwm2m:bootstrap", "apn0": "usim:EF_ACL",
                               "service_bearers": "file:%s" % config}
    assert [b.services for b in profile.service_bearers] == [("telemetry",)]


def test_network_sources_are_last_resorts() -> None:
    modem = FakeModem(bare(), network_apn="internet.mnc001.mcc001.gprs", pco="192.0.2.1")
    profile = read_profile(modem)
    assert profile.origins == {"dm_servers": "pco", "apn0": "network"}
    assert profile.apn0.apn == "internet.mnc001.mcc001.gprs"
    assert profile.dm is not None and profile.dm.host == "192.0.2.1"
    assert profile.service_bearers == []


def test_lwm2m_server_with_network_apn0() -> None:
    profile = read_profile(FakeModem(lwm2m_only(), network_apn="internet"))
    assert profile.origins == {"dm_servers": "lwm2m:bootstrap", "apn0": "network"}


def test_reordering_and_restricting(config: Path) -> None:
    profile = read_profile(usim_of(card()), sources=["file", "usim"], config=config)
    assert set(profile.origins.values()) == {"file:%s" % config}
    profile = read_profile(usim_of(card()), sources=["acl", "usim"])
    assert profile.origins == {"apn0": "usim:EF_ACL", "service_bearers": "usim:EF_ACL",
                               "dm_servers": "usim:EF.DMCFG"}
    # the DMCFG server was on APN0 and stays there
    assert profile.dm is not None and profile.dm.bearer_index == 0


def test_bare_usim_target_skips_modem_sources() -> None:
    with pytest.raises(ProfileMissing) as info:
        read_profile(usim_of(bare()))
    assert "(usim, ursp, lwm2m, acl, file)" in str(info.value)
    with pytest.raises(ProfileMissing) as info:
        read_profile(usim_of(bare()), sources=["network"])
    assert info.value.__notes__ == ["network: needs a modem (the target is a bare USIM)"]


def test_profile_missing_names_sources_and_carries_notes() -> None:
    with pytest.raises(ProfileMissing) as info:
        read_profile(FakeModem(bare()))
    assert "(%s)" % ", ".join(DEFAULT_CHAIN) in str(info.value)
    notes = info.value.__notes__
    assert any(n.startswith("usim: the card has no EF.DMCFG") for n in notes)
    assert any(n.startswith("network: the default bearer has no") for n in notes)


def test_invalid_network_values_are_noted() -> None:
    modem = FakeModem(acl_only(), network_apn="bad apn", pco="not a host!")
    profile = read_profile(modem, sources=["pco", "network", "acl"])
    assert profile.origins == {"apn0": "usim:EF_ACL", "service_bearers": "usim:EF_ACL"}
    assert any(n.startswith("pco: ignored DM address 'not a host!'") for n in profile.notes)
    assert any(n.startswith("network: ignored default-bearer APN 'bad apn'")
               and "[InvalidApn]" in n for n in profile.notes)


class Custom:
    name = "custom"

    def read(self, ctx: SourceContext) -> Partial:
        return Partial("custom", [ServerEntry(DmServer("custom.example"), "svc.example")],
                       Bearer("custom-apn0", services=["telemetry"]))


class Broken:
    def __init__(self, error: Exception) -> None:
        self.name = "broken"
        self.error = error

    def read(self, ctx: SourceContext) -> Partial:
        raise self.error


def test_source_objects_and_service_clash() -> None:
    """APN0 from one source, services from another: a service is on one bearer only."""
    profile = read_profile(usim_of(card()), sources=[Custom(), "usim"])
    assert profile.origins == {"dm_servers": "custom", "apn0": "custom",
                               "service_bearers": "usim:EF.DMCFG"}
    assert profile.apn0.services == ()
    assert profile.bearer_for("telemetry") is profile.service_bearers[0]
    assert any("no longer carries telemetry" in n for n in profile.notes)
    # the custom server was on svc.example, which the profile lacks: APN0
    assert profile.dm is not None and profile.dm.bearer_index == 0


def test_a_failing_source_is_a_note_but_a_lost_port_is_not() -> None:
    profile = read_profile(usim_of(card()), sources=[Broken(CardError("reader gone mad")),
                                                     "usim"])
    assert "broken: failed: reader gone mad [CardError]" in profile.notes
    with pytest.raises(PortClosed):
        read_profile(usim_of(card()), sources=[Broken(PortClosed("USB unplugged")), "usim"])


def test_unknown_source_name() -> None:
    with pytest.raises(ProfileError, match="unknown profile source 'sim'"):
        read_profile(usim_of(card()), sources=["sim"])
    with pytest.raises(ProfileError, match="empty source chain"):
        read_profile(usim_of(card()), sources=[])


def test_identity_failure_is_noted_once(config: Path) -> None:
    class NoIdentity(FakeModem):
        def identity(self) -> Identity:
            raise CardError("EF_IMSI needs PIN1")

    vc = card(drop=("dmcfg", "acl", "lwm2m"))
    profile = read_profile(NoIdentity(vc), sources=["file"], config=config, cache=None)
    assert profile.apn0.apn == "file.example"      # [default] still applies
    assert sum("cannot read ICCID/IMSI" in n for n in profile.notes) == 1
