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

# (head, secret field indexes, condition). `head` is upper case, after `AT` for
# commands; response heads end in `:`. Indexes count the fields after the head
# from 0; None masks everything after the head. `condition` is None or
# (field index, values): the row applies only when that field is one of the
# values (`+UPSD=0,3,"pw"` sets the password, `+UPSD=0,1,"apn"` the APN).
# A tuple, not a dict: the first matching row wins, in this order, everywhere.
SECRET_FIELDS = (
    ("+CPIN=", None, None),                  # PIN, or PUK and new PIN
    ("+CPIN2=", None, None),
    ("+CPWD=", (1, 2), None),                # facility, old password, new password
    ("+CLCK=", (2,), None),                  # facility, mode, password
    ("+CGAUTH=", (2, 3), None),              # cid, auth, user, password
    ("+CGAUTH:", (2, 3), None),
    ("#PDPAUTH=", (2, 3), None),             # Telit: cid, auth, user, password
    ("+UAUTHREQ=", (2, 3), None),            # u-blox: cid, auth, user, password
    ("+UPSD=", (2,), (1, ("2", "3"))),       # u-blox: profile, 2 user / 3 password, value
    ("+UPSD:", (2,), (1, ("2", "3"))),
    ("+QICSGP=", (3, 4), None),              # Quectel: ctx, type, apn, user, password
    ("+QICSGP:", (2, 3), None),              # read: type, apn, user, password
    ("+CNCFG=", (3, 4), None),               # SIMCom: idx, type, apn, user, password
    ("+CNCFG:", (3, 4), None),
    ("#SGACT=", (2, 3), None),               # Telit: cid, state, user, password
    ("%XPDNAUTH=", None, None),              # nRF91 (older firmware): cid, auth, user, pw
    ("#XSSLCFG=", None, None),
)

# Commands whose last field is a C-APDU in hex.
APDU_HEADS = ("+CSIM=", "+CGLA=")

# ISO 7816 instructions whose data field is a PIN/PUK: VERIFY, CHANGE, DISABLE,
# ENABLE, UNBLOCK.
PIN_INS = ("20", "24", "26", "28", "2C")


def _redact_apdu(hex_text: str) -> str:
    h = hex_text.strip().strip('"').upper()
    if len(h) > 10 and h[2:4] in PIN_INS:
        return '"' + h[:10] + MASK + '"'
    return hex_text


def _head_at(upper: str) -> int:
    """Where the command or response head starts (after `AT`, leading spaces)."""
    return 2 if upper.startswith("AT") else 0


def redact(line: str) -> str:
    """The line with secret parameters replaced by `***` (unchanged when it has none)."""
    text = line.strip()
    upper = text.upper()
    head_start = _head_at(upper)
    body_upper = upper[head_start:]
    for row in SECRET_FIELDS:
        head = row[0]
        if not body_upper.startswith(head):
            continue
        cut = head_start + len(head)
        idx = row[1]
        if idx is None:
            return text[:cut] + MASK if text[cut:].strip() else text
        fields = split_fields(text[cut:])
        cond = row[2]
        if cond is not None and not (len(fields) > cond[0] and fields[cond[0]] in cond[1]):
            return text
        changed = False
        for i in idx:
            if i < len(fields) and fields[i]:
                fields[i] = MASK
                changed = True
        rest = text[cut:]
        space = rest[:len(rest) - len(rest.lstrip())]     # "+CGAUTH: 1,..." keeps its space
        return (text[:cut] + space + ",".join(fields)) if changed else text
    for head in APDU_HEADS:
        if body_upper.startswith(head):
            cut = head_start + len(head)
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
