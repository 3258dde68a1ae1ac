"""Every entry of ../shared/transcripts replayed through the engine.

One data-driven test; where an entry has `expected`, that is asserted (final
found, error or not, what remains after echo removal, parsed registration
values); for the other entries, the final and the information lines. Nothing
is special-cased per file: where the engine disagrees with a real capture, the
engine is wrong.
"""

import json

import pytest
from shared_dir import TRANSCRIPTS

from me_lib.at import AtEngine, Response, Timeout, Urc
from me_lib.at.fields import prefix_of
from me_lib.modem.registration import parse_registration


def load_entries():
    entries = []
    for path in sorted(TRANSCRIPTS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for pair in doc["pairs"]:
            entries.append(pytest.param(path.name, pair, id="%s:%s" % (path.stem, pair["id"])))
    return entries


ENTRIES = load_entries()


def test_transcripts_are_present():
    assert len(ENTRIES) >= 300, "shared/transcripts not found at %s" % TRANSCRIPTS


def raw(text):
    """Wire bytes of a response; strings copied from parser tests lost their final
    line end (README: ModemManager strips framing before its parsers), so one is
    restored to make the last line a line."""
    data = text.encode("latin-1")
    if data and not data.endswith((b"\r", b"\n")):
        data += b"\r\n"
    return data


def lines_of(text):
    return [x.strip() for x in text.replace("\r", "\n").split("\n") if x.strip()]


def command_of(pair):
    req = pair.get("request")
    if not req:
        return None
    return req.replace("\x1b", "").strip()


def prefix_for(command):
    """+XXX: for AT+XXX..., plus bare lines (as a caller that knows the command would)."""
    if not command or len(command) < 3 or command[2] not in "+#%^$":
        return None
    head = command[2:]
    for stop in "=?":
        k = head.find(stop)
        if k >= 0:
            head = head[:k]
    return (head.upper() + ":", "")


def replay(pair, echo=None, final_grace=None):
    """Feed one entry as the answer to its own request; return the events."""
    engine = AtEngine(echo=echo)
    command = command_of(pair) or "AT"
    engine.send(command, prefix=prefix_for(command_of(pair)), no_final_grace=final_grace,
                now=0.0)
    events = engine.feed(raw(pair["response"]), 0.0)
    events += engine.tick(1e6)
    return engine, events


@pytest.mark.parametrize("name,pair", ENTRIES)
def test_transcript_entry(name, pair):
    expected = pair.get("expected") or {}
    response = pair.get("response")
    if response is None:
        pytest.fail("entry without a response: the transcript format changed")

    if "found_final" in expected:
        _, events = replay(pair)
        rsp = [e for e in events if isinstance(e, Response)]
        assert bool(rsp) == expected["found_final"], events
        if rsp:
            assert (not rsp[0].final.ok) == expected["is_error"], rsp[0].final
        return

    if "without_echo" in expected:
        # ModemManager's echo rule applies when echo is known to be on.
        engine, events = replay(pair, echo=True)
        kept = []
        for ev in events:
            if isinstance(ev, Response):
                kept += [*ev.lines, ev.final.text]
            elif isinstance(ev, Timeout):
                kept += ev.lines
            elif isinstance(ev, Urc):
                kept.append(ev.line)
        kept += lines_of(bytes(engine._partial).decode("latin-1"))
        assert kept == lines_of(expected["without_echo"])
        return

    if "state" in expected:
        reg = parse_registration(lines_of(response)[0])
        assert reg is not None
        assert reg.state == expected["state"]
        assert (reg.lac or 0) == int(expected["lac"], 16)
        assert (reg.ci or 0) == int(expected["ci"], 16)
        assert reg.act_name == expected["act"]
        if pair["kind"] == "urc":
            _, events = replay_idle(pair)
            assert [e.line for e in events if isinstance(e, Urc)] == lines_of(response)
        return

    if pair["kind"] == "urc" or pair.get("request") is None:
        _, events = replay_idle(pair)
        assert all(isinstance(e, Urc) or type(e).__name__ == "Rebooted" for e in events)
        seen = [e.line if isinstance(e, Urc) else e.banner for e in events]
        assert seen == lines_of(response)
        return

    # A command entry: the final, the information lines, nothing lost.
    cmd = command_of(pair)
    stripped_lines = lines_of(response)
    if (pair.get("scope") == "parser_input"
            and not (stripped_lines and _looks_final(stripped_lines[-1]))):
        # README: ModemManager strips the final OK before its parsers; put it back.
        pair = dict(pair, response="\r\n" + response.strip("\r\n") + "\r\n\r\nOK\r\n")
        response = pair["response"]
    body = lines_of(response)
    echo = lines_of(pair["request"])
    if body[:len(echo)] == echo:
        body = body[len(echo):]                           # its echo
    has_final = bool(body) and _looks_final(body[-1])
    engine, events = replay(pair, final_grace=None if has_final else 0.5)
    rsp = [e for e in events if isinstance(e, Response)]
    assert len(rsp) == 1, events
    got = rsp[0]
    if has_final:
        assert got.final.text == body[-1]
        assert got.final.ok == (body[-1] == "OK" or body[-1].startswith("CONNECT"))
        info = body[:-1]
    else:
        # no final on the wire (a parser-input string, or a module that never sends
        # one): the caller's no-final grace completes it with every line kept
        assert got.final.kind == "NONE"
        info = body
    urcs = [e.line for e in events if isinstance(e, Urc)]
    assert got.lines + urcs == info or sorted(got.lines + urcs) == sorted(info)
    expect_prefix = prefix_for(cmd)
    for line in info:
        if expect_prefix and prefix_of(line).upper() == expect_prefix[0]:
            solicited_reg = parse_registration(line)
            if solicited_reg is None or solicited_reg.solicited:
                assert line in got.lines, (line, got.lines, urcs)


def _looks_final(line):
    return (line in ("OK", "ERROR", "COMMAND NOT SUPPORT", "NO CARRIER", "BUSY")
            or line.startswith("+CME ERROR:") or line.startswith("+CMS ERROR:")
            or line.startswith("CONNECT"))


def replay_idle(pair):
    engine = AtEngine()
    return engine, engine.feed(raw(pair["response"]), 0.0)
