"""A hostile modem's numbers: longer than any number a module sends, or not numbers.

CPython refuses to turn more than 4300 decimal digits into an int with a bare
ValueError ("Exceeds the limit ... for integer string conversion"); a modem
line may be up to 8 KiB, so a "+CME ERROR: 999...9" of 5000 digits reached
that limit from the engine's final reader. The packed CME tables (one string
per table, me_lib/at/cme.py) must answer like the dicts they replace: a code
that is not an int has no name (3.7 is not code 3), and asking is never a
TypeError.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.at import AtEngine, Response
from me_lib.at.causes import EMM_CAUSES, ESM_CAUSES
from me_lib.at.cme import CME_ERRORS, CMS_ERRORS, cme_name
from me_lib.at.fields import to_int

HUGE = "9" * 5000


def test_to_int_of_more_digits_than_any_module_sends_is_not_a_number() -> None:
    assert to_int(HUGE) is None
    assert to_int("-" + HUGE) is None
    assert to_int("F" * 5000, 16) is None
    assert to_int("65535") == 65535           # ordinary numbers unchanged
    assert to_int("89860318640220133897") == 89860318640220133897   # an ICCID's 20 digits


def test_engine_final_with_a_5000_digit_cme_code_is_a_final_not_a_crash() -> None:
    engine = AtEngine()
    engine.send("AT+CIMI", now=0.0)
    events = engine.feed(b"\r\n+CME ERROR: " + HUGE.encode() + b"\r\n", 0.0)
    done = [ev for ev in events if isinstance(ev, Response)]
    assert len(done) == 1 and not done[0].final.ok
    assert done[0].final.code is None


def test_engine_modem_error_with_a_5000_digit_code_does_not_crash() -> None:
    engine = AtEngine()
    engine.send("AT+CIMI", now=0.0)
    engine.feed(b"\r\nMODEM ERROR: " + HUGE.encode() + b"\r\n", 0.0)
    engine.tick(1e6)
    assert not engine.busy


def test_packed_tables_answer_like_dicts_for_codes_that_are_not_ints() -> None:
    for table in (CME_ERRORS, CMS_ERRORS, ESM_CAUSES, EMM_CAUSES):
        code = next(iter(table))
        assert table.get(float(code) + 0.5) is None
        assert table.get(str(code)) is None
        assert table.get(None) is None           # type: ignore[arg-type]
        assert (float(code) + 0.5) not in table
    assert cme_name(3) == CME_ERRORS.get(3)


@settings(max_examples=400, deadline=None, database=None)
@given(st.one_of(st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
                 st.floats(allow_nan=True), st.text(max_size=8), st.none(), st.binary(max_size=4)))
def test_packed_lookup_never_raises(code: object) -> None:
    for table in (CME_ERRORS, CMS_ERRORS, ESM_CAUSES, EMM_CAUSES):
        name = table.get(code)  # type: ignore[arg-type]
        assert name is None or (isinstance(code, int) and code in table)
        assert (code in table) == (name is not None)
