"""What comes right after a prompt, and an inline payload header held before its command.

Three engine bugs, each pinned by the bytes a module sends:
- a prompt line ending in CR LF (`@\\r\\n`): the LF is the prompt's line end, not
  the start of the payload's echo;
- the space of `> ` in a later read than the `>`: it comes before the echo;
- an inline header (`+CARECV: 5,he`) whose comma was already held when the
  command that expects it was sent: the held bytes after the comma are payload.
Every chunking of the same bytes must give the same events; the hypothesis form
of these rules is in test_chunking.py.
"""

import pytest

from me_lib.at import AtEngine, Prompt, RawSpec, Response, Urc
from me_lib.at.events import Final

CARECV = RawSpec("+CARECV:", 0, inline=True)
OK = Final("OK", True, "OK")
USOST = 'AT+USOST=0,"127.0.0.1",5683,4'


def _feed_all(e, pieces):
    out = []
    for p in pieces:
        out.extend(e.feed(p, 0.0))
    return out


# -- after a prompt: its line end or its space, then the payload's echo -------------

# (the modem's prompt, cut as it may arrive) -> the echo of b"ping" and the answer come next
PROMPTS = [
    ("@ CR LF, one read", [b"\r\n@\r\n"]),
    ("@ CR | LF", [b"\r\n@\r", b"\n"]),
    ("@ | CR LF", [b"\r\n@", b"\r\n"]),
    ("@ | CR | LF", [b"\r\n@", b"\r", b"\n"]),
    ("@ LF", [b"\r\n@\n"]),
    ("@ CR CR LF", [b"\r\n@\r\r\n"]),
    ("@ CR | CR LF", [b"\r\n@\r", b"\r\n"]),
    ("> CR LF", [b"\r\n>\r\n"]),
    ("> space CR LF", [b"\r\n> \r\n"]),
    ("> | space", [b"\r\n>", b" "]),
    ("> | space | CR LF", [b"\r\n>", b" ", b"\r\n"]),
    ("> space, one read", [b"\r\n> "]),
    ("@ alone", [b"\r\n@"]),
]


@pytest.mark.parametrize("pieces", [p for _, p in PROMPTS], ids=[n for n, _ in PROMPTS])
def test_the_prompt_line_end_or_space_is_not_taken_for_the_payload_echo(pieces):
    """u-blox `@`, Quectel/Telit `> `, SIMCom `>`: whatever tail the prompt has and
    however it is cut, the echo of the payload written after it is dropped."""
    e = AtEngine()
    e.send(USOST, prefix="+USOST:", payload=b"ping", now=0.0)
    events = _feed_all(e, pieces)
    assert [type(x) for x in events] == [Prompt]
    events = e.feed(b"ping\r\n+USOST: 0,4\r\n\r\nOK\r\n", 0.0)
    assert events == [Response(USOST, ["+USOST: 0,4"], OK, [])]


def test_a_prompt_line_in_one_read_with_echo_on_drops_the_payload_echo():
    """Echo on: the command's echo, then the prompt on its own line, in one read."""
    e = AtEngine(echo=True)
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0.0)
    assert [type(x) for x in e.feed(b"AT+QISEND=0,4\r\r\n>\r\n", 0.0)] == [Prompt]
    assert e.mode == "payload"
    events = e.feed(b"ping\r\nSEND OK\r\n", 0.0)
    assert [x.lines for x in events] == [[]]
    assert not [x for x in events if isinstance(x, Urc)]


def test_the_space_after_a_split_prompt_comes_before_the_payload_echo():
    e = AtEngine()
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0.0)
    assert [type(x) for x in e.feed(b"\r\n>", 0.0)] == [Prompt]
    assert e.feed(b" ", 0.0) == []
    assert e.mode == "payload"          # the space was the prompt's: the echo is still due
    assert e.feed(b"pi", 0.0) == []
    assert e.feed(b"ng", 0.0) == []
    assert e.mode == "lines" and e.buffered() == 0
    events = e.feed(b"\r\nSEND OK\r\n", 0.0)
    assert [x.lines for x in events] == [[]]


def test_a_prompt_with_echo_off_still_drops_its_line_end_and_space():
    e = AtEngine(echo=False)
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0.0)
    assert [type(x) for x in e.feed(b"\r\n>", 0.0)] == [Prompt]
    assert e.feed(b" ", 0.0) == [] and e.buffered() == 0
    events = e.feed(b"\r\nSEND OK\r\n", 0.0)
    assert [x.lines for x in events] == [[]]


def test_a_payload_echo_that_differs_after_the_prompt_tail_is_read_as_lines():
    """Only the prompt's own tail is dropped: what follows it and is not the echo
    is an ordinary line (a URC right after the prompt)."""
    e = AtEngine()
    e.send(USOST, prefix="+USOST:", payload=b"ping", now=0.0)
    _feed_all(e, [b"\r\n@\r\n"])
    events = e.feed(b"\r\n+CEREG: 5\r\n\r\n+USOST: 0,4\r\n\r\nOK\r\n", 0.0)
    assert events == [Urc("+CEREG: 5", "+CEREG:"), Response(USOST, ["+USOST: 0,4"], OK, [])]


# -- an inline payload header held before its command was sent ---------------------

def _carecv(held, after, n=5):
    """`held` arrives before `AT+CARECV` is sent, `after` once it is."""
    e = AtEngine()
    events = _feed_all(e, held)
    e.send("AT+CARECV=0,%d" % n, prefix="+CARECV:", raw=[CARECV], now=0.0)
    return events + _feed_all(e, after)


def test_payload_bytes_held_with_an_inline_header_are_the_payload_start():
    events = _carecv([b"\r\n+CARECV: 5,he"], [b"llo\r\n\r\nOK\r\n"])
    assert events == [Response("AT+CARECV=0,5", ["+CARECV: 5"], OK, [b"hello"])]


def test_a_held_line_longer_than_its_payload_goes_on_as_a_line():
    """More held bytes past the comma than announced: the rest is the line's tail
    (before the fix `feed` went on from a negative index and lost the payload)."""
    held = [b"\r\n+CARECV: 5,hello world 0123456789abcdef"]
    after = [b"x\r\n\r\nOK\r\n"]
    sent_after = _carecv([], held + after)
    assert _carecv(held, after) == sent_after
    assert sent_after[-1].payloads == [b"hello"]


@pytest.mark.parametrize("cut", range(1, 19))   # up to the whole payload held
def test_an_inline_answer_gives_the_same_events_held_or_not(cut):
    stream = b"\r\n+CARECV: 5,hello\r\n\r\nOK\r\n"
    assert _carecv([stream[:cut]], [stream[cut:]]) == _carecv([], [stream])


def test_a_held_header_with_a_garbled_length_is_an_ordinary_line():
    events = _carecv([b"\r\n+CARECV: 99999999,ab"], [b"cd\r\n\r\nOK\r\n"])
    rsp = events[-1]
    assert rsp.final.kind == "PROTOCOL" and rsp.payloads == []


def test_the_inline_header_window_does_not_depend_on_the_chunking():
    """A comma past the first 96 bytes of the line is no header, whether the line
    came in one read or the start of it was held."""
    line = b"\r\n+CARECV: " + b"0" * 90 + b"5,hello\r\n\r\nOK\r\n"
    whole = _carecv([], [line])
    assert whole[-1].payloads == []
    for cut in (20, 50, 97, 101):
        assert _carecv([], [line[:cut], line[cut:]]) == whole
