"""Unit tests of the sans-I/O AT engine, one rule at a time."""

import pytest

from me_lib.at import AtEngine, Prompt, RawSpec, Rebooted, Response, Timeout, Urc
from me_lib.errors import AtError, InvalidAtParameter


def run(engine, data, now=0.0):
    return engine.feed(data, now)


def only(events, kind):
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


@pytest.mark.parametrize("framing", [
    b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
    b"\r\r\n+CSQ: 20,99\r\r\n\r\r\nOK\r\r\n",
    b"\n+CSQ: 20,99\nOK\n",
    b"\r+CSQ: 20,99\rOK\r",
    b"\x00\r\n+CSQ: 20,99\r\n\xff\xff\r\nOK\r\n\x00",
    b"\r\n\r\n\r\n+CSQ: 20,99\r\n\r\n\r\nOK\r\n",
])
def test_every_line_framing_gives_the_same_response(framing):
    e = AtEngine()
    e.send("AT+CSQ", prefix="+CSQ:", now=0)
    rsp = only(run(e, framing), Response)
    assert rsp.lines == ["+CSQ: 20,99"]
    assert rsp.final.ok and rsp.final.kind == "OK"
    assert rsp.fields("+CSQ:") == [["20", "99"]]


@pytest.mark.parametrize("line,kind,ok,code,name", [
    ("OK", "OK", True, None, None),
    ("ERROR", "ERROR", False, None, None),
    ("+CME ERROR: 14", "CME", False, 14, "SIM busy"),
    ("+CME ERROR: SIM busy", "CME", False, 14, "SIM busy"),
    ("+CME ERROR: 127", "CME", False, 127, "missing or unknown APN"),
    ("+CME ERROR: incorrect password", "CME", False, 16, "incorrect password"),
    ("+CME ERROR: raspberry", "CME", False, None, "raspberry"),
    ("+CMS ERROR: 330", "CMS", False, 330, "SMSC address unknown"),
    ("NO CARRIER", "NO CARRIER", False, None, None),
    ("BUSY", "BUSY", False, None, None),
    ("NO ANSWER", "NO ANSWER", False, None, None),
    ("NO DIALTONE", "NO DIALTONE", False, None, None),
    ("COMMAND NOT SUPPORT", "COMMAND NOT SUPPORT", False, None, None),
    ("CONNECT", "CONNECT", True, None, None),
    ("CONNECT 150000000", "CONNECT", True, None, None),
    ("MODEM ERROR: 5", "MODEM ERROR", False, 5, "modem error 5"),
])
def test_final_result_codes(line, kind, ok, code, name):
    e = AtEngine()
    e.send("AT+X", now=0)
    rsp = only(run(e, b"\r\n" + line.encode() + b"\r\n"), Response)
    assert (rsp.final.kind, rsp.final.ok, rsp.final.code) == (kind, ok, code)
    if name is not None:
        assert rsp.final.name == name


def test_connect_enters_data_mode_until_released():
    e = AtEngine()
    e.send("ATD*99***1#", now=0)
    events = run(e, b"\r\nCONNECT 150000000\r\n\x7e\xff\x7d\x23\r\nOK\r\n")
    rsp = only(events, Response)
    assert rsp.final.kind == "CONNECT"
    assert e.data_mode
    data = b"".join(ev.data for ev in events if hasattr(ev, "data") and not isinstance(ev, Prompt))
    assert data == b"\x7e\xff\x7d\x23\r\nOK\r\n"
    e.leave_data_mode()
    assert isinstance(only(run(e, b"\r\nRING\r\n"), Urc), Urc)


def test_extra_finals_are_per_command():
    e = AtEngine()
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True, "SEND FAIL": False},
           now=0)
    prompt = only(run(e, b"\r\n> "), Prompt)
    assert prompt.data == b"ping" and prompt.char == ">"
    rsp = only(run(e, b"\r\nSEND FAIL\r\n"), Response)
    assert not rsp.final.ok and rsp.final.name == "SEND FAIL"
    # without the extra final, SEND OK is not an answer to a prefixed command
    e.send("AT+CSQ", prefix="+CSQ:", now=0)
    events = run(e, b"\r\nSEND OK\r\n\r\nOK\r\n")
    assert only(events, Urc).line == "SEND OK"


