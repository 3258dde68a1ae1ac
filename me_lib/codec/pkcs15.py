"""The PKCS#15 files that lead to the LwM2M bootstrap file (OMA LwM2M Appendix G).

Path: EF(ODF) 5031 -> the DODF entry (tag A7) -> EF(DODF) -> the data object
whose OID is 2.23.43.9.1 -> its Path -> EF LwM2M_Bootstrap (decoded by
`me_lib.codec.lwm2m`). Only the DER this path needs is decoded; each DODF
entry also keeps its exact bytes when it carries more than we model, so the
virtual card and round trips give back what the card had.

Some cards store the OID wrapped twice (`06 06 06 04 67 2B 09 01`); Nordic and
Anjay accept it, so do we, and we remember the form to write it back.
"""

from dataclasses import dataclass, replace

from me_lib.codec import tlv
from me_lib.codec._common import uint_bytes, utf8
from me_lib.errors import DecodeError, ProfileError

AID = bytes.fromhex("A000000063504B43532D3135")
ODF_FID = 0x5031
LWM2M_BOOTSTRAP_OID = "2.23.43.9.1"
OMA_DM_BOOTSTRAP_OID = "2.23.43.7.1"

ODF_DODF = 0xA7
_PAD = b"\x00\xff"  # PKCS#15 files are padded with 00 or FF


# --- DER pieces ----------------------------------------------------------------


def decode_oid(content: bytes, what: str = "OID", offset: int = 0) -> str:
    """Dotted form of DER OID content bytes (without the 06 header)."""
    if not content:
        raise DecodeError(what, "empty OID", offset)
    arcs: list[int] = []
    value = 0
    for i, b in enumerate(content):
        if value == 0 and b == 0x80:
            raise DecodeError(what, "OID arc with a leading 80 byte", offset + i)
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    if content[-1] & 0x80:
        raise DecodeError(what, "OID ends inside an arc", offset + len(content) - 1)
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def encode_oid(dotted: str) -> bytes:
    """The DER body of the dotted OID `dotted`; raises `ProfileError` if not valid."""
    try:
        arcs = [int(part) for part in dotted.split(".")]
    except ValueError:
        raise ProfileError("OID %r is not dotted numbers" % dotted) from None
    if (len(arcs) < 2 or arcs[0] not in (0, 1, 2) or any(a < 0 for a in arcs)
            or (arcs[0] < 2 and arcs[1] >= 40)):
        raise ProfileError("OID %r is not valid" % dotted)
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


@dataclass(frozen=True)
class Path:
    """PKCS#15 Path: file path bytes (FIDs, or relative), optional index/length."""

    path: bytes
    index: int | None = None
    length: int | None = None


def _decode_path(item: tlv.Tlv, what: str) -> Path:
    if item.tag != 0x30:
        raise DecodeError(what, "Path is tag %X, SEQUENCE (30) expected" % item.tag, item.offset)
    parts = tlv.children(item, what)
    if not parts or parts[0].tag != 0x04:
        raise DecodeError(what, "Path without an OCTET STRING (04)", item.value_offset)
    index = length = None
    for part in parts[1:]:
        if part.tag == 0x02 and index is None and 1 <= len(part.value) <= 4:
            index = int.from_bytes(part.value, "big")
        elif part.tag == 0x80 and length is None and 1 <= len(part.value) <= 4:
            length = int.from_bytes(part.value, "big")
        else:
            raise DecodeError(what, "unexpected %X in a Path" % part.tag, part.offset)
    return Path(parts[0].value, index, length)


def _der_uint(value: int) -> bytes:
    raw = uint_bytes(value)
    return b"\x00" + raw if raw[0] & 0x80 else raw


def _encode_path(path: Path) -> bytes:
    items = [(0x04, path.path)]
    for tag, value in ((0x02, path.index), (0x80, path.length)):
        if value is not None:
            if not 0 <= value <= 0x7FFFFFFF:
                raise ProfileError("Path index/length %d out of range" % value)
            items.append((tag, _der_uint(value)))
    return tlv.encode_one(0x30, tlv.encode(items))


# --- ODF -----------------------------------------------------------------------


@dataclass(frozen=True)
class OdfEntry:
    """One ODF pointer: A7 = DODF, A0 PrKDF, A4 CDF, A8 AODF ..."""

    tag: int
    path: Path


def decode_odf(data: bytes) -> tuple[OdfEntry, ...]:
    """EF(ODF): where each PKCS#15 directory file is; raises `DecodeError`."""
    what = "EF(ODF)"
    out = []
    for item in tlv.decode(data, what, padding=_PAD):
        parts = tlv.children(item, what)
        if len(parts) != 1:
            raise DecodeError(what, "ODF entry must hold exactly one Path", item.offset)
        out.append(OdfEntry(item.tag, _decode_path(parts[0], what)))
    return tuple(out)


