"""Test-side helpers: drive a SimModem on a manual clock, talk to ports, compare shapes.

Written for these tests only (they must not use me_lib.at, which is the driver
side the simulator is meant to check).
"""

import json
import re
import time
from typing import Any

from shared_dir import TRANSCRIPTS

from me_lib.sim.modem import Scenario, SimClock, SimModem

FINAL = re.compile(rb"(\r\n|^)(OK|ERROR|\+CME ERROR: [^\r]*|SEND OK|SEND FAIL|NO CARRIER)\r\n"
                   rb"|(^|\n)[04]\r$")


def make(dialect: str = "generic", **raw: Any) -> SimModem:
    """A modem on a manual clock, powered up and through SIM init (echo still on)."""
    spec: dict[str, Any] = {"dialect": dialect, "card": "default",
                            "boot": {"time": 1.0, "sim_busy": 1.0}}
    spec.update(raw)
    m = SimModem(Scenario.from_dict(spec), SimClock.manual())
    m.keep_transcript = True
    settle(m, 5.0)
    return m


def printed(m: SimModem) -> bytes:
    """Everything the modem printed so far (needs keep_transcript, as make() sets)."""
    return b"".join(data for _t, way, data in m.transcript if way == "tx")


def settle(m: SimModem, seconds: float) -> bytes:
    """Let `seconds` of virtual time pass; returns what the modem printed."""
    m.clock.advance(seconds)
    return m.read(m.clock.now())


def cmd(m: SimModem, text: str | bytes, limit: float = 400.0, real: float = 0.0) -> bytes:
    """Send one command line and run virtual time until a final result (bounded)."""
    data = text.encode("latin-1") if isinstance(text, str) else text
    if not data.endswith(b"\r"):
        data += b"\r"
    c = m.clock
    m.feed(data, c.now())
    out = b""
    end = c.now() + limit
    real_end = time.monotonic() + max(real, 0.0) + 2.0
    while True:
        out += m.read(c.now())
        if FINAL.search(out):
            return out
        if out.endswith((b"> ", b"@", b"\r\n>")):
            return out + settle(m, 0.01)       # the rest of a paced "> " prompt
        nxt = m.next_wakeup()
        if c.now() >= end or time.monotonic() > real_end:
            return out
        if nxt is None or nxt <= c.now():
            c.advance(0.05)
            time.sleep(0.0005)
        else:
            c.advance(min(nxt - c.now(), 1.0) + 1e-6)


def raw(m: SimModem, data: bytes, seconds: float = 1.0) -> bytes:
    """Send raw bytes (prompt payload) and let `seconds` pass."""
    m.feed(data, m.clock.now())
    return settle(m, seconds)


def wait_for(m: SimModem, pattern: bytes, real_timeout: float = 3.0) -> bytes:
    """Run (virtual and some real time, for real sockets) until `pattern` is printed."""
    out = b""
    end = time.monotonic() + real_timeout
    while time.monotonic() < end:
        m.clock.advance(0.05)
        out += m.read(m.clock.now())
        if pattern in out:
            return out
        time.sleep(0.002)
    raise AssertionError("%r not seen; got %r" % (pattern, out))


def lines(data: bytes) -> list[str]:
    """Non-empty lines of a response (echo line included if present)."""
    return [ln for ln in re.split(r"\r\n|\r|\n", data.decode("latin-1")) if ln.strip()]


def info(data: bytes, prefix: str) -> list[str]:
    return [ln for ln in lines(data) if ln.startswith(prefix)]


# ------------------------------------------------------------ transcripts

def entry(file: str, ident: str) -> dict[str, Any]:
    with open(TRANSCRIPTS / file, encoding="utf-8") as fh:
        data = json.load(fh)
    for pair in data["pairs"]:
        if pair["id"] == ident:
            return dict(pair)
    raise KeyError("%s has no entry %s" % (file, ident))


def split_fields(text: str) -> list[str]:
    out: list[str] = []
    cur = ""
    quoted = False
    depth = 0
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif ch == "," and not quoted and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    out.append(cur.strip())
    return out


def field_kind(field: str) -> str:
    if field == "":
        return "empty"
    if field.startswith('"'):
        return "quoted"
    if field.startswith("("):
        return "range"
    if field.isdigit():
        return "int"
    return "bare"


def line_shape(line: str) -> tuple[str, tuple[str, ...]]:
    """(prefix, field kinds) of an information line; free text lines keep their head."""
    m = re.match(r"^([+#%$^][A-Z0-9_ ]+:|[A-Z][A-Z ]*:)\s*(.*)$", line.strip())
    if not m:
        return ("text", ())
    return (m.group(1).replace(" ", ""), tuple(field_kind(f) for f in split_fields(m.group(2))))


def response_shape(data: bytes) -> list[tuple[str, tuple[str, ...]]]:
    return [line_shape(ln) for ln in lines(data)]


def framing(data: bytes) -> bytes:
    """CR/LF skeleton of a response: content runs replaced by 'x'."""
    return re.sub(rb"[^\r\n]+", b"x", data)
