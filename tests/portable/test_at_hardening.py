"""The AT engine and the answer parsers against garbage: bounded memory in every mode,
resynchronisation after a timeout, noise never taken as a value.

Portable: runs on CPython (pytest) and on MicroPython (tests/micropython runners).
"""

from portable_support import raises

from me_lib.at import AtEngine, ProtocolError, RawSpec, Rebooted, Response, Timeout, Urc
from me_lib.at.channel import raise_for_final
from me_lib.errors import AtProtocolError
from me_lib.modem.parsers import parse_cpin
from me_lib.modem.registration import parse_registration


def _only(events: list, kind: type) -> object:
    found = [e for e in events if isinstance(e, kind)]
    assert len(found) == 1, events
    return found[0]


def _bytewise(engine: AtEngine, data: bytes, now: float = 0.0) -> list:
    events: list = []
    for i in range(len(data)):
        events += engine.feed(data[i:i + 1], now)
        assert engine.buffered() <= engine.buffer_limit
    return events


def _small() -> AtEngine:
    return AtEngine(max_line_bytes=512, max_raw=256, max_response=1024)


# -- bounded memory in every mode ----------------------------------------------------


def test_line_without_line_end_is_capped_while_echo_is_on():
    e = _small()
    e.echo = True
    e.send("AT+CGMM", now=0)
    _bytewise(e, b"U" * 3000)
    assert len(e._partial) <= e.max_line_bytes
    rsp = _only(e.feed(b"\r\nBG96\r\n\r\nOK\r\n", 0.0), Response)
    assert rsp.final.ok and rsp.lines[-1] == "BG96"


def test_echo_on_in_one_big_chunk_is_capped_too():
    e = _small()
    e.echo = True
    e.send("AT", now=0)
    for _ in range(20):
        e.feed(b"\xaa" * 500, 0.0)
        assert e.buffered() <= e.buffer_limit
    assert _only(e.feed(b"\r\nOK\r\n", 0.0), Response).final.ok


def test_inline_payload_header_that_never_ends_is_an_ordinary_capped_line():
    e = _small()
    spec = RawSpec("+CARECV:", 0, inline=True)
    e.send("AT+CARECV=0,100", prefix="+CARECV:", raw=[spec], now=0)
    _bytewise(e, b"+CARECV: " + b"7" * 2000)
    assert len(e._partial) <= e.max_line_bytes
    events = e.feed(b"\r\n\r\nOK\r\n", 0.0)
    assert isinstance(_only(events, Response), Response)


def test_garbled_inline_length_is_a_protocol_error_not_a_payload():
    e = _small()
    spec = RawSpec("+CARECV:", 0, inline=True)
    e.send("AT+CARECV=0,100", prefix="+CARECV:", raw=[spec], now=0)
    events = e.feed(b"\r\n+CARECV: 99999999999,abc\r\n\r\nOK\r\n", 0.0)
    err = _only(events, ProtocolError)
    assert err.command == "AT+CARECV=0,100" and "99999999999" in err.reason
    rsp = _only(events, Response)
    assert rsp.final.kind == "PROTOCOL" and not rsp.final.ok and rsp.payloads == []
    exc = raises(AtProtocolError, raise_for_final, rsp)
    assert "AT+CARECV" in str(exc)
    assert e.protocol_errors == 1 and not e.busy
    # the next command is answered normally
    e.send("AT", now=0)
    assert _only(e.feed(b"\r\nOK\r\n", 0.0), Response).final.ok


def test_announced_length_cap_is_inclusive():
    e = _small()
    e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], now=0)
    payload = b"\x00" * 256
    rsp = _only(e.feed(b"\r\n+QIRD: 256\r\n" + payload + b"\r\n\r\nOK\r\n", 0.0), Response)
    assert rsp.final.ok and rsp.payloads == [payload]
    e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], now=0)
    events = e.feed(b"\r\n+QIRD: 257\r\n\r\nOK\r\n", 0.0)
    assert _only(events, Response).final.kind == "PROTOCOL"


