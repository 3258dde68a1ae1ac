"""One line per decode result, printed the same by CPython and MicroPython.

The differential test compares these lines across interpreters, so nothing
here may depend on what differs between them: `repr` of text (escaping of
non-ASCII), dict order, float formatting. Text is written as UTF-8 hex, bytes
as hex, models as their class name and fields in `_FIELDS` order.
"""


def dump(value: object) -> str:
    if value is None or value is True or value is False:
        return str(value)
    if isinstance(value, int):
        return "%d" % value
    if isinstance(value, str):
        return "s'" + value.encode("utf-8").hex() + "'"
    if isinstance(value, (bytes, bytearray)):
        return "b'" + bytes(value).hex() + "'"
    if isinstance(value, (tuple, list)):
        return "(" + ",".join([dump(item) for item in value]) + ")"
    fields = getattr(value, "_FIELDS", None)
    if fields is None:
        raise TypeError("no canonical form for %r" % (value,))
    return "%s{%s}" % (type(value).__name__,
                       ",".join(["%s=%s" % (name, dump(getattr(value, name)))
                                 for name in fields]))


def outcome(decoder: object, data: bytes) -> str:
    """`dump` of what `decoder(data)` returns, or `REJECT <class>` for a me_lib error.

    Any other exception is a bug in a decoder (it must only raise me_lib errors):
    it gives `CRASH <class>`, which the tests never accept.
    """
    from me_lib.errors import MeLibError

    try:
        return dump(decoder(data))  # type: ignore[operator]
    except MeLibError as exc:
        return "REJECT " + type(exc).__name__
    except Exception as exc:  # a decoder bug: reported, and failed on, by the caller
        return "CRASH %s %s" % (type(exc).__name__, exc)
