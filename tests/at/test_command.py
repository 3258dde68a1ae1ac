"""Command lines are built safely: nothing from a card or a user can inject a command."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from me_lib.at import Raw, build_command
from me_lib.at.fields import line_values, split_fields, to_int, unquote
from me_lib.errors import InvalidAtParameter


def test_build_forms():
    assert build_command("+CGDCONT", 1, "IP", "internet") == 'AT+CGDCONT=1,"IP","internet"'
    assert build_command("+CGDCONT?") == "AT+CGDCONT?"
    assert build_command("AT+CGDCONT=?") == "AT+CGDCONT=?"
    assert build_command("+CRSM", 176, 28503, 0, 0, 255, None, "3F007FFF") == \
        'AT+CRSM=176,28503,0,0,255,,"3F007FFF"'
    assert build_command("+CSIM", 10, Raw("0070000001")) == "AT+CSIM=10,0070000001"
    assert build_command("+CGDCONT", 3, None, None) == "AT+CGDCONT=3"
    assert build_command("+CGDCONT", 1, "IP", "") == 'AT+CGDCONT=1,"IP",""'


@pytest.mark.parametrize("bad", [
    'internet";+CFUN=0', "internet\r\nAT+CFUN=0", "apn;+CFUN=0", "a\x00b", "caf\u00e9",
    "a\\b", "tab\there",
])
def test_injection_attempts_are_refused(bad):
    with pytest.raises(InvalidAtParameter):
        build_command("+CGDCONT", 1, "IP", bad)


@pytest.mark.parametrize("bad", [True, -1, 2**33, 1.5, b"bytes", object()])
def test_non_text_parameters_are_refused(bad):
    with pytest.raises(InvalidAtParameter):
        build_command("+CGACT", bad)


def test_too_long_and_bad_names_are_refused():
    with pytest.raises(InvalidAtParameter):
        build_command("+CGDCONT", 1, "IP", "a" * 600)
    with pytest.raises(InvalidAtParameter):
        build_command("+CGDCONT;+CFUN", 1)
    with pytest.raises(InvalidAtParameter):
        build_command("+CGDCONT?", 1)
    with pytest.raises(InvalidAtParameter):
        Raw("00 70")


@given(st.text(max_size=80))
def test_any_text_is_either_refused_or_round_trips_as_one_field(value):
    try:
        line = build_command("+CGDCONT", 1, "IP", value)
    except InvalidAtParameter:
        return
    assert "\r" not in line and "\n" not in line and ";" not in line
    fields = split_fields(line[len("AT+CGDCONT="):])
    assert len(fields) == 3
    assert unquote(fields[2]) == value


def test_field_helpers_tolerate_real_quirks():
    assert split_fields(' ( 1 ) , "IP" ,,, (0-2),(0-3)') == ["( 1 )", '"IP"', "", "", "(0-2)",
                                                             "(0-3)"]
    assert split_fields('1,"a,b",(1,2),') == ["1", '"a,b"', "(1,2)", ""]
    assert line_values('+CGPADDR: 1,10.184.84.84') == ["1", "10.184.84.84"]
    assert line_values('+CPSMS:0,,,"00011000"') == ["0", "", "", "00011000"]
    assert to_int(" 007 ") == 7 and to_int("x") is None and to_int('"1F"', 16) == 31