def test_absurd_announced_length_does_not_swallow_ok_or_a_banner():
    e = AtEngine()
    e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], now=0)
    events = e.feed(b"\r\n+QIRD: 99999999999999\r\n\r\nOK\r\n", 0.0)
    assert _only(events, Response).final.kind == "PROTOCOL"
    assert isinstance(_only(events, ProtocolError), ProtocolError)
    # nothing is waiting for payload bytes: a reboot banner is seen at once
    assert isinstance(_only(e.feed(b"\r\nRDY\r\n", 1.0), Rebooted), Rebooted)


def test_urc_with_absurd_length_is_reported_without_payload():
    e = AtEngine(urc_raw=[RawSpec("#XRECV:", 0)])
    events = e.feed(b"\r\n#XRECV: 4294967296\r\n", 0.0)
    err = _only(events, ProtocolError)
    assert err.command is None
    urc = _only(events, Urc)
    assert urc.payload is None
    e.send("AT", now=0)
    assert _only(e.feed(b"\r\nOK\r\n", 0.0), Response).final.ok


def test_timeout_inside_a_raw_payload_resynchronises():
    e = AtEngine()
    e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], timeout=2.0, now=0)
    e.feed(b"\r\n+QIRD: 1000\r\nonly a few bytes", 0.5)
    assert e.buffered() > 0
    assert isinstance(_only(e.tick(2.0), Timeout), Timeout)
    # the missing 980 bytes never come: the next answer is not taken for them
    e.send("AT", now=3.0)
    assert _only(e.feed(b"\r\nOK\r\n", 3.1), Response).final.ok
    assert isinstance(_only(e.feed(b"\r\nRDY\r\n", 4.0), Rebooted), Rebooted)


def test_timeout_waiting_for_a_payload_echo_resynchronises():
    e = AtEngine()
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, timeout=1.0, now=0)
    e.feed(b"\r\n> ", 0.1)
    e.feed(b"pi", 0.2)
    assert isinstance(_only(e.tick(1.0), Timeout), Timeout)
    e.send("AT", now=2.0)
    assert _only(e.feed(b"ng\r\nOK\r\n", 2.1), Response).final.ok


def test_engine_resync_forgets_the_partial_line_and_payload():
    e = AtEngine(urc_raw=[RawSpec("+QIURC:", 0)])
    e.feed(b"\r\n+QIURC: 100\r\nabc", 0.0)
    e.feed(b"\r\nnext\r\n" * 0, 0.0)
    e.resync()
    assert e.buffered() == 0
    e.feed(b"half a line", 0.0)
    e.resync()
    assert e.buffered() == 0
    e.send("AT", now=0)
    assert _only(e.feed(b"\r\nOK\r\n", 0.0), Response).final.ok


def test_prompt_mode_garbage_is_capped():
    e = _small()
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0)
    _bytewise(e, b">" * 2000)
    assert len(e._partial) <= e.max_line_bytes
    assert _only(e.feed(b"\r\nERROR\r\n", 0.0), Response).final.kind == "ERROR"


def test_settling_garbage_is_capped():
    e = _small()
    e.send("AT", settle=0.5, now=0)
    e.feed(b"\r\nOK\r\n", 0.1)
    _bytewise(e, b"\x01" * 2000, 0.2)
    assert len(e._partial) <= e.max_line_bytes
    assert isinstance(_only(e.tick(1.0), Response), Response)


def test_data_mode_buffers_nothing():
    e = _small()
    e.send("ATD*99#", now=0)
    e.feed(b"\r\nCONNECT\r\n", 0.0)
    assert e.data_mode
    events = _bytewise(e, b"\x7e" * 1000)
    assert sum([len(ev.data) for ev in events]) == 1000
    assert e.buffered() == 0


