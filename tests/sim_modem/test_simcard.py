"""SIM access through the simulated MT: +CPIN, +CRSM (with quirks), +CSIM, logical channels."""

from typing import Any

import pytest

from me_lib.sim.modem import Scenario, SimClock, SimModem

from .sim_modem_util import cmd, info, make, settle

IMSI_READ = 'AT+CRSM=176,28423,0,0,9,,"3F007FFF"'


def fresh(dialect: str = "generic", **raw: Any) -> SimModem:
    spec: dict[str, Any] = {"dialect": dialect, "boot": {"time": 1.0, "sim_busy": 4.0}}
    spec.update(raw)
    m = SimModem(Scenario.from_dict(spec), SimClock.manual())
    settle(m, 1.5)                       # AT interpreter up, SIM still initialising
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    return m


def test_sim_busy_after_power_up_then_ready() -> None:
    m = fresh()
    assert cmd(m, "AT+CPIN?") == b"\r\n+CME ERROR: 14\r\n"
    assert cmd(m, IMSI_READ) == b"\r\n+CME ERROR: 14\r\n"
    settle(m, 5.0)
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: READY"]


def test_not_ready_while_booting_on_simcom() -> None:
    m = fresh("simcom-sim7080")
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: NOT READY"]


def test_pin_entry_wrong_then_right() -> None:
    m = make(card="pin")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: SIM PIN"]
    assert cmd(m, "AT+CIMI") == b"\r\n+CME ERROR: 11\r\n"
    assert cmd(m, 'AT+CPIN="0000"') == b"\r\n+CME ERROR: 16\r\n"
    assert cmd(m, 'AT+CPIN="12"') == b"\r\n+CME ERROR: 16\r\n"
    assert b"63C2" in cmd(m, 'AT+CSIM=10,"0020000100"')          # two tries left
    assert cmd(m, 'AT+CPIN="73592468"') == b"\r\nOK\r\n"
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: READY"]
    assert info(cmd(m, "AT+CIMI"), "00101") == ["001010123456780"]
    assert cmd(m, 'AT+CPIN="73592468"') == b"\r\n+CME ERROR: 3\r\n"    # already ready


def test_scenario_pin_enables_pin_on_the_default_card() -> None:
    m = make(pin="4321")
    cmd(m, "ATE0")
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: SIM PIN"]
    assert cmd(m, 'AT+CPIN="4321"') == b"\r\nOK\r\n"


def test_three_wrong_pins_block_then_puk() -> None:
    m = make(card="pin")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    for _ in range(3):
        cmd(m, 'AT+CPIN="9999"')
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: SIM PUK"]
    assert cmd(m, 'AT+CPIN="86420975","1111"') == b"\r\nOK\r\n"
    assert info(cmd(m, "AT+CPIN?"), "+CPIN:") == ["+CPIN: READY"]


@pytest.mark.parametrize("path", ['"3F007FFF"', '"7FFF"', ""])
def test_crsm_path_forms(path: str) -> None:
    m = make()
    cmd(m, "ATE0")
    tail = ",,%s" % path if path else ""
    out = cmd(m, "AT+CRSM=176,28423,0,0,9%s" % tail)
    assert out == b'\r\n+CRSM: 144,0,"080910101032547698"\r\n\r\nOK\r\n'


def test_crsm_errors_are_status_words() -> None:
    m = make()
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert info(cmd(m, 'AT+CRSM=176,28503,0,0,1,,"3F007F10"'), "+CRSM:")[0].startswith(
        "+CRSM: 106,130")                                      # 6A82 not found
    assert cmd(m, "AT+CRSM=999,28423,0,0,9") == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, "AT+CRSM=176,28423") == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, 'AT+CRSM=176,28423,0,0,9,,"3F0G"') == b"\r\n+CME ERROR: 50\r\n"


def test_crsm_pin_protected_file_before_verify() -> None:
    m = make(card="pin")
    cmd(m, "ATE0")
    assert info(cmd(m, IMSI_READ), "+CRSM:") == ['+CRSM: 105,130,""']     # 6982


def test_crsm_get_response_and_update() -> None:
    m = make()
    cmd(m, "ATE0")
    fcp = info(cmd(m, 'AT+CRSM=192,28423,0,0,255,,"3F007FFF"'), "+CRSM:")[0]
    assert fcp.startswith('+CRSM: 144,0,"62')
    assert cmd(m, 'AT+CRSM=214,28423,0,0,2,"0809","3F007FFF"').startswith(b"\r\n+CRSM: ")


