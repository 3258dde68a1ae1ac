"""Splitting AT information lines into fields.

Real modems put stray spaces around commas, quote some values and not others,
nest lists in parentheses (`+CGDCONT: (1-15),"IP",,,(0-2)`) and end lines with
a dangling comma. These helpers are the single tolerant reader every parser in
me_lib uses, so a quirk is handled once.

Portable (MicroPython): string methods only, no regex.
"""


def prefix_of(line: str) -> str:
    """`+CEREG: 1,2` -> `+CEREG:`; a line without a `<name>:` head gives ''."""
    colon = line.find(":")
    if colon <= 0 or colon > 32:
        return ""
    head = line[:colon]
    if '"' in head or "," in head:
        return ""
    # `+APP PDP:` (SIMCom) has a space in its head; bare text with one does not count
    if " " in head and line[:1] not in "+%#^$*":
        return ""
    return head + ":"


def split_fields(text: str) -> list[str]:
    """Split on commas that are outside quotes and parentheses; strip spaces.

    Quotes are kept on quoted fields (so a caller can tell `"1"` from `1`);
    an empty string stands for an empty field (`1,,3` -> ['1', '', '3']).
    """
    out = []
    depth = 0
    quoted = False
    start = 0
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif not quoted:
            if c == "(":
                depth += 1
            elif c == ")":
                if depth > 0:
                    depth -= 1
            elif c == "," and depth == 0:
                out.append(text[start:i].strip())
                start = i + 1
        i += 1
    out.append(text[start:].strip())
    return out


def unquote(field: str) -> str:
    """Remove one pair of surrounding double quotes (and spaces inside the field)."""
    f = field.strip()
    if len(f) >= 2 and f[0] == '"' and f[-1] == '"':
        return f[1:-1]
    if f[:1] == '"':
        return f[1:]
    return f


def is_quoted(field: str) -> bool:
    f = field.strip()
    return len(f) >= 2 and f[0] == '"' and f[-1] == '"'


#: More digits than any number a module sends (an ICCID has 20, a 128-bit value 39
#: decimal): a longer field is not a number. CPython also refuses to convert more
#: than 4300 digits with a bare ValueError, which a hostile line must not reach.
MAX_DIGITS = 64


def to_int(field: str, base: int = 10) -> int | None:
    """Integer value of a field, None when empty, not a number or over MAX_DIGITS."""
    f = unquote(field).strip()
    if not f:
        return None
    neg = f[0] == "-"
    digits = f[1:] if neg else f
    if not digits or len(digits) > MAX_DIGITS:
        return None
    ok = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    for c in digits:
        if c not in ok:
            return None
    value = int(digits, base)
    return -value if neg else value


def line_values(line: str, prefix: str | None = None) -> list[str]:
    """Unquoted fields of an information line after its `<prefix>` head.

    `line_values('+CGPADDR: 1,"10.0.0.2"', '+CGPADDR:')` -> ['1', '10.0.0.2'].
    When prefix is None the head (if any) is taken from the line itself.
    """
    body = line
    if prefix is None:
        prefix = prefix_of(line)
    if prefix and line.upper().startswith(prefix.upper()):
        body = line[len(prefix):]
    body = body.strip()
    if not body:
        return []
    return [unquote(f) for f in split_fields(body)]
