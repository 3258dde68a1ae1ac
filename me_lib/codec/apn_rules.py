"""TS 23.003 §9.1 rules for APN text, shared by CPython and MicroPython.

An APN reaches an AT command line (`+CGDCONT`) and the network, so every APN
from a card, a config file or the user passes `validate()` first. This module
is portable (see docs/architecture.md): no construct, dataclasses, enum, `re`
or `typing` at run time.

Decision on the Operator Identifier (OI): an APN that ends in a well-formed OI
(`mncXXX.mccYYY.gprs`) is accepted. TS 23.003 §9.1 defines the APN as NI
followed by an optional OI, and EF_ACL / the network may hand us the full form;
the NI rules (≤ 63 octets, no `rac`/`lac`/`sgsn`/`rnc` start, no `.gprs` end)
are applied to the part before the OI and the 100-octet limit to the whole.
A trailing `gprs` label that is not part of a complete OI is refused, because
then the NI itself ends in `.gprs`.

Offsets in `InvalidApn` count characters of the dotted text; in the label
encoding the same character sits at byte offset + 1, which is what
`me_lib.codec.apn` reports when it decodes bytes.
"""

from me_lib.errors import InvalidApn

MAX_APN_OCTETS = 100
MAX_NI_OCTETS = 63
NETWORK_PROVIDED = ""

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
LABEL_CHARS = _LETTERS + _DIGITS + "-"
_RESERVED_STARTS = ("rac", "lac", "sgsn", "rnc")


def _all_digits(text: str) -> bool:
    return text != "" and all(ch in _DIGITS for ch in text)


def _oi_start(labels: list[str]) -> int:
    """Index of the first OI label in `labels`, or len(labels) when there is no OI."""
    n = len(labels)
    if n < 4:  # an OI needs three labels and the NI at least one more
        return n
    mnc = labels[n - 3].lower()
    mcc = labels[n - 2].lower()
    if (labels[n - 1].lower() == "gprs" and len(mnc) == 6 and mnc[:3] == "mnc"
            and _all_digits(mnc[3:]) and len(mcc) == 6 and mcc[:3] == "mcc"
            and _all_digits(mcc[3:])):
        return n - 3
    return n


def encoded_length(text: str) -> int:
    """Octets the APN takes in the label encoding (one length byte per label)."""
    if text == "":
        return 0
    return len(text) + 1


def _check_label(apn: str, label: str, start: int) -> None:
    if label == "":
        raise InvalidApn(apn, "empty label (two dots, or a dot at the start or end)", start)
    for i in range(len(label)):
        if label[i] not in LABEL_CHARS:
            raise InvalidApn(apn, "character %r not allowed (letters, digits, hyphen only)"
                             % label[i], start + i)
    if label[0] == "-":
        raise InvalidApn(apn, "label starts with a hyphen", start)
    if label[-1] == "-":
        raise InvalidApn(apn, "label ends with a hyphen", start + len(label) - 1)


def validate(text: str) -> str:
    """Check an APN in dotted text form; return its normal form (lower case).

    APNs are case-insensitive, so the lower-case form is the one to compare and
    to send. `""` (network-provided APN) is valid and returned unchanged.
    """
    if not isinstance(text, str):
        raise InvalidApn(text, "not a text string")
    if text == "":
        return ""
    if text == "*":
        raise InvalidApn(text, "the wildcard '*' is not an APN", 0)
    labels = text.split(".")
    pos = 0
    for label in labels:
        _check_label(text, label, pos)
        pos += len(label) + 1
    if encoded_length(text) > MAX_APN_OCTETS:
        raise InvalidApn(text, "longer than %d octets encoded (%d)"
                         % (MAX_APN_OCTETS, encoded_length(text)), MAX_APN_OCTETS - 1)
    oi = _oi_start(labels)
    ni_text = ".".join(labels[:oi])
    if encoded_length(ni_text) > MAX_NI_OCTETS:
        raise InvalidApn(text, "network identifier longer than %d octets encoded (%d)"
                         % (MAX_NI_OCTETS, encoded_length(ni_text)), MAX_NI_OCTETS - 1)
    low = ni_text.lower()
    for word in _RESERVED_STARTS:
        if low.startswith(word):
            raise InvalidApn(text, "network identifier must not start with %r" % word, 0)
    if labels[oi - 1].lower() == "gprs":
        raise InvalidApn(text, "network identifier must not end in '.gprs' "
                         "(an operator identifier is mncXXX.mccYYY.gprs)",
                         len(ni_text) - 4)
    return text.lower()


def is_valid(text: str) -> bool:
    """True when `validate(text)` would accept the APN."""
    try:
        validate(text)
    except InvalidApn:
        return False
    return True


def operator_id(mcc: str | int, mnc: str | int) -> str:
    """The default OI `mncXXX.mccYYY.gprs`, both codes padded to 3 digits."""
    mcc_text = ("%03d" % mcc) if isinstance(mcc, int) else mcc
    mnc_text = ("%03d" % mnc) if isinstance(mnc, int) else mnc
    if not _all_digits(mcc_text) or len(mcc_text) != 3:
        raise InvalidApn(mcc, "MCC must be 3 digits")
    if not _all_digits(mnc_text) or len(mnc_text) not in (2, 3):
        raise InvalidApn(mnc, "MNC must be 2 or 3 digits")
    if len(mnc_text) == 2:
        mnc_text = "0" + mnc_text
    return "mnc" + mnc_text + ".mcc" + mcc_text + ".gprs"


def strip_operator_id(apn: str) -> str:
    """The NI part of an APN: drop a trailing `.mncXXX.mccYYY.gprs`, keep case."""
    if apn == "":
        return apn
    labels = apn.split(".")
    return ".".join(labels[:_oi_start(labels)])


def with_operator_id(apn: str, mcc: str | int, mnc: str | int) -> str:
    """The full APN (NI + OI); an APN that already has an OI is returned as is."""
    if apn == "" or strip_operator_id(apn) != apn:
        return apn
    return validate(apn + "." + operator_id(mcc, mnc))


def same_apn(a: str, b: str) -> bool:
    """Whether two APNs name the same network: case-insensitive, OI ignored."""
    return strip_operator_id(a).lower() == strip_operator_id(b).lower()