def test_quirk_unquoted_and_stray_line_on_telit() -> None:
    m = make("telit-me910")
    cmd(m, "ATE0")
    first = info(cmd(m, 'AT+CRSM=192,28423,0,0,255,,"3F007FFF"'), "+CRSM:")
    assert first[0] == "+CRSM: 0" and first[1].startswith("+CRSM: 144,0,62")
    second = info(cmd(m, 'AT+CRSM=192,28423,0,0,255,,"3F007FFF"'), "+CRSM:")
    assert len(second) == 1                                    # only the first one
    assert info(cmd(m, IMSI_READ), "+CRSM:") == ["+CRSM: 144,0,080910101032547698"]


def test_quirk_lower_case_and_get_response_needs_255_on_simcom() -> None:
    m = make("simcom-sim7080")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert cmd(m, 'AT+CRSM=192,28423,,,,,"3F007FFF"') == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, "AT+CRSM=192,28423") == b"\r\n+CME ERROR: 50\r\n"
    ok = info(cmd(m, 'AT+CRSM=192,28423,0,0,255,,"3F007FFF"'), "+CRSM:")[0]
    assert ok.startswith('+CRSM: 144,0,"62') and ok == ok.lower().replace("+crsm", "+CRSM")


def test_csim_raw_61xx_or_handled_per_dialect() -> None:
    m = make("generic")
    cmd(m, "ATE0")
    assert info(cmd(m, 'AT+CSIM=14,"00A40004026F07"'), "+CSIM:")[0].startswith('+CSIM: 4,"61')
    n = make("nordic-nrf91-slm")
    cmd(n, "ATE0")
    line = info(cmd(n, 'AT+CSIM=14,"00A40004026F07"'), "+CSIM:")[0]
    assert line.startswith('+CSIM: ') and line.endswith('9000"') and '"62' in line


def test_csim_length_must_match() -> None:
    m = make()
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert cmd(m, 'AT+CSIM=12,"00A40004026F07"') == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, 'AT+CSIM=4,"00ZZ"') == b"\r\n+CME ERROR: 50\r\n"


@pytest.mark.parametrize(("dialect", "form"), [("generic", "1"), ("quectel-bg96", "+CCHO: 1")])
def test_logical_channel_open_use_close(dialect: str, form: str) -> None:
    m = make(dialect)
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    out = cmd(m, 'AT+CCHO="A0000000871002"')
    assert out == ("\r\n%s\r\n\r\nOK\r\n" % form).encode()
    line = info(cmd(m, 'AT+CGLA=1,14,"00A40004026F07"'), "+CGLA:")[0]
    assert line.startswith('+CGLA: 4,"61')
    assert cmd(m, "AT+CCHC=1") == b"\r\nOK\r\n"
    assert cmd(m, "AT+CCHC=1") == b"\r\n+CME ERROR: 21\r\n"
    assert cmd(m, 'AT+CCHO="A0FFFFFFFF"') == b"\r\n+CME ERROR: 22\r\n"


def test_no_card_scenario() -> None:
    m = make(card="none")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert cmd(m, "AT+CPIN?") == b"\r\n+CME ERROR: 10\r\n"
    assert cmd(m, IMSI_READ) == b"\r\n+CME ERROR: 10\r\n"


def test_telit_csim_lock_unlock() -> None:
    m = make("telit-me910")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    assert cmd(m, "AT+CSIM=1") == b"\r\nOK\r\n"
    assert info(cmd(m, 'AT+CSIM=10,"0020000100"'), "+CSIM:") == ['+CSIM: 4,"63C3"']
    assert cmd(m, "AT+CSIM=0") == b"\r\nOK\r\n"
    g = make("generic")
    cmd(g, "ATE0")
    cmd(g, "AT+CMEE=1")
    assert cmd(g, "AT+CSIM=1") == b"\r\n+CME ERROR: 50\r\n"


def test_crsm_status_command() -> None:
    m = make()
    cmd(m, "ATE0")
    line = info(cmd(m, "AT+CRSM=242"), "+CRSM:")[0]
    assert line.startswith('+CRSM: 144,0,"62')
