"""ProfileCache: torn EF.DMCFG with and without a cache, atomic writes, corrupt files."""

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from me_lib.errors import ProfileError, ProfileMissing
from me_lib.profile import Bearer, DmServer, Profile
from me_lib.sources import ProfileCache, read_profile

from .helpers import card, usim_of

TORN_ICCID = "89882806660000000036"
DMCFG = "3F007FFF5F4D4F01"


def _good_then_torn(tmp_path: Path) -> tuple[ProfileCache, Profile]:
    """The card read whole at sequence 1, then a torn OTA update (sequence 2)."""
    cache = ProfileCache(tmp_path / "cache.json")
    good = card("torn.toml", dmcfg={"corrupt_crc": False, "sequence": 1})
    first = read_profile(usim_of(good), cache=cache)
    assert first.sequence == 1 and first.origins["apn0"] == "usim:EF.DMCFG"
    return cache, first


def test_torn_dmcfg_falls_back_to_the_cached_profile(tmp_path: Path) -> None:
    cache, first = _good_then_torn(tmp_path)
    torn = card("torn.toml")
    profile = read_profile(usim_of(torn), cache=cache)
    assert profile == first
    assert profile.sequence == 1
    assert set(profile.origins.values()) == {"cache:EF.DMCFG"}
    note = next(n for n in profile.notes if "torn/corrupt" in n)
    assert note.startswith("usim: EF.DMCFG torn/corrupt (EF.DMCFG CRC mismatch")
    assert "[ProfileIntegrityError]" in note
    assert note.endswith("using the last good profile cached for ICCID %s (sequence 1)"
                         % TORN_ICCID)


def test_undecodable_dmcfg_falls_back_too(tmp_path: Path) -> None:
    cache, first = _good_then_torn(tmp_path)
    broken = card("torn.toml")
    broken.update_file(DMCFG, bytes.fromhex("800101A0058003") + b"\xff" * 32)
    profile = read_profile(usim_of(broken), cache=cache)
    assert profile == first
    assert any("[DecodeError]" in n and "sequence 1" in n for n in profile.notes)


def test_torn_dmcfg_without_cache_asks_the_other_sources() -> None:
    torn = card("torn.toml", acl={"apns": ["fallback.example"]})
    profile = read_profile(usim_of(torn))
    assert profile.apn0.apn == "fallback.example"
    assert profile.origins["apn0"] == "usim:EF_ACL"
    assert any("torn/corrupt" in n and "no profile cache configured" in n
               for n in profile.notes)


def test_torn_dmcfg_with_cache_of_another_card(tmp_path: Path) -> None:
    cache = ProfileCache(tmp_path / "cache.json")
    read_profile(usim_of(card()), cache=cache)          # another ICCID
    with pytest.raises(ProfileMissing) as info:
        read_profile(usim_of(card("torn.toml")), cache=cache, sources=["usim"])
    assert any("no good profile cached for ICCID %s" % TORN_ICCID in n
               for n in info.value.__notes__)


def test_good_read_updates_the_cache_and_unchanged_is_not_rewritten(tmp_path: Path) -> None:
    cache, _ = _good_then_torn(tmp_path)
    data = json.loads(cache.path.read_text())
    assert list(data["profiles"]) == [TORN_ICCID]
    assert data["profiles"][TORN_ICCID]["sequence"] == 1
    mtime = cache.path.stat().st_mtime_ns
    stored, _ = cache.get(TORN_ICCID)
    assert stored is not None
    assert cache.put(TORN_ICCID, stored) is False
    assert cache.path.stat().st_mtime_ns == mtime
    newer = card("torn.toml", dmcfg={"corrupt_crc": False, "sequence": 5})
    read_profile(usim_of(newer), cache=cache)
    assert json.loads(cache.path.read_text())["profiles"][TORN_ICCID]["sequence"] == 5


