"""apply_service_apns: object-11 APN profiles pushed by the DM platform."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from me_lib.profile import Bearer, DmServer, Profile
from me_lib.sources import apply_service_apns, read_profile
from me_lib.sources.dm_platform import service_name

from .helpers import card, usim_of


@pytest.fixture
def profile() -> Profile:
    return read_profile(usim_of(card()))   # APN0 + telemetry.example + fota.example


def test_replace_by_service_name_with_resource_ids(profile: Profile) -> None:
    new = apply_service_apns(profile, [{0: "telemetry", 1: "tele2.example", 3: True, 4: 0,
                                        5: "dev", 6: "pw-123", 24: 3}])
    tele = new.bearer_for("telemetry")
    assert tele is not None
    assert (tele.apn, tele.auth, tele.username, tele.password, tele.pdp_type) == (
        "tele2.example", "pap", "dev", "pw-123", "IPV4V6")
    assert [b.apn for b in new.bearers] == ["dm.operator.example", "fota.example",
                                            "tele2.example"]
    assert new.origins["service_bearers"] == "dm-platform"
    assert new.origins["apn0"] == "usim:EF.DMCFG"
    assert not any("pw-123" in n for n in new.notes)
    # the input is untouched
    assert profile.bearer_for("telemetry") is not None
    assert profile.bearer_for("telemetry").apn == "telemetry.example"  # type: ignore[union-attr]


def test_add_by_resource_names_and_share_a_bearer(profile: Profile) -> None:
    new = apply_service_apns(profile, [
        {"Profile name": "Fleet Video", "APN": "video.example", "Authentication Type": 3},
        {"profile_name": "logs", "apn": "fota.example", "authentication_type": "3",
         "PDN Type": 3}])
    video = new.bearer_for("fleet-video")
    assert video is not None and video.apn == "video.example" and video.auth == "none"
    fota = new.bearer_for("fota")
    assert fota is not None and fota.services == ("fota", "logs")   # same APN and settings
    assert len(new.bearers) == 4


def test_disabled_profile_removes_the_service(profile: Profile) -> None:
    new = apply_service_apns(profile, [{0: "fota", 1: "fota.example", 3: False}])
    assert new.bearer_for("fota") is None
    assert [b.apn for b in new.bearers] == ["dm.operator.example", "telemetry.example"]
    assert any("'fota' is disabled" in n for n in new.notes)


def test_pap_or_chap_uses_chap_and_says_so(profile: Profile) -> None:
    new = apply_service_apns(profile, [{0: "telemetry", 1: "t.example", 4: 2, 5: "u",
                                        6: "p"}])
    assert new.bearer_for("telemetry").auth == "chap"   # type: ignore[union-attr]
    assert any("allows PAP or CHAP; CHAP is used" in n for n in new.notes)


def test_empty_apn_is_network_provided_and_auto_select_keeps(profile: Profile) -> None:
    new = apply_service_apns(profile, [{0: "telemetry", 1: ""},
                                       {0: "fota", 2: True}])
    assert new.bearer_for("telemetry").apn == ""   # type: ignore[union-attr]
    assert new.bearer_for("fota").apn == "fota.example"   # type: ignore[union-attr]
    assert any("lets the device choose" in n for n in new.notes)


@pytest.mark.parametrize("entry, reason", [
    ({0: "telemetry", 1: "bad_label.example"}, "InvalidApn"),
    ({1: "x.example"}, "Profile name (resource 0) is missing"),
    ({0: "Ünïcode!", 1: "x.example"}, "does not give a service name"),
    ({0: "telemetry", 1: "x.example", 4: 7}, "Authentication Type 7"),
    ({0: "telemetry", 1: "x.example", 3: "maybe"}, "is not a boolean"),
    ({0: "telemetry", 1: "x.example", 6: 1234}, "secret must be text"),
    ({0: "telemetry"}, "neither an APN"),
    ("not a mapping", "must be a mapping"),
])
def test_invalid_instances_change_nothing(profile: Profile, entry: Any, reason: str) -> None:
    new = apply_service_apns(profile, [entry])
    assert new.bearers == profile.bearers
    assert new.origins == profile.origins
    assert any(n.startswith("dm-platform: ignored APN profile #0") and reason in n
               for n in new.notes), new.notes


def test_dm_server_index_follows_its_bearer() -> None:
    base = Profile([DmServer("dm.example.net", bearer_index=2)],
                   [Bearer("apn0.example"), Bearer("a.example", services=["a"]),
                    Bearer("mgmt.example", services=["mgmt"])])
    new = apply_service_apns(base, [{0: "a", 3: False}])
    assert [b.apn for b in new.bearers] == ["apn0.example", "mgmt.example"]
    assert new.dm is not None and new.dm.bearer_index == 1
    gone = apply_service_apns(base, [{0: "mgmt", 3: False}])
    assert gone.dm is not None and gone.dm.bearer_index == 0
    assert any("reached over APN0" in n for n in gone.notes)


def test_service_name_mapping() -> None:
    assert service_name("  Fleet   Telemetry ") == "fleet-telemetry"
    base = Profile([], [Bearer("apn0.example")])
    new = apply_service_apns(base, [{0: "AT&T LWM2M APN", 1: "m2m.example"}],
                             names={"AT&T LWM2M APN": "dm2"})
    assert new.bearer_for("dm2") is not None


_res_keys = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 24, 99, "0", "²", "Profile name", "APN",
                             "Enable status", "Authentication Type", "PDN Type", "secret",
                             "auto select apn by device", "x"])
_res_values = (st.none() | st.booleans() | st.integers(-5, 30) | st.text(max_size=12)
               | st.sampled_from(["telemetry", "fota", "x.example", "", "3", "true", "²"])
               | st.lists(st.integers(), max_size=2))


@given(st.lists(st.dictionaries(_res_keys, _res_values, max_size=8) | st.integers(),
                max_size=5))
def test_any_push_gives_a_valid_profile(pushed: list[Any]) -> None:
    base = read_profile(usim_of(card()))
    new = apply_service_apns(base, pushed)
    assert new.apn0 == base.apn0
    assert all(0 <= s.bearer_index < len(new.bearers) for s in new.servers)


def test_one_resource_by_id_and_by_name_must_agree(profile: Profile) -> None:
    """Which spelling came last would depend on dict order (none on MicroPython)."""
    same = apply_service_apns(profile, [{0: "telemetry", "profile name": "telemetry",
                                         1: "tele2.example"}])
    assert same.bearer_for("telemetry").apn == "tele2.example"  # type: ignore[union-attr]
    clash = apply_service_apns(profile, [{0: "telemetry", 1: "a.example",
                                          "APN": "b.example"}])
    assert clash.bearers == profile.bearers
    assert any("resource apn is given twice" in n for n in clash.notes)
