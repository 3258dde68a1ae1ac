"""EF.DMCFG: DM server addresses and per-service APNs on the USIM (docs/dmcfg.md).

Not a 3GPP file: our own format, built from conventions card vendors know
(BER-TLV like EF_XCAPConfigData, the P-CSCF/ePDG address coding, TS 23.003
APN labels). Everything decoded here will reach an AT command line, so every
value is validated on the way in and on the way out.

A present but wrong CRC raises `ProfileIntegrityError`: the file is a torn or
corrupt OTA update and the flow falls back to the last good profile. A
structurally broken file raises `DecodeError`; callers should treat it the same.

Canonical form (what `encode` writes, and what round-trips byte for byte):
80, 81, A0..., A1..., unknown top-level objects, 8F; inside templates the tags
in ascending order with extras last; optional objects holding their default
(83 bearer index 0) are left out; numbers in their shortest form.

Portable (runs on MicroPython): no re, zlib, ipaddress or dataclasses.
`me_lib.codec.declared` declares the same layout with construct for CPython and
reads and writes through it; tests keep both decoders and both encoders equal.
"""

from binascii import crc32

from me_lib.codec import apn, ipaddr, tlv
from me_lib.codec._common import Model, pad_to, uint, uint_bytes, utf8
from me_lib.errors import DecodeError, InvalidAddress, ProfileError, ProfileIntegrityError

WHAT = "EF.DMCFG"
FORMAT_VERSION = 1

# Default location as text (every FID is configurable by the caller); the file's
# identity (FIDs, SFI 01) is its row in me_lib.card.catalogue, which a test keeps equal.
DEFAULT_PATH = "3F007FFF5F4D4F01"

TAG_VERSION = 0x80
TAG_SEQUENCE = 0x81
TAG_SERVER = 0xA0
TAG_BEARER = 0xA1
TAG_CRC = 0x8F
# Inside a DM server template (A0)
SERVER_ADDRESS = 0x80
SERVER_PORT = 0x81
SERVER_PROTOCOL = 0x82
SERVER_BEARER = 0x83
SERVER_TAGS = (SERVER_ADDRESS, SERVER_PORT, SERVER_PROTOCOL, SERVER_BEARER)
# Inside a bearer template (A1); 86 repeats, one per service
BEARER_APN = 0x80
BEARER_PDN_TYPE = 0x81
BEARER_AUTH = 0x82
BEARER_USERNAME = 0x83
BEARER_PASSWORD = 0x84
BEARER_SERVICE = 0x86
BEARER_SINGLE_TAGS = (BEARER_APN, BEARER_PDN_TYPE, BEARER_AUTH, BEARER_USERNAME,
                      BEARER_PASSWORD)

# DM server address kinds (type byte of A0/80); AUTO is ours: infer from the text.
AUTO = -1
ADDR_FQDN = 0
ADDR_IPV4 = 1
ADDR_IPV6 = 2
ADDR_URI = 3

PROTO_COAP = 1
PROTO_COAPS = 2
PROTO_COAP_TCP = 3
PROTO_COAPS_TCP = 4
PROTO_OMA_DM = 5
PROTO_HTTPS = 6
PROTO_MQTT = 7
PROTO_MQTTS = 8

PDN_IP = 1
PDN_IPV6 = 2
PDN_IPV4V6 = 3
PDN_NONIP = 4

AUTH_NONE = 0
AUTH_PAP = 1
AUTH_CHAP = 2

ADDRESS_KINDS = {"auto": AUTO, "fqdn": ADDR_FQDN, "ipv4": ADDR_IPV4, "ipv6": ADDR_IPV6,
                 "uri": ADDR_URI}
PROTOCOLS = {"coap": PROTO_COAP, "coaps": PROTO_COAPS, "coap+tcp": PROTO_COAP_TCP,
             "coaps+tcp": PROTO_COAPS_TCP, "oma-dm": PROTO_OMA_DM, "https": PROTO_HTTPS,
             "mqtt": PROTO_MQTT, "mqtts": PROTO_MQTTS}
