"""Every fuzz target of bench/fuzz_targets.py, driven by hypothesis for a bounded run.

A target may raise a `MeLibError` (the input was bad and we said so); anything
else escaping it is a crash a card or a modem could trigger. Inputs are random
bytes, random Latin-1 text (the line parsers) and mutations of the target's
valid seed (flipped, inserted, deleted bytes, truncation), so the decoders get
past their first length check. `make fuzz` runs the same targets for 10^6
inputs each; this is the per-commit guard.
"""

import traceback

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_targets import SEEDS, TARGETS, run_one


@st.composite
def _mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.integers(0, 3))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == 0 and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == 1:
            data.insert(pos, draw(st.integers(0, 255)))
        elif op == 2 and data:
            del data[pos]
        else:
            data = data[:pos]
    return bytes(data)


def test_every_target_has_a_seed_it_accepts() -> None:
    assert set(SEEDS) == set(TARGETS)
    for name, target in TARGETS.items():
        target(SEEDS[name])  # a valid input decodes without any error at all


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_no_escape(name: str) -> None:
    target = TARGETS[name]
    inputs = st.one_of(
        st.binary(max_size=96),
        st.text(alphabet=st.characters(max_codepoint=255), max_size=60).map(
            lambda t: t.encode("latin-1")),
        _mutated(SEEDS[name]),
    )

    @settings(max_examples=120, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(inputs)
    def check(data: bytes) -> None:
        escaped = run_one(target, data)
        assert escaped is None, "%s(%r) escaped with %s" % (
            name, data, "".join(traceback.format_exception(escaped)))

    check()
