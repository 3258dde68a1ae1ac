"""EF.DMCFG, EF_ACL and APN labels declared with construct (CPython only), both ways.

The portable decoders (`dmcfg.decode`, `acl.decode`, `apn.decode`) walk the
bytes by hand so that they run on MicroPython. Here the same layouts are
written down as construct declarations, pySim style: the tables below read
like docs/dmcfg.md and TS 31.102 §4.2.48, and a second, independent reading of
the bytes catches what a hand-written walker gets subtly wrong. The byte
layout is construct's; the value rules (APN text, address syntax, service
names) are the shared functions both readers must agree on.

The EF.DMCFG declarations build as well as parse: `encode_dmcfg` writes a
model through them, and tests/card/test_ef_catalogue.py checks it gives the
same bytes as the portable `dmcfg.encode` for generated profiles.

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

from me_lib.codec import acl, apn_rules, dmcfg, tlv
from me_lib.codec._common import pad_to
from me_lib.errors import (
    DecodeError,
    InvalidAddress,
    InvalidApn,
    ProfileError,
    ProfileIntegrityError,
)

PADDING = 0xFF

# --- BER-TLV data objects (ISO 7816-4 subset: 1-2 byte tags, 1/81/82 lengths) --

TAG = cs.Struct(
    "first" / cs.Byte,
    # low five bits all set: a second tag byte follows; its b8 would announce a third
    "second" / cs.If(lambda c: c.first & 0x1F == 0x1F, cs.Byte),
    cs.Check(lambda c: c.second is None or c.second < 0x80),
    # (building: a second byte given where the first announces none would be lost)
    cs.Check(lambda c: (c.first & 0x1F == 0x1F) == (c.second is not None)),
    "tag" / cs.Computed(lambda c: c.first if c.second is None else c.first << 8 | c.second),
)


def _length_first(c: Any) -> int:
    """The first length byte for a value of c.value bytes: short form, 81 or 82."""
    return int(c.value if c.value < 0x80 else 0x81 if c.value <= 0xFF else 0x82)


LENGTH = cs.Struct(
    "first" / cs.Rebuild(cs.Byte, _length_first),
    cs.Check(lambda c: c.first < 0x80 or c.first in (0x81, 0x82)),
    "value" / cs.Switch(cs.this.first, {0x81: cs.Int8ub, 0x82: cs.Int16ub},
                        cs.Computed(cs.this.first)),
)


def _tag_bytes(c: Any) -> dict[str, int | None]:
    """TAG's fields for the number c.tag (built from {"tag": ..., "value": ...})."""
    tag = c.tag
    return {"first": tag >> 8, "second": tag & 0xFF} if tag > 0xFF else \
        {"first": tag, "second": None}


DATA_OBJECT = cs.Struct(
    "offset" / cs.Tell,
    "head" / cs.Rebuild(TAG, _tag_bytes),
    "tag" / cs.Computed(cs.this.head.tag),
    "length" / cs.Rebuild(LENGTH, lambda c: {"value": len(c.value)}),
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
    dmcfg.SERVER_ADDRESS: ADDRESS,
    dmcfg.SERVER_PORT: _exact(cs.Int16ub),
    dmcfg.SERVER_PROTOCOL: _exact(cs.Int8ub),
    dmcfg.SERVER_BEARER: _exact(cs.Int8ub),
}

# --- APN labels (TS 23.003 §9.1) -------------------------------------------------

LABEL = cs.Struct(
    "size" / cs.Rebuild(cs.Byte, cs.len_(cs.this.text)),
    cs.Check(cs.this.size > 0),  # no root label
    "text" / cs.Bytes(cs.this.size),
)
APN = cs.Struct("labels" / cs.GreedyRange(LABEL), "rest" / cs.GreedyBytes)

BEARER_VALUES = {
    dmcfg.BEARER_APN: APN,
    dmcfg.BEARER_PDN_TYPE: _exact(cs.Int8ub),
    dmcfg.BEARER_AUTH: _exact(cs.Int8ub),
    dmcfg.BEARER_USERNAME: TEXT,
    dmcfg.BEARER_PASSWORD: TEXT,
    dmcfg.BEARER_SERVICE: TEXT,
}

# --- EF_ACL (TS 31.102 §4.2.48) -------------------------------------------------

EF_ACL = cs.Struct(
    "count" / cs.Byte,
    "objects" / cs.GreedyRange(FILE_OBJECT),
    "rest" / cs.GreedyBytes,  # FF padding and whatever follows it, ignored
)


# --- reading ---------------------------------------------------------------------

def _parse(con: Any, data: bytes, what: str, offset: int, label: str) -> Any:
    try:
        return con.parse(data)
    except (cs.ConstructError, UnicodeDecodeError):
        raise DecodeError(what, "%s does not follow its layout" % label, offset) from None


