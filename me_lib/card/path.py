"""File paths: one canonical form (a tuple of 16-bit FIDs starting at the MF).

Callers write paths the way the specs print them ("3F007FFF6F57",
"3F00/7FFF/6F57", "7FFF6F57") or as a tuple of FIDs; every back end needs
different slices of it (PC/SC: path from MF without 3F00; +CRSM: decimal
file id plus a `<pathid>` of the parents), so we normalise once here and
reject bad input with a typed error instead of a ValueError deep inside.

Portable: the two type aliases exist on CPython only (MicroPython can
neither subscript `tuple` nor `|` two types, and never evaluates annotations).
"""

from me_lib.errors import CardError

try:
    from typing import TypeAlias

    Path: TypeAlias = tuple[int, ...]
    PathLike: TypeAlias = str | tuple[int, ...] | tuple[str, ...] | list[int] | list[str]
except ImportError:  # MicroPython: annotations only
    pass

MF = 0x3F00
ADF = 0x7FFF  # "the current application ADF" in a path (TS 102 221 §8.4.2)

_HEX = "0123456789ABCDEF"


def _fid_from_text(text: str, whole: object) -> list[int]:
    clean = text.replace("/", "").replace(" ", "").replace(":", "").upper()
    if not clean or len(clean) % 4 or clean.strip(_HEX):  # a non-hex character
        raise CardError("bad file path %r: expected 4-hex-digit file ids like 3F007FFF6F57"
                        % (whole,))
    fids = []
    for i in range(0, len(clean), 4):
        fids.append(int(clean[i:i + 4], 16))
    return fids


def parse(path: PathLike) -> Path:
    """Normalise `path` to FIDs from the MF; a path not starting at 3F00 is from the MF."""
    fids: list[int] = []
    if isinstance(path, str):
        fids = _fid_from_text(path, path)
    else:
        for item in path:
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 0xFFFF:
                fids.append(item)
            elif isinstance(item, str):
                fids.extend(_fid_from_text(item, path))
            else:
                raise CardError("bad file id %r in path %r" % (item, path))
    if not fids:
        raise CardError("empty file path")
    if fids[0] != MF:
        fids.insert(0, MF)
    return tuple(fids)


def to_hex(path: Path) -> str:
    """'3F007FFF6F57' for (0x3F00, 0x7FFF, 0x6F57)."""
    return ("%04X" * len(path)) % tuple(path)


def parent(path: Path) -> Path:
    """The DF holding `path` (the MF is its own parent)."""
    return path[:-1] if len(path) > 1 else path


def is_df_id(fid: int) -> bool:
    """MF, DFs (7Fxx, 5Fxx) and the ADF alias; EFs are 2Fxx, 6Fxx, 4Fxx and others."""
    return fid == MF or (fid >> 8) in (0x7F, 0x5F)
