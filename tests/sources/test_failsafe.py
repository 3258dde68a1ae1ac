"""The card read fails safe: an EF.DMCFG that cannot be read (timeout, SIM busy, card
not answering) gives the cached profile of that ICCID or a typed error, never a
lower-priority source that may name another DM server; ProfileMissing says what each
source found, and its advice matches it (also on the CLI's error path)."""

import tomllib
from pathlib import Path

import pytest

from me_lib.card.usim import Usim
from me_lib.cli import main
from me_lib.codec import dmcfg
from me_lib.commands import exit_codes
from me_lib.errors import (
    AtTimeout,
    CardError,
    ProfileMissing,
    ProfileUnreadable,
    SecurityStatusNotSatisfied,
    StatusWordError,
)
from me_lib.modem import Modem
from me_lib.sim.scenario_files import derive, dumps
from me_lib.sources import ProfileCache, read_profile

from .helpers import FakeModem, card, usim_of

CARD_DM = "dm.example.net"
# a device config naming another DM server and APN0: what a fall-through would give
CONFIG = """
[default]
dm = [{ address = "other-dm.example.org", port = 5683, protocol = "coap" }]
apn0 = { apn = "other.example" }
"""

TRANSIENT = [
    AtTimeout('AT+CRSM=176,20225,0,0,255,,"3F007FFF5F4D"', 10.0),
    CardError("AT+CRSM: +CME ERROR 14 (SIM busy)",
              "the SIM is still initialising; retry after a short back-off"),
    CardError("AT+CRSM: +CME ERROR 13 (SIM failure)", "check the card"),
    StatusWordError(0x6F00, "READ BINARY 3F007FFF5F4D4F01"),
    SecurityStatusNotSatisfied(0x6982, "READ BINARY 3F007FFF5F4D4F01"),
]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "device.toml"
    path.write_text(CONFIG)
    return path


def _failing_dmcfg(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    def read_dmcfg(self: Usim, path: object = None) -> None:
        raise exc

    monkeypatch.setattr(Usim, "read_dmcfg", read_dmcfg)
    # the same file, read by its head (the sequence number check of a cached profile)
    monkeypatch.setattr(Usim, "read_dmcfg_sequence", read_dmcfg)


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__ + ":" + str(e)[:20])
def test_unreadable_dmcfg_uses_the_cache_of_this_card(tmp_path, config, monkeypatch, exc):
    cache = ProfileCache(tmp_path / "cache.json")
    vc = card()
    good = read_profile(FakeModem(vc), config=config, cache=cache)
    assert good.dm is not None and good.dm.host == CARD_DM
    _failing_dmcfg(monkeypatch, exc)
    profile = read_profile(FakeModem(vc), config=config, cache=cache)
    assert set(profile.origins.values()) == {"cache:EF.DMCFG"}
    assert profile.dm is not None and profile.dm.host == CARD_DM
    assert profile.apn0 == good.apn0 and profile.service_bearers == good.service_bearers
    assert any(n.startswith("usim: EF.DMCFG could not be read (") and "[%s]" %
               type(exc).__name__ in n and "using the last good profile cached" in n
               for n in profile.notes), profile.notes


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__ + ":" + str(e)[:20])
def test_unreadable_dmcfg_without_cache_is_a_typed_error(tmp_path, config, monkeypatch, exc):
    _failing_dmcfg(monkeypatch, exc)
    modem = FakeModem(card())       # EF_ACL, the config and the network could all answer
    with pytest.raises(ProfileUnreadable) as err:
        read_profile(modem, config=config, cache=tmp_path / "empty-cache.json")
    assert "could not be read" in str(err.value) and "retry" in str(err.value)
    assert "network_apn" not in modem.calls
    assert not any(n.startswith(("acl:", "file:", "lwm2m:", "network:"))
                   for n in err.value.notes)
    assert any("no good profile cached for ICCID" in n for n in err.value.notes)
    assert exit_codes.for_error(err.value) == exit_codes.PROFILE


def test_cache_of_another_card_is_not_used(tmp_path, config, monkeypatch):
    cache = ProfileCache(tmp_path / "cache.json")
    read_profile(FakeModem(card()), cache=cache)
    other = card(card={"iccid": "89882806660000000077"})
    _failing_dmcfg(monkeypatch, TRANSIENT[0])
    with pytest.raises(ProfileUnreadable):
        read_profile(FakeModem(other), config=config, cache=cache)


def test_absent_dmcfg_still_falls_through(config):
    """Read and genuinely absent: the lower-priority sources may answer."""
    vc = card(drop=("dmcfg", "acl", "lwm2m"))
    profile = read_profile(FakeModem(vc), config=config)
    assert profile.origins["apn0"] == "file:%s" % config


# -- on the simulated modem: the timeout is a real one, after the channel's retries ------


def _sim_url(tmp_path: Path) -> str:
    return "sim://%s?speed=200" % derive(tmp_path / "w", "quectel-bg96")


