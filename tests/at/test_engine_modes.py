"""The engine's modes and command lifecycle, pinned as tables, and its events as values.

`AtEngine.mode` says how the next bytes are read ("lines", "echo", "raw",
"payload", "data": one reader each) and `AtEngine.phase` where the command
lifecycle is ("idle", "command", "settling"). Each row below starts an engine
in a mode, applies one input and names the mode it must be in afterwards; the
same table is in docs/architecture.md. A row that no longer holds means the
engine reads bytes differently than documented.
"""

import pytest

from me_lib.at import AtEngine, RawSpec
from me_lib.at.events import (
    DataReceived,
    Final,
    Prompt,
    ProtocolError,
    Rebooted,
    Response,
    Timeout,
    Urc,
)

QIRD = RawSpec("+QIRD:", 0)
CARECV = RawSpec("+CARECV:", 0, inline=True)
QIURC = RawSpec("+QIURC:", 2)


def _engine(start: str) -> AtEngine:
    """An engine in the state `start` names (its mode first)."""
    if start.startswith("lines/urc-raw"):
        return AtEngine(urc_raw=[QIURC])
    echo = {"echo-on": True, "echo-off": False}.get(start.split("/")[-1])
    e = AtEngine(echo=echo)
    if start in ("lines/idle", "lines/echo-off"):
        return e
    if start == "lines/held":                     # part of a line already came
        e.feed(b"+CEREG: 1", 0.0)
    elif start.startswith("echo/"):
        e.send("AT+CGMM", now=0.0)
    elif start.startswith("lines/qird") or start.startswith("raw/"):
        e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[QIRD], now=0.0)
        e.feed(b"\r\n", 0.0)
        if start.startswith("raw/"):
            e.feed(b"+QIRD: 5\r\n", 0.0)
    elif start.startswith("lines/carecv"):
        e.send("AT+CARECV=0,100", prefix="+CARECV:", raw=[CARECV], now=0.0)
        e.feed(b"\r\n", 0.0)
    elif start.startswith("lines/qisend") or start.startswith("payload/"):
        e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0.0)
        e.feed(b"\r\n", 0.0)
        if start.startswith("payload/"):
            e.feed(b"> ", 0.0)
    elif start.startswith("lines/dial") or start.startswith("data/"):
        e.send("ATD*99#", now=0.0)
        e.feed(b"\r\n", 0.0)
        if start.startswith("data/"):
            e.feed(b"CONNECT 150000000\r\n", 0.0)
    else:
        raise AssertionError("no such start state: %s" % start)
    assert e.mode == start.split("/")[0], (start, e.mode)
    return e


def _apply(e: AtEngine, action: object) -> None:
    if isinstance(action, bytes):
        e.feed(action, 1.0)
    elif action == "send":
        e.send("AT+CGSN", now=1.0)
    elif action == "send, then leave data mode":
        e.send("AT+CGSN", now=1.0)
        e.leave_data_mode()
    elif action == "send, then the payload":
        e.send("AT+CGSN", now=1.0)
        e.feed(b"ping", 1.0)
    elif action == "leave data mode":
        e.leave_data_mode()
    elif action == "resync":
        e.resync()
    elif action == "quiet past the timeout":
        e.tick(1000.0)
    elif action == "quiet past the payload stall":
        e.tick(e.raw_stall + 0.5)
    else:
        raise AssertionError("no such action: %r" % action)