def test_u_blox_at_prompt_and_payload():
    e = AtEngine()
    e.send('AT+USOST=0,"127.0.0.1",5683,4', prefix="+USOST:", payload=b"\x40\x00\x12\x34",
           now=0)
    assert only(run(e, b"\r\n@"), Prompt).char == "@"
    rsp = only(run(e, b"\r\n+USOST: 0,4\r\n\r\nOK\r\n"), Response)
    assert rsp.fields("+USOST:") == [["0", "4"]]


def test_no_final_module_completes_after_grace():
    e = AtEngine()
    e.send("AT+CPIN?", prefix="+CPIN:", no_final_grace=0.3, now=0)
    assert run(e, b"+CPIN: READY\r\n", 1.0) == []
    assert e.tick(1.2) == []
    rsp = only(e.tick(1.31), Response)
    assert rsp.lines == ["+CPIN: READY"] and rsp.final.kind == "NONE" and rsp.final.ok


def test_bare_lines_for_commands_without_prefix():
    e = AtEngine()
    e.send("AT+CIMI", now=0)
    rsp = only(run(e, b"\r\n901405103271762\r\n\r\nOK\r\n"), Response)
    assert rsp.lines == ["901405103271762"]


def test_urc_inside_a_response_is_routed_out():
    e = AtEngine()
    e.send("AT+CGDCONT?", prefix="+CGDCONT:", now=0)
    events = run(e, b'\r\n+CGDCONT: 1,"IP","a"\r\n\r\n+CGEV: NW DETACH\r\n'
                    b'\r\n+CGDCONT: 2,"IP","b"\r\n\r\nRING\r\n\r\nOK\r\n')
    rsp = only(events, Response)
    assert rsp.lines == ['+CGDCONT: 1,"IP","a"', '+CGDCONT: 2,"IP","b"']
    assert [u.line for u in events if isinstance(u, Urc)] == ["+CGEV: NW DETACH", "RING"]


def test_interleaved_cereg_urc_and_read_answer():
    # ubxlib header comment: `+CEREG: 1` (URC) then `+CEREG: 0,1` (answer) then OK
    e = AtEngine()
    e.send("AT+CEREG?", prefix="+CEREG:", now=0)
    events = run(e, b'\r\n+CEREG: 1\r\n\r\n+CEREG: 0,1\r\n\r\n+CEREG: 5,"1F00","01A2B3C4",7'
                    b'\r\n\r\nOK\r\n')
    assert only(events, Response).lines == ["+CEREG: 0,1"]
    assert [u.line for u in events if isinstance(u, Urc)] == [
        "+CEREG: 1", '+CEREG: 5,"1F00","01A2B3C4",7']


def test_urcs_between_commands_are_all_reported_in_order():
    e = AtEngine()
    events = run(e, b"\r\n+CEREG: 2\r\n\r\n+CEREG: 1\r\n\r\n+QIURC: \"pdpdeact\",1\r\n")
    assert [u.line for u in events] == ["+CEREG: 2", "+CEREG: 1", '+QIURC: "pdpdeact",1']
    assert e.stray_finals == 0


def test_echo_removed_when_on_and_echo_state_tracked():
    e = AtEngine()
    assert e.echo is None
    e.send("ATE0", now=0)
    only(run(e, b"ATE0\r\r\nOK\r\n"), Response)
    assert e.echo is False
    e.send("AT+CGMM", now=0)
    assert only(run(e, b"\r\nBG96\r\n\r\nOK\r\n"), Response).lines == ["BG96"]


def test_echo_comes_back_after_reboot():
    e = AtEngine(echo=False)
    events = run(e, b"\r\nRDY\r\n")
    assert only(events, Rebooted).banner == "RDY" and e.echo is None
    e.send("AT+CGMM", now=0)
    rsp = only(run(e, b"AT+CGMM\r\r\nBG96\r\n\r\nOK\r\n"), Response)
    assert rsp.lines == ["BG96"] and e.echo is True


def test_echo_known_on_drops_everything_before_first_crlf():
    e = AtEngine(echo=True)
    e.send("AT+CGMM", now=0)
    # a garbled echo is still echo: V.250 answers start with CR LF
    rsp = only(run(e, b"AT+CG\x00MX\r\r\nBG96\r\n\r\nOK\r\n"), Response)
    assert rsp.lines == ["BG96"]


