"""The board core's AT link reads the real captures of ../shared/transcripts.

Every command entry is played to `Link.cmd` as the answer to its own request,
through a port that runs on a virtual clock (an answer without a final times
out at once, not in real time). The full library's AtEngine is the oracle:
where it finds an OK, ERROR or +CME/+CMS ERROR final, the link ends the same
way and loses no line (answer lines and queued reports together hold the
engine's). Whatever the entry, the link returns or raises a MeLibError:
nothing else escapes, and it never waits longer than the command's timeout.
"""

import json
from typing import Any

import pytest
from shared_dir import TRANSCRIPTS

from bench.fuzz_board import ScriptPort
from me_lib.at import AtEngine, Response, Urc
from me_lib.board.link import Link
from me_lib.errors import AtCommandError, AtTimeout, CmeError, MeLibError
from me_lib.modem.dialects import GENERIC
from tests.at.test_at_transcripts import prefix_for


def _entries() -> list[Any]:
    out = []
    for path in sorted(TRANSCRIPTS.glob("*.json")):
        for pair in json.loads(path.read_text(encoding="utf-8"))["pairs"]:
            if pair.get("kind") == "command" and pair.get("request") and pair.get("response"):
                out.append(pytest.param(pair, id="%s:%s" % (path.stem, pair["id"])))
    return out


ENTRIES = _entries()


def test_the_captures_are_there() -> None:
    assert len(ENTRIES) >= 200, TRANSCRIPTS


@pytest.mark.parametrize("pair", ENTRIES)
def test_a_real_answer_ends_the_command_as_the_engine_says(pair: dict[str, Any]) -> None:
    command = pair["request"].replace("\x1b", "").strip()
    data = pair["response"].encode("latin-1")
    if not data.endswith((b"\r", b"\n")):
        data += b"\r\n"
    port = ScriptPort([data])
    link = Link(port, GENERIC)
    prefix = (prefix_for(command) or (None,))[0]  # as the engine test passes it, one prefix
    engine = AtEngine()
    engine.send(command, prefix=(prefix, "") if prefix else None, now=0.0)
    events = engine.feed(data, 0.0) + engine.tick(1e6)
    rsp = [e for e in events if isinstance(e, Response)]
    final = rsp[0].final if rsp and rsp[0].final.kind != "NONE" else None
    start = port.clock.now()
    try:
        lines = link.cmd(command, prefix, timeout=5.0)
        outcome = "OK"
    except AtCommandError as exc:
        outcome, lines = "ERROR:" + str(exc.final), []
    except CmeError:
        outcome, lines = "CME", []
    except AtTimeout:
        outcome, lines = "TIMEOUT", []
    except MeLibError:
        outcome, lines = "OTHER", []
    assert port.clock.now() - start <= 5.0 + 1.0
    if final is None:
        return  # no final the engine knows: any typed outcome is fine (checked above)
    text = final.text
    if text == "OK":
        assert outcome == "OK"
        urcs = [e.line for e in events if isinstance(e, Urc)]
        assert sorted(lines + link.urcs) == sorted(rsp[0].lines + urcs) or set(
            rsp[0].lines) <= set(lines + link.urcs)
    elif text == "ERROR":
        assert outcome == "ERROR:ERROR"
    elif text.startswith(("+CME ERROR", "+CMS ERROR")):
        assert outcome == "CME"
