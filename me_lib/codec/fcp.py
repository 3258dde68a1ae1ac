"""FCP template (tag 62) returned by SELECT / GET RESPONSE (TS 102 221 §11.1.1.3).

The card layer needs the file size and structure to read a file in chunks
(+CRSM gets at most 255 bytes at a time), the record geometry for record
files, the SFI, whether the file is activated, and which PINs are enabled.
Security attributes and proprietary data are kept raw: we only read files, we
never evaluate access rules, but the virtual card must give them back.

Encoding follows the tag order of TS 102 221 Tables 11.3/11.4 (82, 83, 84, A5,
8A, 8B/8C/AB, C6, 80, 81, 88), which is the order real cards use, so a card's
FCP in that order round-trips byte for byte; unknown tags go last.

Portable (MicroPython runs it for +CRSM GET RESPONSE): construct declares the
FDB bit fields and the record descriptor on CPython; where construct is
missing, `_fdb_bits`/`_record_fields` do the same few shifts, and
tests/card/test_card_micropython.py proves both give the same decode.
"""

from me_lib.codec import tlv
from me_lib.codec._common import Model, uint, uint_bytes
from me_lib.errors import DecodeError, ProfileError

try:
    import construct as cs
except ImportError:  # MicroPython: the byte-level stand-ins in _fdb_bits/_record_fields
    cs = None  # type: ignore[assignment,unused-ignore]

WHAT = "FCP"

TYPE_WORKING = "working"
TYPE_INTERNAL = "internal"
TYPE_DF = "df"
STRUCT_TRANSPARENT = "transparent"
STRUCT_LINEAR = "linear_fixed"
STRUCT_CYCLIC = "cyclic"
STRUCT_BER_TLV = "ber_tlv"

_TYPES = {0: TYPE_WORKING, 1: TYPE_INTERNAL, 7: TYPE_DF}
_STRUCTURES = {1: STRUCT_TRANSPARENT, 2: STRUCT_LINEAR, 6: STRUCT_CYCLIC}

if cs is not None:
    # FDB bits b8..b1: 0, shareable, file type (3 bits), structure (3 bits).
    _FDB = cs.BitStruct(
        "high" / cs.Flag,
        "shareable" / cs.Flag,
        "file_type" / cs.BitsInteger(3),
        "structure" / cs.BitsInteger(3),
    )
    _RECORD_DESCRIPTOR = cs.Struct(
        "fdb" / cs.Int8ub,
        "data_coding" / cs.Int8ub,
        "record_length" / cs.Int16ub,
        "record_count" / cs.Int8ub,
    )


def _fdb_bits(fdb: int) -> tuple[bool, int, int]:
    """(shareable, file type, structure) of an FDB byte."""
    if cs is None:
        return bool(fdb & 0x40), (fdb >> 3) & 7, fdb & 7
    bits = _FDB.parse(bytes([fdb]))
    return bool(bits.shareable), int(bits.file_type), int(bits.structure)


def _record_fields(value: bytes) -> tuple[int, int, int, int]:
    """(FDB, data coding, record length, record count) of a 5-byte tag 82."""
    if cs is None:
        return value[0], value[1], (value[2] << 8) | value[3], value[4]
    d = _RECORD_DESCRIPTOR.parse(value)
    return int(d.fdb), int(d.data_coding), int(d.record_length), int(d.record_count)


SECURITY_TAGS = (0x8B, 0x8C, 0xAB)
_SINGLE_TAGS = (0x82, 0x83, 0x84, 0xA5, 0x8A, 0xC6, 0x80, 0x81, 0x88)


class FileDescriptor(Model):
    """Tag 82: FDB, data coding byte and, for record files, the record geometry."""

    _FIELDS = ("fdb", "data_coding", "record_length", "record_count")

    def __init__(self, fdb: int, data_coding: int | None = 0x21,
                 record_length: int | None = None, record_count: int | None = None) -> None:
        self.fdb = fdb
        self.data_coding = data_coding
        self.record_length = record_length
        self.record_count = record_count

    @property
    def shareable(self) -> bool:
        """Whether the file may be opened on several logical channels at once."""
        return _fdb_bits(self.fdb)[0]

    @property
    def file_type(self) -> str:
        """`working`, `internal`, `df`, or `rfu` for a type TS 102 221 does not define.

        Type bits 111 mean DF with structure 000, but a BER-TLV (working) EF
        with structure 001.
        """
        _, file_type, structure = _fdb_bits(self.fdb)
        if file_type == 7 and structure == 1:
            return TYPE_WORKING
        if file_type == 7 and structure != 0:
            return "rfu"
        return _TYPES.get(file_type, "rfu")

    @property
    def structure(self) -> str | None:
        """File structure; None for a DF, `rfu` for an undefined coding."""
        _, file_type, structure = _fdb_bits(self.fdb)
        if file_type == 7:
            return STRUCT_BER_TLV if structure == 1 else None
        return _STRUCTURES.get(structure, "rfu")


