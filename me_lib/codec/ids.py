"""Card identities: ICCID (EF_ICCID 2FE2), IMSI (EF_IMSI 6F07), EF_AD (6FAD).

The flow keys its cache on the ICCID and derives MCC/MNC (hence the APN
operator identifier) from the IMSI split by EF_AD's MNC length, so these are
decoded strictly: a wrong digit here would silently pick another profile.
Exception: the ICCID Luhn check digit is reported, not enforced, because
test cards and some issuers get it wrong and the ICCID is still the card's name.

Portable (MicroPython reads the identity over +CRSM): construct declares the
EF_AD layout on CPython; without it `_ad_fields` splits the same bytes, and
tests/card/test_card_micropython.py proves both decode alike.
"""

from me_lib.codec._common import Model
from me_lib.errors import DecodeError, ProfileError

try:
    import construct as cs
except ImportError:  # MicroPython: _ad_fields splits EF_AD by hand
    cs = None  # type: ignore[assignment,unused-ignore]

ICCID_SIZE = 10
IMSI_SIZE = 9
_DIGITS = "0123456789"


def _swapped_nibbles(data: bytes) -> list[int]:
    """BCD nibbles in digit order (low nibble first in each byte)."""
    out: list[int] = []
    for b in data:
        out.append(b & 0x0F)
        out.append(b >> 4)
    return out


