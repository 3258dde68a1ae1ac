"""Registration, power and packet data as the simulated network plays them."""

from typing import Any

import pytest

from .sim_modem_util import cmd, info, lines, make, settle

APNS: dict[str, Any] = {"apns": {"dm.operator.example": {}, "telemetry.example": {},
                                 "secure.example": {"user": "u", "password": "p"}},
                        "reject": {"blocked.example": 33, "fota.example": 27}}


def radio_off(dialect: str = "generic", **raw: Any) -> Any:
    """A modem with SIM ready, radio off (CFUN=4), echo off, CMEE=1."""
    m = make(dialect, **raw)
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    cmd(m, "AT+CFUN=4")
    settle(m, 1.0)
    return m


@pytest.mark.parametrize(("n", "searching", "registered"), [
    (1, "+CEREG: 2", "+CEREG: 1"),
    (2, "+CEREG: 2", '+CEREG: 1,"1F00","01A2B3C4",7'),
    (3, "+CEREG: 2", '+CEREG: 1,"1F00","01A2B3C4",7'),
    (4, "+CEREG: 2", '+CEREG: 1,"1F00","01A2B3C4",7,,,"00100100","01000111"'),
    (5, "+CEREG: 2", '+CEREG: 1,"1F00","01A2B3C4",7,,,"00100100","01000111"'),
])
def test_cereg_urcs_and_read_form_in_every_mode(n: int, searching: str, registered: str) -> None:
    m = radio_off()
    cmd(m, "AT+CEREG=%d" % n)
    assert cmd(m, "AT+CEREG?") == ("\r\n+CEREG: %d,0\r\n\r\nOK\r\n" % n).encode()
    out = cmd(m, "AT+CFUN=1") + settle(m, 10.0)
    assert lines(out)[-2:] == [searching, registered]
    read = info(cmd(m, "AT+CEREG?"), "+CEREG:")
    assert read == ["+CEREG: %d,%s" % (n, registered[len("+CEREG: "):])]


def test_creg_cgreg_forms() -> None:
    m = radio_off("ublox-sara-r4")
    cmd(m, "AT+CREG=2")
    cmd(m, "AT+CGREG=2")
    out = cmd(m, "AT+CFUN=1") + settle(m, 10.0)
    assert '+CREG: 1,"1F00","01A2B3C4",7' in lines(out)
    assert '+CGREG: 1,"1F00","01A2B3C4",7,"00"' in lines(out)
    assert info(cmd(m, "AT+COPS?"), "+COPS:") == ['+COPS: 0,0,"SimNet",7']
    cmd(m, "AT+COPS=3,2")
    assert info(cmd(m, "AT+COPS?"), "+COPS:") == ['+COPS: 0,2,"00101",7']


def test_act_numbering_per_dialect_and_rat() -> None:
    bg96 = radio_off("quectel-bg96")
    cmd(bg96, "AT+CEREG=2")
    assert '+CEREG: 1,"1F00","01A2B3C4",8' in lines(cmd(bg96, "AT+CFUN=1") + settle(bg96, 10))
    nb = radio_off("ublox-sara-r4", network={"rat": "nb-iot"})
    cmd(nb, "AT+CEREG=2")
    assert '+CEREG: 1,"1F00","01A2B3C4",9' in lines(cmd(nb, "AT+CFUN=1") + settle(nb, 10))


def test_roaming_is_stat_5() -> None:
    m = radio_off(network={"roaming": True})
    cmd(m, "AT+CEREG=1")
    assert lines(cmd(m, "AT+CFUN=1") + settle(m, 10.0))[-1] == "+CEREG: 5"


@pytest.mark.parametrize(("n", "urc"), [(1, "+CEREG: 3"), (3, '+CEREG: 3,"1F00","01A2B3C4",7,0,15'),
                                        (5, '+CEREG: 3,"1F00","01A2B3C4",7,0,15')])
