"""OTA card updates with REFRESH signalling, profile switches, and PCO from the network."""

import pytest

from me_lib.sim.modem import SimModem
from me_lib.sim.modem.simcard import refresh_command

from .sim_modem_util import cmd, info, lines, make, settle

DMCFG = "3F007FFF5F4D4F01"
NEW = bytes.fromhex("800101") + b"\xff" * 13


def read_dmcfg(m: SimModem) -> str:
    return info(cmd(m, 'AT+CRSM=176,20225,0,0,16,,"3F007FFF5F4D"'), "+CRSM:")[0]


@pytest.mark.parametrize(("dialect", "expected"), [
    ("generic", ["+CUSATP: " + refresh_command([DMCFG]).hex().upper()]),
    ("telit-me910", ["+CUSATP: " + refresh_command([DMCFG]).hex().upper()]),
    ("quectel-bg96", ["+CPIN: READY", "+QUSIM: 1"]),
])
def test_ota_update_then_refresh_urc(dialect: str, expected: list[str]) -> None:
    m = make(dialect)
    cmd(m, "ATE0")
    settle(m, 10.0)
    m.ota_update(DMCFG, NEW)
    assert lines(settle(m, 1.0)) == expected
    assert "8001" in read_dmcfg(m).upper()


def test_refresh_command_file_list_encoding() -> None:
    raw = refresh_command(["7FFF6F07", "3F002FE2"])
    assert raw[:2] == bytes([0xD0, len(raw) - 2])
    assert bytes.fromhex("810301010182028182") in raw
    assert raw.endswith(bytes.fromhex("920B02" "3F007FFF6F07" "3F002FE2"))


def test_ublox_refresh_needs_usimstat() -> None:
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    m.ota_update(DMCFG, NEW)
    assert settle(m, 1.0) == b""
    cmd(m, "AT+USIMSTAT=4")
    m.ota_update(DMCFG, NEW)
    assert lines(settle(m, 1.0)) == ["+UUSIMSTAT: 9"]


def test_switch_profile_reboots_with_new_identity() -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    before = info(cmd(m, "AT+QCCID"), "+QCCID:")
    m.switch_profile("pin")
    out = settle(m, 10.0)
    assert lines(out) == ["RDY", "+CFUN: 1", "+CPIN: SIM PIN", "+QUSIM: 1", "+QIND: SMS DONE"]
    cmd(m, "ATE0")
    after = info(cmd(m, "AT+QCCID"), "+QCCID:")
    assert before == ["+QCCID: 89882806660000000010"]
    assert after == ["+QCCID: 89882806660000000028"]
    cmd(m, 'AT+CPIN="73592468"')
    assert info(cmd(m, "AT+CIMI"), "00101") == ["001010123456780"]


def test_switch_profile_error_is_clear() -> None:
    from me_lib.sim.modem import ScenarioError

    m = make()
    with pytest.raises(ScenarioError):
        m.switch_profile("no-such-profile")


def test_pco_from_the_network_on_nrf91() -> None:
    m = make("nordic-nrf91-slm", pco={"id": "FF00", "content": "coap://dm.example.net:5683"})
    cmd(m, "ATE0")
    cmd(m, "AT%XPCO=1")
    out = cmd(m, "AT+CFUN=1") + settle(m, 10.0)
    want = '%%XPCO: 0,FF00,"%s"' % b"coap://dm.example.net:5683".hex().upper()
    assert want in lines(out)


def test_no_pco_without_subscription() -> None:
    m = make("nordic-nrf91-slm", pco={"id": "FF00", "content": "x"})
    cmd(m, "ATE0")
    out = cmd(m, "AT+CFUN=1") + settle(m, 10.0)
    assert not [ln for ln in lines(out) if ln.startswith("%XPCO")]


def test_scenario_event_ota_update() -> None:
    m = make("generic", events=[{"at": 20.0, "action": "ota_update", "path": DMCFG,
                                 "data": NEW.hex()}])
    cmd(m, "ATE0")
    out = lines(settle(m, 20.0))
    assert out and out[-1].startswith("+CUSATP: D0")


def test_ota_update_without_a_card_is_a_typed_error_saying_what_to_do() -> None:
    from me_lib.errors import MeLibError
    from me_lib.sim.modem import ScenarioError

    m = make(card="none")
    with pytest.raises(ScenarioError) as info:
        m.ota_update(DMCFG, NEW)
    err = info.value
    assert isinstance(err, MeLibError)
    assert "no card" in str(err) and "card = \"none\"" in str(err)
    assert err.hint and "card" in err.hint          # what to do: give the scenario one
    with pytest.raises(ScenarioError):              # the in-simulation form too
        m.ota_update_now(DMCFG, NEW)
