"""Secrets never reach the log."""

import logging

import pytest

from me_lib.at import AtChannel
from me_lib.at.redact import for_log, mask_secrets, redact, redact_text
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


# -- the PIN-carrying APDUs, line by line, card data in logs, secrets learned late --------

@pytest.mark.parametrize("ins", ["20", "24", "26", "28", "2C", "2c"])
def test_every_pin_instruction_is_masked_inside_csim(ins):
    line = 'AT+CSIM=26,"00%s000108%s"' % (ins, b"73592468".hex())
    assert redact(line) == 'AT+CSIM=26,"00%s000108***"' % ins.upper()


@pytest.mark.parametrize("apdu", ["00B000000A", "00A4000C022FE2", "0020000100"])
def test_other_apdus_and_a_bare_verify_stay_readable(apdu):
    # READ BINARY, SELECT, and VERIFY without data (asks the retry count) hold no secret
    line = 'AT+CGLA=1,%d,"%s"' % (len(apdu), apdu)
    assert redact(line) == line


def test_redact_text_masks_each_line_and_keeps_the_framing():
    burst = 'AT+CPIN="73592468"\r\r\nOK\r\n+CGAUTH: 1,1,"dev","pw-Zq7xK9"\n'
    assert redact_text(burst) == 'AT+CPIN=***\r\r\nOK\r\n+CGAUTH: 1,1,***,***\n'
    assert redact_text("\r\nOK\r\n") == "\r\nOK\r\n"
    assert redact_text("ATI") == "ATI"
    assert redact_text('AT+CPIN="73592468"') == "AT+CPIN=***"


@pytest.mark.parametrize(("line", "shown"), [
    ('+CRSM: 144,0,"62178202412183024F018A01058C03031A11"',
     "+CRSM: 144,0,<18 bytes>"),
    ('AT+CRSM=214,28472,0,0,5,"0102030405"', "AT+CRSM=214,28472,0,0,5,<5 bytes>"),
    ('+CSIM: 20,"6f0a9000aabbccddeeff"', "+CSIM: 20,<10 bytes>"),
    ('+CGLA: 4,"9000"', '+CGLA: 4,"9000"'),                   # a status word: no data
    ('+CRSM: 144,0,"not-hex-at-all"', '+CRSM: 144,0,"not-hex-at-all"'),
    ('+CGDCONT: 1,"IP","0123456789abcdef"', '+CGDCONT: 1,"IP","0123456789abcdef"'),
])
def test_logs_show_card_data_by_its_size(line, shown):
    assert for_log(line) == shown


def test_logs_still_mask_a_pin_apdu_first():
    line = 'AT+CSIM=26,"0020000108%s"' % b"73592468".hex()
    assert for_log(line) == 'AT+CSIM=26,"0020000108***"'


def test_mask_secrets_finds_text_and_both_hex_cases_and_keeps_lengths():
    secret = b"pw-Zq7xK9"
    data = (b'+CGAUTH: 1,1,"dev","pw-Zq7xK9"\r\n+CRSM: 144,0,"84' + secret.hex().encode()
            + b'"\r\n+CSIM: 22,"' + secret.hex().upper().encode() + b'9000"\r\n')
    masked = mask_secrets(data, [b"", secret])
    assert len(masked) == len(data)
    assert secret not in masked and secret.hex().encode() not in masked
    assert secret.hex().upper().encode() not in masked
    assert masked.count(b"*" * len(secret)) == 1
    assert masked.count(b"2a" * len(secret)) == 1 and masked.count(b"2A" * len(secret)) == 1
    twice = secret + b"," + secret
    assert mask_secrets(twice, [secret]) == b"*" * len(secret) + b"," + b"*" * len(secret)
    assert mask_secrets(b"nothing here", [secret]) == b"nothing here"


def test_a_command_with_nothing_after_the_head_is_left_as_it_is():
    assert redact("AT+CPIN=") == "AT+CPIN="
    assert redact("AT+CGAUTH=1,0") == "AT+CGAUTH=1,0"          # no user, no password
    assert redact('AT+UPSD=0,1,"apn.example"') == 'AT+UPSD=0,1,"apn.example"'   # the APN
    assert redact('AT+UPSD=0,3,"pw-Zq7xK9"') == "AT+UPSD=0,3,***"
