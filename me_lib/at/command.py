"""Building AT command lines that cannot be hijacked.

APNs, server names and user names come from the card, the network and the
user. A value holding CR, `;` or `"` would end our command and start one of its
own (`internet";+CFUN=0`), so every value is checked before it is written, and
anything doubtful is refused with `InvalidAtParameter`. Numbers are range-checked
integers; strings are printable ASCII and quoted; `None` leaves a field empty.

Portable (MicroPython).
"""

from me_lib.errors import InvalidAtParameter

# V.250 only promises 40 characters, real modules take 256-1024+. 560 fits the
# longest line the library sends: a 255-byte APDU through AT+CSIM.
MAX_LINE = 560

_FORBIDDEN = {'"': "double quote", ";": "semicolon", "\\": "backslash"}


class Raw:
    """A pre-validated token written without quotes (e.g. a hex string for +CSIM)."""

    def __init__(self, text: str) -> None:
        check_text(text, "raw parameter")
        for c in text:
            if c == "," or c == " ":
                raise InvalidAtParameter("raw parameter %r holds %r" % (text, c), text)
        self.text = text


def check_text(value: str, what: str = "parameter") -> str:
    """Printable ASCII without quote, semicolon or backslash; else InvalidAtParameter."""
    if not isinstance(value, str):
        raise InvalidAtParameter("%s must be text, got %s" % (what, type(value).__name__),
                                 value)
    for i in range(len(value)):
        c = value[i]
        o = ord(c)
        if o < 0x20 or o > 0x7E:
            raise InvalidAtParameter(
                "%s %r holds the control or non-ASCII character 0x%02X at index %d"
                % (what, value, o, i), value)
        reason = _FORBIDDEN.get(c)
        if reason is not None:
            raise InvalidAtParameter(
                "%s %r holds a %s at index %d; it could end the AT command"
                % (what, value, reason, i), value)
    return value


# CPython can tell "printable ASCII only" without a loop (an ASCII character is
# printable exactly when it is in 0x20..0x7E); MicroPython has neither method.
_STR_CHECKS = hasattr("", "isascii") and hasattr("", "isprintable")


def check_line(line: str, max_len: int = MAX_LINE) -> str:
    """A whole command line: starts with AT, printable ASCII, not too long.

    Quotes are allowed here (they delimit string parameters) but must pair up,
    and a `;` may only separate commands outside quotes.
    """
    if not isinstance(line, str):
        raise InvalidAtParameter("command must be text", line)
    if len(line) > max_len:
        raise InvalidAtParameter(
            "command line of %d characters exceeds the %d the modem accepts"
            % (len(line), max_len), line[:40] + "...")
    if line[:2].upper() != "AT":
        raise InvalidAtParameter("command %r does not start with AT" % line[:40], line)
    if _STR_CHECKS and line.isascii() and line.isprintable() and not line.count('"') % 2:
        return line             # CPython: the same verdict in C, for every command sent
    quoted = False
    for i in range(len(line)):
        c = line[i]
        o = ord(c)
        if o < 0x20 or o > 0x7E:
            raise InvalidAtParameter(
                "command %r holds the control or non-ASCII character 0x%02X at index %d"
                % (line[:40], o, i), line)
        if c == '"':
            quoted = not quoted
    if quoted:
        raise InvalidAtParameter("command %r has an unterminated string" % line[:60], line)
    return line


def format_param(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise InvalidAtParameter("booleans are ambiguous on an AT line; pass 0 or 1", value)
    if isinstance(value, int):
        if value < 0 or value > 0xFFFFFFFF:
            raise InvalidAtParameter("integer parameter %d is out of range" % value, value)
        return str(value)
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, str):
        return '"' + check_text(value, "string parameter") + '"'
    raise InvalidAtParameter("cannot put a %s on an AT command line" % type(value).__name__,
                             value)


def build_command(name: str, *params: object, max_len: int = MAX_LINE) -> str:
    """`build_command("+CGDCONT", 1, "IP", "internet")` -> `AT+CGDCONT=1,"IP","internet"`.

    `name` may already start with AT and may end with `?` or `=?` (then no
    parameters are allowed). Trailing `None` parameters are dropped.
    """
    if not isinstance(name, str) or not name:
        raise InvalidAtParameter("command name must be non-empty text", name)
    head = name if name[:2].upper() == "AT" else "AT" + name
    for c in head:
        if not (c.isalpha() or c.isdigit() or c in "+#%^$&*?=_"):
            raise InvalidAtParameter("command name %r holds %r" % (name, c), name)
    plist = list(params)
    while plist and plist[-1] is None:
        plist.pop()
    if not plist:
        return check_line(head, max_len)
    if head.endswith("?"):
        raise InvalidAtParameter("%s is a read/test command and takes no parameters" % name,
                                 name)
    if head.endswith("="):
        head = head[:-1]
    line = head + "=" + ",".join([format_param(p) for p in plist])
    return check_line(line, max_len)