def test_denied_with_emm_cause(n: int, urc: str) -> None:
    m = radio_off(network={"deny_cause": 15})
    cmd(m, "AT+CEREG=%d" % n)
    assert lines(cmd(m, "AT+CFUN=1") + settle(m, 10.0))[-1] == urc
    assert cmd(m, "AT+CGATT=1") == b"\r\n+CME ERROR: 115\r\n"
    assert info(cmd(m, "AT+CGATT?"), "+CGATT:") == ["+CGATT: 0"]


def test_cops_deregister_and_back() -> None:
    m = make()
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+CEREG=1")
    assert lines(cmd(m, "AT+COPS=2") + settle(m, 1.0))[-1] == "+CEREG: 0"
    assert info(cmd(m, "AT+COPS?"), "+COPS:") == ["+COPS: 2"]
    assert lines(cmd(m, "AT+COPS=0") + settle(m, 10.0))[-1] == "+CEREG: 1"
    cmd(m, "AT+CMEE=1")
    assert cmd(m, 'AT+COPS=1,2,"99999"') == b"\r\n+CME ERROR: 30\r\n"
    assert info(cmd(m, "AT+COPS=?"), "+COPS:")[0].startswith('+COPS: (2,"SimNet"')


def test_default_bearer_apn_suffix_and_nvm() -> None:
    m = radio_off("quectel-bg96", network=APNS)
    cmd(m, 'AT+CGDCONT=1,"IP","dm.operator.example"')
    cmd(m, "AT+CFUN=1")
    settle(m, 10.0)
    assert info(cmd(m, "AT+CGDCONT?"), "+CGDCONT: 1") == [
        '+CGDCONT: 1,"IP","dm.operator.example.mnc001.mcc001.gprs","0.0.0.0",0,0,0,0']
    assert cmd(m, 'AT+CGDCONT=1,"IP","other"') == b"\r\n+CME ERROR: 3\r\n"   # active bearer
    cmd(m, "AT+CFUN=1,1")
    settle(m, 1.0)
    m.net.cfun = 4                       # keep the radio off after the reboot
    settle(m, 10.0)
    cmd(m, "ATE0")
    assert info(cmd(m, "AT+CGDCONT?"), "+CGDCONT: 1") == [
        '+CGDCONT: 1,"IP","dm.operator.example","0.0.0.0",0,0,0,0']     # NVM, no suffix


def test_empty_apn_gets_the_network_default() -> None:
    m = make("generic", network={"default_apn": "nw.default"})
    cmd(m, "ATE0")
    settle(m, 10.0)
    assert 'nw.default.mnc001.mcc001.gprs' in info(cmd(m, "AT+CGDCONT?"), "+CGDCONT: 1")[0]


def test_ims_context_brought_up_by_the_network() -> None:
    m = radio_off("simcom-sim7080", network={"ims": True, "sos": True})
    cmd(m, "AT+CGEREP=1")
    out = cmd(m, "AT+CFUN=1") + settle(m, 10.0)
    assert "+CGEV: ME PDN ACT 1" in lines(out) and "+CGEV: ME PDN ACT 2" in lines(out)
    assert info(cmd(m, "AT+CGACT?"), "+CGACT:") == ["+CGACT: 1,1", "+CGACT: 2,1", "+CGACT: 3,0"]
    assert '"ims.mnc001.mcc001.gprs"' in info(cmd(m, "AT+CGDCONT?"), "+CGDCONT: 2")[0]
    assert info(cmd(m, "AT+CGDCONT?"), "+CGDCONT: 3") == [
        '+CGDCONT: 3,"IPV4V6","sos","0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,1']