# (start state, input, the mode it leads to). The start state is "mode/setup".
TRANSITIONS = [
    # lines: framed into lines, each classified
    ("lines/idle", "send", "echo"),                         # nothing held: the echo may come
    ("lines/held", "send", "lines"),                        # a line half read: no echo first
    ("lines/qird", b"+QIRD: 5\r\n", "raw"),                 # a response announces a payload
    ("lines/qird", b"+QIRD: 99999999\r\n", "lines"),        # an absurd length is not believed
    ("lines/urc-raw", b'\r\n+QIURC: "recv",0,4\r\n', "raw"),  # so does a URC
    ("lines/carecv", b"+CARECV: 5,", "raw"),                # an inline header, same line
    ("lines/qisend", b"> ", "payload"),                     # the prompt: the payload's echo next
    ("lines/qisend", b"@\n", "payload"),                    # a prompt line: its echo next too
    ("lines/qisend/echo-off", b">\r\n", "lines"),           # prompt, echo off: nothing to drop
    ("lines/qisend/echo-off", b"> ", "payload"),            # ... but "> " may still end in a space
    ("lines/dial", b"CONNECT 150000000\r\n", "data"),       # CONNECT: data mode
    ("lines/qird", b"OK\r\n", "lines"),                     # a final: idle, still lines
    # echo: just sent; with echo on, all up to the first CR LF is the echo
    ("echo/echo-on", b"AT+CGMM\r\r\n", "lines"),            # the CR LF after the echo
    ("echo/echo-on", b"AT+CG", "echo"),                     # no CR LF yet
    ("echo/echo-on", b"\r\n", "lines"),                     # the answer starts at once
    ("echo/echo-on", b"U" * 9000, "lines"),                 # longer than a line: no echo
    ("echo/unknown", b"AT+CGMM", "echo"),                   # echo not known on: no line yet
    ("echo/unknown", b"AT+CGMM\r\n", "lines"),              # a line came (its echo, by text)
    ("echo/unknown", "quiet past the timeout", "lines"),    # the command is over
    # raw: the announced bytes, whatever they are
    ("raw/qird", b"hel", "raw"),                            # not all there yet
    ("raw/qird", b"hello", "lines"),                        # all there
    ("raw/qird", "quiet past the payload stall", "lines"),  # given up
    ("raw/qird", "resync", "lines"),                        # forgotten
    ("raw/qird", "quiet past the timeout", "lines"),        # its command timed out
    # payload: the echo of the payload we wrote after the prompt
    ("payload/unknown", b"pi", "payload"),                  # echo under way
    ("payload/unknown", b"ping", "lines"),                  # all of it
    ("payload/unknown", b"\r\nSEND OK\r\n", "lines"),       # something else: no echo after all
    ("payload/unknown", "quiet past the timeout", "lines"),
    # data: every byte is the caller's
    ("data/unknown", b"\r\nOK\r\n+++", "data"),             # even what looks like lines
    ("data/unknown", "leave data mode", "lines"),
    ("data/unknown", "send, then leave data mode", "echo"),  # a command sent meanwhile
]

# A command sent while a URC's payload is still coming: its echo comes after the payload.
RESUME = [
    ("lines/urc-raw", b'\r\n+QIURC: "recv",0,4\r\n', "send, then the payload", "echo"),
]


@pytest.mark.parametrize("start,action,after", TRANSITIONS,
                         ids=["%s %r" % (s, a)[:60] for s, a, _ in TRANSITIONS])
def test_mode_transition_table(start, action, after):
    e = _engine(start)
    _apply(e, action)
    assert e.mode == after


@pytest.mark.parametrize("start,first,action,after", RESUME)
def test_a_command_sent_during_a_payload_reads_its_echo_after_it(start, first, action, after):
    e = _engine(start)
    e.feed(first, 0.0)
    assert e.mode == "raw"
    _apply(e, action)
    assert e.mode == after


def test_the_table_leaves_every_mode_and_reaches_every_mode():
    modes = {"lines", "echo", "raw", "payload", "data"}
    assert {s.split("/")[0] for s, _, _ in TRANSITIONS} == modes
    assert {a for _, _, a in TRANSITIONS} == modes
    for mode in modes:    # every mode has a way back to lines
        assert any(s.split("/")[0] == mode and a == "lines" for s, _, a in TRANSITIONS)


def test_the_lf_after_a_cr_that_ends_a_payload_header_is_no_payload():
    e = _engine("lines/qird")
    e.feed(b"+QIRD: 3\r", 0.0)
    assert e.mode == "raw"
    e.feed(b"\nabc", 0.0)
    rsp = [x for x in e.feed(b"\r\nOK\r\n", 0.0) if isinstance(x, Response)]
    assert rsp[0].payloads == [b"abc"]


def test_the_space_after_a_prompt_comes_before_the_payload_echo():
    e = _engine("lines/qisend")
    assert [type(x) for x in e.feed(b">", 0.0)] == [Prompt]
    assert e.mode == "payload"
    e.feed(b" ", 0.0)               # the space of "> " is dropped, not a line
    assert e.mode == "payload" and e.buffered() == 0
    e.feed(b"ping", 0.0)            # then the payload's echo
    assert e.mode == "lines" and e.buffered() == 0


def test_the_lf_after_a_prompt_line_is_no_payload_echo():
    e = _engine("lines/qisend")
    assert [type(x) for x in e.feed(b"@\r", 0.0)] == [Prompt]
    e.feed(b"\nping", 0.0)
    assert e.mode == "lines" and e.buffered() == 0


# -- the command lifecycle -----------------------------------------------------------

