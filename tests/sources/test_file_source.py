"""Source `file`: the device config TOML per PLMN, its errors, and a property test."""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from me_lib.card.usim import Identity
from me_lib.errors import ProfileError
from me_lib.sources import (
    FileSource,
    SourceContext,
    load_config,
    parse_config,
    read_profile,
)
from me_lib.sources.config_file import partial_from_config

from .helpers import FakeModem, bare, usim_of

CONFIG = """
[default]
dm = [{ address = "dm.default.example", port = 5683, protocol = "coap" }]
apn0 = { apn = "default.example" }

[[default.services]]
name = "telemetry"
apn = "tele.default.example"

[plmn."00101"]
apn0 = { apn = "dm.operator.example", auth = "pap", username = "dm", password_env = "APN0_PW" }

[[plmn."00101".services]]
name = "telemetry"
apn = "tele.example"
pdp_type = "ipv4v6"

[[plmn."00101".services]]
name = "logs"
apn = "tele.example"
pdp_type = "IPV4V6"

[[plmn."00101".services]]
name = "fota"
apn = "fota.example"
auth = "chap"
username = "fw"
password_file = "fota.secret"
"""


def _write(tmp_path: Path, text: str = CONFIG) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(text)
    (tmp_path / "fota.secret").write_text("fw-pass\n")
    return path


def test_plmn_table_wins_per_field_and_default_fills_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APN0_PW", "hunter22")
    path = _write(tmp_path)
    profile = read_profile(usim_of(bare()), sources=["file"], config=path)
    assert profile.origins == {f: "file:%s" % path for f in
                               ("dm_servers", "apn0", "service_bearers")}
    assert (profile.apn0.apn, profile.apn0.auth, profile.apn0.password) == (
        "dm.operator.example", "pap", "hunter22")
    # telemetry and logs share one bearer (same APN and settings)
    assert [(b.apn, b.pdp_type, b.services) for b in profile.service_bearers] == [
        ("tele.example", "IPV4V6", ("telemetry", "logs")), ("fota.example", "IP", ("fota",))]
    assert profile.service_bearers[1].password == "fw-pass"
    assert profile.dm is not None and profile.dm.host == "dm.default.example"
    assert not any("hunter22" in n or "fw-pass" in n for n in profile.notes)
    assert any("dm_servers from [default], apn0 from [plmn.00101], service_bearers from "
               "[plmn.00101]" in n for n in profile.notes)


def test_other_plmn_gets_the_default(tmp_path: Path) -> None:
    ident = Identity("8988280666000000001", "310410123456789", "310", "410", 3)
    modem = FakeModem(bare(), identity=ident)
    profile = read_profile(modem, sources=["file"], config=_write(tmp_path))
    assert profile.apn0.apn == "default.example"
    assert [b.services for b in profile.service_bearers] == [("telemetry",)]


