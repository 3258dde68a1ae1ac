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

from me_lib.at import AtEngine, RawSpec, Response
from me_lib.at.events import Final

CARECV = RawSpec("+CARECV:", 0, inline=True)
OK = Final("OK", True, "OK")


def _feed_all(e, pieces):
    out = []
    for p in pieces:
        out.extend(e.feed(p, 0.0))
    return out


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
