"""Redacting secrets from AT traffic before it is logged.

PINs, PUKs, APN passwords and the data of PIN-carrying APDUs must never reach a
log file: device logs end up in bug reports. Redaction works on the text of a
command or line, keeping the command name so a trace is still readable.

Portable (MicroPython).
"""

from me_lib.at.fields import split_fields

_MASK = "***"

# command head (upper case, after AT) -> indexes of secret fields (None = all)
_SECRET_FIELDS = {
    "+CPIN=": None,
    "+CPWD=": None,
    "+CLCK=": (2,),
    "+CGAUTH=": (2, 3),
    "+QICSGP=": (3, 4),
    "+CNCFG=": (3, 4),
    "#SGACT=": (2, 3),
    "+UPSD=": (2,),
    "+UAUTHREQ=": (2, 3),
    "#XSSLCFG=": None,
}

# ISO 7816 instructions whose data field is a PIN/PUK: VERIFY, CHANGE, DISABLE,
# ENABLE, UNBLOCK.
_PIN_INS = ("20", "24", "26", "28", "2C")


def _redact_apdu(hex_text: str) -> str:
    h = hex_text.strip().strip('"').upper()
    if len(h) > 10 and h[2:4] in _PIN_INS:
        return '"' + h[:10] + _MASK + '"'
    return hex_text


def redact(line: str) -> str:
    """The line with secret parameters replaced by `***`."""
    text = line.strip()
    upper = text.upper()
    head_start = 2 if upper.startswith("AT") else 0
    body_upper = upper[head_start:]
    for head in _SECRET_FIELDS:
        if body_upper.startswith(head):
            idx = _SECRET_FIELDS[head]
            cut = head_start + len(head)
            if idx is None:
                return text[:cut] + _MASK
            fields = split_fields(text[cut:])
            if head == "+UPSD=" and not (len(fields) > 1 and fields[1] in ("3", "2")):
                return text
            for i in idx:
                if i < len(fields) and fields[i]:
                    fields[i] = _MASK
            return text[:cut] + ",".join(fields)
    if body_upper.startswith("+CSIM=") or body_upper.startswith("+CGLA="):
        cut = head_start + 6
        fields = split_fields(text[cut:])
        if fields:
            fields[-1] = _redact_apdu(fields[-1])
        return text[:cut] + ",".join(fields)
    return text
