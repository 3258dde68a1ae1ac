"""Any split of the same byte stream must give the same events (the sans-I/O promise)."""

from hypothesis import given
from hypothesis import strategies as st

from me_lib.at import AtEngine, DataReceived, RawSpec

# A session the engine has to get right: echo on then off, URCs everywhere,
# noise, a prompt, a raw payload, a boot banner, odd line ends.
SCRIPT = [
    ("AT", None, {}, b"AT\r\r\nOK\r\n"),
    ("ATE0", None, {}, b"ATE0\r\r\nOK\r\n\r\n+CEREG: 2\r\n"),
    ("AT+CGDCONT?", "+CGDCONT:", {},
     b'\r\n+CGDCONT: 1,"IP","dm.mnc001.mcc001.gprs","0.0.0.0",0,0\r\n\x00\r\n+CEREG: 1\r\n'
     b'\r\r\n+CGDCONT: 2,"IPV4V6","ims"\r\r\n\r\nOK\r\n'),
    ("AT+CEREG?", "+CEREG:", {}, b"\r\n+CEREG: 5\r\n\r\n+CEREG: 0,1\r\n\r\nOK\r\n"),
    ("AT+QISEND=0,4", None, {"payload": b"ping", "finals": {"SEND OK": True}},
     b"\r\n> \r\nSEND OK\r\n"),
    ("AT+QIRD=0,64", "+QIRD:", {"raw": [RawSpec("+QIRD:", 0)]},
     b"\r\n+QIRD: 6\r\n\r\nOK\r\n\r\n\r\nOK\r\n\xff\xff"),
    ("AT+CPIN?", "+CPIN:", {}, b"\n+CPIN: SIM PIN\n\nOK\n"),
    ("AT+CGACT=1,1", None, {}, b"\r+CME ERROR: 133\r"),
    ("AT+CIMI", None, {}, b"\r\n001010123456789\r\n\r\nOK\r\n\r\nRING\r\n"),
    ("AT+CFUN=1,1", None, {}, b"\r\nOK\r\n\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n"),
    ("AT+CGMM", None, {}, b"AT+CGMM\r\r\nBG96\r\n\r\nOK\r\n"),
]


def describe(ev):
    """A comparable summary of one event."""
    name = type(ev).__name__
    if name == "Response":
        return (name, ev.command, tuple(ev.lines), ev.final.kind, ev.final.ok, ev.final.code,
                tuple(ev.payloads))
    if name == "Urc":
        return (name, ev.line, ev.payload)
    if name == "Prompt":
        return (name, ev.char, ev.data)
    if name == "Rebooted":
        return (name, ev.banner, ev.command)
    return (name, repr(ev))


def run_script(cuts_per_step):
    engine = AtEngine()
    out = []
    for (cmd, prefix, kw, reply), cuts in zip(SCRIPT, cuts_per_step, strict=True):
        engine.send(cmd, prefix=prefix, now=0.0, **kw)
        pieces = []
        last = 0
        for c in sorted(set(x % (len(reply) + 1) for x in cuts)):
            pieces.append(reply[last:c])
            last = c
        pieces.append(reply[last:])
        data_mode = []
        for piece in pieces:
            for ev in engine.feed(piece, 0.0):
                if isinstance(ev, DataReceived):
                    data_mode.append(ev.data)
                else:
                    out.append(describe(ev))
        if data_mode:
            out.append(("Data", b"".join(data_mode)))
        assert not engine.busy, (cmd, out)
    return out


REFERENCE = run_script([[] for _ in SCRIPT])


def test_reference_run_is_what_the_script_means():
    kinds = [e[0] for e in REFERENCE]
    assert kinds.count("Response") == len(SCRIPT)
    assert ("Urc", "+CEREG: 5", None) in REFERENCE
    assert ("Prompt", ">", b"ping") in REFERENCE
    assert ("Rebooted", "RDY", None) in REFERENCE
    qird = next(e for e in REFERENCE if e[0] == "Response" and e[1].startswith("AT+QIRD"))
    assert qird[6] == (b"\r\nOK\r\n",)


@given(st.lists(st.lists(st.integers(min_value=0, max_value=400), max_size=12),
                min_size=len(SCRIPT), max_size=len(SCRIPT)))
def test_any_chunking_gives_the_same_events(cuts):
    assert run_script(cuts) == REFERENCE


def test_one_byte_chunks_give_the_same_events():
    cuts = [list(range(len(step[3]) + 1)) for step in SCRIPT]
    assert run_script(cuts) == REFERENCE


