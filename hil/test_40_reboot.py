"""Reboot recovery: after the rig resets the modem, provisioning brings everything back."""

import pytest

from hil.checks import check_contexts
from hil.dut import Dut


@pytest.mark.hil_needs("reset")
def test_reboot_recovery(dut: Dut) -> None:
    assert dut.provisioned().ok
    boots_seen = dut.modem.channel.reboots
    dut.reset()
    after = dut.provision()
    # Evidence the modem really went down: a boot banner, a reopened port, or lost state
    # (modules without a banner, e.g. SARA-R4, come back with every context inactive).
    assert dut.modem.channel.reboots > boots_seen or dut.reopened or after.writes > 0, \
        "no sign of a reboot: the rig's reset hook did nothing?"
    check_contexts(after, dut.spec.expect)
    assert after.ok, after.to_dict()
    dut.first = after
