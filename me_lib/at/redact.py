"""Redacting secrets from AT traffic before it is logged, raised or recorded.

PINs, PUKs, APN passwords and the data of PIN-carrying APDUs must never reach a
log file, an exception message or a shared trace: all of them end up in bug
reports. Redaction works on the text of a command or line, keeping the command
name (and the harmless parameters) so the text is still readable.

One table says which parameters of which command are secret; everything that
shows AT text (channel logs, `AtError` messages and `.command`, `Response`
reprs, traces) goes through `redact()`, so a new vendor auth command is one row
here, not a fix in every caller. Logs also hide card data (`for_log`); traces
mask the secrets a run found in card data when they are closed (`mask_secrets`).

Portable (MicroPython).
"""

from me_lib.at.fields import split_fields

MASK = "***"

# One row a line: head, secret field indexes, condition. `head` is upper case,
# after `AT` for commands, and ends at its first `=` (command) or `:` (response).
# Indexes count the fields after the head from 0 (comma-separated); `*` masks
# everything after the head. The condition, where there is one, is
# `<field index>=<value>/<value>...`: the row applies only when that field is one
# of the values (`+UPSD=0,3,"pw"` sets the password, `+UPSD=0,1,"apn"` the APN).
# One string, not a tuple of tuples (issue 15: about 3 KB less heap on a board);
# a line's head finds its row (heads are unique), so no row order matters.
SECRET_FIELDS = """
+CPIN= *
+CPIN2= *
+CPWD= 1,2
+CLCK= 2
+CGAUTH= 2,3
+CGAUTH: 2,3
#PDPAUTH= 2,3
+UAUTHREQ= 2,3
+UPSD= 2 1=2/3
+UPSD: 2 1=2/3
+QICSGP= 3,4
+QICSGP: 2,3
+CNCFG= 3,4
+CNCFG: 3,4
#SGACT= 2,3
%XPDNAUTH= *
#XSSLCFG= *
"""
# What the fields are: +CPIN PIN, or PUK and new PIN; +CPWD facility, old password,
# new password; +CLCK facility, mode, password; +CGAUTH (and Telit #PDPAUTH, u-blox
# +UAUTHREQ) cid, auth, user, password; u-blox +UPSD profile, 2 user / 3 password,
# value; Quectel +QICSGP ctx, type, apn, user, password (read: type, apn, user,
# password); SIMCom +CNCFG idx, type, apn, user, password; Telit #SGACT cid, state,
# user, password; nRF91 %XPDNAUTH (older firmware) cid, auth, user, password.


def _head(body_upper: str) -> "tuple[str, int]":
    """(head, where its `=`/`:` is in `body_upper`); ("", -1): none.

    The head as the table spells it: spaces dropped (V.250 ignores them: `AT +CPIN
    ="..."` is the same command) and a basic command before it (`ATE0+CPIN=`) cut
    off at the head's own `+`, `#` or `%`.
    """
    cut = -1
    for mark in "=:":
        at = body_upper.find(mark)
        if at >= 0 and (cut < 0 or at < cut):
            cut = at
    if cut < 0:
        return "", -1
    head = body_upper[:cut + 1]
    if " " in head or "\t" in head or head[:1] not in "+#%":
        head = "".join(head.split())
        start = max(head.rfind("+"), head.rfind("#"), head.rfind("%"))
        if start > 0:
            head = head[start:]
    return head, cut


def _secret_row(head: str) -> "list[str] | None":
    """[head, indexes, condition?] of the row for `head`; None: no secrets."""
    at = SECRET_FIELDS.find("\n" + head + " ")
    if at < 0:
        return None
    return SECRET_FIELDS[at + 1:SECRET_FIELDS.find("\n", at + 1)].split(" ")


# Commands whose last field is a C-APDU in hex.
APDU_HEADS = ("+CSIM=", "+CGLA=")

# ISO 7816 instructions whose data field is a PIN/PUK: VERIFY, CHANGE, DISABLE,
# ENABLE, UNBLOCK.
PIN_INS = ("20", "24", "26", "28", "2C")


def _redact_apdu(hex_text: str) -> str:
    h = "".join(hex_text.strip().strip('"').upper().split())   # "00 20 00 01 08 ..." too
    if len(h) > 10 and h[2:4] in PIN_INS:
        return '"' + h[:10] + MASK + '"'
    return hex_text


def _head_at(upper: str) -> int:
    """Where the command or response head starts (after `AT`, leading spaces)."""
    return 2 if upper.startswith("AT") else 0


