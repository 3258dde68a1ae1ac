"""+C5GURSPQRY? answers from a hostile or confused module: typed errors or notes, no crash.

Every line's fields come from the module unchecked. `rules_from_query` must raise
only DecodeError; what it accepts must go through the profile view
(`sources.ursp.partial_from_rules`) and the simulator's writer (`query_rows`)
without anything else escaping; a DNN the module names reaches a Bearer only
once it is a valid APN (no quote, comma, CR/LF or non-ASCII can reach
AT+CGDCONT), and is otherwise a note.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.codec import ursp as U
from me_lib.errors import DecodeError, MeLibError
from me_lib.sources.ursp import partial_from_rules

HUGE = "9" * 5000
FIELDS = 31        # Rel-18: type, precedence, 20 traffic fields, 9 route fields


def _row(precedence: str = "1", dnn: str = "internet", route_precedence: str = "1",
         ssc: str = "", access: str = "", caps: str = "") -> list[str]:
    row = ["0", precedence] + [""] * 20 + [route_precedence, ssc, "", dnn, "IP", access,
                                           "", "", ""]
    row[2 + 4] = caps
    return row


def test_a_5000_digit_number_field_is_a_decode_error() -> None:
    for row in (_row(precedence=HUGE), _row(route_precedence=HUGE), _row(ssc=HUGE),
                _row(access=HUGE), _row(caps=HUGE)):
        try:
            U.rules_from_query([row])
        except DecodeError as exc:
            assert "+C5GURSPQRY" in str(exc) and HUGE not in str(exc)
        else:
            raise AssertionError("a 5000-digit number was accepted")


def test_a_hostile_dnn_becomes_a_note_never_a_bearer() -> None:
    for dnn in ('in"ter,net', "internet\r\nAT+CFUN=0", "internét", "a" * 300, "a..b", ".x"):
        rules = U.rules_from_query([_row(precedence="255", dnn=dnn)])
        part = partial_from_rules(rules, "network:URSP", "ursp-network", [])
        assert part.apn0 is None and not part.service_bearers
        assert any("ignored" in n for n in part.notes)


_FIELD = st.one_of(
    st.sampled_from(["", "0", "1", "255", "IP", "IPV4V6", "Non-IP", "01.0000A1", "02;01",
                     "1;2", "internet", "com.example", "dm.example.net", "-1", " 1", HUGE,
                     "\u0661", "ff", "1.2.3.4", 'a"b', "a\r\nb", "é"]),
    st.text(max_size=12),
)


@settings(max_examples=600, deadline=None, database=None)
@given(st.lists(st.lists(_FIELD, min_size=FIELDS, max_size=FIELDS), min_size=1, max_size=4),
       st.booleans())
def test_any_answer_decodes_or_raises_decode_error(rows: list[list[str]], rel19: bool) -> None:
    if rel19:
        rows = [r[:22] + ["", ""] + r[22:] for r in rows]
    try:
        rules = U.rules_from_query(rows)
    except DecodeError:
        return
    part = partial_from_rules(rules, "network:URSP", "ursp-network", ["dm.example.net"])
    for bearer in ([part.apn0] if part.apn0 else []) + list(part.service_bearers or []):
        assert all(" " < ch < "\x7f" and ch not in '",;' for ch in bearer.apn)
    again = U.rules_from_query(U.query_rows(rules))
    assert [r.precedence for r in again] == [r.precedence for r in rules if r.skipped is None]
    for rule in rules:
        if rule.skipped is None:
            try:
                U.encode_rule(rule)
            except MeLibError:
                pass