def test_endless_answer_is_bounded_and_ends_as_protocol_error():
    e = _small()
    e.send("AT+CIMI", now=0)
    for _ in range(200):
        e.feed(b"\r\n001010123456789\r\n", 0.0)
        assert e.buffered() <= e.buffer_limit
    rsp = _only(e.feed(b"\r\nOK\r\n", 0.0), Response)
    assert rsp.final.kind == "PROTOCOL" and "1024" in (rsp.final.name or "")


# -- echo ------------------------------------------------------------------------------


def test_echo_setting_follows_v250_e_commands():
    # V.250 6.2.4: E without a value is E0
    for command, echo in (("ATE", False), ("ATE0", False), ("ATE1", True), ("ATEV1", False),
                          ("ATV1E1", True), ("ATE1V1", True), ("AT+CMEE=1", None)):
        e = AtEngine(echo=None)
        e.send(command, now=0)
        e.feed(b"\r\nOK\r\n", 0.0)
        assert e.echo is echo, (command, e.echo)


def test_failed_e_command_leaves_the_echo_setting():
    e = AtEngine(echo=True)
    e.send("ATE0", now=0)
    e.feed(b"ATE0\r\r\nERROR\r\n", 0.0)
    assert e.echo is True


def test_truncated_echo_is_dropped_and_marks_echo_on():
    e = AtEngine(echo=None)
    e.send("AT+CGDCONT?", prefix="+CGDCONT:", now=0)
    rsp = _only(e.feed(b'AT+CGDC\r\r\n+CGDCONT: 1,"IP","a"\r\n\r\nOK\r\n', 0.0), Response)
    assert rsp.lines == ['+CGDCONT: 1,"IP","a"'] and e.echo is True


def test_a_line_that_is_not_the_start_of_the_command_is_no_echo():
    e = AtEngine(echo=None)
    e.send("AT+CGMR", now=0)
    rsp = _only(e.feed(b"AT+CGMX\r\n\r\nREV1\r\n\r\nOK\r\n", 0.0), Response)
    assert rsp.lines == ["AT+CGMX", "REV1"] and e.echo is None
    # "AT" alone is too short to tell: an answer line, not an echo
    e.send("AT+CGMR", now=0)
    rsp = _only(e.feed(b"\r\nAT\r\n\r\nOK\r\n", 0.0), Response)
    assert rsp.lines == ["AT"] and e.echo is None


def test_echo_is_only_looked_for_before_the_first_answer_line():
    e = AtEngine(echo=None)
    e.send("AT+CGMI", now=0)
    rsp = _only(e.feed(b"\r\nVENDOR\r\n\r\nAT+CGMI\r\n\r\nOK\r\n", 0.0), Response)
    assert rsp.lines == ["VENDOR", "AT+CGMI"]


# -- URCs during a command without prefix ----------------------------------------------


def test_urc_during_a_command_without_prefix_is_not_its_answer():
    e = AtEngine()
    e.send("AT+CIMI", now=0)
    events = e.feed(b"\r\n+CREG: 5\r\n\r\n001010123456789\r\n\r\nRING\r\n"
                    b"\r\n+CGEV: NW DETACH\r\n\r\nOK\r\n", 0.0)
    assert _only(events, Response).lines == ["001010123456789"]
    assert [ev.line for ev in events if isinstance(ev, Urc)] == [
        "+CREG: 5", "RING", "+CGEV: NW DETACH"]


# -- noise inside solicited answers ------------------------------------------------


def test_cpin_noise_before_the_answer_is_skipped():
    e = AtEngine()
    e.send("AT+CPIN?", prefix=("+CPIN:", ""), now=0)
    rsp = _only(e.feed(b"\r\n\x00\xffgarbage\r\n\r\nstray\r\n+CPIN: READY\r\n\r\nOK\r\n", 0.0),
                Response)
    assert parse_cpin(rsp.lines) == "READY"


