"""APN label encoding (TS 23.003 §9.1) <-> the dotted text `+CGDCONT` takes.

The text rules live in the portable `apn_rules`; this module only turns labels
into dots and back. Offsets in errors are byte offsets in the encoded APN plus
`base`, so a caller decoding an APN inside a file can name the byte in the file.
"""

from me_lib.codec import apn_rules
from me_lib.errors import InvalidApn


def decode(data: bytes, base: int = 0) -> str:
    """Dotted text of a label-encoded APN; empty bytes = network-provided `""`.

    The case on the card is kept (so encode(decode(x)) == x); use
    `apn_rules.validate()` for the lower-case normal form.
    """
    labels: list[str] = []
    pos = 0
    end = len(data)
    while pos < end:
        size = data[pos]
        if size == 0:
            raise InvalidApn(data.hex(), "zero-length label (APNs carry no root label)",
                             base + pos)
        if pos + 1 + size > end:
            raise InvalidApn(data.hex(), "label of %d bytes runs past the end (%d left)"
                             % (size, end - pos - 1), base + pos)
        chunk = data[pos + 1:pos + 1 + size]
        for i, b in enumerate(chunk):
            if b >= 0x80 or chr(b) not in apn_rules.LABEL_CHARS:
                raise InvalidApn(data.hex(), "byte %02X not allowed in a label" % b,
                                 base + pos + 1 + i)
        labels.append(chunk.decode("ascii"))
        pos += 1 + size
    text = ".".join(labels)
    try:
        apn_rules.validate(text)
    except InvalidApn as exc:
        offset = None if exc.offset is None else base + exc.offset + 1
        raise InvalidApn(text, exc.reason, offset) from None
    return text


def decode_lenient(data: bytes, base: int = 0) -> tuple[str, bool]:
    """Like `decode`, but also accept an APN stored as plain dotted ASCII.

    A defence for cards personalised with text instead of labels. Returns
    (text, was_plain_text); raises the label error when the bytes are neither form.
    """
    try:
        return decode(data, base), False
    except InvalidApn as label_error:
        if data and all(0x21 <= b < 0x7F for b in data):
            text = data.decode("ascii")
            if apn_rules.is_valid(text):
                return text, True
        raise label_error from None


def encode(text: str) -> bytes:
    """Label encoding of a valid APN (case kept); `""` gives no bytes."""
    apn_rules.validate(text)
    if text == "":
        return b""
    out = bytearray()
    for label in text.split("."):
        out.append(len(label))
        out += label.encode("ascii")
    return bytes(out)