def test_boot_banner_fails_command_in_flight():
    e = AtEngine()
    e.send("AT+CGACT=1,1", now=0)
    events = run(e, b"\r\nRDY\r\n")
    assert only(events, Rebooted).command == "AT+CGACT=1,1"
    assert not e.busy
    # APP RDY seconds later belongs to the same boot: progress, not a second reboot
    e.send("AT", now=5)
    events = run(e, b"\r\nAPP RDY\r\n\r\nOK\r\n", 5.0)
    assert [type(x).__name__ for x in events] == ["Urc", "Response"]
    # ... but alone (no RDY before it, e.g. while autobauding) it is a reboot
    events = run(e, b"\r\nSMS Ready\r\n", 500.0)
    assert only(events, Rebooted).banner == "SMS Ready"


def test_timeout_then_counter_and_late_final_ignored():
    e = AtEngine()
    e.send("AT+COPS=?", timeout=2.0, now=10.0)
    assert e.tick(11.9) == []
    t = only(e.tick(12.0), Timeout)
    assert t.consecutive == 1 and e.consecutive_timeouts == 1
    assert run(e, b"\r\nOK\r\n", 13.0) == []
    assert e.stray_finals == 1
    e.send("AT", now=13)
    only(run(e, b"\r\nOK\r\n", 13.1), Response)
    assert e.consecutive_timeouts == 0


def test_default_timeouts_by_command_family():
    e = AtEngine()
    e.send("AT+CGACT=1,1", now=0)
    assert e.tick(149.0) == []
    assert isinstance(only(e.tick(150.0), Timeout), Timeout)
    e.send("AT+CSQ", now=0)
    assert isinstance(only(e.tick(8.0), Timeout), Timeout)


def test_timeout_starts_at_next_clock_when_not_given():
    e = AtEngine()
    e.send("AT", timeout=1.0)
    assert e.tick(100.0) == []
    assert isinstance(only(e.tick(101.0), Timeout), Timeout)


def test_abort_path():
    e = AtEngine()
    e.send("AT+COPS=?", now=0)
    assert e.abort(5.0, grace=1.0) == b" "
    rsp = only(run(e, b"\r\nABORTED\r\n", 5.1), Response)
    assert rsp.final.kind == "ABORTED" and not rsp.final.ok
    e.send("AT+COPS=?", now=10)
    e.abort(10.0, grace=1.0)
    assert isinstance(only(e.tick(11.0), Timeout), Timeout)


def test_settle_absorbs_a_late_duplicate_final():
    e = AtEngine()
    e.send("AT", settle=0.2, now=0)
    assert run(e, b"\r\nOK\r\n", 0.1) == []
    assert run(e, b"\r\nOK\r\n", 0.15) == []
    assert e.tick(0.3) == []
    assert isinstance(only(e.tick(0.36), Response), Response)
    assert e.stray_finals == 1  # the late OK was absorbed, not given to a later command


def test_raw_payload_of_announced_length_keeps_line_ends_and_noise():
    e = AtEngine()
    e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], now=0)
    payload = b"\x00\xffOK\r\nERROR\r\n\r"
    rsp = only(run(e, b"\r\n+QIRD: %d\r\n" % len(payload) + payload + b"\r\n\r\nOK\r\n"),
               Response)
    assert rsp.payloads == [payload] and rsp.lines == ["+QIRD: %d" % len(payload)]


def test_inline_raw_payload():
    e = AtEngine()
    e.send("AT+CARECV=0,100", prefix="+CARECV:", raw=[RawSpec("+CARECV:", 0, inline=True)],
           now=0)
    rsp = only(run(e, b"\r\n+CARECV: 4,\r\nOK\r\n\r\nOK\r\n"), Response)
    assert rsp.payloads == [b"\r\nOK"]


def test_urc_with_raw_payload():
    e = AtEngine(urc_raw=[RawSpec("#XRECV:", 0)])
    urc = only(run(e, b"\r\n#XRECV: 3\r\nA\nB\r\n"), Urc)
    assert urc.payload == b"A\nB"


def test_send_refuses_while_busy_and_validates_line():
    e = AtEngine()
    e.send("AT", now=0)
    with pytest.raises(AtError):
        e.send("AT", now=0)
    e2 = AtEngine()
    with pytest.raises(InvalidAtParameter):
        e2.send('AT+CGDCONT=1,"IP","x"\r\nAT+CFUN=0', now=0)
    with pytest.raises(InvalidAtParameter):
        e2.send("AT" + "X" * 600, now=0)
    assert not e2.busy


def test_over_long_garbage_does_not_grow_without_bound():
    e = AtEngine(max_line_bytes=1024)
    e.send("AT", now=0)
    for _ in range(100):
        run(e, b"\x55" * 1000)
    assert len(e._partial) <= 1024
    assert only(run(e, b"\r\nOK\r\n"), Response).final.ok
