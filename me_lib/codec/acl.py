"""EF_ACL (6F57): the APN Control List (TS 31.102 §4.2.48).

Byte 1 is the number of APNs, then `DD` TLVs holding label-encoded APNs; `DD
00` is the network-provided APN (we use `""`). Real files disagree with their
own count, carry other tags or stop at FF padding, so the reader trusts the
TLVs, not the count, and reports a mismatch instead of failing (TS 31.102 §4.2.48).
An entry stored as plain dotted text instead of labels is accepted too.

Portable (runs on MicroPython); `me_lib.codec.declared` declares the same
layout with construct for CPython, and a differential test keeps them equal.
"""

from me_lib.codec import apn, tlv
from me_lib.codec._common import Model, pad_to
from me_lib.errors import DecodeError, ProfileError

WHAT = "EF_ACL"
TAG_APN = 0xDD


class Acl(Model):
    """The allowed APNs in file order; `declared_count` is byte 1 as stored.

    When building a file, leave `declared_count` None to write the real count.
    `unknown` keeps other TLVs (tag, value); they are written after the APNs.
    """

    _FIELDS = ("apns", "declared_count", "unknown")

    def __init__(self, apns: tuple[str, ...] = (), declared_count: int | None = None,
                 unknown: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.apns = apns
        self.declared_count = declared_count
        self.unknown = unknown

    @property
    def count_mismatch(self) -> bool:
        """Whether the count byte disagrees with the APNs found (a card written carelessly)."""
        return self.declared_count is not None and self.declared_count != len(self.apns)

    @property
    def allows_network_provided(self) -> bool:
        """Whether the ACL lists the empty APN: a network-provided APN is allowed."""
        return "" in self.apns


def decode(data: bytes) -> Acl:
    """EF_ACL (TS 31.102 4.2.48): the count byte, then APN TLVs; raises `DecodeError`."""
    if not data:
        raise DecodeError(WHAT, "empty file (at least the count byte is needed)")
    apns: list[str] = []
    unknown: list[tuple[int, bytes]] = []
    for item in tlv.decode(data[1:], WHAT, base=1, strict_padding=False):
        if item.tag == TAG_APN:
            text, _plain = apn.decode_lenient(item.value, item.value_offset)
            apns.append(text)
        else:
            unknown.append((item.tag, item.value))
    return Acl(tuple(apns), data[0], tuple(unknown))


def encode(acl: Acl, size: int | None = None) -> bytes:
    """The file content, FF-padded to the EF size when given."""
    count = len(acl.apns) if acl.declared_count is None else acl.declared_count
    if not 0 <= count <= 0xFF:
        raise ProfileError("EF_ACL count %d does not fit a byte" % count)
    body = tlv.encode([(TAG_APN, apn.encode(text)) for text in acl.apns])
    return pad_to(WHAT, bytes([count]) + body + tlv.encode(acl.unknown), size)