def _profile(password: str | None = None, apn: str = "apn.example") -> Profile:
    return Profile([DmServer("dm.example.net", 5684, "coaps")],
                   [Bearer(apn, auth="pap" if password else "none",
                           username="u" if password else None, password=password)],
                   sequence=4)


def test_crash_mid_write_keeps_the_old_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ProfileCache(tmp_path / "cache.json")
    cache.put("1" * 19, _profile())
    before = cache.path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ProfileError, match="cannot write the profile cache"):
        cache.put("2" * 19, _profile(apn="other.example"))
    assert cache.path.read_bytes() == before
    # no temp file left; the lock file of JsonFile.update stays (it is reused)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.json", "cache.json.lock"]


def test_write_failure_during_read_profile_is_a_note(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    profile = read_profile(usim_of(card()), cache=tmp_path / "cache.json")
    assert profile.origins["apn0"] == "usim:EF.DMCFG"
    assert any("could not update the profile cache" in n and "No space left" in n
               for n in profile.notes)


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[]",
                                     b'{"format": 9, "profiles": {}}',
                                     b'{"format": 1, "profiles": {"89882806660000000036": 7}}'])
def test_corrupt_cache_file_is_ignored_with_a_note(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "cache.json"
    path.write_bytes(content)
    torn = card("torn.toml", acl={"apns": ["fallback.example"]})
    profile = read_profile(usim_of(torn), cache=ProfileCache(path))
    assert profile.origins["apn0"] == "usim:EF_ACL"
    assert any(n.startswith("cache: ") for n in profile.notes)
    # a good read afterwards replaces the corrupt file
    read_profile(usim_of(card("torn.toml", dmcfg={"corrupt_crc": False})), cache=path)
    assert json.loads(path.read_text())["format"] == 1


def test_tampered_entry_goes_through_validation(tmp_path: Path) -> None:
    cache = ProfileCache(tmp_path / "cache.json")
    cache.put(TORN_ICCID, _profile())
    data = json.loads(cache.path.read_text())
    data["profiles"][TORN_ICCID]["bearers"][0]["apn"] = "bad_label.example"
    cache.path.write_text(json.dumps(data))
    profile, notes = cache.get(TORN_ICCID)
    assert profile is None
    assert any("unusable" in n and "bad_label" in n for n in notes)


def test_passwords_stay_out_unless_opted_in(tmp_path: Path) -> None:
    plain = ProfileCache(tmp_path / "a.json")
    plain.put("1" * 19, _profile(password="s3cret"))
    assert "s3cret" not in plain.path.read_text()
    restored, notes = plain.get("1" * 19)
    assert restored is not None and restored.apn0.password is None
    assert any("was not cached" in n for n in notes)
    assert not any("s3cret" in n for n in notes)
    assert plain.path.stat().st_mode & 0o077 == 0

    opted = ProfileCache(tmp_path / "b.json", store_passwords=True)
    opted.put("1" * 19, _profile(password="s3cret"))
    restored, notes = opted.get("1" * 19)
    assert restored is not None and restored.apn0.password == "s3cret" and notes == []


def test_oldest_iccid_is_dropped_beyond_max_entries(tmp_path: Path) -> None:
    cache = ProfileCache(tmp_path / "c.json", max_entries=2)
    for digit in "123":
        cache.put(digit * 19, _profile())
    assert list(json.loads(cache.path.read_text())["profiles"]) == ["2" * 19, "3" * 19]


_json = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.text(max_size=8)
                     | st.sampled_from(["IP", "pap", "a.example", "coap", "fqdn", "apn"]),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(
                         ["dm_servers", "bearers", "apn", "services", "address", "port",
                          "bearer", "kind", "protocol", "sequence", "password", "has_password",
                          "pdp_type", "auth", "username"]), inner, max_size=5), max_leaves=20)


@given(_json)
def test_any_cached_entry_is_restored_or_ignored(entry: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.json"
        path.write_text(json.dumps({"format": 1, "profiles": {TORN_ICCID: entry}}))
        profile, notes = ProfileCache(path).get(TORN_ICCID)
        assert profile is not None or notes
