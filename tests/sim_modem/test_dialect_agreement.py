"""The driver's dialect table and the simulator's agree on the facts both hold.

me_lib/modem/dialects.py and me_lib/sim/modem/dialects.py are written from the
references independently, so that each catches the other's mistakes; that
only works if a disagreement fails a test. Every module both tables know is
checked on each fact both rows carry (under their own names and encodings).
"""

import pytest

from me_lib.at.engine import BOOT_BANNERS
from me_lib.modem import dialects as driver
from me_lib.modem.activation import METHODS
from me_lib.modem.dialects import VENDORS
from me_lib.sim.modem import dialects as sim

DRIVER_ROWS = {d.name: d for d in (driver.GENERIC, *driver.DIALECTS)}
SHARED = sorted(set(DRIVER_ROWS) & set(sim.DIALECTS))
VENDOR_ROWS = [name for name in SHARED if name != driver.GENERIC.name]

# the simulator's encodings of the same facts, in the driver's terms
SIM_SOCKETS = {"": "", "quectel": "quectel", "ublox": "ublox", "simcom": "simcom",
               "telit": "telit", "nrf": "nrf91"}
SIM_REFRESH = {"cusatp": "+CUSATP:", "qusim": "+QUSIM:", "uusimstat": "+UUSIMSTAT:"}
E_UTRAN = 7   # 27.007 <AcT> of LTE, for rows without a vendor numbering


def test_both_tables_know_every_module() -> None:
    # a row in one table only is a module one side cannot check the other on
    assert set(DRIVER_ROWS) == set(sim.DIALECTS)


@pytest.mark.parametrize("name", SHARED)
def test_same_scalar_facts(name: str) -> None:
    d, s = DRIVER_ROWS[name], sim.DIALECTS[name]
    assert d.default_cid == s.default_cid
    assert d.esm_report == s.esm_report
    assert d.csim_lock == s.csim_lock
    assert d.family == SIM_SOCKETS[s.sockets]
    assert bool(d.ursp_query) == s.ursp_query
    # SIMCom's GET RESPONSE quirk: the driver seeds it, the simulator enforces it
    assert (d.crsm_seed.get("get_response") == "0,0,255") == s.crsm_getresp_needs_255


@pytest.mark.parametrize("name", SHARED)
def test_registration_domains(name: str) -> None:
    d, s = DRIVER_ROWS[name], sim.DIALECTS[name]
    assert "CEREG" in d.registration_domains
    # +CREG/+CGREG are asked exactly where the module has them
    assert ("CREG" in d.registration_domains) == s.cs_registration
    assert ("CGREG" in d.registration_domains) == s.cs_registration


@pytest.mark.parametrize("name", SHARED)
def test_access_technology_numbers(name: str) -> None:
    d, s = DRIVER_ROWS[name], sim.DIALECTS[name]
    if d.act_names:
        assert d.act_names.get(s.act_ltem) == "LTE-M"
        assert d.act_names.get(s.act_nbiot) == "NB-IoT"
    else:
        assert s.act_ltem == E_UTRAN


@pytest.mark.parametrize("name", SHARED)
def test_signalling(name: str) -> None:
    d, s = DRIVER_ROWS[name], sim.DIALECTS[name]
    # what the simulated module prints at boot, the driver takes for a boot
    assert set(s.boot_banners) <= set(d.boot_banners) | set(BOOT_BANNERS)
    assert SIM_REFRESH[s.refresh_style] in d.refresh_urcs
    assert d.radio_off_cfun in s.cfun_values
    # the driver's ICCID command is one the simulated module answers
    assert d.iccid_command[2:] in dict(s.iccid_cmds)


@pytest.mark.parametrize("name", SHARED)
def test_activation_commands_are_modelled(name: str) -> None:
    d, s = DRIVER_ROWS[name], sim.DIALECTS[name]
    # the simulator times every command it models: the activation commands the
    # driver's methods send for this module are among them
    timed = {key.split(":")[0] for key, _ in s.delays}
    for how in (d.activation, d.service_activation):
        assert METHODS[how]["up"][0] in timed, (how, sorted(timed))


@pytest.mark.parametrize("name", VENDOR_ROWS)
def test_identification_picks_the_same_row(name: str) -> None:
    d, s = DRIVER_ROWS[name], sim.DIALECTS[name]
    # the simulated module's +CGMM picks this driver row, and its +CGMI is the
    # vendor name the driver assumes for the row (so it can skip asking)
    assert driver.match_dialect(s.model) is d
    assert VENDORS[d.family] == s.manufacturer
