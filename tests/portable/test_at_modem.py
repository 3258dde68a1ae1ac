"""AtChannel, the modem layer and the socket adapters on both interpreters.

A scripted in-memory byte port (the channel's port interface: write, read,
in_waiting, timeout, close, and a `clock`) stands in for the modem. Its clock
is virtual and only moves when a read waits out its timeout, so timeouts are
exact and cost no real time, on CPython and on MicroPython alike.
"""

from portable_support import raises

from me_lib.at import AtChannel
from me_lib.errors import (
    AtCommandError,
    AtTimeout,
    CmeError,
    ConnectFailed,
    MeLibError,
    PinBlocked,
    SimNotReady,
)
from me_lib.modem import DIALECTS, GENERIC, Modem, match_dialect, parse_registration
from me_lib.modem.dialects import by_name
from me_lib.modem.parsers import (
    parse_cgact,
    parse_cgcontrdp,
    parse_cgdcont,
    parse_cgdcont_test,
    parse_cgev,
    parse_cgpaddr,
    parse_cpin,
    parse_ranges,
)
from me_lib.modem.sockets import ADAPTERS
from me_lib.modem.sockets.base import check_ip, is_ip
from me_lib.modem.sockets.nrf91 import Nrf91Sockets, is_text_payload


class VirtualClock:
    """Seconds that pass only when the port waits (`to_real`: one clock second is one second)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def to_real(self, seconds: float) -> float:
        return seconds


class ScriptPort:
    """Answers `reply` once `expected` has been written, in script order; logs every write."""

    def __init__(self, script: list) -> None:
        self.script = list(script)
        self.clock = VirtualClock()
        self.timeout = 0.02
        self.written = b""
        self.writes: list = []      # (clock time, bytes)
        self._pending = b""
        self._out = b""
        self.closed = False

    def write(self, data: bytes) -> int:
        self.written += data
        self.writes.append((self.clock.now, bytes(data)))
        self._pending += data
        while self.script and self.script[0][0] in self._pending:
            want, reply = self.script.pop(0)
            self._pending = self._pending[self._pending.find(want) + len(want):]
            self._out += reply
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self._out)

    def read(self, n: int = 1) -> bytes:
        if not self._out:
            self.clock.now += self.timeout      # waited for the first byte in vain
            return b""
        data = self._out[:n]
        self._out = self._out[n:]
        return data

    def close(self) -> None:
        self.closed = True

    def push(self, data: bytes) -> None:
        """Bytes the modem sends on its own (URCs, late answers)."""
        self._out += data


def channel(script: list) -> tuple:
    port = ScriptPort(script)
    return AtChannel(port, name="script"), port


# -- AtChannel ---------------------------------------------------------------------


def test_command_returns_lines_and_fields():
    ch, port = channel([
        (b"AT+CGDCONT?\r", b'\r\n+CGDCONT: 1,"IP","dm.example"\r\n'
                           b'\r\n+CGDCONT: 2,"IPV6","svc.example"\r\n\r\nOK\r\n'),
    ])
    rsp = ch.command("AT+CGDCONT?", prefix="+CGDCONT:", timeout=2)
    assert rsp.final.ok and rsp.final.kind == "OK"
    assert rsp.fields("+CGDCONT:") == [["1", "IP", "dm.example"], ["2", "IPV6", "svc.example"]]
    assert ch.round_trips == 1
    assert ch.bytes_out == len(b"AT+CGDCONT?\r")
    assert not port.script


def test_the_channel_adopts_the_port_clock():
    ch, port = channel([])
    port.clock.now = 12.5
    assert ch.clock() == 12.5


def test_error_final_raises_cme_error_or_returns_with_check_false():
    ch, _ = channel([
        (b"AT+CGACT=1,2\r", b"\r\n+CME ERROR: 127\r\n"),
        (b"AT+CGACT=1,3\r", b"\r\n+CME ERROR: 127\r\n"),
    ])
    err = raises(CmeError, ch.command, "AT+CGACT=1,2", timeout=2)
    assert err.code == 127
    assert err.name == "missing or unknown APN"
    assert err.command == "AT+CGACT=1,2"
    rsp = ch.command("AT+CGACT=1,3", timeout=2, check=False)
    assert not rsp.final.ok and rsp.final.kind == "CME" and rsp.final.code == 127


def test_urcs_wait_for_poll_and_reach_subscribers_in_subscription_order():
    ch, port = channel([
        (b"AT+CEREG?\r", b"\r\n+CEREG: 5\r\n\r\n+CEREG: 2,1\r\n\r\nOK\r\n"),
    ])
    seen = []
    ch.subscribe("+CEREG:", lambda u: seen.append("first " + u.line))
    ch.subscribe("+CE", lambda u: seen.append("second " + u.line))
    ch.subscribe("+CEREG:", lambda u: seen.append("third " + u.line))
    rsp = ch.command("AT+CEREG?", prefix="+CEREG:", timeout=2)
    assert rsp.lines == ["+CEREG: 2,1"]     # the URC is not part of the answer
    assert seen == []                        # nor delivered inside command()
    assert ch.poll(0.0) == 1
    assert seen == ["first +CEREG: 5", "second +CEREG: 5", "third +CEREG: 5"]
    port.push(b'\r\n+QIURC: "pdpdeact",1\r\n')
    got = ch.wait_urc("+QIURC:", 1.0)
    assert got.line == '+QIURC: "pdpdeact",1'


def test_a_urc_flood_nobody_polls_keeps_the_newest_and_every_reboot():
    ch, port = channel([
        (b"AT+CGDCONT?\r", b"\r\nOK\r\n"),
    ])
    ch.max_queued_urcs = 8
    port.push(b"\r\nRDY\r\n")          # a boot banner (Rebooted), then 20 reports
    ch.engine.banners.add("RDY")
    for i in range(20):
        port.push(b"\r\n+CEREG: %d\r\n" % (i % 6))
    ch.command("AT+CGDCONT?", timeout=2)   # the command reads them all in
    kinds = [type(x).__name__ for x in ch._queue]
    assert kinds == ["Rebooted"] + ["Urc"] * 7, kinds
    seen = []
    ch.subscribe("+CEREG:", lambda u: seen.append(u.line))
    ch.poll(0.0)
    # the queue held 8 items: the reboot and the newest 7 reports
    assert ch.urcs_dropped == 13
    assert seen == ["+CEREG: %d" % (i % 6) for i in range(13, 20)]
    assert ch.reboots == 1


def test_timeout_on_the_virtual_clock_then_resync_absorbs_the_late_answer():
    ch, port = channel([
        (b"AT+COPS=?\r", b""),                 # no answer in time
    ])
    err = raises(AtTimeout, ch.command, "AT+COPS=?", timeout=1.5)
    assert err.timeout == 1.5
    assert 1.5 <= port.clock.now < 1.6       # exactly the timeout, no real waiting
    assert ch.consecutive_timeouts == 1
    # the late answer arrives; the next command first resynchronises with AT
    port.push(b'\r\n+COPS: (2,"Op","Op","00101",7)\r\n\r\nOK\r\n')
    port.script = [(b"AT\r", b"\r\nOK\r\n"), (b"AT+CGMM\r", b"\r\nBG96\r\n\r\nOK\r\n")]
    assert ch.command("AT+CGMM", timeout=2).lines == ["BG96"]
    assert port.written.endswith(b"AT\rAT+CGMM\r")
    assert ch.consecutive_timeouts == 0


def test_payload_at_the_prompt():
    ch, port = channel([
        (b"AT+QISEND=0,4\r", b"\r\n> "),
        (b"ping", b"\r\nSEND OK\r\n"),
    ])
    rsp = ch.command("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, timeout=2)
    assert rsp.final.name == "SEND OK"
    assert port.written == b"AT+QISEND=0,4\rping"


def test_payload_without_prompt_goes_out_after_the_quiet_time():
    ch, port = channel([
        (b'AT#XSENDTO="10.1.2.3",5683\r', b""),     # data mode: the module stays silent
        (b"\x40\x00\x12\x34+++", b"\r\nOK\r\n"),
    ])
    rsp = ch.command('AT#XSENDTO="10.1.2.3",5683', timeout=5, payload=b"\x40\x00\x12\x34",
                     payload_end=b"+++", payload_after=0.5)
    assert rsp.final.ok
    times = [t for t, _ in port.writes]
    assert [d for _, d in port.writes] == [b'AT#XSENDTO="10.1.2.3",5683\r',
                                           b"\x40\x00\x12\x34", b"+++"]
    assert times[1] - times[0] >= 0.5 and times[2] - times[1] >= 0.5


def test_payload_without_prompt_is_not_written_after_a_refusal():
    ch, port = channel([(b'AT#XSENDTO="10.1.2.3",5683\r', b"\r\nERROR\r\n")])
    rsp = ch.command('AT#XSENDTO="10.1.2.3",5683', timeout=5, payload=b"\x00x",
                     payload_end=b"+++", payload_after=0.5, check=False)
    assert rsp.final.kind == "ERROR"
    assert port.written == b'AT#XSENDTO="10.1.2.3",5683\r'


def test_background_reader_only_where_there_are_threads():
    try:
        import threading  # noqa: F401 - is there a threading module?
    except ImportError:   # MicroPython: a typed error that says to poll
        ch, _ = channel([])
        err = raises(MeLibError, ch.start_reader)
        assert "poll" in str(err)


# -- dialects ----------------------------------------------------------------------


def test_power_timings_of_every_dialect():
    with_pins = ("quectel-bg96", "ublox-sara-r4", "simcom-sim7080", "telit-me910")
    for name in with_pins:
        d = by_name(name)
        for value in (d.pwrkey_on_s, d.pwrkey_off_s, d.reset_pulse_s, d.boot_s):
            assert isinstance(value, float) and 0 < value <= 20, (name, value)
    # one pin starts and stops Quectel/SIMCom modules: "on" must not be read as "off"
    for name in ("quectel-bg96", "simcom-sim7080"):
        d = by_name(name)
        assert d.pwrkey_on_s < d.pwrkey_off_s
    bg96 = by_name("quectel-bg96")
    assert bg96.pwrkey_on_s >= 0.5 and bg96.pwrkey_off_s >= 0.65
    assert 0.15 <= bg96.reset_pulse_s <= 0.46
    for d in (by_name("nordic-nrf91-slm"), GENERIC):
        assert (d.pwrkey_on_s, d.pwrkey_off_s, d.reset_pulse_s, d.boot_s) == (
            None, None, None, None)
    assert len(DIALECTS) == 6


def test_match_and_lookup():
    assert match_dialect("Quectel BG96 Revision: BG96MAR02A07M1G").name == "quectel-bg96"
    assert match_dialect("SIMCOM_SIM7080G").name == "simcom-sim7080"
    assert match_dialect("something else") is GENERIC
    raises(MeLibError, by_name, "no-such-modem")


# -- parsers -----------------------------------------------------------------------


def test_context_parsers():
    ctxs = parse_cgdcont(['+CGDCONT: 1,"IP","internet.mnc001.mcc001.gprs","0.0.0.0",0,0',
                          "+CGDCONT: 2,IPV6,svc", "+CGDCONT: x,IP,bad", "+CGACT: 1,1"])
    assert [(c.cid, c.pdp_type, c.apn) for c in ctxs] == [
        (1, "IP", "internet.mnc001.mcc001.gprs"), (2, "IPV6", "svc")]
    assert parse_cgact(["+CGACT: 1,1", "+CGACT: 2,0", "+CGACT: 3"]) == {1: True, 2: False}
    assert parse_ranges("(1-3,101-102)") == [1, 2, 3, 101, 102]
    assert parse_ranges(" ( 1 ) ") == [1]
    assert parse_cgdcont_test(['+CGDCONT: (1-2),"IPV6"', '+CGDCONT: (1-15),"IP"'], "IP") == list(
        range(1, 16))
    assert parse_cpin(["+CPIN: SIM PIN"]) == "SIM PIN"
    assert parse_cgev("+CGEV: NW PDN DEACT 2") == ("NW PDN DEACT", 2)


def test_address_parsers():
    info = parse_cgcontrdp(['+CGCONTRDP: 1,5,"iot.example","10.1.2.3.255.255.255.0",'
                            '"10.1.2.1","8.8.8.8","8.8.4.4"'], 1)
    assert info is not None
    assert (info.apn, info.addresses, info.gateway, info.dns) == (
        "iot.example", ["10.1.2.3"], "10.1.2.1", ["8.8.8.8", "8.8.4.4"])
    v6 = ".".join(["32", "1", "13", "184"] + ["0"] * 11 + ["1"])
    assert parse_cgpaddr(['+CGPADDR: 1,"10.0.0.2","%s"' % v6, "+CGPADDR: 2"]) == {
        1: ["10.0.0.2", "2001:db8:0:0:0:0:0:1"], 2: []}


def test_registration_vectors():
    r = parse_registration('+CREG: 2,1,"8BE3","00002B5D",3')
    assert (r.state, r.lac, r.ci, r.act_name) == ("HOME", 0x8BE3, 0x2B5D, "EDGE")
    r = parse_registration("+CEREG: 5", solicited=False)
    assert r.registered


# -- Modem -------------------------------------------------------------------------


def test_active_cids_queries_in_a_fixed_order():
    ch, port = channel([
        (b"AT#SGACT?\r", b"\r\n#SGACT: 1,1\r\n\r\nOK\r\n"),
        (b"AT+CGACT?\r", b"\r\n+CGACT: 1,1\r\n+CGACT: 3,1\r\n+CGACT: 4,0\r\n\r\nOK\r\n"),
    ])
    modem = Modem(ch, dialect="telit-me910", pin="1234")
    assert sorted(modem.active_cids()) == [1, 3]
    assert port.written == b"AT#SGACT?\rAT+CGACT?\r"
    assert not port.script


def test_ceer_cause_is_the_lowest_named_cause():
    ch, _ = channel([(b"AT+CEER\r", b'\r\n+CEER: "missing or unknown APN; '
                                    b'insufficient resources"\r\n\r\nOK\r\n')])
    assert Modem(ch, dialect="ublox-sara-r4", pin="1234").ceer_cause() == 26


_SIM_PIN = b"\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"


def _cpinr(left: int) -> tuple:
    return (b'AT+CPINR="SIM PIN"\r', b'\r\n+CPINR: "SIM PIN",%d,3\r\n\r\nOK\r\n' % left)


def _refusal_never_resent(refusal: list, left_after: int) -> None:
    ch, port = channel([(b"AT+CPIN?\r", _SIM_PIN), _cpinr(3)] + refusal + [_cpinr(left_after),
                       (b"AT+CPIN?\r", _SIM_PIN)])
    modem = Modem(ch, dialect="quectel-bg96", pin="11223344")
    first = raises(SimNotReady, modem.wait_sim_ready)
    assert "refused the PIN" in str(first) and "11223344" not in str(first)
    assert "%d tries left" % left_after in str(first)
    again = raises(SimNotReady, modem.wait_sim_ready)    # the same PIN, the same session
    assert "earlier in this session" in str(again)
    assert port.written.count(b"AT+CPIN=") == 1 and not port.script


def test_a_pin_refused_with_cme_16_is_never_resent():
    _refusal_never_resent([(b'AT+CPIN="11223344"\r', b"\r\n+CME ERROR: 16\r\n")], 2)


def test_a_pin_refused_with_a_plain_error_is_never_resent():
    # CMEE off: the module says ERROR and nothing more
    _refusal_never_resent([(b'AT+CPIN="11223344"\r', b"\r\nERROR\r\n")], 2)


def test_a_pin_answered_ok_while_the_sim_still_asks_is_a_refusal():
    _refusal_never_resent([(b'AT+CPIN="11223344"\r', b"\r\nOK\r\n"),
                           (b"AT+CPIN?\r", _SIM_PIN)], 2)


def test_a_refusal_leaving_one_try_says_the_card_is_not_blocked_yet():
    ch, port = channel([(b"AT+CPIN?\r", _SIM_PIN), _cpinr(2),
                        (b'AT+CPIN="11223344"\r', b"\r\nERROR\r\n"), _cpinr(1)])
    exc = raises(SimNotReady, Modem(ch, dialect="quectel-bg96", pin="11223344").wait_sim_ready)
    text = str(exc)
    assert "1 try left" in text and "not blocked yet" in text and "PUK" in text
    assert "by hand" in text and "PIN source" in text and "11223344" not in text
    assert not port.script


def test_one_try_left_the_pin_is_not_risked_and_the_message_says_why():
    ch, port = channel([(b"AT+CPIN?\r", _SIM_PIN), _cpinr(1)])
    exc = raises(PinBlocked, Modem(ch, dialect="quectel-bg96", pin="11223344").wait_sim_ready)
    assert exc.retries == 1 and "not blocked yet" in str(exc) and "by hand" in str(exc)
    assert b"AT+CPIN=" not in port.written and not port.script


# -- sockets -----------------------------------------------------------------------


def test_ip_checks():
    assert is_ip("10.0.0.1") and is_ip("2001:db8::1")
    assert not is_ip("dm.example.net") and not is_ip("10.0.0.256") and not is_ip("")
    raises(ConnectFailed, check_ip, "dm.example.net")
    assert is_text_payload(b"hello") and not is_text_payload(b"a,b")


def test_adapters_are_built_by_family():
    ch, _ = channel([])
    for family in ("quectel", "ublox", "simcom", "telit", "nrf91"):
        adapter = ADAPTERS[family](ch)
        assert adapter.family == family
        assert adapter.clock() == ch.clock()


def test_nrf91_binary_datagram_through_slm_data_mode():
    ping = b"\x40\x00\x0a\x0d"
    ch, port = channel([
        (b"AT#XSOCKET=1,2,0\r", b"\r\n#XSOCKET: 0,2,17\r\n\r\nOK\r\n"),
        (b'AT#XSENDTO="10.1.2.3",5683\r', b""),
        (ping + b"+++", b"\r\nOK\r\n"),
        (b"AT#XRECVFROM=", b'\r\n#XRECVFROM: 4,"10.1.2.3",5683\r\n'
                           b"\x70\x00\x0a\x0d\r\nOK\r\n"),
        (b"AT#XSOCKET=0\r", b'\r\n#XSOCKET: 0,"closed"\r\n\r\nOK\r\n'),
    ])
    reply = Nrf91Sockets(ch, datamode_silence=0.2).udp_request("10.1.2.3", 5683, ping, 0,
                                                                  10.0)
    assert reply == b"\x70\x00\x0a\x0d"
    assert ch.round_trips == 4
    assert not port.script


def test_identification_skips_noise_before_the_answer():
    """Garbage after a crash is no manufacturer, model or IMEI: the dialect depends on them."""
    ch, _port = channel([
        (b"AT+CGMM\r", b"\r\n\x01\x7f\r\nBG96\r\n\r\nOK\r\n"),   # vendor from the table
        (b"AT+CGMR\r", b"\r\nBG96MAR02A07M1G\r\n\r\nOK\r\n"),
        (b"AT+CGSN\r", b"\r\n353456789012347\r\nZZ\r\n\r\nOK\r\n"),
    ])
    ident = Modem(ch).identify()
    assert (ident.manufacturer, ident.model, ident.imei) == ("Quectel", "BG96",
                                                             "353456789012347")


def test_the_channel_counts_writes_from_the_command_form():
    ch, port = channel([
        (b"AT+CGDCONT?\r", b"\r\nOK\r\n"), (b"AT+CEREG=3\r", b"\r\nOK\r\n"),
        (b"AT+CGDCONT=2,\"IP\",\"a\"\r", b"\r\nOK\r\n"), (b"AT+CFUN=1\r", b"\r\nERROR\r\n"),
        (b"AT+CRSM=176,28423,0,0,9\r", b"\r\n+CRSM: 144,0,\"\"\r\nOK\r\n"),
        (b"AT+CGDCONT=?\r", b"\r\nOK\r\n"),
    ])
    ch.command("AT+CGDCONT?")                    # a query
    ch.command("AT+CEREG=3")                     # a reporting mode: same state twice
    ch.command('AT+CGDCONT=2,"IP","a"')          # a write
    ch.command("AT+CFUN=1", check=False)         # a refused write went out all the same
    ch.command("AT+CRSM=176,28423,0,0,9")        # a card read
    ch.command("AT+CGDCONT=?")                   # a test
    assert (ch.round_trips, ch.writes) == (6, 2)
    assert not port.script


def test_a_script_goes_on_past_a_refused_optional_row_and_stops_at_a_required_one():
    ch, port = channel([
        (b"AT+CGEREP=1\r", b"\r\n+CME ERROR: 4\r\n"), (b"AT+CNEC=16\r", b"\r\nOK\r\n"),
        (b"AT+CMEE=1\r", b"\r\nERROR\r\n"),
    ])
    modem = Modem(ch)
    out = modem.run_script((("AT+CGEREP=1", None, True), ("AT+CNEC=16", None, True)))
    assert isinstance(out[0], CmeError) and out[0].code == 4
    assert out[1].final.ok
    raises(AtCommandError, modem.run_script, (("AT+CMEE=1", None, False),
                                              ("AT+CNEC=16", None, True)))
    assert not port.script and port.written.count(b"AT+CNEC=16") == 1
