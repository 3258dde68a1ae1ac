"""The AT engine's fuzz target: every mode, random chunking, bounded memory.

Every target is atheris-compatible (`atheris.Setup(sys.argv, fuzz_one_input)`
with `fuzz_one_input = TARGETS[name]`) and is also what the hypothesis tests
call, so a crash found by either is replayed by the other. A target raises
only when it found a bug: a non-`MeLibError` exception, memory beyond the
documented cap, or an engine that no longer completes a clean command.

Run one under atheris:

    python -c "import sys, atheris; from bench.fuzz_engine import fuzz_at_engine; \
atheris.Setup(sys.argv, fuzz_at_engine); atheris.Fuzz()"
"""


from me_lib.at import AtEngine, RawSpec, Response
from me_lib.errors import MeLibError

# Small caps so a short input reaches them; the engine's defaults are larger.
_CAPS = {"max_line_bytes": 512, "max_raw": 256, "max_response": 1024}

# The engine's modes, each entered the way a real session enters it.
AT_ENGINE_MODES = ("lines", "echo", "inline", "raw", "prompt", "data", "settle", "urc_raw",
                   "inline_held")


def at_engine_in_mode(mode: str) -> AtEngine:
    """A fresh engine with a command in flight (or none) that puts it in `mode`."""
    if mode == "urc_raw":
        return AtEngine(urc_raw=[RawSpec("+QIURC:", 2), RawSpec("#XRECV:", 0)], **_CAPS)
    engine = AtEngine(echo=True if mode == "echo" else None, **_CAPS)
    if mode == "lines":
        engine.send("AT+CIMI", now=0.0)
    elif mode == "echo":
        engine.send("AT+CGDCONT?", prefix="+CGDCONT:", now=0.0)
    elif mode == "inline":
        engine.send("AT+CARECV=0,100", prefix="+CARECV:",
                    raw=[RawSpec("+CARECV:", 0, inline=True)], now=0.0)
    elif mode == "inline_held":
        # a line already past its header's comma when the command that expects it
        # is sent: the held bytes are the payload's start
        engine.feed(b"\r\n+CARECV: 9,held", 0.0)
        engine.send("AT+CARECV=0,100", prefix="+CARECV:",
                    raw=[RawSpec("+CARECV:", 0, inline=True)], now=0.0)
    elif mode == "raw":
        engine.send("AT+QIRD=0,1500", prefix="+QIRD:", raw=[RawSpec("+QIRD:", 0)], now=0.0)
        engine.feed(b"\r\n+QIRD: 200\r\n", 0.0)
    elif mode == "prompt":
        engine.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0.0)
    elif mode == "data":
        engine.send("ATD*99#", now=0.0)
        engine.feed(b"\r\nCONNECT 150000000\r\n", 0.0)
    elif mode == "settle":
        engine.send("AT", settle=0.5, now=0.0)
        engine.feed(b"\r\nOK\r\n", 0.0)
    return engine


def _check_bounded(engine: AtEngine) -> None:
    if engine.buffered() > engine.buffer_limit:
        raise AssertionError("engine holds %d bytes, over its cap of %d" % (
            engine.buffered(), engine.buffer_limit))


def run_at_engine(mode: str, chunks: "list[bytes]", resync: bool = False) -> None:
    """Feed `chunks` to an engine in `mode`, then check it still completes a clean `AT`.

    Between chunks the clock advances a little (so timers can fire mid-stream).
    At the end a long pause times the command in flight out and gives up any
    stalled payload; then either `resync()` (what the channel does after a
    timeout) or a bare line end ends the partial line (and whatever payload that
    line announced stalls out), and `AT` answered `OK` must complete with no lines.
    """
    engine = at_engine_in_mode(mode)
    now = 0.0
    for chunk in chunks:
        now += 0.01
        try:
            engine.feed(chunk, now)
        except MeLibError:
            pass
        _check_bounded(engine)
    now += 1e6
    engine.tick(now)
    _check_bounded(engine)
    if engine.busy:
        raise AssertionError("engine still busy after a timeout")
    engine.leave_data_mode()
    if resync:
        engine.resync()
    else:
        engine.feed(b"\r\n", now)
        # the line end may complete a URC that announces a payload (`#XRECV: 35`):
        # it is given up after its stall time, as the channel's next command comes later
        now += 1e6
        engine.tick(now)
    if engine.buffered():
        raise AssertionError("engine idle but holds %d bytes" % engine.buffered())
    engine.send("AT", now=now)
    events = engine.feed(b"\r\nOK\r\n", now)
    done = [ev for ev in events if isinstance(ev, Response)]
    if len(done) != 1 or not done[0].final.ok or done[0].lines:
        raise AssertionError("a clean OK after garbage gave %r" % (events,))


def fuzz_at_engine(data: bytes) -> None:
    """atheris entry: byte 0 picks the mode, byte 1 seeds the chunking, the rest is fed."""
    if len(data) < 2:
        return
    mode = AT_ENGINE_MODES[data[0] % len(AT_ENGINE_MODES)]
    seed = data[1]
    stream = data[2:]
    chunks = []
    pos = 0
    while pos < len(stream):
        size = 1 + seed % 23
        chunks.append(stream[pos:pos + size])
        pos += size
        seed = (seed * 73 + 41 + (stream[pos - 1] if pos <= len(stream) else 0)) & 0xFF
    run_at_engine(mode, chunks, resync=bool(data[0] & 0x80))
