"""`profile.split_uri` against `urllib.parse.urlsplit`, which it replaces on MicroPython.

Two properties: on URIs built the way DM server URIs are written it accepts
and agrees with urlsplit field by field; on any text at all, whenever it
accepts, urlsplit accepts and agrees too (it is only ever stricter).
"""

import ipaddress
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from me_lib.errors import InvalidAddress
from me_lib.profile import DmServer, split_uri

_label = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)
_fqdn = st.lists(_label, min_size=1, max_size=4).map(".".join)
_ipv4 = st.ip_addresses(v=4).map(str)
_ipv6 = st.ip_addresses(v=6).map(lambda a: "[%s]" % a.exploded.upper()) | st.ip_addresses(
    v=6).map(lambda a: "[%s]" % a)
_scheme = st.sampled_from(["coap", "coaps", "COAPS", "coap+tcp", "coaps+tcp", "https", "mqtt",
                           "x-vendor.1"])
_port = st.none() | st.just("") | st.integers(0, 65535).map(str) | st.just("0080")
_tail = st.from_regex(r"(/[A-Za-z0-9._~%-]*)*(\?[A-Za-z0-9=&]*)?(#[A-Za-z0-9]*)?",
                      fullmatch=True)
_user = st.none() | st.from_regex(r"[A-Za-z0-9]{1,6}(:[A-Za-z0-9]{0,6})?", fullmatch=True)


def _agrees(uri: str, got: tuple[str, str, int | None, str]) -> None:
    parts = urlsplit(uri)
    assert got == (parts.scheme, parts.hostname, parts.port, parts.path)


@given(_scheme, _user, _fqdn | _ipv4 | _ipv6, _port, _tail)
def test_dm_server_uris_split_as_urlsplit_does(scheme: str, user: str | None, host: str,
                                               port: str | None, tail: str) -> None:
    uri = "%s://%s%s%s%s" % (scheme, user + "@" if user else "", host,
                             "" if port is None else ":" + port, tail)
    _agrees(uri, split_uri(uri))


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40))
@example("coap://[::1]x:80")
@example("coap://[1.2.3.4]")
@example("coap://[v1.fe]/")
@example("coap://host:+80")
@example("coap://a@b@c:1/")
def test_whatever_split_uri_accepts_urlsplit_reads_the_same(text: str) -> None:
    uri = "coap://" + text
    try:
        got = split_uri(uri)
    except InvalidAddress:
        return
    _agrees(uri, got)


@pytest.mark.parametrize("uri, why", [
    ("coap://[fe80::1%25eth0]:5683", "not an IPv6 address"),
    ("coap://[v1.fe]/", "not an IPv6 address"),
    ("coap://d\u00e9m\u00f6.example/", "punycode"),
    ("coap://host:70000", "bad port"),
    ("coap://user@:5683", "names no host"),
])
def test_stricter_than_urlsplit_where_no_server_could_be_reached(uri: str, why: str) -> None:
    with pytest.raises(InvalidAddress, match=why):
        split_uri(uri)


def test_dm_server_uses_the_split_host_and_port() -> None:
    server = DmServer("COAPS://[2001:DB8::7]:6000/x", kind="uri")
    assert (server.host, server.effective_port, server.protocol) == ("2001:db8::7", 6000,
                                                                       "coaps")
    assert server.host == str(ipaddress.ip_address("2001:db8::7"))


# --- validation where the value enters --------------------------------------------------

_BAD_URIS = [
    ("coap://dm.example.net;+CFUN=0", "neither an IP address nor a valid FQDN"),
    ('coap://dm.example.net"', "not allowed in a URI"),
    ("coap://dm_example.net/", "neither an IP address nor a valid FQDN"),
    ("coap://dm.exa%6Dple.net/", "neither an IP address nor a valid FQDN"),
    ("coap://-dm.example.net/", "neither an IP address nor a valid FQDN"),
    ("coap://dm..example.net/", "neither an IP address nor a valid FQDN"),
    ("ftp://dm.example.net/", "scheme 'ftp' is not one of"),
    ("coap://dm.example.net:0/", "port 0"),
    ("coap://dm.example.net:65536/", "bad port"),
    ("coaps://device:s3cr3t@dm.example.net/", "no user information"),
    ("coaps://token@dm.example.net/", "no user information"),
]


