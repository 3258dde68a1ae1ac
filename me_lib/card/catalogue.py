"""The elementary files me_lib knows: one row per EF, read by the card layer and the simulator.

Why one table: an EF's identity (where it lives, its SFI, how it is
structured) and the codec that reads it used to be written in `card/usim.py`
and again in the simulator's card builder, and the two could drift apart (a
wrong SFI in one is a card the other cannot read). Here each file is written
once, pySim `ts_31_102.py` style; `tests/card/test_ef_catalogue.py` runs every
row's test vectors through its codec and checks the simulator serves every row
with the same FID, SFI and structure.

A row is plain data so that it costs a board a few bytes and imports nothing:
(path from the MF, SFI or None, structure, codec module in `me_lib.codec`,
decoder name, encoder name). The codec is named, not imported: a board reading
EF.DMCFG over +CRSM never loads `ursp` or `efdir`. The test vectors live with
the test (`VECTORS` there, one entry per row, checked complete): on a board
they would be bytes that nothing ever runs.

Portable: listed in firmware_shim/manifest.txt (`card/usim.py` imports it).
"""

from me_lib.card.fileinfo import LINEAR_FIXED, TRANSPARENT
from me_lib.card.path import ADF, MF

try:
    from typing import Final, TypeAlias

    Row: TypeAlias = tuple[tuple[int, ...], int | None, str, str, str, str]
except ImportError:  # MicroPython: annotations only
    pass

# Row fields, by position (Final: mypy then knows each column's type).
PATH: Final = 0
SFI: Final = 1
STRUCTURE: Final = 2
CODEC: Final = 3
DECODE: Final = 4
ENCODE: Final = 5

#: name -> (path, SFI, structure, codec module, decoder, encoder). SFIs are the
#: ones TS 102 221 / 31.102 fix (docs/dmcfg.md "Location" for EF.DMCFG, our own file).
EFS: dict[str, Row] = {
    "EF_DIR": ((MF, 0x2F00), 0x1E, LINEAR_FIXED, "efdir", "decode", "encode"),
    "EF_ICCID": ((MF, 0x2FE2), 0x02, TRANSPARENT, "ids", "decode_iccid", "encode_iccid"),
    "EF_IMSI": ((MF, ADF, 0x6F07), 0x07, TRANSPARENT, "ids", "decode_imsi", "encode_imsi"),
    "EF_AD": ((MF, ADF, 0x6FAD), 0x03, TRANSPARENT, "ids", "decode_ad", "encode_ad"),
    "EF_UST": ((MF, ADF, 0x6F38), 0x04, TRANSPARENT, "services", "decode", "encode"),
    "EF_EST": ((MF, ADF, 0x6F56), 0x05, TRANSPARENT, "services", "decode", "encode"),
    "EF_ACL": ((MF, ADF, 0x6F57), None, TRANSPARENT, "acl", "decode", "encode"),
    # TS 31.102 §4.4.11.12: DF_5GS 5FC0, UST n°132
    "EF_URSP": ((MF, ADF, 0x5FC0, 0x4F0B), 0x0B, TRANSPARENT, "ursp", "decode_file",
                "encode_file"),
    "EF.DMCFG": ((MF, ADF, 0x5F4D, 0x4F01), 0x01, TRANSPARENT, "dmcfg", "decode", "encode"),
}