PDN_TYPES = {"ip": PDN_IP, "ipv6": PDN_IPV6, "ipv4v6": PDN_IPV4V6, "non-ip": PDN_NONIP}
AUTH_TYPES = {"none": AUTH_NONE, "pap": AUTH_PAP, "chap": AUTH_CHAP}
# The PDP type strings +CGDCONT takes for each PDN type.
PDN_AT_NAMES = {PDN_IP: "IP", PDN_IPV6: "IPV6", PDN_IPV4V6: "IPV4V6", PDN_NONIP: "Non-IP"}
_ALIASES = {"protocol": {"lwm2m": "coap", "coap+dtls": "coaps", "coap+tls": "coaps+tcp",
                          "omadm": "oma-dm"},
            "PDN type": {"ipv4": "ip", "nonip": "non-ip", "non_ip": "non-ip"}}

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = _LOWER + _LOWER.upper() + "0123456789"
_SERVICE_CHARS = _LOWER + "0123456789._-"


def is_service_name(name: str) -> bool:
    """Whether `name` is a service name: `[a-z0-9._-]{1,32}` (docs/dmcfg.md, tag 86)."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    return not name.strip(_SERVICE_CHARS)  # nothing outside the set


def _is_fqdn_label(label: str) -> bool:
    """1-63 ASCII letters, digits and hyphens, no hyphen first or last (RFC 1123)."""
    if not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-":
        return False
    return not label.strip(_ALNUM + "-")


def _has_uri_scheme(address: str) -> bool:
    """Whether `address` starts with `scheme://`, scheme = ALPHA *(ALPHA / DIGIT / + - .)."""
    end = address.find("://")
    if end < 1 or address[0] not in _ALNUM or address[0] in "0123456789":
        return False
    return not address[1:end].strip(_ALNUM + "+.-")


def _lookup(table: dict[str, int], what: str, value: str | int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        if value in table.values():
            return value
        raise ProfileError("unknown %s %d" % (what, value),
                           "use one of " + ", ".join(sorted(table)))
    key = str(value).strip().lower()
    key = _ALIASES.get(what, {}).get(key, key)
    if key not in table:
        raise ProfileError("unknown %s %r" % (what, value),
                           "use one of " + ", ".join(sorted(table)))
    return table[key]


def protocol_number(value: str | int) -> int:
    """`"coaps"` -> 2; numbers pass through when known."""
    return _lookup(PROTOCOLS, "protocol", value)


def pdn_type_number(value: str | int) -> int:
    """The EF.DMCFG PDN type code of `value` (a name like "IPV4V6" or the number)."""
    return _lookup(PDN_TYPES, "PDN type", value)


def auth_number(value: str | int) -> int:
    """The EF.DMCFG authentication code of `value` ("none", "pap", "chap" or the number)."""
    return _lookup(AUTH_TYPES, "authentication", value)


def address_kind_number(value: str | int) -> int:
    """The EF.DMCFG address kind code of `value` (a name or the number)."""
    return _lookup(ADDRESS_KINDS, "address kind", value)


def name_of(table: dict[str, int], number: int | None) -> str | None:
    """Reverse lookup: name_of(PROTOCOLS, 2) == "coaps"; unknown numbers give "#n"."""
    if number is None:
        return None
    for name, value in table.items():
        if value == number:
            return name
    return "#%d" % number


def _check_fqdn(address: str) -> None:
    if not address or len(address) > 253:
        raise InvalidAddress(address, "an FQDN has 1 to 253 characters")
    for label in address.split("."):
        if not _is_fqdn_label(label):
            raise InvalidAddress(address, "label %r is not letters, digits and inner "
                                 "hyphens of at most 63 characters" % label)


#: URI schemes a DM server may use, and the protocol each one means
URI_SCHEMES = {"coap": "coap", "coaps": "coaps", "coap+tcp": "coap+tcp",
               "coaps+tcp": "coaps+tcp", "https": "https", "http": "https", "mqtt": "mqtt",
               "mqtts": "mqtts"}


def redact_uri(text: object) -> object:
    """`text` with the user information of a URI masked (it may hold a password)."""
    if not isinstance(text, str):
        return text
    head, rest = text.split("://", 1) if "://" in text else ("", text)
    end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if 0 <= at < end:
            end = at
    at = rest.rfind("@", 0, end)
    if at < 0:
        return text
    return (head + "://" if head else "") + "***@" + rest[at + 1:]


def _check_uri(address: str) -> None:
    """A DM server URI: printable ASCII (an IRI is percent-encoded first), a known
    scheme, no user information, a host that is an FQDN or an IP literal, a port
    in 1..65535. Everything a source gives goes through here (and through the card
    decoders), so no text that could end an AT string ever reaches one."""
    if not _has_uri_scheme(address):
        raise InvalidAddress(address, "a URI needs a scheme, e.g. coaps://host:5684")
    if len(address) > 255:
        raise InvalidAddress(redact_uri(address), "longer than 255 characters")
    for ch in address:
        if ch <= " " or ch > "~" or ch == '"':
            raise InvalidAddress(redact_uri(address), "character %r not allowed in a URI "
                                 "(printable ASCII only; percent-encode the rest)" % ch)
    if len(address) == address.index("://") + 3:
        raise InvalidAddress(address, "nothing after the scheme")
    shown = redact_uri(address)
    if shown != address:
        raise InvalidAddress(shown, "a DM server URI carries no user information (a "
                             "password there would be sent and logged in clear)")
    scheme, host, port, _ = split_uri(address)
    if scheme not in URI_SCHEMES:
        raise InvalidAddress(address, "scheme %r is not one of %s" % (
            scheme, ", ".join(sorted(URI_SCHEMES))))
    if port == 0:
        raise InvalidAddress(address, "port 0 cannot be reached (use 1..65535)")
    if ipaddr.version(host) == 0:
        try:
            _check_fqdn(host)
        except InvalidAddress as exc:
            raise InvalidAddress(address, "the host %r is neither an IP address nor a "
                                 "valid FQDN: %s" % (host, exc.reason)) from None


def split_uri(uri: str) -> tuple[str, str, int | None, str]:
    """(scheme, host, port or None, path) of a server URI, the way `urlsplit` sees it.

    Why not urllib: MicroPython has none, and the profile must validate the
    same on a board. For every URI this accepts, `urllib.parse.urlsplit` gives
    the same lower-case scheme, `hostname` (brackets of an IPv6 literal
    removed, lower case), `port` and `path` (tests/sources/test_profile_uri.py).
    It is stricter where a DM server could not be reached anyway: no host, a
    port that is not 0..65535, a bracketed host that is not an IPv6 address
    (IPv4 literal, IPvFuture, zone), text after "]" other than ":port", and
    any non-ASCII character in the authority (use punycode). Raises
    InvalidAddress for those and for anything without "scheme://".
    """
    scheme, sep, rest = _split(uri, "://")
    if not sep or not scheme or not scheme[0].isalpha() or not _is_ascii(scheme) or scheme.strip(
            _ALNUM + "+-."):  # ASCII by then: isalpha/isdigit are _ALNUM
        raise InvalidAddress(uri, "a URI needs a scheme, e.g. coaps://host:5684")
    end = len(rest)
    for stop in "/?#":
        at = rest.find(stop)
        if 0 <= at < end:
            end = at
    authority, tail = rest[:end], rest[end:]
    path = tail
    for stop in "?#":
        at = path.find(stop)
        if at >= 0:
            path = path[:at]
    if not _is_ascii(authority):
        raise InvalidAddress(uri, "the host part is not ASCII (write the name in punycode)")
    userinfo, _, hostport = _split(authority, "@", last=True)
    if "[" in userinfo or "]" in userinfo:
        raise InvalidAddress(uri, "brackets before the host")
    if hostport.startswith("["):
        host, bracket, port_text = _split(hostport[1:], "]")
        if not bracket or (port_text and not port_text.startswith(":")):
            raise InvalidAddress(uri, "an IPv6 host is written [address] or [address]:port")
        if ipaddr.version(host) != 6 or "%" in host:
            raise InvalidAddress(uri, "[%s] is not an IPv6 address" % host)
        port_text = port_text[1:]
    elif "[" in hostport or "]" in hostport:
        raise InvalidAddress(uri, "unbalanced brackets in the host")
    else:
        host, _, port_text = _split(hostport, ":")
    if not host:
        raise InvalidAddress(uri, "the URI names no host")
    port = None
    if port_text:
        if not port_text.isdigit() or int(port_text) > 65535:
            raise InvalidAddress(uri, "bad port in URI: %r is not 0..65535" % port_text)
        port = int(port_text)
    name, pct, rest = _split(host, "%")  # as urlsplit: what follows % keeps its case
    return scheme.lower(), name.lower() + pct + rest, port, path


def _split(text: str, sep: str, last: bool = False) -> tuple[str, str, str]:
    """`str.partition` (or `rpartition` with `last`): an optional feature of MicroPython
    builds (MICROPY_PY_BUILTINS_STR_PARTITION), so a board's firmware may lack it."""
    at = text.rfind(sep) if last else text.find(sep)
    if at < 0:
        return ("", "", text) if last else (text, "", "")
    return text[:at], sep, text[at + len(sep):]


