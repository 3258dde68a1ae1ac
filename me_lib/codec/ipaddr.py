"""IP address literals without the `ipaddress` module (absent on MicroPython).

Server addresses from the card and socket targets are checked and normalised
here on both interpreters. The rules are CPython 3.11's `ipaddress.ip_address`
exactly (a test compares them on generated and mutated input), so a value
accepted on a board is accepted on a PC and prints the same:

- IPv4: four decimal octets 0-255, no leading zeros (bpo-36384), ASCII digits.
- IPv6: RFC 4291 text, one `::` at most, an IPv4 tail allowed, and an RFC 4007
  zone (`fe80::1%eth0`), which `pack` drops like `ip_address(t).packed` does:
  a caller that cannot keep a zone refuses a `%` itself.

`unpack` prints the RFC 5952 form CPython 3.11 prints (lower-case hex, the
first longest run of two or more zero groups as `::`, no dotted IPv4 tail).
"""

from me_lib.errors import InvalidAddress

_HEX = "0123456789abcdefABCDEF"
_REASON = "not an IPv4 (a.b.c.d) or IPv6 address literal"


def _digits(text: str, base: int, limit: int) -> int:
    """Value of 1..`limit` digits in `base`, or -1 (also for non-ASCII digits)."""
    if not text or len(text) > limit:
        return -1
    value = 0
    for ch in text:
        at = _HEX.find(ch)
        if at < 0 or (base == 10 and at > 9):
            return -1
        value = value * base + (at if at < 16 else at - 6)
    return value


def _v4(text: str) -> bytes | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    out = bytearray(4)
    for i in range(4):
        part = parts[i]
        value = _digits(part, 10, 3)
        if value < 0 or value > 255 or (len(part) > 1 and part[0] == "0"):
            return None
        out[i] = value
    return bytes(out)


def _v6(text: str) -> bytes | None:
    if "/" in text:
        return None
    at = text.find("%")
    if at >= 0:
        zone = text[at + 1:]
        if not zone or "%" in zone:
            return None
        text = text[:at]
    parts = text.split(":")
    if len(parts) < 3:
        return None
    if "." in parts[-1]:
        tail = _v4(parts.pop())
        if tail is None:
            return None
        parts.append("%x" % (tail[0] << 8 | tail[1]))
        parts.append("%x" % (tail[2] << 8 | tail[3]))
    if len(parts) > 9:
        return None
    skip = -1
    for i in range(1, len(parts) - 1):
        if not parts[i]:
            if skip >= 0:
                return None  # two "::"
            skip = i
    if skip >= 0:
        hi, lo = skip, len(parts) - skip - 1
        if not parts[0]:
            hi -= 1
            if hi:
                return None  # a leading ":" that is not "::"
        if not parts[-1]:
            lo -= 1
            if lo:
                return None  # a trailing ":" that is not "::"
        if hi + lo > 7:
            return None  # "::" must stand for at least one group
    elif len(parts) != 8:
        return None
    else:
        hi, lo = 8, 0
    groups = parts[:hi] + ["0"] * (8 - hi - lo) + parts[len(parts) - lo:]
    out = bytearray(16)
    for i in range(8):
        value = _digits(groups[i], 16, 4)
        if value < 0:
            return None
        out[2 * i] = value >> 8
        out[2 * i + 1] = value & 0xFF
    return bytes(out)


def pack(text: str) -> bytes:
    """The 4 or 16 network-order bytes of an IP literal, or InvalidAddress."""
    raw = None
    if isinstance(text, str):
        raw = _v4(text) or _v6(text)
    if raw is None:
        raise InvalidAddress(text, _REASON)
    return raw


def version(text: str) -> int:
    """4 or 6 for an IP literal, 0 for anything else (a name, a URI, not a str)."""
    if not isinstance(text, str):
        return 0
    if _v4(text) is not None:
        return 4
    return 6 if _v6(text) is not None else 0


def unpack(raw: bytes) -> str:
    """Canonical text of 4 or 16 address bytes, as `str(ipaddress.ip_address(raw))`."""
    raw = bytes(raw)
    if len(raw) == 4:
        return "%d.%d.%d.%d" % (raw[0], raw[1], raw[2], raw[3])
    if len(raw) != 16:
        raise InvalidAddress(raw, "an IP address has 4 or 16 bytes, not %d" % len(raw))
    groups = ["%x" % (raw[i] << 8 | raw[i + 1]) for i in range(0, 16, 2)]
    start = length = run = 0
    for i in range(8):
        run = run + 1 if groups[i] == "0" else 0
        if run > length:
            start, length = i - run + 1, run
    if length < 2:
        return ":".join(groups)
    return ":".join(groups[:start]) + "::" + ":".join(groups[start + length:])