def test_secondary_context_activation_and_addresses() -> None:
    m = make("generic", network=APNS)
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+CGEREP=1")
    cmd(m, 'AT+CGDCONT=2,"IPV4V6","telemetry.example"')
    out = cmd(m, "AT+CGACT=1,2") + settle(m, 1.0)
    assert "+CGEV: ME PDN ACT 2" in lines(out)
    assert info(cmd(m, "AT+CGPADDR=2"), "+CGPADDR:") == [
        '+CGPADDR: 2,"10.64.2.22","32.1.13.184.0.0.0.2.0.0.0.0.0.0.0.1"']
    rdp = info(cmd(m, "AT+CGCONTRDP=2"), "+CGCONTRDP:")
    assert len(rdp) == 2 and rdp[0].startswith('+CGCONTRDP: 2,6,"telemetry.example.mnc001')
    assert '"10.64.2.22.255.255.255.0"' in rdp[0]                  # combined addr+mask
    assert info(cmd(m, "AT+CGACT=0,2") + settle(m, 1.0), "+CGEV:") == ["+CGEV: ME PDN DEACT 2"]
    cmd(m, "AT+CMEE=1")
    assert cmd(m, "AT+CGCONTRDP=2") == b"\r\nERROR\r\n"              # inactive
    assert cmd(m, "AT+CGACT=0,1") == b"\r\n+CME ERROR: 3\r\n"         # default bearer


@pytest.mark.parametrize(("dialect", "fmt"), [
    ("ublox-sara-r4", '"10.64.1.21","255.255.255.0","10.64.1.1"'),
    ("telit-me910", '"10.64.1.21",,"10.0.0.53"'),
    ("nordic-nrf91-slm", ',"","","10.0.0.53","10.0.0.54",,,,,1500'),
])
def test_cgcontrdp_formats(dialect: str, fmt: str) -> None:
    m = make(dialect)
    cmd(m, "ATE0")
    cmd(m, "AT+CFUN=1")
    settle(m, 10.0)
    cid = 0 if dialect.startswith("nordic") else 1
    assert fmt in info(cmd(m, "AT+CGCONTRDP=%d" % cid), "+CGCONTRDP:")[0]


@pytest.mark.parametrize(("dialect", "answer", "ceer"), [
    ("quectel-bg96", b"\r\n+CME ERROR: 133\r\n", None),
    ("ublox-sara-r4", b"\r\nERROR\r\n", "Requested service option not subscribed"),
    ("simcom-sim7080", b"\r\nERROR\r\n", "Requested service option not subscribed"),
])
def test_esm_reject_reported_the_dialects_way(dialect: str, answer: bytes,
                                               ceer: str | None) -> None:
    m = make(dialect, network=APNS)
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    settle(m, 10.0)
    cmd(m, 'AT+CGDCONT=3,"IP","blocked.example"')
    assert cmd(m, "AT+CGACT=1,3") == answer
    if ceer:
        assert ceer in cmd(m, "AT+CEER").decode()


def test_esm_reject_on_nrf91_is_cnec_esm() -> None:
    m = make("nordic-nrf91-slm", network=APNS)
    cmd(m, "ATE0")
    cmd(m, "AT+CNEC=16")
    cmd(m, "AT+CFUN=1")
    settle(m, 10.0)
    assert info(cmd(m, "AT%XNEWCID?"), "%XNEWCID:") == ["%XNEWCID: 1"]
    cmd(m, 'AT+CGDCONT=1,"IP","fota.example"')
    out = cmd(m, "AT+CGACT=1,1") + settle(m, 1.0)
    assert lines(out) == ["ERROR", "+CNEC_ESM: 27,1"]


@pytest.mark.parametrize(("apn", "cause"), [("unknown.example", 127), ("secure.example", 129)])
def test_unknown_apn_and_auth(apn: str, cause: int) -> None:
    m = make("generic", network=APNS)
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    settle(m, 10.0)
    cmd(m, 'AT+CGDCONT=2,"IP","%s"' % apn)
    assert cmd(m, "AT+CGACT=1,2") == ("\r\n+CME ERROR: %d\r\n" % cause).encode()
    if apn == "secure.example":
        cmd(m, 'AT+CGAUTH=2,1,"u","p"')
        assert cmd(m, "AT+CGACT=1,2") == b"\r\nOK\r\n"
        assert info(cmd(m, "AT+CGAUTH?"), "+CGAUTH: 2") == ['+CGAUTH: 2,1,"u"']