def _is_ascii(text: str) -> bool:
    return not text or max(text) <= "\x7f"  # not all(...): a generator costs heap


def infer_kind(address: str) -> int:
    """Kind of an address written as text: IPv4, IPv6, URI (has ://), else FQDN."""
    found = ipaddr.version(address)
    if found == 4:
        return ADDR_IPV4
    if found == 6:
        return ADDR_IPV6
    return ADDR_URI if "://" in address else ADDR_FQDN


def validate_address(address: str, kind: int = AUTO) -> tuple[int, str]:
    """(kind, normal form) of a DM server address, or InvalidAddress."""
    if not isinstance(address, str):
        raise InvalidAddress(address, "not a text string")
    if kind == AUTO:
        kind = infer_kind(address)
    try:
        return _validate(address, kind)
    except InvalidAddress as exc:
        shown = redact_uri(address)
        if shown == address:
            raise
        # user information may be a password: it is never repeated in an error
        raise InvalidAddress(shown, "a server address carries no user information "
                             "(a password there would be sent and logged in clear)"
                             if kind != ADDR_URI else exc.reason) from None


def _validate(address: str, kind: int) -> tuple[int, str]:
    if "%" in address and kind == ADDR_IPV6:
        raise InvalidAddress(address, "a scoped IPv6 address cannot be stored")
    if kind in (ADDR_IPV4, ADDR_IPV6):
        wanted = 4 if kind == ADDR_IPV4 else 6
        if ipaddr.version(address) != wanted:
            raise InvalidAddress(address, "not an IPv%d address" % wanted)
        return kind, ipaddr.unpack(ipaddr.pack(address))
    if kind == ADDR_FQDN:
        _check_fqdn(address)
    elif kind == ADDR_URI:
        _check_uri(address)
    else:
        raise InvalidAddress(address, "unknown address kind %r" % kind)
    return kind, address