def fdb(file_type: str, structure: str | None = None, shareable: bool = True) -> int:
    """Build an FDB, e.g. fdb("working", "transparent") == 0x41."""
    if structure == STRUCT_BER_TLV:
        return 0x79 if shareable else 0x39
    types = {v: k for k, v in _TYPES.items()}
    structures = {v: k for k, v in _STRUCTURES.items()}
    if file_type not in types or (file_type != TYPE_DF and structure not in structures):
        raise ProfileError("unknown file type/structure %r/%r" % (file_type, structure))
    code = 0 if file_type == TYPE_DF else structures[structure or ""]
    if cs is None:
        return (0x40 if shareable else 0) | types[file_type] << 3 | code
    return int(_FDB.build({"high": False, "shareable": shareable,
                           "file_type": types[file_type], "structure": code})[0])


class ArrReference(Model):
    """Tag 8B: EF_ARR file id and record number(s).

    The 3-byte form is (FID, record); the long form is FID then
    (SE id, record) pairs, kept in `pairs`.
    """

    _FIELDS = ("fid", "record", "pairs")

    def __init__(self, fid: int, record: int, pairs: tuple[tuple[int, int], ...] = ()) -> None:
        self.fid = fid
        self.record = record
        self.pairs = pairs


class PinStatus(Model):
    """Tag C6: PS_DO bitmap plus key references (in order, with usage qualifiers).

    Bit b8 of the first PS_DO byte belongs to the first key reference, b7 to
    the second, and so on; a set bit means that PIN is enabled.
    """

    _FIELDS = ("ps_do", "keys")

    def __init__(self, ps_do: bytes, keys: tuple[tuple[int, int | None], ...]) -> None:
        self.ps_do = ps_do
        self.keys = keys  # (key reference, usage qualifier)

    @property
    def pins(self) -> tuple[tuple[int, bool], ...]:
        """(key reference, enabled) for each key reference."""
        out = []
        for i, (ref, _usage) in enumerate(self.keys):
            byte = self.ps_do[i // 8] if i // 8 < len(self.ps_do) else 0
            out.append((ref, bool(byte & (0x80 >> (i % 8)))))
        return tuple(out)

    def enabled(self, ref: int) -> bool | None:
        """Whether PIN `ref` is enabled; None when this DF does not list it."""
        for key, on in self.pins:
            if key == ref:
                return on
        return None

    @classmethod
    def build(cls, pins: list[tuple[int, bool]]) -> "PinStatus":
        """The PS_DO for `pins` [(key reference, enabled)], as a card answers it."""
        ps = bytearray(max(1, (len(pins) + 7) // 8))
        for i, (_ref, on) in enumerate(pins):
            if on:
                ps[i // 8] |= 0x80 >> (i % 8)
        return cls(bytes(ps), tuple((ref, None) for ref, _on in pins))


LCSI_NAMES = {0x00: "no information", 0x01: "creation", 0x03: "initialisation"}


def lcsi_name(value: int) -> str:
    """Life cycle state name (ISO 7816-4 Table 13 / TS 102 221 §11.1.1.4.9)."""
    if value in LCSI_NAMES:
        return LCSI_NAMES[value]
    if value & 0xFC == 0x0C:
        return "terminated"
    if value & 0xFD == 0x05:
        return "operational (activated)"
    if value & 0xFD == 0x04:
        return "operational (deactivated)"
    if value >= 0x10:
        return "proprietary"
    return "rfu"


class Fcp(Model):
    """A decoded FCP template; None fields were absent.

    `sfi` is the SFI (1-30) from tag 88; `no_sfi` is True when tag 88 is
    present and empty, i.e. the file has no SFI. Absent 88 means the SFI is
    the low five bits of the FID (TS 102 221 §11.1.1.4.8): see `effective_sfi`.
    """

    _FIELDS = ("descriptor", "fid", "df_name", "proprietary", "lcsi", "security",
               "pin_status", "size", "total_size", "sfi", "no_sfi", "unknown")

    def __init__(self, descriptor: FileDescriptor | None = None, fid: int | None = None,
                 df_name: bytes | None = None, proprietary: bytes | None = None,
                 lcsi: int | None = None, security: tuple[tuple[int, bytes], ...] = (),
                 pin_status: PinStatus | None = None, size: int | None = None,
                 total_size: int | None = None, sfi: int | None = None,
                 no_sfi: bool = False, unknown: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.descriptor = descriptor
        self.fid = fid
        self.df_name = df_name
        self.proprietary = proprietary
        self.lcsi = lcsi
        self.security = security
        self.pin_status = pin_status
        self.size = size
        self.total_size = total_size
        self.sfi = sfi
        self.no_sfi = no_sfi
        self.unknown = unknown

    @property
    def life_cycle(self) -> str | None:
        """The life cycle status by name ("operational, activated", ...), None if absent."""
        return None if self.lcsi is None else lcsi_name(self.lcsi)

    @property
    def activated(self) -> bool:
        """False only for a deactivated or terminated file: reading it would fail."""
        return self.lcsi is None or self.life_cycle not in (
            "operational (deactivated)", "terminated")

    @property
    def arr(self) -> ArrReference | None:
        """The access rule reference (tag 8B), None if the FCP gives rules another way."""
        for tag, value in self.security:
            if tag == 0x8B:
                return _decode_arr(value, None)
        return None

    @property
    def effective_sfi(self) -> int | None:
        """The SFI to read the file by: the explicit one, else the FID's low 5 bits, None if
        the file has none.
        """
        if self.no_sfi:
            return None
        if self.sfi is not None:
            return self.sfi
        return None if self.fid is None else self.fid & 0x1F

    @property
    def is_df(self) -> bool:
        """Whether the file is a DF (a directory or application), not an EF."""
        return self.descriptor is not None and self.descriptor.file_type == TYPE_DF


def _decode_arr(value: bytes, offset: int | None) -> ArrReference:
    if len(value) == 3:
        return ArrReference(uint(value[:2]), value[2])
    if len(value) >= 4 and len(value) % 2 == 0:
        pairs = tuple((value[i], value[i + 1]) for i in range(2, len(value), 2))
        return ArrReference(uint(value[:2]), pairs[0][1], pairs)
    raise DecodeError(WHAT, "security attribute 8B of %d bytes (3, or 2 + pairs)"
                      % len(value), offset)


def _decode_descriptor(item: tlv.Tlv) -> FileDescriptor:
    value = item.value
    if len(value) == 2:
        return FileDescriptor(value[0], value[1])
    if len(value) == 5:
        fdb_byte, coding, record_length, record_count = _record_fields(value)
        if record_length == 0:
            raise DecodeError(WHAT, "record length 0", item.value_offset + 2)
        return FileDescriptor(fdb_byte, coding, record_length, record_count)
    raise DecodeError(WHAT, "file descriptor of %d bytes (2 or 5)" % len(value), item.offset)


def _decode_pin_status(item: tlv.Tlv) -> PinStatus:
    parts = tlv.children(item, WHAT)
    if not parts or parts[0].tag != 0x90:
        raise DecodeError(WHAT, "PIN status template does not start with PS_DO (90)",
                          item.value_offset)
    keys: list[tuple[int, int | None]] = []
    usage: int | None = None
    for part in parts[1:]:
        if part.tag == 0x95 and len(part.value) == 1 and usage is None:
            usage = part.value[0]
        elif part.tag == 0x83 and len(part.value) == 1:
            keys.append((part.value[0], usage))
            usage = None
        else:
            raise DecodeError(WHAT, "unexpected %X of %d bytes in the PIN status template"
                              % (part.tag, len(part.value)), part.offset)
    if usage is not None:
        raise DecodeError(WHAT, "usage qualifier without a key reference", parts[-1].offset)
    return PinStatus(parts[0].value, tuple(keys))


def _number(item: tlv.Tlv, low: int, high: int) -> int:
    if not low <= len(item.value) <= high:
        raise DecodeError(WHAT, "tag %X of %d bytes (%d to %d expected)"
                          % (item.tag, len(item.value), low, high), item.offset)
    return uint(item.value)


def decode(data: bytes) -> Fcp:
    """An FCP template as returned by SELECT (P2=04) or +CRSM 192."""
    items = tlv.decode(data, WHAT, strict_padding=False)
    if not items or items[0].tag != 0x62:
        raise DecodeError(WHAT, "no FCP template (tag 62) at the start", 0)
    if len(items) > 1:
        raise DecodeError(WHAT, "data after the FCP template", items[1].offset)
    descriptor: FileDescriptor | None = None
    fid = lcsi = size = total_size = sfi = None
    df_name = proprietary = None
    pin_status: PinStatus | None = None
    no_sfi = False
    security: list[tuple[int, bytes]] = []
    unknown: list[tuple[int, bytes]] = []
    seen: set[int] = set()
    for item in tlv.children(items[0], WHAT):
        if item.tag in seen and item.tag in _SINGLE_TAGS:
            raise DecodeError(WHAT, "tag %X appears twice" % item.tag, item.offset)
        seen.add(item.tag)
        if item.tag == 0x82:
            descriptor = _decode_descriptor(item)
        elif item.tag == 0x83:
            fid = _number(item, 2, 2)
        elif item.tag == 0x84:
            if not 1 <= len(item.value) <= 16:
                raise DecodeError(WHAT, "DF name of %d bytes (1 to 16)" % len(item.value),
                                  item.offset)
            df_name = item.value
        elif item.tag == 0xA5:
            proprietary = item.value
        elif item.tag == 0x8A:
            lcsi = _number(item, 1, 1)
        elif item.tag in SECURITY_TAGS:
            if item.tag == 0x8B:
                _decode_arr(item.value, item.offset)
            security.append((item.tag, item.value))
        elif item.tag == 0xC6:
            pin_status = _decode_pin_status(item)
        elif item.tag == 0x80:
            size = _number(item, 1, 4)
        elif item.tag == 0x81:
            total_size = _number(item, 1, 4)
        elif item.tag == 0x88:
            if not item.value:
                no_sfi = True
            else:
                sfi = _number(item, 1, 1) >> 3  # b3-b1 are RFU: ignored
                if not 1 <= sfi <= 30:
                    raise DecodeError(WHAT, "SFI %d out of range 1-30" % sfi,
                                      item.value_offset)
        else:
            unknown.append((item.tag, item.value))
    return Fcp(descriptor, fid, df_name, proprietary, lcsi, tuple(security), pin_status,
               size, total_size, sfi, no_sfi, tuple(unknown))


def _encode_descriptor(d: FileDescriptor) -> bytes:
    if d.record_length is None and d.record_count is None:
        if d.data_coding is None:
            raise ProfileError("file descriptor without a data coding byte")
        return bytes([d.fdb, d.data_coding])
    if d.record_length is None or d.record_count is None:
        raise ProfileError("record file descriptor needs both record length and count")
    if not (0 <= d.fdb <= 0xFF and 1 <= d.record_length <= 0xFFFF
            and 0 <= d.record_count <= 0xFF):
        raise ProfileError("file descriptor values out of range")
    coding = 0x21 if d.data_coding is None else d.data_coding
    if cs is None:
        return bytes((d.fdb, coding, d.record_length >> 8, d.record_length & 0xFF,
                      d.record_count))
    return bytes(_RECORD_DESCRIPTOR.build({
        "fdb": d.fdb, "data_coding": coding,
        "record_length": d.record_length, "record_count": d.record_count}))


def encode(fcp: Fcp) -> bytes:
    """The FCP template (62) in TS 102 221 tag order."""
    try:
        return tlv.encode_one(0x62, tlv.encode(_items(fcp)))
    except (OverflowError, ValueError) as exc:
        raise ProfileError("FCP value out of range: %s" % exc) from None


def _items(fcp: Fcp) -> list[tuple[int, bytes]]:
    items: list[tuple[int, bytes]] = []
    if fcp.descriptor is not None:
        items.append((0x82, _encode_descriptor(fcp.descriptor)))
    if fcp.fid is not None:
        items.append((0x83, fcp.fid.to_bytes(2, "big")))
    if fcp.df_name is not None:
        items.append((0x84, fcp.df_name))
    if fcp.proprietary is not None:
        items.append((0xA5, fcp.proprietary))
    if fcp.lcsi is not None:
        items.append((0x8A, bytes([fcp.lcsi])))
    items.extend(fcp.security)
    if fcp.pin_status is not None:
        inner = [(0x90, fcp.pin_status.ps_do)]
        for ref, usage in fcp.pin_status.keys:
            if usage is not None:
                inner.append((0x95, bytes([usage])))
            inner.append((0x83, bytes([ref])))
        items.append((0xC6, tlv.encode(inner)))
    for tag, value in ((0x80, fcp.size), (0x81, fcp.total_size)):
        if value is not None:
            if not 0 <= value <= 0xFFFFFFFF:
                raise ProfileError("file size %d out of range" % value)
            items.append((tag, uint_bytes(value, 2)))
    if fcp.no_sfi:
        items.append((0x88, b""))
    elif fcp.sfi is not None:
        if not 1 <= fcp.sfi <= 30:
            raise ProfileError("SFI %d out of range 1-30" % fcp.sfi)
        items.append((0x88, bytes([fcp.sfi << 3])))
    items.extend(fcp.unknown)
    return items
