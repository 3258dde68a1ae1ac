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