def test_timeout_on_the_dmcfg_read_uses_the_cache(tmp_path, config):
    cache = tmp_path / "cache.json"
    modem = Modem.open(_sim_url(tmp_path))
    try:
        first = read_profile(modem, config=config, cache=cache)
        assert first.origins["apn0"] == "usim:EF.DMCFG"
        sim = modem.channel.port.modem
        fault = sim.add_fault("no_answer", "+CRSM=176,20225", times=None)
        profile = read_profile(modem, config=config, cache=cache)
        assert fault.fired == 1 + len(modem.channel.retry_delays)    # retried, then given up
        assert set(profile.origins.values()) == {"cache:EF.DMCFG"}
        assert profile.dm is not None and profile.dm.host == CARD_DM
        assert any("could not be read" in n and "[AtTimeout]" in n for n in profile.notes)
    finally:
        modem.close()


def test_timeout_on_the_dmcfg_read_without_cache(tmp_path, config):
    modem = Modem.open(_sim_url(tmp_path))
    try:
        modem.ready()
        modem.channel.port.modem.add_fault("no_answer", "+CRSM=176,20225", times=None)
        with pytest.raises(ProfileUnreadable):
            read_profile(modem, config=config, cache=tmp_path / "cache.json")
    finally:
        modem.close()


# -- ProfileMissing: every source's note, advice that matches what happened -------------


def _dmcfg_hex_without_apn0() -> str:
    """EF.DMCFG that decodes whole, but whose APN0 the profile refuses (PDN type 9)."""
    cfg = dmcfg.DmConfig(servers=(dmcfg.DmServer(CARD_DM),),
                         bearers=(dmcfg.Bearer("apn0.example", pdn_type=9),))
    return dmcfg.encode(cfg, 128).hex()


def test_dmcfg_read_in_full_without_apn0_says_so(tmp_path):
    vc = card(drop=("dmcfg", "acl", "lwm2m"), dmcfg={"hex": _dmcfg_hex_without_apn0()})
    with pytest.raises(ProfileMissing) as err:
        read_profile(usim_of(vc))
    text = str(err.value)
    assert ("EF.DMCFG was read in full but its APN0 (the first bearer) 'apn0.example' is "
            "invalid") in text
    assert "correct EF.DMCFG" in (err.value.hint or "")
    assert "provision EF.DMCFG" not in text
    sources = [n.split(":")[0] for n in err.value.notes]
    assert {"usim", "acl", "file"} <= set(sources), err.value.notes


@pytest.mark.parametrize("drop,changes,advice", [
    (("dmcfg", "acl", "lwm2m"), {}, "the card has no EF.DMCFG"),
    (("dmcfg", "acl", "lwm2m"), {"dmcfg": {"hex": "FF" * 64}}, "not provisioned"),
])
def test_advice_follows_what_was_found(drop, changes, advice):
    vc = card(drop=drop, **changes)
    with pytest.raises(ProfileMissing) as err:
        read_profile(usim_of(vc))
    assert advice in (err.value.hint or ""), err.value


def test_cli_prints_the_notes_on_the_error_path(tmp_path, capsys):
    # a network that gives the default bearer no APN, and a card with EF.DMCFG
    # without a valid APN0, no EF_ACL, no LwM2M bootstrap
    scenario = derive(tmp_path / "w", "quectel-bg96", network={"default_apn": ""})
    # the card: EF.DMCFG without a valid APN0, no EF_ACL, no LwM2M bootstrap
    card_file = tmp_path / "w" / "card-quectel-bg96.toml"
    data = tomllib.loads(card_file.read_text())
    for section in ("dmcfg", "acl", "lwm2m"):
        data.pop(section, None)
    data["dmcfg"] = {"hex": _dmcfg_hex_without_apn0()}
    card_file.write_text(dumps(data) + "\n")
    rc = main(["read", "--modem", "sim://%s?speed=200" % scenario,
               "--state-dir", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == exit_codes.PROFILE, err
    assert "me-lib: error: no APN0" in err and "'apn0.example' is invalid" in err
    notes = [line for line in err.splitlines() if line.startswith("me-lib: note: ")]
    assert any("usim: ignored APN0 'apn0.example'" in n for n in notes), err
    assert any(n.startswith("me-lib: note: acl:") for n in notes), err
    assert any(n.startswith("me-lib: note: network:") for n in notes), err


def test_cli_unreadable_dmcfg_says_retry_and_prints_notes(tmp_path, capsys):
    faults = [{"kind": "no_answer", "command": "+CRSM=176,20225", "times": 1000}]
    scenario = derive(tmp_path / "w", "quectel-bg96", faults=faults)
    rc = main(["read", "--modem", "sim://%s?speed=200" % scenario,
               "--state-dir", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert rc == exit_codes.PROFILE, err
    assert "could not be read" in err and "retry" in err
    assert "me-lib: note: usim: EF.DMCFG could not be read (" in err
