"""EF.DMCFG, EF_ACL and APN labels declared with construct (CPython only).

The portable decoders (`dmcfg.decode`, `acl.decode`, `apn.decode`) walk the
bytes by hand so that they run on MicroPython. Here the same layouts are
written down as construct declarations, pySim style: the tables below read
like docs/dmcfg.md and TS 31.102 §4.2.48, and a second, independent reading of
the bytes catches what a hand-written walker gets subtly wrong. The byte
layout is construct's; the value rules (APN text, address syntax, service
names) are the shared functions both readers must agree on.

Both readers return the same models and raise the same exception class for
the same input, which tests/codec/test_differential_micropython.py checks on
generated and mutated files against the portable decoders running on the
MicroPython unix port. Error offsets point at the object that is wrong; for
structural errors they may name a different byte of it than the portable
decoder does.

`me_lib.card.usim` uses these where construct imports and the portable
decoders elsewhere. Never list this module in firmware_shim/manifest.txt.
"""

import ipaddress
import zlib
from typing import Any

import construct as cs

from me_lib.codec import acl, apn_rules, dmcfg
from me_lib.errors import DecodeError, InvalidAddress, InvalidApn, ProfileIntegrityError

PADDING = 0xFF

# --- BER-TLV data objects (ISO 7816-4 subset: 1-2 byte tags, 1/81/82 lengths) --

TAG = cs.Struct(
    "first" / cs.Byte,
    # low five bits all set: a second tag byte follows; its b8 would announce a third
    "second" / cs.If(lambda c: c.first & 0x1F == 0x1F, cs.Byte),
    cs.Check(lambda c: c.second is None or c.second < 0x80),
    "tag" / cs.Computed(lambda c: c.first if c.second is None else c.first << 8 | c.second),
)

LENGTH = cs.Struct(
    "first" / cs.Byte,
    cs.Check(lambda c: c.first < 0x80 or c.first in (0x81, 0x82)),
    "value" / cs.Switch(cs.this.first, {0x81: cs.Int8ub, 0x82: cs.Int16ub},
                        cs.Computed(cs.this.first)),
)

DATA_OBJECT = cs.Struct(
    "offset" / cs.Tell,
    "head" / TAG,
    "length" / LENGTH,
    "value_offset" / cs.Tell,
    "value" / cs.Bytes(cs.this.length.value),
)

# In a file (not inside a template) an FF where a tag should start is padding.
FILE_OBJECT = cs.Struct("object" / DATA_OBJECT,
                        cs.Check(cs.this.object.head.first != PADDING))

# The nested objects of a constructed (template) object: nothing else inside.
TEMPLATE = cs.Struct("objects" / cs.GreedyRange(DATA_OBJECT), cs.Terminated)


def _exact(con: Any) -> Any:
    """`con` filling the whole value, nothing missing and nothing left over."""
    return cs.FocusedSeq("value", "value" / con, cs.Terminated)


# --- EF.DMCFG (docs/dmcfg.md) ---------------------------------------------------

EF_DMCFG = cs.Struct(
    "objects" / cs.GreedyRange(FILE_OBJECT),
    "padding" / cs.GreedyBytes,  # FF only; checked with a message that names the byte
)

SEQUENCE = cs.Select(*[_exact(cs.BytesInteger(n)) for n in (1, 2, 3, 4)])
TEXT = _exact(cs.GreedyString("utf8"))

# Top-level objects, by tag (A0/A1 are templates; other tags are kept unknown).
FILE_VALUES = {
    dmcfg.TAG_VERSION: _exact(cs.Int8ub),
    dmcfg.TAG_SEQUENCE: SEQUENCE,
    dmcfg.TAG_CRC: _exact(cs.Int32ub),  # CRC-32/IEEE over every byte before the 8F
}

ADDRESS = cs.Struct(
    "type" / cs.Byte,
    "value" / cs.Switch(cs.this.type, {
        dmcfg.ADDR_FQDN: cs.GreedyString("utf8"),
        dmcfg.ADDR_IPV4: cs.Bytes(4),
        dmcfg.ADDR_IPV6: cs.Bytes(16),
        dmcfg.ADDR_URI: cs.GreedyString("utf8"),
    }, cs.Error),
    cs.Terminated,
)

SERVER_VALUES = {
    0x80: ADDRESS,
    0x81: _exact(cs.Int16ub),  # port
    0x82: _exact(cs.Int8ub),  # protocol
    0x83: _exact(cs.Int8ub),  # bearer index
}

# --- APN labels (TS 23.003 §9.1) -------------------------------------------------

LABEL = cs.Struct(
    "size" / cs.Byte,
    cs.Check(cs.this.size > 0),  # no root label
    "text" / cs.Bytes(cs.this.size),
)
APN = cs.Struct("labels" / cs.GreedyRange(LABEL), "rest" / cs.GreedyBytes)

BEARER_VALUES = {
    0x80: APN,
    0x81: _exact(cs.Int8ub),  # PDN type
    0x82: _exact(cs.Int8ub),  # authentication
    0x83: TEXT,  # user name
    0x84: TEXT,  # password
    0x86: TEXT,  # service name
}

