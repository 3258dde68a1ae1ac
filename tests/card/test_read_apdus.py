"""`me-lib read --reader N` in APDUs, counted at the virtual card (no pcscd).

The CLI's own code path runs (`me_lib.commands.read_cmd`); only the PC/SC link
is swapped for one that hands each C-APDU straight to `VirtualCard.transmit`,
with PcscLink's properties: the current DF unknown at connect, Le up to 256.
The count is deterministic, so it is pinned: the identity and the profile read
share one ICCID read and one SELECT MF (bench/bench_card.py counts the same
run behind the real pcscd).
"""

import json

import pytest

from me_lib.card import pcsc
from me_lib.card.link import FunctionLink
from me_lib.cli import main
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

#: identity (SELECT MF, EF_ICCID, EF_DIR x2, SELECT ADF.USIM, EF_IMSI, EF_AD) and
#: EF.DMCFG (SELECT by path, READ 256, end probe)
READ_APDUS = 10

SELECT_MF = bytes.fromhex("00A4000C023F00")
ICCID_BY_SFI = bytes.fromhex("00B082000A")


@pytest.fixture
def card_apdus(monkeypatch):
    vc = VirtualCard.from_profile(PROFILES_DIR / "default.toml")
    sent: list[bytes] = []

    def transmit(apdu: bytes) -> bytes:
        sent.append(bytes(apdu))
        return bytes(vc.transmit(apdu))

    def link(reader, wait=3.0, reset=False):
        fl = FunctionLink(transmit, name="virtual reader %s" % reader, starts_at_mf=False)
        fl.max_le = 256
        return fl

    monkeypatch.setattr(pcsc, "PcscLink", link)
    return sent, vc


def test_read_through_a_reader_costs_at_most_10_apdus(card_apdus, tmp_path, capsys):
    card_apdus, _ = card_apdus
    assert main(["read", "--reader", "0", "--json", "--state-dir", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["card"]["iccid"] == "89882806660000000010"
    assert doc["profile"]["origins"]["apn0"] == "usim:EF.DMCFG"
    assert len(card_apdus) == READ_APDUS, [a.hex().upper() for a in card_apdus]
    assert card_apdus.count(ICCID_BY_SFI) == 1
    assert card_apdus.count(SELECT_MF) == 1


def test_a_card_reset_reads_the_iccid_again(card_apdus):
    from me_lib.card.files import FileAccess
    from me_lib.card.usim import Usim

    card_apdus, vc = card_apdus
    link = pcsc.PcscLink(0)
    usim = Usim(FileAccess(link))
    first = usim.iccid()
    usim.imsi()
    assert usim.iccid() == first and card_apdus.count(ICCID_BY_SFI) == 1
    vc.reset()                    # the card was reset (or swapped) ...
    link.generation += 1          # ... which PcscLink learns and reports this way
    link.starts_at_mf = True
    assert usim.iccid() == first
    assert card_apdus.count(ICCID_BY_SFI) == 2