def test_cpin_values_are_checked_against_27007():
    assert parse_cpin(["+CPIN: SIM PIN"]) == "SIM PIN"
    assert parse_cpin(['+CPIN: "PH-NET PIN"']) == "PH-NET PIN"
    assert parse_cpin(["SIM PUK"]) == "SIM PUK"             # prefix dropped by the module
    assert parse_cpin(["+CPIN: NOT READY"]) == "NOT READY"  # vendor, handled by the modem
    assert parse_cpin(["+CPIN: READ\x01Y"]) is None
    assert parse_cpin(["+CPIN: BANANA", "garbage"]) is None
    assert parse_cpin(["garbage", "+CPIN: SIM PIN2"]) == "SIM PIN2"
    # a prefixed line wins over a bare one whatever the order
    assert parse_cpin(["READY", "+CPIN: SIM PIN"]) == "SIM PIN"


def test_registration_stat_outside_27007_is_noise():
    assert parse_registration("+CEREG: 0,42", solicited=True) is None
    assert parse_registration("+CEREG: 12", solicited=False) is None
    assert parse_registration("+CREG: 9,1", solicited=True) is None      # <n> out of range
    assert parse_registration("+CGREG: 0,x1", solicited=True) is None
    for stat in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 90):
        reg = parse_registration("+CEREG: 2,%d" % stat, solicited=True)
        assert reg is not None and reg.stat == stat


def test_registration_cause_fields_sit_where_27007_puts_them():
    # +CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>][,<cause_type>,<reject_cause>]]
    r = parse_registration('+CREG: 3,3,"00C3","0000A13B",7,0,15', solicited=True)
    assert (r.stat, r.act, r.cause_type, r.reject_cause) == (3, 7, 0, 15)
    # +CGREG: <n>,<stat>[,<lac>,<ci>[,<AcT>,<rac>][,<cause_type>,<reject_cause>]]
    r = parse_registration('+CGREG: 3,3,"00C3","0000A13B",7,"05",1,111', solicited=True)
    assert (r.act, r.cause_type, r.reject_cause) == (7, 1, 111)
    # without the cause pair the <rac> is not taken as one
    r = parse_registration('+CGREG: 2,3,"00C3","0000A13B",7,"05"', solicited=True)
    assert (r.cause_type, r.reject_cause) == (None, None)
    # +CEREG: <n>,<stat>[,<tac>,<ci>[,<AcT>][,<cause_type>,<reject_cause>]]
    r = parse_registration('+CEREG: 3,3,"00C3","0000A13B",7,0,15', solicited=True)
    assert (r.cause_type, r.reject_cause) == (0, 15)
    # URC form (no <n>)
    r = parse_registration('+CEREG: 3,"00C3","0000A13B",9,0,11', solicited=False)
    assert (r.act, r.cause_type, r.reject_cause) == (9, 0, 11)
    # +C5GREG: <n>,<stat>[,<tac>,<ci>,<AcT>,<Allowed_NSSAI_length>,<Allowed_NSSAI>
    #          [,<cause_type>,<reject_cause>]]
    r = parse_registration('+C5GREG: 2,3,"00C3","0000A13B",11,2,"01",0,7', solicited=True)
    assert (r.act, r.cause_type, r.reject_cause) == (11, 0, 7)


# -- the +CREG skip ------------------------------------------------------------------


class _Dialect:
    def __init__(self, domains: tuple) -> None:
        self.registration_domains = domains
        self.esm_report = "cme"
        self.pco_urc = ""
        self.event_commands = ()

    def timeout(self, command: str) -> float:
        from me_lib.at.timeouts import timeout_for

        return timeout_for(command)


class _Rsp:
    def __init__(self, lines: list) -> None:
        self.lines = lines


class _RecordingChannel:
    """Answers every command with `answers[command]` (lines) or OK; records the commands."""

    def __init__(self, answers: dict) -> None:
        self.answers = answers
        self.sent: list = []

    def command(self, line: str, prefix: object = None, timeout: object = None,
                **kw: object) -> _Rsp:
        self.sent.append(line)
        return _Rsp(self.answers.get(line, []))