@pytest.mark.parametrize("uri, why", _BAD_URIS)
def test_every_entry_point_rejects_a_bad_dm_uri(uri: str, why: str, tmp_path) -> None:
    """profile.DmServer (LwM2M bootstrap, PCO, DM platform), the config file, the card
    decoders and the cache: one validation, an InvalidAddress that says what is wrong,
    and never a secret from the URI in its text."""
    import json

    from me_lib.codec import dmcfg
    from me_lib.errors import DecodeError
    from me_lib.profile import Bearer, Profile
    from me_lib.sources.cache import ProfileCache
    from me_lib.sources.config_file import build_server

    for build in (lambda: DmServer(uri), lambda: DmServer(uri, kind="uri"),
                  lambda: build_server({"address": uri}, "dm[0]"),
                  lambda: dmcfg.validate_address(uri, dmcfg.ADDR_URI)):
        with pytest.raises(InvalidAddress, match=why) as err:
            build()
        assert "s3cr3t" not in str(err.value) and "token" not in str(err.value)
    # the card: the same text stored in EF.DMCFG does not decode
    good = "coap://" + "a" * (len(uri) - len("coap://"))
    raw = dmcfg.encode(dmcfg.DmConfig((dmcfg.DmServer(good),), (dmcfg.Bearer("apn.example"),),
                                      has_crc=False))
    bad = raw.replace(good.encode(), uri.encode())
    assert bad != raw
    with pytest.raises(DecodeError, match="server address"):
        dmcfg.decode(bad)
    # the cache: an entry holding it is unusable, with a note
    cache = ProfileCache(tmp_path / "cache.json")
    cache.put("8988280666000000003", Profile([DmServer("dm.example.net")],
                                             [Bearer("apn.example")]))
    doc = json.loads((tmp_path / "cache.json").read_text())
    doc["profiles"]["8988280666000000003"]["dm_servers"][0]["address"] = uri
    (tmp_path / "cache.json").write_text(json.dumps(doc))
    cached, notes = cache.get("8988280666000000003")
    assert cached is None and "unusable" in notes[-1]
    assert "s3cr3t" not in notes[-1]


def test_lwm2m_note_of_a_rejected_uri_masks_its_user_information() -> None:
    from me_lib.codec.dmcfg import redact_uri

    assert redact_uri("coaps://u:pw@h.example/x@y") == "coaps://***@h.example/x@y"
    assert redact_uri("coaps://h.example/x@y") == "coaps://h.example/x@y"
    assert redact_uri("u:pw@h.example") == "***@h.example"
    assert redact_uri(None) is None


_FQDN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def _host_is_in_the_grammar(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    return (set(host) <= _FQDN_CHARS and len(host) <= 253
            and all(0 < len(x) <= 63 and x[0] != "-" and x[-1] != "-" for x in labels))


@given(st.sampled_from(["coap", "coaps", "coaps+tcp", "https", "mqtt", "ftp"]),
       st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
       _fqdn | _ipv4 | _ipv6, st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                                    max_size=12))
@example("coap", "", "dm.example.net", ";+CFUN=0")
@example("coap", "u:p@", "dm.example.net", "")
def test_no_accepted_uri_has_a_host_outside_the_fqdn_or_ip_grammar(
        scheme: str, before: str, host: str, after: str) -> None:
    uri = "%s://%s%s%s" % (scheme, before, host, after)
    try:
        server = DmServer(uri)
    except InvalidAddress:
        return
    assert _host_is_in_the_grammar(server.host), (uri, server.host)
    assert "@" not in uri.split("://", 1)[1].split("/")[0].split("?")[0].split("#")[0]