def redact(line: str) -> str:
    """The line with secret parameters replaced by `***` (unchanged when it has none).

    A command line may chain several commands with `;`: what follows the first
    `;` outside quotes that the first command's masking left is redacted as a
    command of its own (`AT+CFUN=1;+CPIN="..."`).
    """
    text = _redact_one(line.strip())
    cut = _chain_at(text)
    if cut >= 0:
        return text[:cut + 1] + redact(text[cut + 1:])
    return text


def _chain_at(text: str) -> int:
    """Index of the first `;` outside quotes in `text`, -1 if none."""
    if ";" not in text:
        return -1
    quoted = False
    for i in range(len(text)):
        c = text[i]
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            return i
    return -1


def _redact_one(text: str) -> str:
    upper = text.upper()
    head_start = _head_at(upper)
    body_upper = upper[head_start:]
    head, mark = _head(body_upper)
    if mark < 0:
        return text
    cut = head_start + mark + 1
    row = _secret_row(head)
    if row is not None:
        if row[1] == "*":
            return text[:cut] + MASK if text[cut:].strip() else text
        fields = split_fields(text[cut:])
        if len(row) > 2:
            where, values = row[2].split("=")
            at = int(where)
            if not (len(fields) > at and fields[at].strip('"') in values.split("/")):
                return text
        changed = False
        for i in row[1].split(","):
            k = int(i)
            if k < len(fields) and fields[k]:
                fields[k] = MASK
                changed = True
        rest = text[cut:]
        space = rest[:len(rest) - len(rest.lstrip())]     # "+CGAUTH: 1,..." keeps its space
        return (text[:cut] + space + ",".join(fields)) if changed else text
    if head in APDU_HEADS:
        fields = split_fields(text[cut:])
        if fields:
            fields[-1] = _redact_apdu(fields[-1])
        return text[:cut] + ",".join(fields)
    return text


def redact_text(text: str) -> str:
    """`redact()` applied to every line of a text that may hold several (an echo burst)."""
    if "\r" not in text and "\n" not in text:
        return redact(text) if _has_head(text) else text
    out = []
    start = 0
    n = len(text)
    i = 0
    while i <= n:
        if i == n or text[i] in "\r\n":
            part = text[start:i]
            if part and _has_head(part):
                red = redact(part)
                if red != part.strip():
                    part = red
            out.append(part)
            if i < n:
                out.append(text[i])
            start = i + 1
        i += 1
    return "".join(out)


# Card access: the data of a file read or written may hold a secret the library
# only knows once it has decoded the file (an APN password in EF.DMCFG). A log
# line keeps the status words and the size, never the data.
CARD_DATA_HEADS = ("+CRSM:", "+CSIM:", "+CGLA:", "+CRSM=", "+CSIM=", "+CGLA=")


def for_log(line: str) -> str:
    """`redact(line)`, and the hex data of a card answer or write shown by its size.

    For what a person reads (logs at any level); traces keep the card data,
    which replay needs, and mask the secrets found in it when they are closed
    (`mask_secrets`).
    """
    text = redact(line)
    upper = text.upper()
    body = upper[_head_at(upper):]
    for head in CARD_DATA_HEADS:
        if body.startswith(head):
            cut = _head_at(upper) + len(head)
            rest = text[cut:]
            fields = split_fields(rest)
            changed = False
            for i in range(len(fields)):
                value = fields[i].strip().strip('"')
                if len(value) > 8 and _is_hex(value) and MASK not in fields[i]:
                    fields[i] = "<%d bytes>" % (len(value) // 2)
                    changed = True
            if not changed:
                return text
            space = rest[:len(rest) - len(rest.lstrip())]
            return text[:cut] + space + ",".join(fields)
    return text


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in text)


def mask_secrets(data: bytes, secrets: "list[bytes]") -> bytes:
    """`data` with every secret masked where it stands as text or as hex digits.

    A card answer carries file data as hex (`+CRSM: 144,0,"...7077..."`), so a
    password decoded from EF.DMCFG is found there only once the library knows it:
    this is the trace's last pass. The masks keep the length (`*`, hex `2A`), so
    the bytes around them stay where they were.
    """
    out = bytearray(data)
    for secret in secrets:
        if not secret:
            continue
        pairs = ((secret, b"*" * len(secret)),
                 (secret.hex().encode(), b"2a" * len(secret)),
                 (secret.hex().upper().encode(), b"2A" * len(secret)))
        for form, mask in pairs:
            start = bytes(out).find(form)
            while start >= 0:
                out[start:start + len(form)] = mask
                start = bytes(out).find(form, start + len(form))
    return bytes(out)


def _has_head(text: str) -> bool:
    """Cheap test: could this line match a row at all (a `=` or `:` after a head)?"""
    return "=" in text or ":" in text