PHASES = [
    ("idle", "send", "command"),
    ("command", b"\r\nOK\r\n", "idle"),
    ("command", "quiet past the timeout", "idle"),
    ("command", b"\r\nRDY\r\n", "idle"),                    # a reboot: no answer will come
    ("command, settle", b"\r\nOK\r\n", "settling"),          # answered; waits for quiet
    ("settling", "quiet", "idle"),
    ("settling", b"\r\n+CEREG: 1\r\n", "settling"),         # a byte restarts the quiet time
    ("settling", b"\r\nRDY\r\n", "idle"),
]


@pytest.mark.parametrize("start,action,after", PHASES)
def test_command_lifecycle_table(start, action, after):
    e = AtEngine()
    if start.startswith("command"):
        e.send("AT", settle=0.5 if "settle" in start else 0.0, now=0.0)
    elif start == "settling":
        e.send("AT", settle=0.5, now=0.0)
        e.feed(b"\r\nOK\r\n", 0.0)
    assert e.phase == start.split(",")[0]
    if action == "send":
        e.send("AT", now=0.0)
    elif action == "quiet past the timeout":
        e.tick(1000.0)
    elif action == "quiet":
        e.tick(0.6)
    else:
        e.feed(action, 0.1)
    assert e.phase == after


# -- events are values ---------------------------------------------------------------

EVENTS = [
    lambda: Final("OK", True, "OK"),
    lambda: Response("AT+CGMM", ["BG96"], Final("OK", True, "OK"), []),
    lambda: Urc("+QIURC: \"recv\",0,4", "+QIURC:", b"ping"),
    lambda: Prompt(">", "AT+QISEND=0,4", b"ping"),
    lambda: Rebooted("RDY", "AT+CGMM"),
    lambda: Timeout("AT+COPS=?", 180.0, ["+COPS: (1)"], 1),
    lambda: DataReceived(b"\x7e\x00"),
    lambda: ProtocolError("+QIRD: 99999999", "too long", "AT+QIRD=0,1500"),
]


@pytest.mark.parametrize("make", EVENTS)
def test_events_are_equal_by_value_and_hash_alike(make):
    a, b = make(), make()
    assert a is not b
    assert a == b
    assert (a != b) is False        # != follows == (CPython and MicroPython derive it)
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


@pytest.mark.parametrize("make", EVENTS)
def test_events_refuse_changes(make):
    ev = make()
    name = type(ev).__slots__[0]
    before = getattr(ev, name)
    with pytest.raises(AttributeError, match="cannot change"):
        setattr(ev, name, "changed")
    with pytest.raises(AttributeError, match="cannot be deleted"):
        delattr(ev, name)
    with pytest.raises(AttributeError):
        ev.anything_else = 1
    assert getattr(ev, name) == before


def test_events_differ_by_any_field_and_by_class():
    ok = Final("OK", True, "OK")
    assert ok != Final("ERROR", False, "ERROR")
    assert ok != Final("OK", True, "OK", 0)
    assert Rebooted("RDY", None) != ProtocolError("RDY", "", None)
    assert Response("AT", [], ok, []) != Response("AT", ["x"], ok, [])
    assert ok != ("OK", True, "OK", None, None)


def test_the_same_bytes_give_equal_events_in_any_chunking():
    stream = (b'AT+QIRD=0,1500\r\r\n+QIRD: 4\r\nping\r\n\r\nOK\r\n'
              b'\r\n+QIURC: "recv",0,2\r\nhi\r\n\r\n+CEREG: 1\r\n')

    def run(size):
        e = AtEngine(urc_raw=[QIURC])
        e.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[QIRD], now=0.0)
        out = []
        for i in range(0, len(stream), size):
            out.extend(e.feed(stream[i:i + size], 0.0))
        return out

    whole = run(len(stream))
    assert whole == run(1) == run(7)
    assert whole[0] == Response("AT+QIRD=0,1500", ["+QIRD: 4"], Final("OK", True, "OK"), [b"ping"])
    assert whole[1:] == [Urc('+QIURC: "recv",0,2', "+QIURC:", b"hi"), Urc("+CEREG: 1", "+CEREG:")]


def test_the_common_finals_are_one_shared_value():
    e = AtEngine()
    e.send("AT", now=0.0)
    first = e.feed(b"\r\nOK\r\n", 0.0)[0]
    e.send("AT", now=0.0)
    second = e.feed(b"\r\nOK\r\n", 0.0)[0]
    assert first.final is second.final and first == second
