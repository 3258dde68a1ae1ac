"""Secrets never reach the log."""

import logging

import pytest

from me_lib.at import AtChannel
from me_lib.at.redact import redact, redact_text
from me_lib.errors import (
    AtCommandError,
    AtError,
    AtTimeout,
    CmeError,
    CmsError,
    ModemRebooted,
)


@pytest.mark.parametrize("line,secret", [
    ('AT+CPIN="1234"', "1234"),
    ('AT+CPIN="12345678","4321"', "4321"),
    ('AT+CGAUTH=1,1,"user","s3cret"', "s3cret"),
    ('AT+QICSGP=1,1,"apn","user","s3cret",1', "s3cret"),
    ('AT#SGACT=1,1,"user","s3cret"', "s3cret"),
    ('AT+UPSD=0,3,"s3cret"', "s3cret"),
    ('AT+CSIM=26,"0020000108313233FFFFFFFFFF"', "313233"),
    ('AT+CGLA=1,26,"0020000108313233FFFFFFFFFF"', "313233"),
    ('AT+CNCFG=0,1,"apn","user","s3cret",1', "s3cret"),
    ('AT+CPIN="86420975","73592468"', "86420975"),
    ('AT+CPIN="86420975","73592468"', "73592468"),
    ('AT+CLCK="SC",1,"73592468"', "73592468"),
    ('AT+CPWD="SC","73592468","24681357"', "24681357"),
    ('AT+CPWD="SC","73592468","24681357"', "73592468"),
    ('AT#PDPAUTH=1,1,"user","s3cret"', "s3cret"),
    ('AT+UAUTHREQ=1,1,"user","s3cret"', "s3cret"),
    ('AT+UPSD=0,2,"s3cret"', "s3cret"),
    ('+CGAUTH: 1,1,"user","s3cret"', "s3cret"),
    ('+QICSGP: 1,"apn","user","s3cret",1', "s3cret"),
    ('at+cpin="73592468"', "73592468"),
    # VERIFY, CHANGE, DISABLE, ENABLE, UNBLOCK (PUK + new PIN) over +CSIM and +CGLA
    ('AT+CSIM=26,"00200001083733353932343638"', "3733353932343638"),
    ('AT+CSIM=42,"0024000110373335393234363832343638313335"', "3234363831333537"[:8]),
    ('AT+CSIM=26,"00260001083733353932343638"', "3733353932343638"),
    ('AT+CSIM=26,"00280001083733353932343638"', "3733353932343638"),
    ('AT+CGLA=1,42,"012C000110383634323039373537333539323436"', "3836343230393735"),
])
def test_secret_parameters_are_masked(line, secret):
    out = redact(line)
    assert secret not in out
    assert "***" in out


def test_harmless_lines_untouched():
    for line in ('AT+CGDCONT=1,"IP","internet"', "+CPIN: READY", 'AT+CSIM=10,"0070000001"',
                 'AT+UPSD=0,1,"apn"', "AT+CPIN?", 'AT+CPINR="SIM PIN"', "AT+CGAUTH=1,0",
                 'AT+CSIM=10,"0020000100"', 'AT+CLCK="SC",2'):
        assert redact(line) == line


def test_channel_debug_log_has_no_pin(caplog):
    import os
    import threading

    import serial

    from me_lib.at import AtChannel

    master, slave = os.openpty()
    import tty
    tty.setraw(slave)
    port = serial.Serial(os.ttyname(slave), timeout=0.02)

    def modem():
        buf = b""
        while b"\r" not in buf:
            buf += os.read(master, 100)
        os.write(master, b"\r\nOK\r\n")

    t = threading.Thread(target=modem, daemon=True)
    t.start()
    ch = AtChannel(port)
    with caplog.at_level(logging.DEBUG, logger="me_lib.at"):
        ch.command('AT+CPIN="9876"', timeout=2)
    t.join(2)
    ch.close()
    os.close(master)
    os.close(slave)
    assert "9876" not in caplog.text
    assert "AT+CPIN=" in caplog.text


def test_redact_text_masks_each_line_of_a_burst():
    text = '\r\nAT+CPIN="73592468"\r\r\nOK\r\n+CGAUTH: 1,1,"u","pw-Zq7xK9"\r\n'
    out = redact_text(text)
    assert "73592468" not in out and "pw-Zq7xK9" not in out
    assert out.count("\r\n") == text.count("\r\n") and "\r\nOK\r\n" in out
    assert redact_text("\r\n+CEREG: 1,5\r\n") == "\r\n+CEREG: 1,5\r\n"


@pytest.mark.parametrize("make", [
    lambda c: AtTimeout(c, 20.0, [c]),
    lambda c: AtCommandError(c, "ERROR"),
    lambda c: CmeError(c, 16, "incorrect password"),
    lambda c: CmsError(c, 500, "unknown"),
    lambda c: ModemRebooted("RDY", c),
    lambda c: AtError("failed", c),
])
def test_errors_carrying_a_command_keep_it_redacted(make):
    exc = make('AT+CPIN="86420975","73592468"')
    for text in (str(exc), repr(exc), exc.command, " ".join(getattr(exc, "lines", []))):
        assert "86420975" not in text and "73592468" not in text
    assert exc.command == "AT+CPIN=***"


def test_a_refused_pin_over_the_channel_raises_without_the_pin():
    with AtChannel.open("sim://pin?speed=1000") as ch:
        ch.sync()
        ch.command("AT+CMEE=1")
        ch.poll(2.0)                                # the SIM is busy for a second
        with pytest.raises(CmeError) as err:
            ch.command('AT+CPIN="11223344"')
        rsp = ch.command('AT+CPIN="73592468"', check=False)
    assert "11223344" not in str(err.value) and err.value.command == "AT+CPIN=***"
    assert "73592468" not in repr(rsp) and "AT+CPIN=***" in repr(rsp)
