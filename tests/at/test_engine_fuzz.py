"""Random byte streams, randomly chunked, in every engine mode.

Whatever the modem sends, the engine raises nothing but `MeLibError`s, never
holds more than `buffer_limit` bytes, and after a timeout and a resync a clean
`OK` still completes the next command (bench/fuzz_targets.py does the checks;
atheris runs the same target on its own inputs).
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.fuzz_engine import AT_ENGINE_MODES, at_engine_in_mode, fuzz_at_engine, run_at_engine

# Pieces of what modems send, so random streams reach the interesting states.
_TOKENS = [
    b"\r", b"\n", b"\r\n", b" ", b",", b"> ", b"@", b"\x00", b"\xff", b"\x1a", b"OK", b"ERROR",
    b"AT", b"AT+CIMI", b"+CME ERROR: 10", b"+CME ERROR:", b"CONNECT", b"NO CARRIER",
    b"SEND OK", b"RDY", b"APP RDY", b"+QIRD: ", b"+CARECV: ", b"+QIURC: \"recv\",0,",
    b"#XRECV: ", b"+CGDCONT: 1,\"IP\",\"a\"", b"+CREG: 5", b"RING", b"0", b"5", b"200",
    b"256", b"257", b"99999999999999", b"-1",
]
_piece = st.one_of(st.sampled_from(_TOKENS), st.binary(max_size=40))
_stream = st.lists(_piece, max_size=60).map(b"".join)


def _chunks(data: bytes, cuts: "list[int]") -> "list[bytes]":
    points = sorted(set([c % (len(data) + 1) for c in cuts]))
    out = []
    last = 0
    for p in points + [len(data)]:
        out.append(data[last:p])
        last = p
    return out


@settings(max_examples=100)
@given(mode=st.sampled_from(AT_ENGINE_MODES), data=_stream,
       cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=30),
       resync=st.booleans())
def test_engine_survives_random_streams_in_every_mode(mode, data, cuts, resync):
    run_at_engine(mode, _chunks(data, cuts), resync)


@settings(max_examples=40)
@given(mode=st.sampled_from(AT_ENGINE_MODES), byte=st.integers(min_value=0, max_value=255),
       size=st.integers(min_value=1, max_value=4000),
       cut=st.integers(min_value=1, max_value=700))
def test_long_runs_without_line_end_stay_under_the_cap(mode, byte, size, cut):
    """One byte value repeated (no line end when it is not CR/LF), in chunks of `cut`."""
    data = bytes([byte]) * size
    run_at_engine(mode, [data[i:i + cut] for i in range(0, size, cut)])


@settings(max_examples=60)
@given(data=st.binary(max_size=300))
def test_the_atheris_target_accepts_any_input(data):
    fuzz_at_engine(data)


def test_every_mode_is_entered_as_named():
    """The modes the fuzzer feeds are the engine states they claim to be."""
    assert at_engine_in_mode("data").data_mode
    assert at_engine_in_mode("raw")._raw_left == 200
    assert at_engine_in_mode("prompt").pending_command == "AT+QISEND=0,4"
    assert at_engine_in_mode("settle").busy and at_engine_in_mode("settle").pending_command is None
    assert at_engine_in_mode("echo").echo is True
    assert at_engine_in_mode("urc_raw").pending_command is None
    held = at_engine_in_mode("inline_held")
    assert held.pending_command == "AT+CARECV=0,100" and held.mode == "lines" and held.buffered()


def test_garbled_length_then_timeout_then_clean_ok():
    for resync in (False, True):
        run_at_engine("raw", [b"\r\n+QIRD: 99999999999999\r\n", b"x" * 1000], resync)
        run_at_engine("inline", [b"\r\n+CARECV: 99999999999999,", b"y" * 1000], resync)
        # a payload announced by a URC that never arrives in full
        run_at_engine("urc_raw", [b"\r\n#XRECV: 200\r\nabc"], resync)
