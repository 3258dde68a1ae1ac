"""EF_DIR (2F00) records: the applications on the UICC (TS 102 221 §13.1).

The reader finds the USIM AID (to SELECT it with its full PIX) and the
PKCS#15 application (LwM2M bootstrap) here. Records are `61 L {4F AID; 50
label; ...}` padded with FF (or 00, anywhere between the objects); an all-FF
record is an unused slot.
"""

from me_lib.codec import tlv
from me_lib.codec._common import Model, pad_to, utf8
from me_lib.errors import DecodeError, ProfileError

WHAT = "EF_DIR record"
USIM_PREFIX = bytes.fromhex("A0000000871002")
ISIM_PREFIX = bytes.fromhex("A0000000871004")
PKCS15_AID = bytes.fromhex("A000000063504B43532D3135")

TAG_TEMPLATE = 0x61
TAG_AID = 0x4F
TAG_LABEL = 0x50
TAG_PATH = 0x51


class Application(Model):
    """One application template; `extra` keeps other tags (51 path, 73 ...) in order."""

    _FIELDS = ("aid", "label", "extra")

    def __init__(self, aid: bytes, label: str | None = None,
                 extra: tuple[tuple[int, bytes], ...] = ()) -> None:
        self.aid = aid
        self.label = label
        self.extra = extra

    @property
    def path(self) -> bytes | None:
        """The application's path (tag 51) if EF_DIR gives one."""
        for tag, value in self.extra:
            if tag == TAG_PATH:
                return value
        return None

    @property
    def is_usim(self) -> bool:
        """Whether the AID is a USIM application's (RID A000000087, app 1002)."""
        return self.aid.startswith(USIM_PREFIX)

    @property
    def is_isim(self) -> bool:
        """Whether the AID is an ISIM application's."""
        return self.aid.startswith(ISIM_PREFIX)

    @property
    def is_pkcs15(self) -> bool:
        """Whether the AID is the PKCS#15 application's (where LwM2M bootstrap data may be)."""
        return self.aid.startswith(PKCS15_AID)


def decode(record: bytes) -> Application | None:
    """One record; None for an unused (all FF/00 or empty) record.

    `00` and `FF` bytes before, between and after the data objects, at the top
    level and inside the template, are padding (ISO/IEC 7816-4 §5.2.2.1,
    §8.2.1.1): cards written by some issuers put them there, and reading them
    as a tag made such a card look unreadable.
    """
    items = tlv.decode_filled(record, WHAT)
    if not items:
        return None
    if items[0].tag != TAG_TEMPLATE:
        raise DecodeError(WHAT, "tag %X where the application template 61 should be"
                          % items[0].tag, 0)
    if len(items) > 1:
        raise DecodeError(WHAT, "data after the application template", items[1].offset)
    aid: bytes | None = None
    label: str | None = None
    extra: list[tuple[int, bytes]] = []
    for item in tlv.children_filled(items[0], WHAT):
        if item.tag == TAG_AID and aid is None:
            if not 1 <= len(item.value) <= 16:
                raise DecodeError(WHAT, "AID of %d bytes (1 to 16)" % len(item.value),
                                  item.offset)
            aid = item.value
        elif item.tag == TAG_LABEL and label is None:
            label = utf8(WHAT, item.value, item.value_offset)
        else:
            extra.append((item.tag, item.value))
    if aid is None:
        raise DecodeError(WHAT, "application template without an AID (4F)", 0)
    return Application(aid, label, tuple(extra))


def encode(app: Application | None, size: int | None = None) -> bytes:
    """One record, FF-padded to the record length `size` when given."""
    if app is None:
        return b"\xff" * (size or 0)
    if not 1 <= len(app.aid) <= 16:
        raise ProfileError("AID of %d bytes (1 to 16)" % len(app.aid))
    inner = [(TAG_AID, app.aid)]
    if app.label is not None:
        inner.append((TAG_LABEL, app.label.encode("utf-8")))
    inner.extend(app.extra)
    return pad_to(WHAT, tlv.encode_one(TAG_TEMPLATE, tlv.encode(inner)), size)
