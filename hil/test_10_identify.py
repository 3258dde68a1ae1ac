"""Identify: the modem answers, is the module the rig says, and holds the expected SIM."""

import pytest

from hil.dut import Dut


def test_identify(dut: Dut, request: pytest.FixtureRequest) -> None:
    modem = dut.ready()
    ident = modem.identify()
    module = "%s %s %s" % (ident.manufacturer, ident.model, ident.revision)
    request.node.user_properties.append(("module", module))
    assert ident.manufacturer and ident.model
    if dut.spec.dialect:
        assert modem.dialect.name == dut.spec.dialect, "module is not the rig's dialect"
    identity = modem.identity()                  # EF_ICCID / EF_IMSI through AT+CRSM
    if dut.spec.expect.iccid:
        assert identity.iccid == dut.spec.expect.iccid, "wrong SIM in the modem"
    if dut.spec.expect.imsi:
        assert identity.imsi == dut.spec.expect.imsi
    # two independent paths inside the module must agree: AT+CIMI and EF_IMSI
    assert modem.imsi() == identity.imsi
