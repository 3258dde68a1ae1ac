"""The card/sources code a board never runs lives in modules the board does not ship.

`usim_apdu` (EF_DIR, VERIFY, the LwM2M bootstrap) and the typing protocols
(`card.protocols`, `sources.protocols`) are out of firmware_shim/manifest.txt so a
MicroPython board does not hold their code in its heap (issue 15); on CPython
they are where they were: methods of `Usim`, names of `atport`/`usim`/`base`.
"""

from pathlib import Path

from me_lib.card import atport, fileinfo, protocols, usim, usim_apdu
from me_lib.sources import ModemLike, Source, base
from me_lib.sources import protocols as source_protocols

MANIFEST = Path(__file__).resolve().parents[2] / "firmware_shim" / "manifest.txt"
CPYTHON_ONLY = ("me_lib/card/usim_apdu.py", "me_lib/card/protocols.py",
                "me_lib/sources/protocols.py")


def test_cpython_only_modules_are_not_shipped() -> None:
    shipped = MANIFEST.read_text().split()
    for rel in CPYTHON_ONLY:
        assert rel not in shipped


def test_usim_keeps_its_apdu_methods_on_cpython() -> None:
    assert issubclass(usim.Usim, usim_apdu.UsimApdu)
    for name in ("applications", "usim_aid", "pkcs15_aid", "verify_pin", "pin_status",
                 "read_lwm2m_bootstrap", "select_usim"):
        assert callable(getattr(usim.Usim, name))
    # the mixin's copy of the PIN1 key reference (it cannot import usim at load time)
    assert usim_apdu.KEY_PIN1 == usim.KEY_PIN1
    assert usim_apdu.EF_DIR == usim.EF_DIR


def test_protocols_keep_their_old_names() -> None:
    assert atport.AtPort is protocols.AtPort and atport.AtResponse is protocols.AtResponse
    assert usim.CardAccess is protocols.CardAccess and usim.AppOpener is protocols.AppOpener
    assert fileinfo._RecordReader is protocols.RecordReader
    assert base.ModemLike is ModemLike is source_protocols.ModemLike
    assert base.Source is Source is source_protocols.Source
    assert base.IdentityLike is source_protocols.IdentityLike
