"""Small helpers every codec shares: models, padding, text and numbers, typed failures.

Encoders refuse a bad model with `ProfileError` (the model usually comes from a
profile or a test), decoders with `DecodeError` and the offset of the bad byte.

Portable (runs on MicroPython): no dataclasses, and UTF-8 is checked here
rather than by `bytes.decode`, which on MicroPython lets surrogates and
overlong forms through that CPython refuses.
"""

from me_lib.errors import DecodeError, ProfileError

try:
    from typing import Any, Self
except ImportError:  # MicroPython: annotations are never evaluated there
    pass


class Model:
    """Base of the codec models: what a frozen dataclass gave, on both interpreters.

    A subclass names its constructor arguments in `_FIELDS`, in order; equality
    (same class, same fields), hashing, `repr` and `replace` follow from that.
    Fields in `_HIDDEN` (passwords) stay out of `repr`, so logs never show them.
    Models are treated as immutable: change one with `replace`, as with
    `dataclasses.replace`.
    """

    _FIELDS: tuple[str, ...] = ()
    _HIDDEN: tuple[str, ...] = ()

    def _key(self) -> tuple[object, ...]:
        key = []
        for name in self._FIELDS:
            key.append(getattr(self, name))
        return tuple(key)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Model) and type(other) is type(self)
                and other._key() == self._key())

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ["%s=%r" % (name, getattr(self, name))
                 for name in self._FIELDS if name not in self._HIDDEN]
        return "%s(%s)" % (type(self).__name__, ", ".join(shown))

    def replace(self, **changes: object) -> "Self":
        """A copy with some fields changed: `bearer.replace(apn="iot.example")`."""
        values = {}
        for name in self._FIELDS:
            values[name] = changes.pop(name) if name in changes else getattr(self, name)
        if changes:
            raise TypeError("%s has no field %s" % (type(self).__name__,
                                                    ", ".join(sorted(changes))))
        cls: Any = type(self)
        return cls(**values)  # type: ignore[no-any-return]


def pad_to(what: str, data: bytes, size: int | None, pad: int = 0xFF) -> bytes:
    """Fill an encoded file up to its EF size, refusing one that does not fit."""
    if size is None:
        return data
    if len(data) > size:
        raise ProfileError("%s needs %d bytes but the file holds %d" % (what, len(data), size),
                           "shorten the content or enlarge the file")
    return data + bytes([pad]) * (size - len(data))


def utf8_error(data: bytes) -> int:
    """Index of the first byte that starts no well-formed UTF-8 sequence, or -1.

    The well-formed sequences of Unicode Table 3-7: no overlong forms, no
    surrogates, nothing above U+10FFFF. The index is where CPython's strict
    decoder reports the error (`UnicodeDecodeError.start`).
    """
    i, end = 0, len(data)
    while i < end:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            more, low, high = 1, 0x80, 0xBF
        elif b == 0xE0:
            more, low, high = 2, 0xA0, 0xBF
        elif b == 0xED:
            more, low, high = 2, 0x80, 0x9F
        elif 0xE1 <= b <= 0xEF:
            more, low, high = 2, 0x80, 0xBF
        elif b == 0xF0:
            more, low, high = 3, 0x90, 0xBF
        elif 0xF1 <= b <= 0xF3:
            more, low, high = 3, 0x80, 0xBF
        elif b == 0xF4:
            more, low, high = 3, 0x80, 0x8F
        else:
            return i
        if i + more >= end or not low <= data[i + 1] <= high:
            return i
        for k in range(i + 2, i + 1 + more):
            if not 0x80 <= data[k] <= 0xBF:
                return i
        i += 1 + more
    return -1


def utf8(what: str, data: bytes, offset: int) -> str:
    """Decode UTF-8 text from a card, pointing at the first undecodable byte."""
    bad = utf8_error(data)
    if bad >= 0:
        raise DecodeError(what, "text is not valid UTF-8", offset + bad)
    return bytes(data).decode("utf-8")


def uint(data: bytes) -> int:
    return int.from_bytes(data, "big")


def uint_bytes(value: int, minimum: int = 1) -> bytes:
    """Shortest big-endian form of a non-negative integer, at least `minimum` bytes."""
    if value < 0:
        raise ProfileError("negative number %d cannot be stored" % value)
    size = minimum
    while value >> (8 * size):
        size += 1
    return value.to_bytes(size, "big")
