"""Sources `ursp` (EF_URSP) and `ursp-network`: rules -> APN0 and service bearers."""

import tomllib

from me_lib.card.usim import Identity
from me_lib.codec import ursp
from me_lib.profile import DmServer
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR
from me_lib.sources import read_profile
from me_lib.sources.base import Partial, ServerEntry, SourceContext
from me_lib.sources.ursp import ORIGIN, UrspSource, partial_from_rules, rule_service

from .helpers import FakeModem, usim_of


def _ursp_card(**card_changes: object) -> VirtualCard:
    data = tomllib.loads((PROFILES_DIR / "ursp.toml").read_text())
    data["card"].update(card_changes)
    return VirtualCard.from_dict(data)


def _rules() -> list[ursp.UrspRule]:
    raw = _ursp_card().read_file(ursp.DEFAULT_PATH)
    image = ursp.decode_file(raw)
    assert image is not None
    return list(image.rules_for("00101") or ())


def test_card_without_dmcfg_gives_apn0_and_services_from_ef_ursp() -> None:
    profile = read_profile(usim_of(_ursp_card()))
    assert profile.origins == {"apn0": ORIGIN, "service_bearers": ORIGIN}
    assert profile.apn0.apn == "internet.example"             # the match-all rule
    assert [(b.apn, b.pdp_type, b.services) for b in profile.service_bearers] == [
        ("iot.example", "IP", ("com.example.iot",)),
        ("dm.operator.example", "IP", ("dm.example.net",))]
    assert any("match-all" in n for n in profile.notes)


def test_ef_ursp_is_not_read_without_ust_service_132() -> None:
    vc = _ursp_card(services=[10, 12, 27])
    part = UrspSource().read(SourceContext(usim_of(vc)))
    assert part.apn0 is None and part.service_bearers is None
    assert "n°132" in part.notes[0]


class _DmSource:
    """A later source that names the DM server without saying on which bearer."""

    name = "dm"

    def read(self, ctx: SourceContext) -> Partial:
        return Partial("test:dm", servers=[ServerEntry(DmServer("coap://dm.example.net"))])


def test_dm_server_from_a_later_source_goes_where_its_fqdn_rule_routes_it() -> None:
    profile = read_profile(usim_of(_ursp_card()), sources=["ursp", _DmSource()])
    server = profile.servers[0]
    assert profile.bearers[server.bearer_index].apn == "dm.operator.example"


def test_known_dm_host_makes_its_fqdn_rule_apn0() -> None:
    part = partial_from_rules(_rules(), ORIGIN, "ursp", ["dm.example.net"])
    assert part.apn0 is not None and part.apn0.apn == "dm.operator.example"
    assert part.apn0.services == ("dm.example.net",)
    assert [b.apn for b in part.service_bearers or []] == ["iot.example"]
    assert part.host_routes == {"dm.example.net": "dm.operator.example"}


def test_rule_mapping_edge_cases() -> None:
    route = ursp.RouteDescriptor(1, (ursp.RouteComponent(ursp.RSD_DNN, "a.example"),
                                     ursp.RouteComponent(ursp.RSD_PDU_SESSION_TYPE,
                                                         ursp.PDU_ETHERNET)))
    ip_only = ursp.UrspRule(3, (ursp.TrafficComponent(ursp.TD_REMOTE_PORT, b"\x16\x33"),),
                            (ursp.RouteDescriptor(1, (ursp.RouteComponent(ursp.RSD_DNN,
                                                                          "b.example"),)),))
    eth = ursp.UrspRule(4, (ursp.TrafficComponent(ursp.TD_DNN, "x"),), (route,))
    caps = ursp.UrspRule(5, (ursp.TrafficComponent(ursp.TD_CONNECTION_CAPABILITIES, (8,)),),
                         (ursp.RouteDescriptor(2, (ursp.RouteComponent(ursp.RSD_DNN,
                                                                       "c.example"),)),))
    part = partial_from_rules([ip_only, eth, caps], ORIGIN, "ursp", [])
    assert part.apn0 is None                                   # no match-all rule
    assert [(b.apn, b.services) for b in part.service_bearers or []] == [
        ("c.example", ("internet",))]
    assert any("ports only" in n for n in part.notes)
    assert any("ethernet" in n for n in part.notes)
    assert rule_service(caps) == "internet"


def test_rules_of_the_registered_plmn_when_the_file_has_them() -> None:
    vc = _ursp_card()
    image = ursp.decode_file(vc.read_file(ursp.DEFAULT_PATH))
    assert image is not None
    visited = ursp.UrspRule(1, (ursp.TrafficComponent(ursp.TD_MATCH_ALL),), (
        ursp.RouteDescriptor(1, (ursp.RouteComponent(ursp.RSD_DNN, "visited.example"),)),))
    image = image.replace(entries=image.entries + (ursp.PlmnRules("00202", (visited,)),))
    vc.update_file(ursp.DEFAULT_PATH, ursp.encode_file(image, 256))

    class Roaming(FakeModem):
        def registered_plmn(self) -> str:
            self.calls.append("plmn")
            return "00202"

    modem = Roaming(vc)
    profile = read_profile(modem, sources=["ursp"])
    assert profile.apn0.apn == "visited.example" and "plmn" in modem.calls
    ident = Identity("89882806660000000028", "001010123456780", "001", "01", 2)
    home = FakeModem(vc, identity=ident)   # no registered PLMN: the home PLMN's rules
    assert read_profile(home, sources=["ursp"]).apn0.apn == "internet.example"


def test_a_torn_ef_ursp_is_a_note_and_the_next_source_answers() -> None:
    vc = _ursp_card()
    vc.update_file(ursp.DEFAULT_PATH, bytes.fromhex("800300f1108105000a01") + b"\xff" * 20)
    profile = read_profile(usim_of(vc), sources=["ursp", "acl", _Apn0()])
    assert profile.origins["apn0"] == "test:apn0"
    assert any("EF_URSP does not decode" in n for n in profile.notes)


class _Apn0:
    name = "apn0"

    def read(self, ctx: SourceContext) -> Partial:
        from me_lib.profile import Bearer
        return Partial("test:apn0", apn0=Bearer("fallback.example"))