# --- EF_ACL (TS 31.102 §4.2.48) -------------------------------------------------

EF_ACL = cs.Struct(
    "count" / cs.Byte,
    "objects" / cs.GreedyRange(FILE_OBJECT),
    "rest" / cs.GreedyBytes,  # FF padding and whatever follows it, ignored
)


# --- reading ---------------------------------------------------------------------

class _Object:
    """A parsed data object with absolute offsets."""

    def __init__(self, parsed: Any, base: int) -> None:
        self.tag: int = parsed.head.tag
        self.value: bytes = parsed.value
        self.offset: int = base + parsed.offset
        self.value_offset: int = base + parsed.value_offset


def _parse(con: Any, data: bytes, what: str, offset: int, label: str) -> Any:
    try:
        return con.parse(data)
    except (cs.ConstructError, UnicodeDecodeError):
        raise DecodeError(what, "%s does not follow its layout" % label, offset) from None


def _objects(parsed: Any, base: int = 0) -> list[_Object]:
    """The objects of a parsed file (FILE_OBJECT) or template (DATA_OBJECT)."""
    return [_Object(p.object if "object" in p else p, base) for p in parsed.objects]


def _children(item: _Object, what: str) -> list[_Object]:
    parsed = _parse(TEMPLATE, item.value, what, item.offset,
                    "the template %X" % item.tag)
    return _objects(parsed, item.value_offset)


def _unique(items: list[_Object], tags: tuple[int, ...], what: str) -> None:
    seen = set()
    for item in items:
        if item.tag in tags:
            if item.tag in seen:
                raise DecodeError(what, "tag %X appears twice" % item.tag, item.offset)
            seen.add(item.tag)


def decode_apn(data: bytes, base: int = 0) -> str:
    """Dotted text of a label-encoded APN, like `apn.decode`."""
    parsed = APN.parse(data)
    at = base
    labels = []
    for label in parsed.labels:
        for i, b in enumerate(label.text):
            if chr(b) not in apn_rules.LABEL_CHARS:
                raise InvalidApn(data.hex(), "byte %02X not allowed in a label" % b, at + 1 + i)
        labels.append(label.text.decode("ascii"))
        at += 1 + label.size
    if parsed.rest:
        reason = ("zero-length label" if parsed.rest[0] == 0
                  else "label of %d bytes runs past the end" % parsed.rest[0])
        raise InvalidApn(data.hex(), reason, at)
    text = ".".join(labels)
    try:
        apn_rules.validate(text)
    except InvalidApn as exc:
        raise InvalidApn(text, exc.reason,
                         None if exc.offset is None else base + exc.offset + 1) from None
    return text


def _server(outer: _Object) -> tuple[dmcfg.DmServer, int | None]:
    what = dmcfg.WHAT
    items = _children(outer, what)
    _unique(items, tuple(SERVER_VALUES), what)
    fields: dict[int, Any] = {}
    index_at = None
    extra = []
    for item in items:
        if item.tag not in SERVER_VALUES:
            extra.append((item.tag, item.value))
            continue
        value = _parse(SERVER_VALUES[item.tag], item.value, what, item.value_offset,
                       "DM server object %X" % item.tag)
        if item.tag == 0x80:
            text = value.value
            if value.type in (dmcfg.ADDR_IPV4, dmcfg.ADDR_IPV6):
                text = str(ipaddress.ip_address(text))
            try:
                dmcfg.validate_address(text, value.type)
            except InvalidAddress as exc:
                raise DecodeError(what, "server address: " + exc.reason,
                                  item.value_offset + 1) from None
            value = (value.type, text)
        elif item.tag == 0x81 and value == 0:
            raise DecodeError(what, "port 0", item.value_offset)
        elif item.tag == 0x83:
            index_at = item.value_offset
        fields[item.tag] = value
    if 0x80 not in fields:
        raise DecodeError(what, "DM server template without an address (80)", outer.offset)
    kind, address = fields[0x80]
    return dmcfg.DmServer(address, kind, fields.get(0x81), fields.get(0x82),
                          fields.get(0x83, 0), tuple(extra)), index_at


def _bearer(outer: _Object) -> dmcfg.Bearer:
    what = dmcfg.WHAT
    items = _children(outer, what)
    _unique(items, (0x80, 0x81, 0x82, 0x83, 0x84), what)
    fields: dict[int, Any] = {}
    services = []
    extra = []
    for item in items:
        if item.tag == 0x80:
            fields[0x80] = decode_apn(item.value, item.value_offset)
            continue
        if item.tag not in BEARER_VALUES:
            extra.append((item.tag, item.value))
            continue
        value = _parse(BEARER_VALUES[item.tag], item.value, what, item.value_offset,
                       "bearer object %X" % item.tag)
        if item.tag in (0x83, 0x84):
            for i, ch in enumerate(value):
                if ord(ch) < 0x20 or ord(ch) == 0x7F:
                    raise DecodeError(what, "control character in a credential",
                                      item.value_offset + i)
        if item.tag == 0x86:
            if not dmcfg.is_service_name(value):
                raise DecodeError(what, "service name %r is not [a-z0-9._-]{1,32}" % value,
                                  item.offset)
            services.append(value)
        else:
            fields[item.tag] = value
    if 0x80 not in fields:
        raise DecodeError(what, "bearer template without an APN (80)", outer.offset)
    return dmcfg.Bearer(fields[0x80], fields.get(0x81), fields.get(0x82), fields.get(0x83),
                        fields.get(0x84), tuple(services), tuple(extra))


