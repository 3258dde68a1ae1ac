"""me_lib.codec.ipaddr agrees with CPython 3.11 `ipaddress` on every input.

The portable module replaces `ipaddress` on MicroPython; a board and a PC must
accept the same literals and print them the same, so each generated text or
byte string goes through both and the outcomes are compared.
"""

import ipaddress

import pytest
from codec_strategies import ip_alphabet, ip_mutated, ipv4_texts, ipv6_ints, ipv6_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import ipaddr
from me_lib.errors import InvalidAddress


def _reference_pack(text: str) -> bytes | None:
    try:
        return ipaddress.ip_address(text).packed
    except ValueError:
        return None


def _reference_version(text: str) -> int:
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return 0


def _check_text(text: str) -> None:
    expected = _reference_pack(text)
    assert ipaddr.version(text) == _reference_version(text), text
    if expected is None:
        with pytest.raises(InvalidAddress):
            ipaddr.pack(text)
    else:
        assert ipaddr.pack(text) == expected, text


@settings(max_examples=400)
@given(st.one_of(ipv4_texts, ipv6_texts(), ip_mutated(ipv4_texts), ip_mutated(ipv6_texts()),
                 st.text(ip_alphabet, max_size=45), st.text(max_size=12)))
def test_text_agrees_with_ipaddress(text: str) -> None:
    _check_text(text)


@settings(max_examples=300)
@given(st.one_of(ipv6_ints.map(lambda n: n.to_bytes(16, "big")), st.binary(min_size=4, max_size=4),
                 st.binary(max_size=20)))
def test_bytes_agree_with_ipaddress(raw: bytes) -> None:
    if len(raw) in (4, 16):
        assert ipaddr.unpack(raw) == str(ipaddress.ip_address(raw))
        assert ipaddr.pack(ipaddr.unpack(raw)) == raw
    else:
        with pytest.raises(InvalidAddress):
            ipaddr.unpack(raw)


@pytest.mark.parametrize("text", [
    "", "0.0.0.0", "255.255.255.255", "256.0.0.0", "01.2.3.4", "1.2.3", "1.2.3.4.",
    "1.2.3.4/32", "::", ":::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
    "::2:3:4:5:6:7:8", "1::2::3", ":1::2", "1::2:", "1:2:3:4:5:6:7:8:9", "::ffff:1.2.3.4",
    "::1.2.3.04", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "fe80::1%eth0",
    "fe80::1%", "fe80::1%a%b", "1.2.3.4%eth0", "12345::", "\u0661.2.3.4", "example.com",
])
def test_edge_texts(text: str) -> None:
    _check_text(text)


def test_not_a_string() -> None:
    assert ipaddr.version(None) == 0  # type: ignore[arg-type]
    with pytest.raises(InvalidAddress):
        ipaddr.pack(b"\x01\x02\x03\x04")  # type: ignore[arg-type]
