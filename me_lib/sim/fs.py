"""The virtual UICC's file system: MF, DFs, ADFs and EFs with their FCPs.

The card model answers SELECT/READ/UPDATE from these objects, so they carry
exactly what a real UICC exposes: a file identifier, an optional SFI, a
structure (transparent or linear fixed), access conditions and, for ADFs, the
AID. The FCP (tag `62`) is computed from them on every SELECT so a change made
over the air (`VirtualCard.update_file`) is visible in the next FCP.

Access conditions are names, not bytes: `ALW`, `PIN1`, `PIN2`, `ADM`, `NEV`.
The FCP shows them in the compact security-attribute format (tag `8C`), which
is informative only; the card decides from the names.
"""

from dataclasses import dataclass, field

from me_lib.codec import fcp as fcp_codec

ALW = "ALW"
PIN1 = "PIN1"
PIN2 = "PIN2"
ADM = "ADM"
NEV = "NEV"
ACCESS_CONDITIONS = (ALW, PIN1, PIN2, ADM, NEV)

TRANSPARENT = "transparent"
LINEAR_FIXED = "linear_fixed"
STRUCTURES = (TRANSPARENT, LINEAR_FIXED)

MF_FID = 0x3F00
ADF_FID = 0x7FFF  # "the current application", never a real child of the MF

# Compact security attribute SC byte per condition (ISO 7816-4 §5.4.3.1):
# 00 always, FF never, 1x user authentication with key-reference number x.
_SC_BYTE = {ALW: 0x00, PIN1: 0x11, PIN2: 0x12, ADM: 0x1A, NEV: 0xFF}


def _security_compact(read: str, update: str) -> tuple[tuple[int, bytes], ...]:
    # AM byte b2 = UPDATE, b1 = READ; SC bytes follow from the highest AM bit down.
    return ((0x8C, bytes((0x03, _SC_BYTE[update], _SC_BYTE[read]))),)


@dataclass(eq=False)
class Node:
    """Anything with a FID in the tree; `parent` is None only for the MF."""

    fid: int
    name: str = ""
    parent: "DF | None" = field(default=None, repr=False)


@dataclass(eq=False)
class EF(Node):
    """An elementary file; records (linear fixed) or one byte string (transparent)."""

    structure: str = TRANSPARENT
    data: bytearray = field(default_factory=bytearray)
    record_length: int = 0
    sfi: int | None = None
    read: str = ALW
    update: str = ADM

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def record_count(self) -> int:
        return len(self.data) // self.record_length if self.record_length else 0

    def record(self, number: int) -> bytes:
        """Record `number` (1-based); the caller checks the range."""
        start = (number - 1) * self.record_length
        return bytes(self.data[start:start + self.record_length])

    def set_record(self, number: int, value: bytes) -> None:
        start = (number - 1) * self.record_length
        self.data[start:start + self.record_length] = value

    def fcp(self) -> bytes:
        if self.structure == LINEAR_FIXED:
            descriptor = fcp_codec.FileDescriptor(0x42, 0x21, self.record_length,
                                                  self.record_count)
        else:
            descriptor = fcp_codec.FileDescriptor(0x41, 0x21)
        return fcp_codec.encode(fcp_codec.Fcp(
            descriptor=descriptor, fid=self.fid, lcsi=0x05,
            security=_security_compact(self.read, self.update), size=self.size,
            sfi=self.sfi, no_sfi=self.sfi is None))


@dataclass(eq=False)
class DF(Node):
    """A dedicated file (or the MF, or an ADF when `aid` is set)."""

    aid: bytes | None = None
    children: dict[int, Node] = field(default_factory=dict, repr=False)

    def add(self, node: Node) -> Node:
        """Attach `node` under this DF (replacing a same-FID child) and return it."""
        node.parent = self
        self.children[node.fid] = node
        return node

    def child(self, fid: int) -> Node | None:
        return self.children.get(fid)

    def by_sfi(self, sfi: int) -> EF | None:
        for node in self.children.values():
            if isinstance(node, EF) and node.sfi == sfi:
                return node
        return None

    def fcp(self, pins: list[tuple[int, bool]]) -> bytes:
        """FCP of a DF/ADF; `pins` (key reference, enabled) become the C6 template."""
        return fcp_codec.encode(fcp_codec.Fcp(
            descriptor=fcp_codec.FileDescriptor(0x78, 0x21), fid=self.fid, df_name=self.aid,
            lcsi=0x05, security=_security_compact(ALW, ADM),
            pin_status=fcp_codec.PinStatus.build(pins)))


def parse_path(path_hex: str) -> list[int]:
    """'3F007FFF6F07' (spaces/slashes allowed) -> [0x3F00, 0x7FFF, 0x6F07].

    Raises ValueError (caught by callers that turn it into their own error)
    when the text is not a whole number of 2-byte FIDs.
    """
    text = path_hex.replace(" ", "").replace("/", "").replace(":", "")
    if not text or len(text) % 4:
        raise ValueError("path %r is not a sequence of 4-hex-digit FIDs" % path_hex)
    raw = bytes.fromhex(text)
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def split_path(path_hex: str, mf: DF, adfs: list[DF]) -> tuple[DF, list[int]]:
    """Where an absolute path starts and the FIDs below it.

    `3F00` is optional, a leading `7FFF` is the first ADF (ADF.USIM), and
    `<AID hex>/<path>` (AID right-truncated, at least the 5-byte RID) starts in
    another application. Raises ValueError with the reason.
    """
    start, rest = mf, path_hex
    head, sep, tail = path_hex.partition("/")
    if sep and len(head) >= 10:
        aid = bytes.fromhex(head)
        matches = [adf for adf in adfs if adf.aid is not None and adf.aid.startswith(aid)]
        if not matches:
            raise ValueError("no application with AID %s" % head)
        start, rest = matches[0], tail
    fids = parse_path(rest)
    if start is mf and fids[0] == MF_FID:
        fids = fids[1:]
    if start is mf and fids and fids[0] == ADF_FID:
        if not adfs:
            raise ValueError("7FFF: the card has no application")
        start, fids = adfs[0], fids[1:]
    return start, fids