def _objects(parsed: Any, base: int = 0) -> list[tlv.Tlv]:
    """The objects of a parsed file (FILE_OBJECT) or template (DATA_OBJECT), offsets absolute."""
    found = [p.object if "object" in p else p for p in parsed.objects]
    return [tlv.Tlv(p.tag, p.value, base + p.offset, base + p.value_offset) for p in found]


def _children(item: tlv.Tlv, what: str) -> list[tlv.Tlv]:
    parsed = _parse(TEMPLATE, item.value, what, item.offset,
                    "the template %X" % item.tag)
    return _objects(parsed, item.value_offset)


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


def _server(outer: tlv.Tlv) -> tuple[dmcfg.DmServer, int | None]:
    what = dmcfg.WHAT
    items = _children(outer, what)
    dmcfg._check_unique(items, dmcfg.SERVER_TAGS)
    fields: dict[int, Any] = {}
    index_at = None
    extra = []
    for item in items:
        if item.tag not in SERVER_VALUES:
            extra.append((item.tag, item.value))
            continue
        value = _parse(SERVER_VALUES[item.tag], item.value, what, item.value_offset,
                       "DM server object %X" % item.tag)
        if item.tag == dmcfg.SERVER_ADDRESS:
            text = value.value
            if value.type in (dmcfg.ADDR_IPV4, dmcfg.ADDR_IPV6):
                text = str(ipaddress.ip_address(text))
            try:
                dmcfg.validate_address(text, value.type)
            except InvalidAddress as exc:
                raise DecodeError(what, "server address: " + exc.reason,
                                  item.value_offset + 1) from None
            value = (value.type, text)
        elif item.tag == dmcfg.SERVER_PORT and value == 0:
            raise DecodeError(what, "port 0", item.value_offset)
        elif item.tag == dmcfg.SERVER_BEARER:
            index_at = item.value_offset
        fields[item.tag] = value
    if dmcfg.SERVER_ADDRESS not in fields:
        raise DecodeError(what, "DM server template without an address (80)", outer.offset)
    kind, address = fields[dmcfg.SERVER_ADDRESS]
    return dmcfg.DmServer(address, kind, fields.get(dmcfg.SERVER_PORT),
                          fields.get(dmcfg.SERVER_PROTOCOL), fields.get(dmcfg.SERVER_BEARER, 0),
                          tuple(extra)), index_at


def _bearer(outer: tlv.Tlv) -> dmcfg.Bearer:
    what = dmcfg.WHAT
    items = _children(outer, what)
    dmcfg._check_unique(items, dmcfg.BEARER_SINGLE_TAGS)
    fields: dict[int, Any] = {}
    services = []
    extra = []
    for item in items:
        if item.tag == dmcfg.BEARER_APN:
            fields[item.tag] = decode_apn(item.value, item.value_offset)
            continue
        if item.tag not in BEARER_VALUES:
            extra.append((item.tag, item.value))
            continue
        value = _parse(BEARER_VALUES[item.tag], item.value, what, item.value_offset,
                       "bearer object %X" % item.tag)
        if item.tag in (dmcfg.BEARER_USERNAME, dmcfg.BEARER_PASSWORD):
            for i, ch in enumerate(value):
                if ord(ch) < 0x20 or ord(ch) == 0x7F:
                    raise DecodeError(what, "control character in a credential",
                                      item.value_offset + i)
        if item.tag == dmcfg.BEARER_SERVICE:
            if not dmcfg.is_service_name(value):
                raise DecodeError(what, "service name %r is not [a-z0-9._-]{1,32}" % value,
                                  item.offset)
            services.append(value)
        else:
            fields[item.tag] = value
    if dmcfg.BEARER_APN not in fields:
        raise DecodeError(what, "bearer template without an APN (80)", outer.offset)
    return dmcfg.Bearer(fields[dmcfg.BEARER_APN], fields.get(dmcfg.BEARER_PDN_TYPE),
                        fields.get(dmcfg.BEARER_AUTH), fields.get(dmcfg.BEARER_USERNAME),
                        fields.get(dmcfg.BEARER_PASSWORD), tuple(services), tuple(extra))


def _crc(data: bytes, items: list[tlv.Tlv]) -> bool:
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
    dmcfg._check_unique(items, (dmcfg.TAG_VERSION, dmcfg.TAG_SEQUENCE))
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


# --- writing EF.DMCFG: the same declarations, built ------------------------------

def _build(con: Any, value: Any, label: str) -> bytes:
    try:
        return bytes(con.build(value))
    except (cs.ConstructError, UnicodeEncodeError) as exc:
        raise ProfileError("EF.DMCFG %s does not fit its layout: %s" % (label, exc),
                           "check the value against docs/dmcfg.md") from None