def _modem(domains: tuple, answers: dict) -> object:
    from me_lib.modem import Modem

    modem = Modem(_RecordingChannel(answers))  # type: ignore[arg-type]
    modem.dialect = _Dialect(domains)  # type: ignore[assignment]
    return modem


def test_events_are_never_enabled_for_creg():
    modem = _modem(("CREG", "CEREG", "CGREG"), {})
    modem.enable_events()
    sent = modem.channel.sent
    assert not [line for line in sent if line.startswith("AT+CREG")], sent
    assert "AT+CEREG=3" in sent and "AT+CGREG=2" in sent


def test_registration_check_skips_creg():
    from me_lib.provision.flow import _registered_now

    # CS-registered only: says nothing about packet data
    modem = _modem(("CREG", "CEREG"), {"AT+CREG?": ["+CREG: 0,1"],
                                       "AT+CEREG?": ["+CEREG: 0,2"]})
    assert _registered_now(modem) is None
    assert "AT+CREG?" not in modem.channel.sent
    # the first packet domain that answers decides
    modem = _modem(("CREG", "CEREG", "CGREG"), {"AT+CREG?": ["+CREG: 0,1"],
                                                "AT+CEREG?": ["+CEREG: 0,5"],
                                                "AT+CGREG?": ["+CGREG: 0,2"]})
    reg = _registered_now(modem)
    assert reg is not None and reg.domain == "CEREG" and reg.roaming
    # a domain whose answer holds only noise is skipped, the next one read
    modem = _modem(("CREG", "CEREG", "CGREG"), {"AT+CEREG?": ["+CEREG: 0,77"],
                                                "AT+CGREG?": ["+CGREG: 0,1"]})
    reg = _registered_now(modem)
    assert reg is not None and reg.domain == "CGREG"


def test_sim_state_with_a_value_outside_27007_is_a_typed_error():
    modem = _modem(("CEREG",), {"AT+CPIN?": ["+CPIN: GARBLED"]})
    exc = raises(AtProtocolError, modem.sim_state)
    assert "27.007" in str(exc)
    modem = _modem(("CEREG",), {"AT+CPIN?": ["noise", "+CPIN: SIM PIN"]})
    assert modem.sim_state() == "SIM PIN"


def test_engine_events_are_values_on_every_interpreter():
    # the same bytes in any chunking give equal events (compared as values, as on CPython)
    stream = b'\r\n+QIRD: 2\r\nhi\r\n\r\nOK\r\n\r\n+QIURC: "recv",0,2\r\nyo\r\n'
    runs = []
    for size in (1, 5, len(stream)):
        e = AtEngine(urc_raw=[RawSpec("+QIURC:", 2)])
        e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], now=0)
        out: list = []
        for i in range(0, len(stream), size):
            out += e.feed(stream[i:i + size], 0.0)
        runs.append(out)
        assert e.mode == "lines" and e.phase == "idle"
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][1] == Urc('+QIURC: "recv",0,2', "+QIURC:", b"yo")
    assert runs[0][1] != Urc('+QIURC: "recv",0,2', "+QIURC:", b"no")
    assert hash(runs[0][0]) == hash(runs[1][0]) and (runs[0][0] != runs[2][0]) is False


def test_latin1_keeps_one_character_per_byte_for_ascii_and_for_any_other_byte():
    # MicroPython has no latin-1 codec: ASCII lines take the one-allocation decode,
    # anything else the per-byte path; both must read as CPython's latin-1 does
    from me_lib.at.engine import latin1

    every = bytes(range(256))
    text = latin1(every)
    assert len(text) == 256 and [ord(c) for c in text] == list(range(256))
    assert latin1(b"+CRSM: 144,0,\"41\"") == "+CRSM: 144,0,\"41\""
    assert latin1(b"") == ""
    assert latin1(b"caf\xe9") == "caf" + chr(0xE9)
