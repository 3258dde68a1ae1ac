"""Hypothesis strategies shared by the codec tests (valid models of each format)."""

import ipaddress

from hypothesis import strategies as st

from me_lib.codec import apn_rules, dmcfg
from me_lib.codec.dmcfg import Bearer, DmConfig, DmServer

_label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?", fullmatch=True)

ni_texts = st.lists(_label, min_size=1, max_size=4).map(".".join).filter(apn_rules.is_valid)

oi_texts = st.tuples(st.integers(0, 999), st.integers(0, 999)).map(
    lambda t: apn_rules.operator_id(t[0], t[1]))


@st.composite
def apn_texts(draw: st.DrawFn, allow_empty: bool = True) -> str:
    """Valid APNs in dotted form: empty, NI only, or NI + OI."""
    choice = draw(st.integers(0 if allow_empty else 1, 3))
    if choice == 0:
        return ""
    ni = draw(ni_texts)
    if choice == 3:
        full = ni + "." + draw(oi_texts)
        if apn_rules.is_valid(full):
            return full
    return ni


tag_values = st.tuples(
    st.one_of(st.integers(0, 0xFE).filter(lambda t: t & 0x1F != 0x1F),
              st.integers(0x1F, 0xFF).filter(lambda t: t & 0x1F == 0x1F).flatmap(
                  lambda first: st.integers(0, 0x7F).map(lambda second: first << 8 | second))),
    st.binary(max_size=300),
)

_fqdn = st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True),
                 min_size=1, max_size=4).map(".".join)
_addresses = st.one_of(
    _fqdn.map(lambda a: (a, dmcfg.ADDR_FQDN)),
    st.ip_addresses(v=4).map(lambda a: (str(a), dmcfg.ADDR_IPV4)),
    st.ip_addresses(v=6).map(lambda a: (str(a), dmcfg.ADDR_IPV6)),
    st.tuples(st.sampled_from(["coap", "coaps", "https", "mqtts"]), _fqdn,
              st.integers(1, 65535)).map(lambda t: ("%s://%s:%d" % t, dmcfg.ADDR_URI)),
)
_secret = st.text(st.characters(min_codepoint=0x20, blacklist_characters="\x7f",
                                blacklist_categories=["Cs"]), max_size=20)


@st.composite
def dmcfg_configs(draw: st.DrawFn) -> DmConfig:
    """Valid EF.DMCFG models: 1-3 bearers and servers, every address kind, extras."""
    bearers = tuple(draw(st.lists(st.builds(
        Bearer, apn_texts(), st.none() | st.integers(0, 255), st.none() | st.integers(0, 255),
        st.none() | _secret, st.none() | _secret,
        st.lists(st.from_regex(r"[a-z0-9._-]{1,32}", fullmatch=True), max_size=3).map(tuple),
        st.lists(st.tuples(st.sampled_from([0x85, 0x87, 0xC0]), st.binary(max_size=4)),
                 max_size=2).map(tuple)), min_size=1, max_size=3)))
    servers = []
    for _ in range(draw(st.integers(1, 3))):
        address, kind = draw(_addresses)
        servers.append(DmServer(
            address, kind, draw(st.none() | st.integers(1, 65535)),
            draw(st.none() | st.integers(0, 255)), draw(st.integers(0, len(bearers) - 1))))
    return DmConfig(tuple(servers), bearers, 1, draw(st.none() | st.integers(0, 2**32 - 1)),
                    draw(st.booleans()),
                    tuple(draw(st.lists(st.tuples(st.sampled_from([0x82, 0x9F70, 0xB5]),
                                                  st.binary(max_size=8)), max_size=2))))


# --- IP address text (me_lib.codec.ipaddr against CPython ipaddress) ---

ipv4_texts = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1)).map(str)
# Addresses with long and short zero runs, so every compression case shows up.
_groups = st.lists(st.one_of(st.just(0), st.integers(0, 0xFFFF)), min_size=8, max_size=8)
ipv6_ints = _groups.map(lambda g: sum(v << (16 * (7 - i)) for i, v in enumerate(g)))


@st.composite
def ipv6_texts(draw: st.DrawFn) -> str:
    """Valid IPv6 text in the many ways people write it (not only the canonical one)."""
    groups = draw(_groups)
    style = draw(st.integers(0, 3))
    if style == 0:
        return str(ipaddress.IPv6Address(sum(v << (16 * (7 - i)) for i, v in enumerate(groups))))
    words = [draw(st.sampled_from(["%x", "%X", "%04x", "%02X"])) % v for v in groups]
    if style == 1:
        return ":".join(words)
    if style == 2:  # dotted IPv4 tail
        tail = "%d.%d.%d.%d" % (groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255)
        return ":".join(words[:6]) + ":" + tail
    start = draw(st.integers(0, 7))
    end = draw(st.integers(start + 1, 8))
    return ":".join(words[:start]) + "::" + ":".join(words[end:])


ip_alphabet = st.sampled_from([*"0123456789abcdefABCDEFgxz:.%/ -_\x00", "\u0661", "\uff11", "é"])


@st.composite
def ip_mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A valid IP literal with a few characters replaced, inserted or deleted."""
    text = list(draw(base))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.integers(0, 2))
        at = draw(st.integers(0, len(text)))
        if op == 0 and at < len(text):
            text[at] = draw(ip_alphabet)
        elif op == 1:
            text.insert(at, draw(ip_alphabet))
        elif text and at < len(text):
            del text[at]
    return "".join(text)