def _template(tag: int, items: list[tuple[int, bytes]]) -> tuple[int, bytes]:
    """(tag, value) of a template holding `items`, built through TEMPLATE."""
    objects = [{"tag": t, "value": v} for t, v in items]
    return tag, _build(TEMPLATE, {"objects": objects}, "template %X" % tag)


def _server_items(server: dmcfg.DmServer, bearer_count: int) -> list[tuple[int, bytes]]:
    kind, text = dmcfg.validate_address(server.address, server.kind)
    raw: str | bytes = text
    if kind in (dmcfg.ADDR_IPV4, dmcfg.ADDR_IPV6):
        raw = ipaddress.ip_address(text).packed
    fields: list[tuple[int, Any]] = [(dmcfg.SERVER_ADDRESS, {"type": kind, "value": raw})]
    if server.port is not None:
        if server.port == 0:
            raise ProfileError("DM server port 0 cannot be reached (use 1..65535)")
        fields.append((dmcfg.SERVER_PORT, server.port))
    if server.protocol is not None:
        fields.append((dmcfg.SERVER_PROTOCOL, server.protocol))
    if not 0 <= server.bearer_index < bearer_count:
        raise ProfileError("DM server %s uses bearer %d but there are %d"
                           % (server.address, server.bearer_index, bearer_count))
    if server.bearer_index:  # 0 (APN0) is the default: left out
        fields.append((dmcfg.SERVER_BEARER, server.bearer_index))
    items = [(tag, _build(SERVER_VALUES[tag], value, "DM server object %X" % tag))
             for tag, value in fields]
    return items + dmcfg._extra(server.extra, dmcfg.SERVER_TAGS)


def _bearer_items(bearer: dmcfg.Bearer) -> list[tuple[int, bytes]]:
    apn_rules.validate(bearer.apn)
    labels = [{"text": label.encode("ascii")} for label in bearer.apn.split(".") if bearer.apn]
    fields: list[tuple[int, Any]] = [(dmcfg.BEARER_APN, {"labels": labels, "rest": b""})]
    for tag, value in ((dmcfg.BEARER_PDN_TYPE, bearer.pdn_type),
                       (dmcfg.BEARER_AUTH, bearer.auth)):
        if value is not None:
            fields.append((tag, value))
    for tag, text, label in ((dmcfg.BEARER_USERNAME, bearer.username, "user name"),
                             (dmcfg.BEARER_PASSWORD, bearer.password, "password")):
        if text is not None:
            dmcfg._encode_text(text, label)  # the shared rule: no control characters
            fields.append((tag, text))
    for name in bearer.services:
        if not dmcfg.is_service_name(name):
            raise ProfileError("service name %r is not [a-z0-9._-]{1,32}" % name)
        fields.append((dmcfg.BEARER_SERVICE, name))
    items = [(tag, _build(BEARER_VALUES[tag], value, "bearer object %X" % tag))
             for tag, value in fields]
    extra_known = dmcfg.BEARER_SINGLE_TAGS + (dmcfg.BEARER_SERVICE,)
    return items + dmcfg._extra(bearer.extra, extra_known)


def encode_dmcfg(cfg: dmcfg.DmConfig, size: int | None = None) -> bytes:
    """EF.DMCFG as `dmcfg.encode` writes it (canonical form, CRC, FF padding to `size`)."""
    if not cfg.servers or not cfg.bearers:
        raise ProfileError("EF.DMCFG needs at least one DM server and one bearer (APN0)")
    top = [(dmcfg.TAG_VERSION, _build(FILE_VALUES[dmcfg.TAG_VERSION], cfg.version,
                                      "format version"))]
    if cfg.sequence is not None:
        top.append((dmcfg.TAG_SEQUENCE, _build(SEQUENCE, cfg.sequence, "sequence number")))
    top += [_template(dmcfg.TAG_SERVER, _server_items(server, len(cfg.bearers)))
            for server in cfg.servers]
    top += [_template(dmcfg.TAG_BEARER, _bearer_items(bearer)) for bearer in cfg.bearers]
    known = (dmcfg.TAG_VERSION, dmcfg.TAG_SEQUENCE, dmcfg.TAG_SERVER, dmcfg.TAG_BEARER,
             dmcfg.TAG_CRC)
    for tag, value in cfg.unknown:
        if tag in known:
            raise ProfileError("unknown data object with a known tag %X" % tag)
        top.append((tag, value))

    def file(items: list[tuple[int, bytes]]) -> bytes:
        objects = [{"object": {"tag": t, "value": v}} for t, v in items]
        return _build(EF_DMCFG, {"objects": objects, "padding": b""}, "file")

    body = file(top)
    if cfg.has_crc:
        crc = _build(FILE_VALUES[dmcfg.TAG_CRC], zlib.crc32(body), "CRC")
        body += file([(dmcfg.TAG_CRC, crc)])
    return pad_to(dmcfg.WHAT, body, size, PADDING)


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