def test_unknown_mnc_length_tries_both_keys(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APN0_PW", "x")
    ident = Identity("8988280666000000001", "001010123456789", "001", None, None)
    profile = read_profile(FakeModem(bare(), identity=ident), sources=["file"],
                           config=_write(tmp_path))
    assert profile.apn0.apn == "dm.operator.example"
    assert any("no MNC length" in n for n in profile.notes)


def test_missing_password_variable_skips_that_bearer(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APN0_PW", raising=False)
    part = FileSource(_write(tmp_path)).read(SourceContext(usim_of(bare())))
    assert part.apn0 is None                      # [plmn] apn0 is invalid; no silent default
    assert any("APN0_PW" in n and "is not set" in n and "[ProfileError]" in n
               for n in part.notes)


def test_bad_dm_address_is_skipped_with_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, """
[default]
apn0 = { apn = "a.example" }
dm = [{ address = "bad..host" }, { address = "192.0.2.7", port = 5684, protocol = "coaps" }]
""")
    profile = read_profile(usim_of(bare()), sources=["file"], config=path)
    assert [s.address for s in profile.servers] == ["192.0.2.7"]
    note = next(n for n in profile.notes if "ignored" in n)
    assert note.startswith("file: ignored [default] dm[0] 'bad..host'")
    assert "[InvalidAddress]" in note


def test_dm_server_on_a_service_bearer(tmp_path: Path) -> None:
    path = _write(tmp_path, """
[default]
apn0 = { apn = "a.example" }
dm = [{ address = "dm.example.net", bearer = "mgmt" }, { address = "x.example", bearer = "nope" }]
services = [{ name = "mgmt", apn = "mgmt.example" }]
""")
    profile = read_profile(usim_of(bare()), sources=["file"], config=path)
    assert [(s.host, s.bearer_index) for s in profile.servers] == [("dm.example.net", 1)]
    assert any("'nope' is neither apn0 nor a service" in n for n in profile.notes)


@pytest.mark.parametrize("text, reason", [
    ("[plnm.\"00101\"]\n", "unknown key(s) plnm"),
    ("[plmn.\"0010\"]\n", "not MCC+MNC digits"),
    ("[default]\napn1 = {apn = \"x\"}\n", "unknown key(s) apn1"),
    ("version = 2\n", "version 2"),
    ("[default\n", "not valid TOML"),
])
def test_structural_errors_refuse_the_whole_file(tmp_path: Path, text: str,
                                                 reason: str) -> None:
    part = FileSource(_write(tmp_path, text)).read(SourceContext(usim_of(bare())))
    assert part.apn0 is None
    assert len(part.notes) == 1 and reason in part.notes[0] and "[ProfileError]" in part.notes[0]


def test_inline_password_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '[default]\napn0 = { apn = "a.example", password = "oops" }\n')
    part = FileSource(path).read(SourceContext(usim_of(bare())))
    assert part.apn0 is None
    assert any("passwords are not written in the config file" in n for n in part.notes)
    assert not any("oops" in n for n in part.notes)


def test_no_config_and_missing_file(tmp_path: Path) -> None:
    ctx = SourceContext(usim_of(bare()))
    assert FileSource().read(ctx).notes == ["file: no device config file given"]
    part = FileSource(tmp_path / "absent.toml").read(ctx)
    assert "cannot read the device config" in part.notes[0]


# --- property: nothing but ProfileError, whatever the file holds ---------------------------

_KEYS = ["version", "default", "plmn", "00101", "dm", "apn0", "services", "address", "port",
         "protocol", "kind", "bearer", "apn", "pdp_type", "auth", "username", "password_env",
         "password_file", "name", "password", "x"]
_leaf = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats()
         | st.text(max_size=12) | st.sampled_from(["coap", "IP", "pap", "apn0", "a.example",
                                                   "dm.example.net", "", "00101", "HOME",
                                                   "/dev/null", "fota.secret"]))
_values: st.SearchStrategy[Any] = st.recursive(
    _leaf, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5), max_leaves=25)
_docs = st.dictionaries(st.sampled_from(_KEYS), _values, max_size=4)
_ident = Identity("8988280666000000001", "001010123456789", "001", "01", 2)


@given(_docs)
def test_config_never_raises_anything_but_profile_error(doc: dict[str, Any]) -> None:
    try:
        config = parse_config(doc, "/tmp/random.toml")
    except ProfileError:
        return
    for ident in (_ident, None):
        part = partial_from_config(config, ident, env={"HOME": "x"})
        assert part.origin == "file:/tmp/random.toml"


@given(st.dictionaries(st.sampled_from(["dm", "apn0", "services"]), _values, max_size=3))
def test_default_table_values_never_crash(table: dict[str, Any]) -> None:
    config = parse_config({"default": table, "plmn": {"00101": table}})
    partial_from_config(config, _ident, env={})


@given(st.binary(max_size=200))
def test_loader_turns_any_bytes_into_profile_error_or_config(tmp_path_factory: Any,
                                                             data: bytes) -> None:
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_bytes(data)
    try:
        load_config(path)
    except ProfileError:
        pass
