"""Secrets never reach the log."""

import logging

import pytest

from me_lib.at.redact import redact


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
])
def test_secret_parameters_are_masked(line, secret):
    out = redact(line)
    assert secret not in out
    assert "***" in out


def test_harmless_lines_untouched():
    for line in ('AT+CGDCONT=1,"IP","internet"', "+CPIN: READY", 'AT+CSIM=10,"0070000001"',
                 'AT+UPSD=0,1,"apn"'):
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
