"""Source `acl`: EF_ACL (TS 31.102 §4.2.48), the operator's list of allowed APNs.

The list is not a profile, but it is what a standard card has: the first
APN is taken as APN0 and the others as service bearers without service
names (the provisioner defines them; applications pick them by APN). `DD 00`
(network-provided APN) as the first entry means APN0 = "" (attach with an
empty APN); elsewhere it only allows the default bearer and is no service
bearer. The service field is answered only when the list has more than APN0.

One badly coded entry must not hide the others: when the codec refuses the
file, the entries are decoded one by one and only the bad ones are skipped
(with a note). An entry that is not first never becomes APN0, because the
order on the card says which APN is for DM.
"""

from me_lib.card.usim import EF_ACL
from me_lib.codec import acl as acl_codec
from me_lib.codec import apn, tlv
from me_lib.errors import DecodeError, InvalidApn, ProfileError
from me_lib.profile import Bearer
from me_lib.sources.base import Partial, SourceContext, invalid_note, reason

try:  # names for the annotations only (MicroPython has no typing)
    from typing import TypeAlias
except ImportError:
    pass

ORIGIN = "usim:EF_ACL"
Entry: TypeAlias = "tuple[str | None, object, ProfileError | None]"  # text, raw, error


def lenient_entries(data: bytes) -> list[Entry]:
    """Every `DD` entry of an EF_ACL image, each decoded on its own."""
    entries: list[Entry] = []
    if not data:
        return entries
    for item in tlv.decode(data[1:], acl_codec.WHAT, base=1, strict_padding=False):
        if item.tag != acl_codec.TAG_APN:
            continue
        try:
            entries.append((apn.decode_lenient(item.value, item.value_offset)[0], None, None))
        except InvalidApn as exc:
            entries.append((None, exc.apn, exc))
    return entries


class AclSource:
    """APN0 and unnamed service bearers from the card's APN Control List."""

    name = "acl"

    def read(self, ctx: SourceContext) -> Partial:
        """Service APNs from EF_ACL, as a fallback when EF.DMCFG gives none."""
        part = Partial(ORIGIN)
        usim = ctx.usim()
        try:
            info = usim.read_acl()
            if info.acl is None:
                part.notes.append("acl: the card has no EF_ACL%s" % (
                    " (UST service n°35 not set)" if info.listed is False else ""))
                return part
            entries: list[Entry] = [(text, None, None) for text in info.acl.apns]
        except (InvalidApn, DecodeError) as exc:
            part.notes.append("acl: EF_ACL does not decode as a whole (%s); reading it "
                              "entry by entry" % reason(exc))
            try:
                entries = lenient_entries(usim.access.read_binary(EF_ACL))
            except DecodeError as again:
                part.notes.append("acl: EF_ACL is unusable: %s" % reason(again))
                return part
        self._fill(part, entries)
        return part

    def _fill(self, part: Partial, entries: list[Entry]) -> None:
        if not entries:
            part.notes.append("acl: EF_ACL lists no APN")
            return
        services: list[Bearer] = []
        seen: set[str] = set()
        for i, (text, raw, error) in enumerate(entries):
            what = "APN0 (first EF_ACL entry)" if i == 0 else "EF_ACL entry %d" % (i + 1)
            if error is not None or text is None:
                assert error is not None
                part.notes.append(invalid_note("acl", what, raw, error))
                continue
            if i > 0 and text == "":
                continue  # DD 00 later in the list: "network-provided allowed", not a bearer
            try:
                bearer = Bearer(text)
            except ProfileError as exc:
                part.notes.append(invalid_note("acl", what, text, exc))
                continue
            if i == 0:
                part.apn0 = bearer
                seen.add(bearer.apn)
            elif bearer.apn not in seen:
                seen.add(bearer.apn)
                services.append(bearer)
        if services:
            part.service_bearers = services