def encode_odf(entries: tuple[OdfEntry, ...] | list[OdfEntry]) -> bytes:
    """EF(ODF) bytes for `entries`."""
    return tlv.encode([(e.tag, _encode_path(e.path)) for e in entries])


def dodf_path(entries: tuple[OdfEntry, ...]) -> Path | None:
    """Where the DODF is (the first A7 entry), or None."""
    for entry in entries:
        if entry.tag == ODF_DODF:
            return entry.path
    return None


# --- DODF ----------------------------------------------------------------------


@dataclass(frozen=True)
class DodfEntry:
    """A data object entry; for OID data objects (tag A1) the OID and its Path.

    `raw` holds the entry's exact bytes when it carries more than these fields
    (flags, authId, other value forms); `encode_dodf` then writes `raw`. Clear
    it (`dataclasses.replace(entry, raw=None)`) to build from the fields.
    """

    tag: int = 0xA1
    label: str | None = None
    app_name: str | None = None
    oid: str | None = None
    oid_wrapped: bool = False
    path: Path | None = None
    raw: bytes | None = None


def _labels(item: tlv.Tlv, what: str) -> str | None:
    """The first UTF8String (0C) of an attributes SEQUENCE."""
    if item.tag != 0x30:
        return None
    found = tlv.find(tlv.children(item, what), 0x0C)
    return None if found is None else utf8(what, found.value, found.value_offset)


def _decode_type_attributes(item: tlv.Tlv, what: str) -> tuple[str | None, bool, Path | None]:
    inner = tlv.children(item, what)
    if len(inner) != 1 or inner[0].tag != 0x30:
        return None, False, None
    parts = tlv.children(inner[0], what)
    if not parts:
        return None, False, None
    oid_item, wrapped = parts[0], False
    if oid_item.tag != 0x06:
        return None, False, _decode_path(parts[0], what) if parts[0].tag == 0x30 else None
    content, at = oid_item.value, oid_item.value_offset
    if len(content) >= 2 and content[0] == 0x06 and content[1] == len(content) - 2:
        content, at, wrapped = content[2:], at + 2, True
    oid = decode_oid(content, what, at)
    path = _decode_path(parts[1], what) if len(parts) > 1 and parts[1].tag == 0x30 else None
    return oid, wrapped, path


def _decode_entry(item: tlv.Tlv, data: bytes, what: str) -> DodfEntry:
    parts = tlv.children(item, what)
    label = _labels(parts[0], what) if parts else None
    app_name = _labels(parts[1], what) if len(parts) > 1 else None
    oid: str | None = None
    wrapped = False
    path: Path | None = None
    type_attrs = tlv.find(parts[2:], 0xA1)
    if type_attrs is not None:
        oid, wrapped, path = _decode_type_attributes(type_attrs, what)
    entry = DodfEntry(item.tag, label, app_name, oid, wrapped, path)
    original = data[item.offset:item.value_offset + len(item.value)]
    try:
        same = _encode_entry(entry) == original
    except ProfileError:
        same = False
    return entry if same else replace(entry, raw=bytes(original))


def decode_dodf(data: bytes) -> tuple[DodfEntry, ...]:
    """EF(DODF): the data objects (the LwM2M bootstrap among them); raises `DecodeError`."""
    what = "EF(DODF)"
    return tuple(_decode_entry(item, data, what)
                 for item in tlv.decode(data, what, padding=_PAD))


def _encode_entry(entry: DodfEntry) -> bytes:
    if entry.raw is not None:
        return entry.raw
    common = b"" if entry.label is None else tlv.encode_one(0x0C, entry.label.encode())
    klass = b"" if entry.app_name is None else tlv.encode_one(0x0C, entry.app_name.encode())
    body = tlv.encode_one(0x30, common) + tlv.encode_one(0x30, klass)
    if entry.oid is not None or entry.path is not None:
        inner = b""
        if entry.oid is not None:
            oid = tlv.encode_one(0x06, encode_oid(entry.oid))
            inner += tlv.encode_one(0x06, oid) if entry.oid_wrapped else oid
        if entry.path is not None:
            inner += _encode_path(entry.path)
        body += tlv.encode_one(0xA1, tlv.encode_one(0x30, inner))
    return tlv.encode_one(entry.tag, body)


def encode_dodf(entries: tuple[DodfEntry, ...] | list[DodfEntry]) -> bytes:
    """EF(DODF) bytes for `entries`."""
    return b"".join(_encode_entry(e) for e in entries)


def lwm2m_bootstrap_path(entries: tuple[DodfEntry, ...]) -> Path | None:
    """Path of EF LwM2M_Bootstrap: the entry with OID 2.23.43.9.1, or None."""
    for entry in entries:
        if entry.oid == LWM2M_BOOTSTRAP_OID and entry.path is not None:
            return entry.path
    return None
