"""Small helpers every codec shares: padding, text and numbers, typed failures.

Encoders refuse a bad model with `ProfileError` (the model usually comes from a
profile or a test), decoders with `DecodeError` and the offset of the bad byte.
"""

from me_lib.errors import DecodeError, ProfileError


def pad_to(what: str, data: bytes, size: int | None, pad: int = 0xFF) -> bytes:
    """Fill an encoded file up to its EF size, refusing one that does not fit."""
    if size is None:
        return data
    if len(data) > size:
        raise ProfileError("%s needs %d bytes but the file holds %d" % (what, len(data), size),
                           "shorten the content or enlarge the file")
    return data + bytes([pad]) * (size - len(data))


def utf8(what: str, data: bytes, offset: int) -> str:
    """Decode UTF-8 text from a card, pointing at the first undecodable byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(what, "text is not valid UTF-8", offset + exc.start) from None


def uint(data: bytes) -> int:
    return int.from_bytes(data, "big")


def uint_bytes(value: int, minimum: int = 1) -> bytes:
    """Shortest big-endian form of a non-negative integer, at least `minimum` bytes."""
    size = max(minimum, (value.bit_length() + 7) // 8)
    return value.to_bytes(size, "big")
