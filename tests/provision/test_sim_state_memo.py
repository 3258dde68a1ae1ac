"""SIM READY is asked once per modem session, and again only when it may have changed.

`AT+CPIN?` takes seconds on a slow module; `ready()` (before the card read) and
the flow's SIM step used to ask it each. The memo lives in `Modem.session`, so a
reboot ends it; a REFRESH (`forget_card`) and a `+CPIN:` URC other than READY
end it too.
"""

import pytest

from me_lib.provision import provision
from me_lib.sources import read_profile

from .conftest import Trace, sim_of


def cpin_reads(trace):
    return trace.lines.count("AT+CPIN?")


def idle(modem, seconds):
    """Let `seconds` of modem time pass (poll returns at each URC it delivers)."""
    modem.wait(lambda: False, seconds)


def fresh(world, dialect):
    modem = world(dialect)
    trace = Trace(modem)
    idle(modem, 10.0)   # past boot and the SIM's busy window (+CME ERROR: 14)
    return modem, trace


@pytest.mark.parametrize("dialect", ["quectel-bg96", "ublox-sara-r4", "nordic-nrf91-slm"])
def test_ready_read_and_provision_ask_the_sim_state_once(dialect, world, ownership):
    modem, trace = fresh(world, dialect)
    modem.ready()
    profile = read_profile(modem)
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert result.ok, result.to_dict()
    assert cpin_reads(trace) == 1, trace.lines
    again = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert again.ok and again.writes == 0
    assert cpin_reads(trace) == 1, trace.lines


def test_a_reboot_ends_the_memo(world, ownership):
    modem, trace = fresh(world, "quectel-bg96")
    modem.ready()
    profile = read_profile(modem)
    sim_of(modem).reboot()
    modem.reset_session()
    idle(modem, 10.0)
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert result.ok, result.to_dict()
    assert cpin_reads(trace) == 2, trace.lines


def test_a_refresh_ends_the_memo(world, ownership):
    modem, trace = fresh(world, "quectel-bg96")
    modem.ready()
    modem.forget_card()         # what watch() does on REFRESH
    modem.ready()
    assert cpin_reads(trace) == 2, trace.lines


def test_a_cpin_urc_other_than_ready_ends_the_memo(world, ownership):
    modem, trace = fresh(world, "quectel-bg96")
    modem.ready()
    modem.ready()
    assert cpin_reads(trace) == 1
    sim_of(modem).send_urc("+CPIN: NOT READY")
    idle(modem, 0.5)
    modem.ready()
    assert cpin_reads(trace) == 2, trace.lines
    sim_of(modem).send_urc("+CPIN: READY")    # the module says it is ready: believed
    idle(modem, 0.5)
    modem.ready()
    assert cpin_reads(trace) == 2, trace.lines