@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=20))
def test_arbitrary_bytes_never_raise_and_chunking_is_irrelevant(blob, cuts):
    def events_for(pieces):
        e = AtEngine()
        e.send("AT+CSQ", prefix="+CSQ:", now=0)
        out = []
        for p in pieces:
            out += [describe(x) for x in e.feed(p, 0.0) if not isinstance(x, DataReceived)]
        return out

    points = sorted(set(c % (len(blob) + 1) for c in cuts))
    pieces = []
    last = 0
    for c in points:
        pieces.append(blob[last:c])
        last = c
    pieces.append(blob[last:])
    assert events_for(pieces) == events_for([blob])


def _cut(data, cuts):
    points = sorted(set(c % (len(data) + 1) for c in cuts))
    pieces = []
    last = 0
    for c in points:
        pieces.append(data[last:c])
        last = c
    pieces.append(data[last:])
    return pieces


# A prompt as each dialect prints it (me_lib/sim/modem/sockets/: Quectel and Telit
# "\r\n> ", SIMCom "\r\n>", u-blox "@"), and as a line of its own; then what the
# modem sends once the payload is written: its echo and the answer. The modem only
# echoes what the host wrote after seeing the prompt, so the cuts fall within each part.
PROMPT_SESSIONS = [
    (None, b"\r\n> ", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\n>", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\n> \r\n", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\n>\r\n", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\n@", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\n@\r\n", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\n@\n", b"ping\r\nSEND OK\r\n"),
    (None, b"\r\r\n>\r\r\n", b"ping\r\nSEND OK\r\n"),
    (True, b"AT+QISEND=0,4\r\r\n> ", b"ping\r\nSEND OK\r\n"),
    (True, b"AT+QISEND=0,4\r\r\n@\r\n", b"ping\r\nSEND OK\r\n"),
    (False, b"\r\n> ", b"\r\nSEND OK\r\n"),
    (False, b"\r\n>\r\n", b"\r\nSEND OK\r\n"),
]


def _prompt_session(echo, pieces):
    e = AtEngine(echo=echo)
    e.send("AT+QISEND=0,4", payload=b"ping", finals={"SEND OK": True}, now=0.0)
    out = []
    for p in pieces:
        out += e.feed(p, 0.0)
    return out


@given(st.sampled_from(PROMPT_SESSIONS), st.lists(st.integers(0, 40), max_size=6),
       st.lists(st.integers(0, 40), max_size=6))
def test_a_prompt_and_the_payload_echo_give_the_same_events_in_any_chunking(
        session, before, after):
    """The prompt's space and line end are never taken for the payload's echo,
    wherever the reads cut them (`@` + CR LF in one read, `>` and its space apart)."""
    echo, prompt, rest = session
    events = _prompt_session(echo, _cut(prompt, before) + _cut(rest, after))
    assert events == _prompt_session(echo, [prompt, rest])
    assert [describe(x) for x in events] == [
        ("Prompt", prompt.strip()[-1:].decode(), b"ping"),
        ("Response", "AT+QISEND=0,4", (), "EXTRA", True, None, ())]


def _carecv_session(held, pieces):
    """`held` comes before `AT+CARECV` is sent (a line already under way), `pieces` after."""
    e = AtEngine()
    out = e.feed(held, 0.0)
    e.send("AT+CARECV=0,1500", prefix="+CARECV:", raw=[RawSpec("+CARECV:", 0, inline=True)],
           now=0.0)
    for p in pieces:
        out += e.feed(p, 0.0)
    return out


@given(st.integers(0, 40), st.binary(min_size=1, max_size=12), st.integers(0, 200),
       st.lists(st.integers(0, 400), max_size=8))
def test_an_inline_header_gives_the_same_events_in_any_chunking_held_or_not(
        zeros, payload, held, cuts):
    """An inline answer (`+CARECV: <len>,<data>`), any part of its line held when the
    command is sent, the rest cut anywhere: the same events as all of it after the
    send. `zeros` pads the length field, so the comma falls either side of the
    header window."""
    head = b"+CARECV: " + b"0" * zeros + b"%d," % len(payload)
    stream = b"\r\n" + head + payload + b"\r\n\r\nOK\r\n"
    # never past the line's end: before the command is sent, a CR or LF in the
    # payload ends the line (nothing announced a payload yet)
    end = min([k for k in (stream.find(b"\r", 2), stream.find(b"\n", 2)) if k >= 0])
    held = held % (end + 1)
    events = _carecv_session(stream[:held], _cut(stream[held:], cuts))
    assert events == _carecv_session(b"", [stream])
    rsp = events[-1]
    assert rsp.final.ok
    assert rsp.payloads == ([payload] if len(head) <= 96 else [])