def _swapped_bytes(nibbles: list[int]) -> bytes:
    if len(nibbles) % 2:
        nibbles = list(nibbles)  # the caller's list stays as it was
        nibbles.append(0xF)
    out = bytearray(len(nibbles) // 2)
    for i in range(len(out)):
        # & 0x0F: callers pass digits as ASCII codes (0x30-0x39), whose low nibble is the digit
        out[i] = (nibbles[2 * i] & 0x0F) | (nibbles[2 * i + 1] & 0x0F) << 4
    return bytes(out)


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check over all digits, the last being the check digit."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 0x30
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


class Iccid(Model):
    """An ICCID as its 19 or 20 digits; `luhn_ok` tells whether the check digit fits."""

    _FIELDS = ("digits",)

    def __init__(self, digits: str) -> None:
        self.digits = digits

    @property
    def luhn_ok(self) -> bool:
        """Whether the ICCID's Luhn check digit is right (a wrong one hints at a misread)."""
        return luhn_ok(self.digits)

    def __str__(self) -> str:
        return self.digits


def _check_iccid_digits(text: str) -> None:
    if len(text) not in (19, 20) or text.strip(_DIGITS):
        raise ProfileError("ICCID %r is not 19 or 20 decimal digits" % text)


def decode_iccid(data: bytes) -> Iccid:
    """EF_ICCID content (10 bytes, nibble-swapped BCD, F padding)."""
    what = "EF_ICCID"
    if len(data) != ICCID_SIZE:
        raise DecodeError(what, "expected %d bytes, got %d" % (ICCID_SIZE, len(data)))
    nibbles = _swapped_nibbles(data)
    digits: list[str] = []
    for i, n in enumerate(nibbles):
        if n <= 9:
            if len(digits) < i:  # a digit after F padding
                raise DecodeError(what, "digit after the F padding", i // 2)
            digits.append(chr(0x30 + n))
        elif n != 0xF:
            raise DecodeError(what, "nibble %X is not a BCD digit" % n, i // 2)
    if len(digits) < 19:
        raise DecodeError(what, "only %d digits (19 or 20 expected)" % len(digits),
                          len(digits) // 2)
    return Iccid("".join(digits))


def encode_iccid(iccid: Iccid | str) -> bytes:
    """EF_ICCID bytes (swapped BCD) for `iccid`; raises `ProfileError` if not digits."""
    text = iccid.digits if isinstance(iccid, Iccid) else iccid
    _check_iccid_digits(text)
    return _swapped_bytes(list(text.encode()))


def iccid_from_at(text: str) -> Iccid:
    """ICCID from an AT answer (+CCID, ^ICCID, +QCCID, %XICCID) in either digit order.

    Some modems return the EF bytes as hex (swapped, starting `98`), others the
    digits already unswapped (starting `89`, the telecom prefix of E.118);
    ModemManager tells them apart by that prefix, and so do we.
    """
    raw = text.strip().strip('"').strip().upper()
    if len(raw) < 2 or raw.strip("0123456789F"):
        raise DecodeError("ICCID answer", "%r is not a string of digits" % text)
    if raw.startswith("98"):
        if len(raw) % 2:
            raise DecodeError("ICCID answer", "odd number of hex digits in a swapped ICCID")
        swapped = ""
        for i in range(0, len(raw), 2):
            swapped += raw[i + 1] + raw[i]
        raw = swapped
    raw = raw.rstrip("F")
    if "F" in raw:
        raise DecodeError("ICCID answer", "F inside the digits", raw.index("F"))
    if len(raw) not in (19, 20):
        raise DecodeError("ICCID answer", "%d digits (19 or 20 expected)" % len(raw))
    return Iccid(raw)


def decode_imsi(data: bytes) -> str:
    """EF_IMSI content: length byte, digit 1 + type/parity nibble, swapped BCD."""
    what = "EF_IMSI"
    if len(data) < 2:
        raise DecodeError(what, "file too short (%d bytes)" % len(data))
    size = data[0]
    if size == 0xFF or size == 0:
        raise DecodeError(what, "no IMSI stored (length byte %02X)" % size, 0)
    if size > 8 or size + 1 > len(data):
        raise DecodeError(what, "length byte %d does not fit the file" % size, 0)
    for i in range(size + 1, len(data)):
        if data[i] != 0xFF:
            raise DecodeError(what, "byte %02X after the IMSI" % data[i], i)
    if data[1] & 0x07 != 0x01:
        raise DecodeError(what, "identity type %d is not IMSI (1)" % (data[1] & 0x07), 1)
    # The parity bit (b4) is not checked: the digit count comes from the F padding.
    nibbles = _swapped_nibbles(data[2:size + 1])
    nibbles.insert(0, data[1] >> 4)
    digits: list[str] = []
    for i, n in enumerate(nibbles):
        offset = 1 + (i + 1) // 2
        if n <= 9:
            if len(digits) < i:
                raise DecodeError(what, "digit after the F padding", offset)
            digits.append(chr(0x30 + n))
        elif n != 0xF:
            raise DecodeError(what, "nibble %X is not a BCD digit" % n, offset)
    if not 6 <= len(digits) <= 15:
        raise DecodeError(what, "%d digits (6 to 15 expected)" % len(digits), 1)
    return "".join(digits)


def encode_imsi(imsi: str, size: int = IMSI_SIZE) -> bytes:
    """EF_IMSI bytes (length, type nibble, swapped BCD) padded with FF to `size`."""
    if not 6 <= len(imsi) <= 15 or imsi.strip(_DIGITS):
        raise ProfileError("IMSI %r is not 6 to 15 decimal digits" % imsi)
    digits = list(imsi.encode())
    type_nibble = 0x01 | (0x08 if len(digits) % 2 else 0x00)
    digits.insert(0, type_nibble)
    body = _swapped_bytes(digits)
    out = bytes([len(body)]) + body
    if len(out) > size:
        raise ProfileError("IMSI needs %d bytes, EF_IMSI has %d" % (len(out), size))
    return out + b"\xff" * (size - len(out))


def split_imsi(imsi: str, mnc_length: int) -> tuple[str, str]:
    """(MCC, MNC) of an IMSI, given the MNC length from EF_AD."""
    if mnc_length not in (2, 3) or len(imsi) < 3 + mnc_length:
        raise ProfileError("cannot split IMSI %r with an MNC of %r digits" % (imsi, mnc_length))
    return imsi[:3], imsi[3:3 + mnc_length]


if cs is not None:
    _AD = cs.Struct(
        "mode" / cs.Int8ub,
        "info" / cs.Bytes(2),
        "rest" / cs.GreedyBytes,
    )


def _ad_fields(data: bytes) -> tuple[int, bytes, bytes]:
    """(mode, info, rest) of EF_AD content of at least 3 bytes."""
    if cs is None:
        return data[0], bytes(data[1:3]), bytes(data[3:])
    parsed = _AD.parse(data)
    return int(parsed.mode), bytes(parsed.info), bytes(parsed.rest)


class AdminData(Model):
    """EF_AD: UE operation mode, additional info, MNC length (byte 4 b1-b4).

    `mnc_byte` is None when the file has only three bytes: old SIMs, where the
    MNC length is unknown and the caller must guess (2 digits in most MCCs).
    """

    _FIELDS = ("mode", "info", "mnc_byte", "extra")

    def __init__(self, mode: int = 0, info: bytes = b"\x00\x00", mnc_byte: int | None = None,
                 extra: bytes = b"") -> None:
        self.mode = mode
        self.info = info
        self.mnc_byte = mnc_byte
        self.extra = extra

    @property
    def mnc_length(self) -> int | None:
        """The MNC length (2 or 3) EF_AD gives, None if absent or invalid: it splits
        the IMSI into MCC/MNC.
        """
        if self.mnc_byte is None or self.mnc_byte & 0x0F not in (2, 3):
            return None
        return self.mnc_byte & 0x0F


def decode_ad(data: bytes) -> AdminData:
    """EF_AD: operation mode, info bytes, MNC length byte; raises `DecodeError`."""
    if len(data) < 3:
        raise DecodeError("EF_AD", "file too short (%d bytes, at least 3)" % len(data))
    mode, info, rest = _ad_fields(data)
    return AdminData(mode, info, rest[0] if rest else None, rest[1:])


def encode_ad(ad: AdminData) -> bytes:
    """EF_AD bytes for `ad`; raises `ProfileError` for out-of-range fields."""
    if len(ad.info) != 2 or not 0 <= ad.mode <= 0xFF:
        raise ProfileError("EF_AD mode must be a byte and info 2 bytes")
    if ad.mnc_byte is None:
        if ad.extra:
            raise ProfileError("EF_AD extra bytes need the MNC length byte")
        rest = b""
    else:
        if not 0 <= ad.mnc_byte <= 0xFF:
            raise ProfileError("EF_AD MNC length byte out of range")
        rest = bytes([ad.mnc_byte]) + ad.extra
    if cs is None:
        return bytes((ad.mode,)) + ad.info + rest
    return bytes(_AD.build({"mode": ad.mode, "info": ad.info, "rest": rest}))
