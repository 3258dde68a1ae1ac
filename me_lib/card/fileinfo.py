"""What the card layer needs from an FCP: size, structure, records, SFI.

Decoding the FCP itself is `me_lib.codec.fcp`'s job; this is the small,
stable view the back ends share (a +CRSM GET RESPONSE and a PC/SC SELECT
give the same `FileInfo`), so the rest of the card layer does not depend on
the codec's model names. Portable (a plain class, no dataclass).
"""

from me_lib.card import path as P
from me_lib.codec import fcp as fcp_codec
from me_lib.codec._common import Model
from me_lib.errors import CardError, DecodeError

try:  # the protocol only documents the shape: CPython only (not shipped to a board)
    from me_lib.card.protocols import RecordReader as _RecordReader
except ImportError:  # MicroPython
    pass

TRANSPARENT = "transparent"
LINEAR_FIXED = "linear_fixed"
CYCLIC = "cyclic"
BER_TLV = "ber_tlv"
DF = "df"


class FileInfo(Model):
    """A selected file: `size` in bytes (EF), record geometry for record EFs."""

    _FIELDS = ("fid", "structure", "size", "record_length", "record_count", "sfi", "fcp")

    def __init__(self, fid: int | None, structure: str, size: int | None = None,
                 record_length: int | None = None, record_count: int | None = None,
                 sfi: int | None = None, fcp: bytes = b"") -> None:
        self.fid = fid
        self.structure = structure
        self.size = size
        self.record_length = record_length
        self.record_count = record_count
        self.sfi = sfi
        self.fcp = fcp

    @property
    def is_df(self) -> bool:
        return self.structure == DF

    @property
    def is_record(self) -> bool:
        return self.structure in (LINEAR_FIXED, CYCLIC)


def from_fcp(data: bytes) -> FileInfo:
    """FileInfo of an FCP template (tag 62), as SELECT / GET RESPONSE return it."""
    if not data:
        raise DecodeError("FCP", "empty response where the FCP template should be")
    decoded = fcp_codec.decode(data)
    if decoded.is_df:
        return FileInfo(decoded.fid, DF, fcp=bytes(data))
    desc = decoded.descriptor
    if desc is None:
        raise DecodeError("FCP", "no file descriptor (82)")
    kind = desc.structure or "rfu"
    sfi = decoded.effective_sfi
    if kind in (LINEAR_FIXED, CYCLIC):
        if not desc.record_length or desc.record_count is None:
            raise DecodeError("FCP", "record file without record length/count in tag 82")
        size = decoded.size if decoded.size is not None else \
            desc.record_length * desc.record_count
        return FileInfo(decoded.fid, kind, size, desc.record_length, desc.record_count,
                        sfi, bytes(data))
    return FileInfo(decoded.fid, kind, decoded.size, None, None, sfi, bytes(data))


def from_gsm_response(data: bytes) -> FileInfo:
    """FileInfo of a 2G (TS 51.011 §9.2.1) GET RESPONSE, which 2G-mode SIMs give via +CRSM."""
    if len(data) < 7:
        raise DecodeError("GSM GET RESPONSE", "%d bytes, at least 7 expected" % len(data))
    fid = int.from_bytes(data[4:6], "big")
    if data[6] in (0x01, 0x02):
        return FileInfo(fid, DF, fcp=bytes(data))
    if data[6] != 0x04 or len(data) < 14:
        raise DecodeError("GSM GET RESPONSE", "file type %02X is not MF/DF/EF" % data[6], 6)
    size = int.from_bytes(data[2:4], "big")
    structure = data[13]
    if structure == 0x00:
        return FileInfo(fid, TRANSPARENT, size, fcp=bytes(data))
    if structure in (0x01, 0x03) and len(data) >= 15 and data[14]:
        rec_len = data[14]
        return FileInfo(fid, LINEAR_FIXED if structure == 0x01 else CYCLIC, size, rec_len,
                        size // rec_len, None, bytes(data))
    raise DecodeError("GSM GET RESPONSE", "structure %02X unknown" % structure, 13)


def read_all_records(access: _RecordReader, path: "P.PathLike") -> list[bytes]:
    """Every record of a linear fixed / cyclic EF, whatever the file access back end."""
    info = access.file_info(path)
    if not info.is_record or not info.record_count or not info.record_length:
        raise CardError("%s is %s, not a record file" % (P.to_hex(P.parse(path)),
                                                         info.structure))
    return [access.read_record(path, n, info.record_length)
            for n in range(1, info.record_count + 1)]
