"""BER-TLV as the UICC files use it (ISO 7816-4 / TS 102 221 subset).

Tags are one byte, or two when the first byte has its low five bits set (FCP
proprietary and some EFs use those). Lengths are one byte, `81 xx` or
`82 xxxx`; indefinite and longer forms never occur in card files and are
refused. Decoding records where each object started so that the callers can
name the wrong byte in their own errors.

Lengths that are longer than needed (`81 05`) are accepted on decode, because
some card personalisation tools write them; encoding always uses the shortest
form, so only canonical input round-trips byte for byte.

Portable (runs on MicroPython).
"""

from me_lib.codec._common import Model
from me_lib.errors import DecodeError, ProfileError

try:
    from collections.abc import Iterable
except ImportError:  # MicroPython: only annotations use it
    pass

PADDING = 0xFF


class Tlv(Model):
    """One data object: its tag, value and where it sat in the decoded bytes."""

    _FIELDS = ("tag", "value", "offset", "value_offset")

    def __init__(self, tag: int, value: bytes, offset: int, value_offset: int) -> None:
        self.tag = tag
        self.value = value
        self.offset = offset  # of the first tag byte
        self.value_offset = value_offset  # of the first value byte


def is_constructed(tag: int) -> bool:
    """Whether a tag announces nested data objects (b6 of its first byte)."""
    first = tag >> 8 if tag > 0xFF else tag
    return bool(first & 0x20)


def _read_header(what: str, data: bytes, pos: int, base: int) -> tuple[int, int, int]:
    """(tag, length, value position) of the object starting at `pos`."""
    end = len(data)
    tag = data[pos]
    p = pos + 1
    if tag & 0x1F == 0x1F:
        if p >= end:
            raise DecodeError(what, "two-byte tag %02X cut short" % tag, base + pos)
        if data[p] & 0x80:
            raise DecodeError(what, "tags longer than two bytes are not supported", base + p)
        tag = (tag << 8) | data[p]
        p += 1
    if p >= end:
        raise DecodeError(what, "tag %X has no length byte" % tag, base + pos)
    first = data[p]
    if first < 0x80:
        return tag, first, p + 1
    if first == 0x81 or first == 0x82:
        size = first - 0x80
        if p + 1 + size > end:
            raise DecodeError(what, "length of tag %X cut short" % tag, base + p)
        return tag, int.from_bytes(data[p + 1:p + 1 + size], "big"), p + 1 + size
    raise DecodeError(what, "length byte %02X not supported (only 1 byte, 81 xx, 82 xxxx)"
                      % first, base + p)


def _object(what: str, data: bytes, pos: int, end: int, base: int) -> "tuple[Tlv, int]":
    """The data object starting at `pos`, and where the next one starts."""
    tag, length, vpos = _read_header(what, data, pos, base)
    if vpos + length > end:
        raise DecodeError(what, "tag %X says %d bytes but only %d follow"
                          % (tag, length, end - vpos), base + pos)
    return Tlv(tag, bytes(data[vpos:vpos + length]), base + pos, base + vpos), vpos + length


def decode(data: bytes, what: str = "BER-TLV", base: int = 0, padding: bytes = b"\xff",
           strict_padding: bool = True) -> list[Tlv]:
    """Split `data` into data objects.

    `base` is added to every offset so nested objects report positions in the
    whole file. A `padding` byte (FF by default; PKCS#15 files also use 00;
    b"" for none) where a tag should start ends the data; `strict_padding`
    then refuses anything but that byte after it (a torn update looks like
    that), while a tolerant reader just stops there.
    """
    items: list[Tlv] = []
    pos = 0
    end = len(data)
    while pos < end:
        if data[pos] in padding:
            if strict_padding:
                for i in range(pos, end):
                    if data[i] != data[pos]:
                        raise DecodeError(what, "byte %02X after the %02X padding"
                                          % (data[i], data[pos]), base + i)
            break
        item, pos = _object(what, data, pos, end, base)
        items.append(item)
    return items


# ISO/IEC 7816-4 §5.2.2.1: '00' and 'FF' are invalid first bytes of an
# interindustry tag, so a card may put them before, between and after data
# objects (EF_DIR records, §8.2.1.1, are written that way by some issuers).
FILLERS = b"\x00\xff"


def decode_filled(data: bytes, what: str = "BER-TLV", base: int = 0,
                  fillers: bytes = FILLERS) -> list[Tlv]:
    """Split `data` into data objects, skipping `fillers` wherever a tag would start.

    Unlike `decode`, a filler does not end the data: objects may follow it.
    Only for interindustry templates (EF_DIR), where 00/FF can never be a tag;
    proprietary files (FCP A5, EF.DMCFG) keep the strict `decode`.
    """
    items: list[Tlv] = []
    pos = 0
    end = len(data)
    while pos < end:
        if data[pos] in fillers:
            pos += 1
            continue
        item, pos = _object(what, data, pos, end, base)
        items.append(item)
    return items


def children_filled(item: Tlv, what: str = "BER-TLV") -> list[Tlv]:
    """The nested data objects of a constructed object, 00/FF fillers skipped."""
    return decode_filled(item.value, what, item.value_offset)


def children(item: Tlv, what: str = "BER-TLV") -> list[Tlv]:
    """The nested data objects of a constructed object, offsets kept absolute."""
    return decode(item.value, what, item.value_offset, padding=b"")


def find(items: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first object with `tag`, or None."""
    for item in items:
        if item.tag == tag:
            return item
    return None


def find_all(items: Iterable[Tlv], tag: int) -> list[Tlv]:
    """The items of `items` with `tag`, in order."""
    found = []
    for item in items:
        if item.tag == tag:
            found.append(item)
    return found


def encode_length(length: int) -> bytes:
    """A BER-TLV length (1 byte, or 81/82 + 1/2 bytes); raises `ProfileError` over 65535."""
    if length < 0 or length > 0xFFFF:
        raise ProfileError("BER-TLV value of %d bytes cannot be encoded" % length,
                           "values are limited to 65535 bytes")
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    return bytes([0x82, length >> 8, length & 0xFF])


def encode_tag(tag: int) -> bytes:
    """A one- or two-byte BER-TLV tag; raises `ProfileError` for any other."""
    if 0 <= tag <= 0xFF and tag & 0x1F != 0x1F:
        return bytes([tag])
    if 0x1F00 <= tag <= 0xFFFF and (tag >> 8) & 0x1F == 0x1F and not tag & 0x80:
        return bytes([tag >> 8, tag & 0xFF])
    raise ProfileError("tag %X is not a one- or two-byte BER-TLV tag" % tag)


def encode_one(tag: int, value: bytes) -> bytes:
    """One BER-TLV item: tag, length, value."""
    return encode_tag(tag) + encode_length(len(value)) + bytes(value)


def encode(items: Iterable[tuple[int, bytes] | Tlv]) -> bytes:
    """Concatenate data objects; `Tlv` items and plain (tag, value) pairs both work."""
    out = bytearray()
    for item in items:
        if isinstance(item, Tlv):
            out += encode_one(item.tag, item.value)
        else:
            out += encode_one(item[0], item[1])
    return bytes(out)
