"""UICC access: one file interface, three ways to reach the card.

* APDU links (`link.CardLink`, `transmit(apdu) -> (data, sw)` with the T=0
  61xx/6Cxx procedure done once): `pcsc.PcscLink` (PC/SC reader, pyscard
  imported lazily), `csim.CsimLink` (AT+CSIM), `cgla.CglaLink` (a logical
  channel via AT+CCHO/+CGLA/+CCHC), `link.FunctionLink` (any in-process card).
* File access by path (`select`, `file_info`, `read_binary`, `read_record`,
  `read_records`, `update_binary`, `update_record`): `files.FileAccess` on a
  link, or `crsm.CrsmAccess` where the modem does the SELECTs (AT+CRSM).
* `usim.Usim`: identity, EF.DMCFG, EF_ACL, LwM2M bootstrap, PIN status/VERIFY.

Status words map to typed errors in one table (`sw`). Paths are written
"3F007FFF6F57", "3F00/7FFF/6F57" or as a tuple of FIDs (`path`).

Portable: importing the package loads nothing else; each name below is
imported from its module on first use (PEP 562), so a MicroPython board
loads, and ships, only the modules of the +CRSM path it uses. `pcsc` is
always imported explicitly (it needs pyscard).
"""

from me_lib.lazy import exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from me_lib.card.cgla import CglaLink, CglaOpener, open_session
    from me_lib.card.crsm import CrsmAccess
    from me_lib.card.csim import CsimLink
    from me_lib.card.fileinfo import FileInfo
    from me_lib.card.files import FileAccess
    from me_lib.card.link import CardLink, ChannelLink, FunctionLink, LinkStats
    from me_lib.card.usim import AclInfo, Identity, PinState, Usim

# name -> module of this package that defines it
_WHERE = {
    "AclInfo": "usim", "CardLink": "link", "CglaLink": "cgla", "CglaOpener": "cgla",
    "ChannelLink": "link", "CrsmAccess": "crsm", "CsimLink": "csim", "FileAccess": "files",
    "FileInfo": "fileinfo", "FunctionLink": "link", "Identity": "usim", "LinkStats": "link",
    "PinState": "usim", "Usim": "usim", "open_session": "cgla",
}


__getattr__ = exports(__name__, _WHERE)


__all__ = [
    "AclInfo",
    "CardLink",
    "CglaLink",
    "CglaOpener",
    "ChannelLink",
    "CrsmAccess",
    "CsimLink",
    "FileAccess",
    "FileInfo",
    "FunctionLink",
    "Identity",
    "LinkStats",
    "PinState",
    "Usim",
    "open_session",
]
