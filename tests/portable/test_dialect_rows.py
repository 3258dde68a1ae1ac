"""Dialect rows keep only the fields they set (issue 15), on both interpreters.

The defaults are class attributes shared by every row; a row's own attribute
table holds its differences. What callers read must not change: every field
reads the same through a row as it did when each row stored all of them.
"""

from portable_support import raises

from me_lib.modem.dialects import DIALECTS, GENERIC, Dialect, by_name


def test_a_row_reads_its_own_fields_and_the_defaults_for_the_rest():
    bg96 = by_name("quectel-bg96")
    assert bg96.activation == "qiact" and bg96.service_activation == "qiact"
    assert bg96.act_names == {8: "LTE-M", 9: "NB-IoT"}
    assert bg96.default_cid == 1 and bg96.timeouts == {} and bg96.crsm_seed == {}
    assert bg96.registration_domains == ("CEREG", "CGREG", "CREG")
    telit = by_name("telit-me910")
    assert (telit.activation, telit.service_activation) == ("sgact", "cgact")
    assert GENERIC.name == "generic" and GENERIC.activation == "cgact"
    assert GENERIC.service_activation == "cgact" and GENERIC.reset_kind == "reboot"


def test_a_field_given_as_none_keeps_its_default():
    row = Dialect("x", act_names=None, timeouts=None, service_activation=None,
                  activation="cnact", pwrkey_on_s=None)
    assert row.act_names == {} and row.timeouts == {} and row.pwrkey_on_s is None
    assert row.service_activation == "cnact"


def test_unknown_fields_and_methods_are_refused():
    raises(TypeError, lambda: Dialect("x", no_such_field=1))
    raises(TypeError, lambda: Dialect("x", timeout=1.0))  # a method, not a field
    raises(ValueError, lambda: Dialect("x", reset_kind="explode"))


def test_rows_share_the_empty_defaults_and_every_row_matches_by_name():
    for row in DIALECTS:
        assert by_name(row.name) is row
    assert by_name("ublox-sara-r4").timeout("AT+CGATT=1") == 360.0
    assert by_name("quectel-bg96").timeout("AT+CGATT=1") == GENERIC.timeout("AT+CGATT=1")
    assert by_name("nordic-nrf91-slm").crsm_seed is GENERIC.crsm_seed
