"""The +C5GURSPQRY? read answer (TS 27.007 §10.1.75, Table 10.1.75-1) as URSP rules.

The read form lists every rule stored at the MT as text, one line per route selection
descriptor: <ursp_rule_type>,<ursp_rule_precedence>, 20 traffic descriptor fields (Rel-18;
Rel-19 adds <PIN ID>,<Connectivity group ID>), then 9 route fields. No PLMN, no hex: the
earlier assumption ('"<plmn>","<hex rules>"') was wrong.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from me_lib.at.fields import line_values
from me_lib.codec import ursp as U
from me_lib.errors import DecodeError

PREFIX = "+C5GURSPQRY:"


def _rows(*lines: str) -> list[list[str]]:
    return [line_values(PREFIX + " " + line, PREFIX) for line in lines]


def _line(head: str, traffic: dict[int, str], route: str = "", extra: int = 0) -> str:
    """`head` (type,precedence), the 20 (+extra) traffic fields by index, the route."""
    fields = [traffic.get(i, "") for i in range(20 + extra)]
    route_fields = route.split(",") if route else [""] * 9
    assert len(route_fields) == 9
    return ",".join([head, *fields, *route_fields])


# an app rule with two routes (two lines), a DNN rule on a slice, the match-all rule
VECTOR = _rows(
    _line('0,1', {0: '"com.example.iot"'}, '1,1,"01.0000A1","iot.example","IP",1,,,'),
    _line('0,1', {0: '"com.example.iot"'}, '2,,,"internet.example","IPV4V6",,,,'),
    _line('0,2', {2: '"ims;xcap"', 3: '"dm.example.net"'}, '1,,"02;01",,"IPV6",,,,'),
    _line('0,255', {}, '1,,,"internet.example","IP",,,,'),
)


def test_read_answer_lines_make_rules_with_their_routes() -> None:
    rules = U.rules_from_query(VECTOR)
    assert [r.precedence for r in rules] == [1, 2, 255]
    app, dnn, default = rules
    assert app.app_ids == ["com.example.iot"] and app.skipped is None
    assert [(r.precedence, r.dnn, r.pdu_session_type, r.ssc_mode) for r in app.routes] == [
        (1, "iot.example", U.PDU_IPV4, 1), (2, "internet.example", U.PDU_IPV4V6, None)]
    assert app.routes[0].snssai == bytes.fromhex("010000A1")
    assert app.routes[0].preferred_access == 1
    assert dnn.traffic_of(U.TD_DNN) == ["ims", "xcap"]
    assert dnn.traffic_of(U.TD_FQDN) == ["dm.example.net"]
    # SST 2 mapped to HPLMN SST 1: SST then mapped SST (TS 24.501 §9.11.2.8)
    assert dnn.routes[0].snssai == b"\x02\x01" and dnn.routes[0].dnn is None
    assert default.match_all and default.routes[0].dnn == "internet.example"


def test_rel19_lines_with_pin_and_connectivity_group_fields() -> None:
    rows = _rows(_line("0,3", {0: '"app"'}, '1,,,"a.example",,,,,', extra=2),
                 _line("0,4", {21: '"group-1"'}, '1,,,"b.example",,,,,', extra=2))
    first, second = U.rules_from_query(rows)
    assert first.skipped is None and first.routes[0].dnn == "a.example"
    assert second.skipped is not None and "connectivity group" in second.skipped


@pytest.mark.parametrize("traffic, why", [
    ({1: '"97A498E3FC925C9489860333D06E4E47:com.x"'}, "OSID&APPID"),
    ({19: '"^.*$"'}, "regular expression"),
])
def test_traffic_fields_without_a_confirmed_form_skip_the_rule(traffic: dict[int, str],
                                                                why: str) -> None:
    (rule,) = U.rules_from_query(_rows(_line("0,5", traffic, '1,,,"x.example",,,,,')))
    assert rule.skipped is not None and why in rule.skipped


@pytest.mark.parametrize("route, why", [
    ('1,,,"x.example",,,,"1",', "location criteria"),
    ('1,,,"x.example",,,,,"1"', "time window"),
    ('1,,"zz","x.example",,,,,', "S-NSSAI"),
    ('1,,,"x.example","PPP",,,,', "pdp_type"),
])
def test_route_fields_the_profile_cannot_use_skip_that_route(route: str, why: str) -> None:
    (rule,) = U.rules_from_query(_rows(_line("0,6", {0: '"a"'}, route)))
    assert rule.skipped is None and rule.usable_routes == []
    assert rule.routes[0].skipped is not None and why in rule.routes[0].skipped


@pytest.mark.parametrize("rows, what", [
    ([["0", "1", "x"]], "3 fields"),
    (_rows(_line("0,one", {0: '"a"'})), "<ursp_rule_precedence>"),
    (_rows(_line("0,1", {4: '"ims"'})), "<Connection_capabilities>"),
    (_rows(_line("0,1", {0: '"a"'}, "x,,,,,,,,")), "<route_selection_descriptor_precedence>"),
])
def test_malformed_answers_are_decode_errors(rows: list[list[str]], what: str) -> None:
    with pytest.raises(DecodeError) as info:
        U.rules_from_query(rows)
    assert what in str(info.value) and "27.007" in str(info.value)


_name = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_dnn = st.lists(_name, min_size=1, max_size=3).map(".".join)
_snssai = st.sampled_from([1, 2, 4, 5, 8]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
_route = st.builds(
    lambda prec, ssc, nssai, dnn, pdp: U.RouteDescriptor(prec, tuple(
        c for c in (U.RouteComponent(U.RSD_SSC_MODE, ssc) if ssc else None,
                    U.RouteComponent(U.RSD_SNSSAI, nssai) if nssai else None,
                    U.RouteComponent(U.RSD_DNN, dnn) if dnn else None,
                    U.RouteComponent(U.RSD_PDU_SESSION_TYPE, pdp) if pdp else None)
        if c is not None)),
    st.integers(0, 255), st.sampled_from([None, 1, 2, 3]), st.one_of(st.none(), _snssai),
    st.one_of(st.none(), _dnn), st.sampled_from([None, *U.PDU_SESSION_TYPES]))
_traffic = st.one_of(
    st.builds(lambda a: (U.TrafficComponent(U.TD_OS_APP_ID, a),), _name),
    st.builds(lambda d: (U.TrafficComponent(U.TD_DNN, d),), _dnn),
    st.builds(lambda f: (U.TrafficComponent(U.TD_FQDN, f, True),), _dnn),
    st.just((U.TrafficComponent(U.TD_MATCH_ALL),)))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_traffic, st.lists(_route, min_size=1, max_size=3)),
                max_size=4, unique_by=lambda t: repr(t[0])))
def test_rules_survive_the_text_form(items: list[tuple[tuple[U.TrafficComponent, ...],
                                                       list[U.RouteDescriptor]]]) -> None:
    rules = [U.UrspRule(n, traffic, tuple(routes)) for n, (traffic, routes) in enumerate(items)]
    rows = U.query_rows(rules, "0")
    assert all(len(row) == 31 for row in rows)
    assert U.rules_from_query(rows) == rules