def test_same_apn_twice_is_55() -> None:
    m = make("generic", network=APNS)
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    settle(m, 10.0)
    cmd(m, 'AT+CGDCONT=2,"IP","telemetry.example"')
    cmd(m, 'AT+CGDCONT=3,"IP","telemetry.example"')
    assert cmd(m, "AT+CGACT=1,2") == b"\r\nOK\r\n"
    assert cmd(m, "AT+CGACT=1,3") == b"\r\n+CME ERROR: 155\r\n"


def test_coverage_loss_and_return() -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+CEREG=1")
    m.lose_coverage()
    assert lines(settle(m, 1.0)) == ["+CEREG: 2"]
    assert info(cmd(m, "AT+CSQ"), "+CSQ:") == ["+CSQ: 99,99"]
    m.restore_coverage()
    assert lines(settle(m, 1.0)) == ["+CEREG: 1"]


def test_scenario_timed_events() -> None:
    m = make("quectel-bg96", events=[
        {"at": 20.0, "action": "coverage_loss", "duration": 5.0},
        {"at": 40.0, "action": "nw_detach"}])
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+CEREG=1")
    cmd(m, "AT+CGEREP=1")
    out = lines(settle(m, 60.0))
    assert out == ["+CEREG: 2", "+CEREG: 1", "+CGEV: NW DETACH", "+CEREG: 2", "+CGEV: ME PDN ACT 1",
                   "+CEREG: 1"]


def test_network_deactivates_a_pdn() -> None:
    m = make("generic", network=APNS)
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+CGEREP=1")
    cmd(m, 'AT+CGDCONT=2,"IP","telemetry.example"')
    cmd(m, "AT+CGACT=1,2")
    settle(m, 1.0)
    m.network_deactivate(2)
    assert lines(settle(m, 1.0)) == ["+CGEV: NW PDN DEACT 2"]


def test_cfun_values_per_dialect() -> None:
    u = make("ublox-sara-r4")
    cmd(u, "ATE0")
    assert cmd(u, "AT+CFUN=19") == b"\r\nOK\r\n"
    assert info(cmd(u, "AT+CFUN?"), "+CFUN:") == ["+CFUN: 19"]
    assert cmd(u, "AT+CFUN=15") == b"\r\nOK\r\n"                    # u-blox reset value
    settle(u, 0.1)
    assert u.power == "booting"
    n = make("nordic-nrf91-slm")
    cmd(n, "ATE0")
    assert info(cmd(n, "AT+CFUN?"), "+CFUN:") == ["+CFUN: 0"]         # SLM boots radio off
    assert cmd(n, "AT+CFUN=1,1") == b"\r\nERROR\r\n"
    assert b"(0,1,4,20,21" in cmd(n, "AT+CFUN=?")
    assert cmd(n, "AT+CREG?") == b"\r\nERROR\r\n"                      # only +CEREG on nRF91


def test_cfun_reset_prints_the_boot_banners_again() -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    out = cmd(m, "AT+CFUN=1,1") + settle(m, 10.0)
    assert lines(out)[:4] == ["OK", "POWERED DOWN", "RDY", "+CFUN: 1"]
    assert cmd(m, "AT").startswith(b"AT\r")                          # echo back on


def test_cgdcont_test_and_undefine() -> None:
    m = radio_off("telit-me910")
    assert info(cmd(m, "AT+CGDCONT=?"), "+CGDCONT:")[0] == \
        '+CGDCONT: (1-15),"IP",,,(0-2),(0-4),(0-1),(0-1)'
    cmd(m, "AT+CGDCONT=6")
    assert [ln[:12] for ln in info(cmd(m, "AT+CGDCONT?"), "+CGDCONT:")] == [
        "+CGDCONT: 1,", "+CGDCONT: 2,", "+CGDCONT: 3,", "+CGDCONT: 4,", "+CGDCONT: 5,"]
    assert cmd(m, 'AT+CGDCONT=2,"IP","bad apn!"') == b"\r\n+CME ERROR: 50\r\n"
    assert cmd(m, 'AT+CGDCONT=2,"FOO","x"') == b"\r\n+CME ERROR: 50\r\n"
