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
