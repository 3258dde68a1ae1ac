"""Read the USIM through every path the rig has (AT+CRSM, AT+CSIM, PC/SC): they must agree
with each other byte for byte on EF.DMCFG, and with the rig file."""

import pytest

from hil.checks import card_snapshot, check_expected
from hil.dut import Dut
from me_lib.card.csim import CsimLink
from me_lib.card.files import FileAccess
from me_lib.card.usim import Usim


def test_crsm_read_matches_the_rig_file(dut: Dut) -> None:
    snapshot = card_snapshot(dut.ready().usim())
    check_expected(snapshot, dut.spec.expect)


@pytest.mark.hil_needs("csim")
def test_csim_agrees_with_crsm(dut: Dut) -> None:
    modem = dut.ready()
    crsm = card_snapshot(modem.usim())
    link = CsimLink(modem.channel, lock=modem.dialect.csim_lock)
    try:
        csim = card_snapshot(Usim(FileAccess(link)))
    finally:
        link.close()
    assert csim == crsm


@pytest.mark.hil_needs("pcsc_reader")
def test_pcsc_agrees_with_crsm(dut: Dut) -> None:
    from me_lib.card.pcsc import PcscLink

    crsm = card_snapshot(dut.ready().usim())
    assert dut.spec.pcsc_reader is not None
    with PcscLink(dut.spec.pcsc_reader, wait=5.0) as link:
        reader = card_snapshot(Usim(FileAccess(link)))
    assert reader == crsm
    check_expected(reader, dut.spec.expect)
