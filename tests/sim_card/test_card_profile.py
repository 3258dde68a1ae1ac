"""The profile TOML loader: each section, the shipped profiles, and the error messages."""

import tomllib
from pathlib import Path
from typing import Any

import pytest

from me_lib.codec import acl, dmcfg, ids, lwm2m, pkcs15, services
from me_lib.errors import FileNotFound, ProfileError, ProfileIntegrityError
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR, default_profile_path

from ._helpers import sender


def profile(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


MINIMAL = """
[card]
iccid = "8988280666000000001"
imsi = "00101987654321"
mnc_length = 3
"""


def test_minimal_card_section() -> None:
    card = VirtualCard.from_dict(profile(MINIMAL))
    assert card.iccid == "8988280666000000001"          # 19 digits, F padded
    assert card.imsi == "00101987654321"
    ad = ids.decode_ad(card.read_file("7FFF6FAD"))
    assert ad.mnc_length == 3
    ust = card.read_file("7FFF6F38")
    assert services.decode(ust) == {10, 12, 27}         # no ACL: no n°35
    assert not services.has(card.read_file("7FFF6F56"), 3)
    assert card.read_file("2F00")[48:] == b"\xff" * 144  # only the USIM record
    with pytest.raises(FileNotFound):
        card.read_file("7FFF5F4D4F01")                   # no [dmcfg]: no file


def test_empty_profile_uses_defaults() -> None:
    card = VirtualCard.from_dict({})
    assert card.iccid == "89882806660000000010"
    assert card.atr.hex().upper().startswith("3B9F96")


def test_default_profile() -> None:
    card = VirtualCard.from_profile(default_profile_path())
    cfg = dmcfg.decode(card.read_file("7FFF5F4D4F01"))
    assert cfg is not None and cfg.has_crc and cfg.sequence == 1
    server = cfg.servers[0]
    assert (server.address, server.port, server.protocol) == ("dm.example.net", 5683, 1)
    assert cfg.apn0.apn == "dm.operator.example"
    assert cfg.bearer_for("telemetry") is not None
    assert cfg.bearer_for("telemetry").apn == "telemetry.example"  # type: ignore[union-attr]
    assert cfg.bearer_for("fota").apn == "fota.example"            # type: ignore[union-attr]
    assert acl.decode(card.read_file("7FFF6F57")).apns == (
        "dm.operator.example", "telemetry.example", "fota.example", "")
    assert services.has(card.read_file("7FFF6F38"), 35)
    assert services.has(card.read_file("7FFF6F56"), 3)
    odf = pkcs15.decode_odf(card.read_file("A000000063504B43532D3135/5031"))
    assert pkcs15.dodf_path(odf) == pkcs15.Path(b"\x64\x30")
    dodf = pkcs15.decode_dodf(card.read_file("A000000063504B43532D3135/6430"))
    assert pkcs15.lwm2m_bootstrap_path(dodf) == pkcs15.Path(b"\x64\x32")
    boot = lwm2m.decode(card.read_file("A000000063504B43532D3135/6432"))
    assert boot is not None
    (sec,) = lwm2m.security_instances(boot)
    assert sec.server_uri == "coap://bootstrap.example.net:5683" and sec.bootstrap
    assert (sec.security_mode, sec.short_server_id) == (3, 1)


def test_pin_and_torn_profiles() -> None:
    pin = VirtualCard.from_profile(PROFILES_DIR / "pin.toml")
    tx = sender(pin)
    assert tx("00A4080C047FFF6F07")[1] == 0x9000
    assert tx("00B0000009")[1] == 0x6982
    torn = VirtualCard.from_profile(PROFILES_DIR / "torn.toml")
    with pytest.raises(ProfileIntegrityError):
        dmcfg.decode(torn.read_file("7FFF5F4D4F01"))
    tx = sender(torn)
    assert tx("00A4080C067FFF5F4D4F01")[1] == 0x9000
    assert tx("00B0000010")[1] == 0x9000                 # read = "always"


def test_dmcfg_section_forms() -> None:
    text = MINIMAL + """
[dmcfg]
sequence = 9
size = 128
read = "always"
crc = false

[[dmcfg.server]]
address = "192.0.2.7"
port = 5684
protocol = 2

[[dmcfg.server]]
address = "coaps://backup.example.net"
protocol = "coaps"
bearer = 1

[[dmcfg.bearer]]
apn = ""

[[dmcfg.bearer]]
apn = "secure.example"
pdn_type = "ipv6"
auth = "chap"
username = "user"
password = "secret"
services = ["a", "b"]
"""
    card = VirtualCard.from_dict(profile(text))
    raw = card.read_file("7FFF5F4D4F01")
    assert len(raw) == 128 and raw.endswith(b"\xff")
    cfg = dmcfg.decode(raw)
    assert cfg is not None and not cfg.has_crc and cfg.sequence == 9
    assert cfg.servers[1].bearer_index == 1 and cfg.bearers[0].apn == ""
    b = cfg.bearers[1]
    assert (b.pdn_type, b.auth, b.username, b.password, b.services) == (
        2, 2, "user", "secret", ("a", "b"))
    hex_card = VirtualCard.from_dict(profile(MINIMAL + "[dmcfg]\nhex = \"%s\"\nsize = 120\n"
                                             % raw[:60].hex()))
    assert hex_card.read_file("7FFF5F4D4F01") == raw[:60] + b"\xff" * 60


def test_acl_lwm2m_and_raw_files() -> None:
    text = MINIMAL + """
[acl]
apns = ["internet", ""]
size = 32

[lwm2m]
server_uri = "coaps://bs.example:5684"
security_mode = "psk"
wrapped_oid = true

[[files]]
path = "3F007FFF6F46"
hex = "0041424344"
sfi = 9
read = "pin1"

[[files]]
path = "3F007F105F3A4F30"
structure = "linear_fixed"
records = ["0102", "0304"]
record_length = 4
"""
    card = VirtualCard.from_dict(profile(text))
    assert card.read_file("7FFF6F57") == bytes.fromhex("02DD0908696E7465726E6574DD00") + \
        b"\xff" * 18
    dodf = card.read_file("A000000063504B43532D3135/6430")
    # exactly the DODF of Nordic's unit-test vector (OID stored wrapped, path 6432)
    assert dodf == bytes.fromhex("A127300030110C0F" + b"LwM2M Bootstrap".hex()
                                 + "A110300E06060604672B09013004040264 32".replace(" ", ""))
    assert card.read_file("7FFF6F46") == bytes.fromhex("0041424344")
    assert card.read_file("7F105F3A4F30") == bytes.fromhex("0102FFFF0304FFFF")
    tx = sender(card)
    assert tx("00A4000C027FFF")[1] == 0x9000
    assert tx("00B0890001")[1] == 0x9000                  # the raw file's SFI


@pytest.mark.parametrize(("text", "needle"), [
    ("[card]\niccd = \"1\"\n", "unknown key(s) iccd"),
    ("[cards]\n", "unknown key(s) cards"),
    ("[card]\nimsi = 1234\n", "imsi must be a string"),
    ("[card]\nimsi = \"12ab\"\n", "IMSI"),
    ("[card]\niccid = \"123\"\n", "[card]"),
    ("[card]\nmnc_length = 4\n", "use 2 or 3"),
    ("[card]\npin1 = \"12\"\n", "pin1 must be 4 to 8 digits"),
    ("[card]\npin_retries = 16\n", "retry counter"),
    ("[card]\nusim_aid = \"zz\"\n", "usim_aid is not hex"),
    ("[card]\nusim_aid = \"\"\n", "usim_aid has 0 bytes"),
    ("[card]\nservices = [\"x\"]\n", "list of service numbers"),
    ("[dmcfg]\nread = \"sometimes\"\n", "use \"pin\" or \"always\""),
    ("[dmcfg]\n[[dmcfg.bearer]]\napn = \"x\"\n", "no [[dmcfg.server]]"),
    ("[dmcfg]\n[[dmcfg.server]]\naddress = \"a.example\"\n", "no [[dmcfg.bearer]]"),
    ("[dmcfg]\n[[dmcfg.server]]\naddress = \"a.example\"\nprotocol = \"gopher\"\n"
     "[[dmcfg.bearer]]\napn = \"x\"\n", "unknown protocol"),
    ("[dmcfg]\n[[dmcfg.server]]\naddress = \"bad host!\"\n[[dmcfg.bearer]]\napn = \"x\"\n",
     "invalid server address"),
    ("[dmcfg]\n[[dmcfg.server]]\naddress = \"a.example\"\n[[dmcfg.bearer]]\napn = \"-bad\"\n",
     "invalid APN"),
    ("[dmcfg]\nsize = 10\n[[dmcfg.server]]\naddress = \"a.example\"\n[[dmcfg.bearer]]\n"
     "apn = \"x\"\n", "enlarge the file"),
    ("[dmcfg]\nhex = \"80\"\ncorrupt_crc = true\n", "hex excludes"),
    ("[dmcfg]\ncrc = false\ncorrupt_crc = true\n[[dmcfg.server]]\naddress = \"a.example\"\n"
     "[[dmcfg.bearer]]\napn = \"x\"\n", "corrupt_crc needs crc"),
    ("[acl]\napns = \"internet\"\n", "apns must be a list"),
    ("[acl]\napns = [\"a..b\"]\n", "[acl]"),
    ("[lwm2m]\nbootstrap = true\n", "server_uri is required"),
    ("[lwm2m]\nserver_uri = \"coap://x\"\nsecurity_mode = \"magic\"\n", "security_mode"),
    ("[[files]]\npath = \"3F00\"\n", "names no file"),
    ("[[files]]\npath = \"3F002FE26F01\"\n", "is an EF, not a DF"),
    ("[[files]]\npath = \"6F01\"\nstructure = \"cyclic\"\n", "structure"),
    ("[[files]]\npath = \"6F01\"\nread = \"PIN9\"\n", "read = 'PIN9'"),
    ("[[files]]\npath = \"6F01\"\nstructure = \"linear_fixed\"\n", "needs records"),
    ("[[files]]\npath = \"A000000099/6F01\"\n", "no application with AID"),
    ("files = 3\n", "array of tables"),
])
def test_bad_profiles_say_what_to_fix(text: str, needle: str) -> None:
    with pytest.raises(ProfileError) as err:
        VirtualCard.from_dict(profile(text))
    assert needle in str(err.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read card profile"):
        VirtualCard.from_profile(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[card\n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        VirtualCard.from_profile(bad)