def _crc(data: bytes, items: list[_Object]) -> bool:
    what = dmcfg.WHAT
    at = [i for i, item in enumerate(items) if item.tag == dmcfg.TAG_CRC]
    if not at:
        return False
    if at[0] != len(items) - 1:
        raise DecodeError(what, "data object after the CRC", items[at[0] + 1].offset)
    item = items[-1]
    stored = _parse(FILE_VALUES[dmcfg.TAG_CRC], item.value, what, item.offset, "the CRC")
    computed = zlib.crc32(data[:item.offset])
    if stored != computed:
        raise ProfileIntegrityError("EF.DMCFG CRC mismatch: stored %08X, computed %08X over "
                                    "bytes 0-%d" % (stored, computed, item.offset - 1),
                                    item.value_offset)
    return True


def decode_dmcfg(data: bytes) -> dmcfg.DmConfig | None:
    """EF.DMCFG as `dmcfg.decode` reads it; None when not provisioned (empty or all FF)."""
    what = dmcfg.WHAT
    if all(b == PADDING for b in data):
        return None
    parsed = _parse(EF_DMCFG, data, what, 0, "the file")
    items = _objects(parsed)
    if parsed.padding:
        end = len(data) - len(parsed.padding)
        if parsed.padding[0] != PADDING:
            raise DecodeError(what, "the data object here does not parse", end)
        for i, b in enumerate(parsed.padding):
            if b != PADDING:
                raise DecodeError(what, "byte %02X after the FF padding" % b, end + i)
    has_crc = _crc(data, items)
    _unique(items, (dmcfg.TAG_VERSION, dmcfg.TAG_SEQUENCE), what)
    top: dict[int, int] = {}
    servers: list[tuple[dmcfg.DmServer, int | None]] = []
    bearers: list[dmcfg.Bearer] = []
    unknown = []
    for item in items:
        if item.tag in (dmcfg.TAG_VERSION, dmcfg.TAG_SEQUENCE):
            top[item.tag] = _parse(FILE_VALUES[item.tag], item.value, what, item.offset,
                                   "object %X" % item.tag)
            if item.tag == dmcfg.TAG_VERSION and top[item.tag] != dmcfg.FORMAT_VERSION:
                raise DecodeError(what, "format version %d not supported" % top[item.tag],
                                  item.value_offset)
        elif item.tag == dmcfg.TAG_SERVER:
            servers.append(_server(item))
        elif item.tag == dmcfg.TAG_BEARER:
            bearers.append(_bearer(item))
        elif item.tag != dmcfg.TAG_CRC:
            unknown.append((item.tag, item.value))
    for tag, name in ((dmcfg.TAG_VERSION, "format version (80)"),
                      (dmcfg.TAG_SERVER, "DM server template (A0)"),
                      (dmcfg.TAG_BEARER, "bearer template (A1)")):
        if not any(item.tag == tag for item in items):
            raise DecodeError(what, "no " + name)
    for server, index_at in servers:
        if server.bearer_index >= len(bearers):
            raise DecodeError(what, "DM server uses bearer %d of %d"
                              % (server.bearer_index, len(bearers)), index_at)
    return dmcfg.DmConfig(tuple(s for s, _ in servers), tuple(bearers),
                          top[dmcfg.TAG_VERSION], top.get(dmcfg.TAG_SEQUENCE), has_crc,
                          tuple(unknown))


def decode_acl(data: bytes) -> acl.Acl:
    """EF_ACL as `acl.decode` reads it: TLVs trusted over the count, plain-text entries too."""
    what = acl.WHAT
    parsed = _parse(EF_ACL, data, what, 0, "the file")
    if parsed.rest and parsed.rest[0] != PADDING:
        raise DecodeError(what, "the data object here does not parse",
                          len(data) - len(parsed.rest))
    apns = []
    unknown = []
    for item in _objects(parsed):
        if item.tag != acl.TAG_APN:
            unknown.append((item.tag, item.value))
            continue
        try:
            apns.append(decode_apn(item.value, item.value_offset))
        except InvalidApn:
            # TS 23.003 §9.1 says labels, yet some cards store the APN as dotted text
            text = item.value.decode("latin-1")
            if not (item.value and all("!" <= ch <= "~" for ch in text)
                    and apn_rules.is_valid(text)):
                raise
            apns.append(text)
    return acl.Acl(tuple(apns), parsed.count, tuple(unknown))