class DmServer(Model):
    """One DM server; servers are in priority order. `bearer_index` 0 = APN0.

    Build it with `kind=AUTO` to let the encoder infer the kind from the text;
    a decoded server always carries the explicit kind stored on the card.
    """

    _FIELDS = ("address", "kind", "port", "protocol", "bearer_index", "extra")

    def __init__(self, address: str, kind: int = AUTO, port: int | None = None,
                 protocol: int | None = None, bearer_index: int = 0,
                 extra: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.address = address
        self.kind = kind
        self.port = port
        self.protocol = protocol
        self.bearer_index = bearer_index
        self.extra = extra

    @property
    def address_kind(self) -> int:
        """The kind, inferred from the text when it is AUTO."""
        return infer_kind(self.address) if self.kind == AUTO else self.kind

    @property
    def protocol_name(self) -> str | None:
        """The protocol's name ("coap", ...), None if the entry gives none or an unknown one."""
        return name_of(PROTOCOLS, self.protocol)


class Bearer(Model):
    """One APN and the services it carries; the first bearer is APN0 (DM).

    `apn` "" is the network-provided APN. The password never shows in repr().
    """

    _FIELDS = ("apn", "pdn_type", "auth", "username", "password", "services", "extra")
    _HIDDEN = ("password",)

    def __init__(self, apn: str, pdn_type: int | None = None, auth: int | None = None,
                 username: str | None = None, password: str | None = None,
                 services: tuple[str, ...] = (),
                 extra: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.apn = apn
        self.pdn_type = pdn_type
        self.auth = auth
        self.username = username
        self.password = password
        self.services = services
        self.extra = extra

    @property
    def pdp_type(self) -> str:
        """The +CGDCONT PDP type string (IP when the file gives none)."""
        return PDN_AT_NAMES.get(self.pdn_type or PDN_IP, "IP")


class DmConfig(Model):
    """The whole file: DM servers in priority order, bearers (the first is APN0)."""

    _FIELDS = ("servers", "bearers", "version", "sequence", "has_crc", "unknown")

    def __init__(self, servers: tuple[DmServer, ...], bearers: tuple[Bearer, ...],
                 version: int = FORMAT_VERSION, sequence: int | None = None,
                 has_crc: bool = True, unknown: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.servers = servers
        self.bearers = bearers
        self.version = version
        self.sequence = sequence
        self.has_crc = has_crc
        self.unknown = unknown

    @property
    def apn0(self) -> Bearer:
        """The bearer the DM server is reached through: the first one."""
        return self.bearers[0]

    def bearer_for(self, service: str) -> Bearer | None:
        """The bearer carrying a service name, or None."""
        for bearer in self.bearers:
            if service in bearer.services:
                return bearer
        return None


# --- decoding ----------------------------------------------------------------


def _fail(message: str, offset: int | None) -> DecodeError:
    return DecodeError(WHAT, message, offset)


def _single(item: tlv.Tlv, size: int) -> int:
    if len(item.value) != size:
        raise _fail("tag %X in a template has %d bytes, %d expected"
                    % (item.tag, len(item.value), size), item.offset)
    return uint(item.value)


def _text(item: tlv.Tlv, label: str) -> str:
    text = utf8(WHAT, item.value, item.value_offset)
    for i, ch in enumerate(text):
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            raise _fail("control character in the %s" % label, item.value_offset + i)
    return text


def _check_unique(items: list[tlv.Tlv], tags: tuple[int, ...]) -> None:
    seen: set[int] = set()
    for item in items:
        if item.tag in tags:
            if item.tag in seen:
                raise _fail("tag %X appears twice" % item.tag, item.offset)
            seen.add(item.tag)


def _decode_address(item: tlv.Tlv) -> tuple[int, str]:
    if not item.value:
        raise _fail("empty server address", item.offset)
    kind, raw, at = item.value[0], item.value[1:], item.value_offset
    sizes = {ADDR_IPV4: 4, ADDR_IPV6: 16}
    if kind in sizes:
        if len(raw) != sizes[kind]:
            raise _fail("IP address of %d bytes (%d expected)" % (len(raw), sizes[kind]), at)
        text = ipaddr.unpack(raw)
    elif kind in (ADDR_FQDN, ADDR_URI):
        text = utf8(WHAT, raw, at + 1)
    else:
        raise _fail("unknown address type %02X (00 FQDN, 01 IPv4, 02 IPv6, 03 URI)" % kind, at)
    try:
        validate_address(text, kind)
    except InvalidAddress as exc:
        raise _fail("server address: " + exc.reason, at + 1) from None
    return kind, text


def _decode_server(outer: tlv.Tlv) -> tuple[DmServer, int | None]:
    """The server and the offset of its bearer index (to report a dangling one)."""
    items = tlv.children(outer, WHAT)
    _check_unique(items, SERVER_TAGS)
    address: tuple[int, str] | None = None
    port = protocol = None
    index, index_at = 0, None
    extra: list[tuple[int, bytes]] = []
    for item in items:
        if item.tag == SERVER_ADDRESS:
            address = _decode_address(item)
        elif item.tag == SERVER_PORT:
            port = _single(item, 2)
            if port == 0:
                raise _fail("port 0", item.value_offset)
        elif item.tag == SERVER_PROTOCOL:
            protocol = _single(item, 1)
        elif item.tag == SERVER_BEARER:
            index, index_at = _single(item, 1), item.value_offset
        else:
            extra.append((item.tag, item.value))
    if address is None:
        raise _fail("DM server template without an address (80)", outer.offset)
    return DmServer(address[1], address[0], port, protocol, index, tuple(extra)), index_at


def _decode_bearer(outer: tlv.Tlv) -> Bearer:
    items = tlv.children(outer, WHAT)
    _check_unique(items, BEARER_SINGLE_TAGS)
    apn_text: str | None = None
    pdn = auth = None
    user = password = None
    services: list[str] = []
    extra: list[tuple[int, bytes]] = []
    for item in items:
        if item.tag == BEARER_APN:
            apn_text = apn.decode(item.value, item.value_offset)
        elif item.tag == BEARER_PDN_TYPE:
            pdn = _single(item, 1)
        elif item.tag == BEARER_AUTH:
            auth = _single(item, 1)
        elif item.tag == BEARER_USERNAME:
            user = _text(item, "user name")
        elif item.tag == BEARER_PASSWORD:
            password = _text(item, "password")
        elif item.tag == BEARER_SERVICE:
            name = utf8(WHAT, item.value, item.value_offset)
            if not is_service_name(name):
                raise _fail("service name %r is not [a-z0-9._-]{1,32}" % name, item.offset)
            services.append(name)
        else:
            extra.append((item.tag, item.value))
    if apn_text is None:
        raise _fail("bearer template without an APN (80)", outer.offset)
    return Bearer(apn_text, pdn, auth, user, password, tuple(services), tuple(extra))


def _check_crc(data: bytes, items: list[tlv.Tlv]) -> bool:
    at = 0
    while at < len(items) and items[at].tag != TAG_CRC:
        at += 1
    if at == len(items):
        return False
    if at != len(items) - 1:
        raise _fail("data object after the CRC (8F must be last)", items[at + 1].offset)
    item = items[at]
    if len(item.value) != 4:
        raise _fail("CRC of %d bytes (4 expected)" % len(item.value), item.offset)
    stored = uint(item.value)
    computed = crc32(data[:item.offset]) & 0xFFFFFFFF
    if stored != computed:
        raise ProfileIntegrityError(
            "EF.DMCFG CRC mismatch: stored %08X, computed %08X over bytes 0-%d"
            % (stored, computed, item.offset - 1), item.value_offset)
    return True


def decode(data: bytes) -> DmConfig | None:
    """The configuration, or None when the file is not provisioned (empty or all FF)."""
    if not bytes(data).strip(b"\xff"):  # empty or all FF
        return None
    items = tlv.decode(data, WHAT)
    has_crc = _check_crc(data, items)
    _check_unique(items, (TAG_VERSION, TAG_SEQUENCE))
    version: int | None = None
    sequence: int | None = None
    servers: list[tuple[DmServer, int | None]] = []
    bearers: list[Bearer] = []
    unknown: list[tuple[int, bytes]] = []
    for item in items:
        if item.tag == TAG_VERSION:
            version = _single(item, 1)
            if version != FORMAT_VERSION:
                raise _fail("format version %d not supported (this reader knows %d)"
                            % (version, FORMAT_VERSION), item.value_offset)
        elif item.tag == TAG_SEQUENCE:
            if not 1 <= len(item.value) <= 4:
                raise _fail("sequence number of %d bytes (1 to 4)" % len(item.value),
                            item.offset)
            sequence = uint(item.value)
        elif item.tag == TAG_SERVER:
            servers.append(_decode_server(item))
        elif item.tag == TAG_BEARER:
            bearers.append(_decode_bearer(item))
        elif item.tag != TAG_CRC:
            unknown.append((item.tag, item.value))
    if version is None:
        raise _fail("no format version (80)", None)
    if not servers:
        raise _fail("no DM server template (A0)", None)
    if not bearers:
        raise _fail("no bearer template (A1)", None)
    for server, index_at in servers:
        if server.bearer_index >= len(bearers):
            raise _fail("DM server uses bearer %d but the file has %d"
                        % (server.bearer_index, len(bearers)), index_at)
    return DmConfig(tuple([s for s, _ in servers]), tuple(bearers), version, sequence,
                    has_crc, tuple(unknown))


# --- encoding ----------------------------------------------------------------


def _byte(value: int, what: str) -> bytes:
    if not 0 <= value <= 0xFF:
        raise ProfileError("%s %d does not fit a byte" % (what, value))
    return bytes([value])


def _extra(extra: tuple[tuple[int, bytes], ...],
           known: tuple[int, ...]) -> list[tuple[int, bytes]]:
    for tag, _value in extra:
        if tag in known:
            raise ProfileError("extra data object with the known tag %X" % tag)
    return list(extra)


def _encode_server(server: DmServer, bearer_count: int) -> bytes:
    kind, text = validate_address(server.address, server.kind)
    raw = ipaddr.pack(text) if kind in (ADDR_IPV4, ADDR_IPV6) else text.encode("utf-8")
    items = [(SERVER_ADDRESS, bytes([kind]) + raw)]
    if server.port is not None:
        if not 1 <= server.port <= 0xFFFF:
            raise ProfileError("DM server port %d out of range 1-65535" % server.port)
        items.append((SERVER_PORT, server.port.to_bytes(2, "big")))
    if server.protocol is not None:
        items.append((SERVER_PROTOCOL, _byte(server.protocol, "protocol")))
    if not 0 <= server.bearer_index < bearer_count:
        raise ProfileError("DM server %s uses bearer %d but there are %d"
                           % (server.address, server.bearer_index, bearer_count))
    if server.bearer_index:
        items.append((SERVER_BEARER, bytes([server.bearer_index])))
    items.extend(_extra(server.extra, SERVER_TAGS))
    return tlv.encode_one(TAG_SERVER, tlv.encode(items))


def _encode_text(value: str, what: str) -> bytes:
    for ch in value:
        code = ord(ch)
        if code < 0x20 or code == 0x7F:
            raise ProfileError("control character in the bearer %s" % what)
        if 0xD800 <= code <= 0xDFFF:  # MicroPython would encode it without complaint
            raise ProfileError("the bearer %s is not encodable as UTF-8 (lone surrogate)"
                               % what)
    return value.encode("utf-8")


def _encode_bearer(bearer: Bearer) -> bytes:
    items = [(BEARER_APN, apn.encode(bearer.apn))]
    if bearer.pdn_type is not None:
        items.append((BEARER_PDN_TYPE, _byte(bearer.pdn_type, "PDN type")))
    if bearer.auth is not None:
        items.append((BEARER_AUTH, _byte(bearer.auth, "authentication type")))
    if bearer.username is not None:
        items.append((BEARER_USERNAME, _encode_text(bearer.username, "user name")))
    if bearer.password is not None:
        items.append((BEARER_PASSWORD, _encode_text(bearer.password, "password")))
    for name in bearer.services:
        if not is_service_name(name):
            raise ProfileError("service name %r is not [a-z0-9._-]{1,32}" % name)
        items.append((BEARER_SERVICE, name.encode("ascii")))
    items.extend(_extra(bearer.extra, BEARER_SINGLE_TAGS + (BEARER_SERVICE,)))
    return tlv.encode_one(TAG_BEARER, tlv.encode(items))


def encode(cfg: DmConfig, size: int | None = None) -> bytes:
    """The file content (CRC appended when `has_crc`), FF-padded to `size`."""
    if not cfg.servers or not cfg.bearers:
        raise ProfileError("EF.DMCFG needs at least one DM server and one bearer (APN0)")
    out = bytearray(tlv.encode_one(TAG_VERSION, _byte(cfg.version, "format version")))
    if cfg.sequence is not None:
        if not 0 <= cfg.sequence <= 0xFFFFFFFF:
            raise ProfileError("sequence number %d does not fit 4 bytes" % cfg.sequence)
        out += tlv.encode_one(TAG_SEQUENCE, uint_bytes(cfg.sequence))
    for server in cfg.servers:
        out += _encode_server(server, len(cfg.bearers))
    for bearer in cfg.bearers:
        out += _encode_bearer(bearer)
    for tag, value in cfg.unknown:
        if tag in (TAG_VERSION, TAG_SEQUENCE, TAG_SERVER, TAG_BEARER, TAG_CRC):
            raise ProfileError("unknown data object with a known tag %X" % tag)
        out += tlv.encode_one(tag, value)
    if cfg.has_crc:
        out += tlv.encode_one(TAG_CRC, (crc32(out) & 0xFFFFFFFF).to_bytes(4, "big"))
    return pad_to(WHAT, bytes(out), size)
