"""The secret-field table of me_lib/at/redact.py is one string (issue 15): each row well formed.

A malformed row would fail no import and could leave a secret in clear, so every
row is read here the way `redact` reads it, and masks what it says.
"""

from me_lib.at.redact import MASK, SECRET_FIELDS, redact


def _rows() -> list[list[str]]:
    return [line.split(" ") for line in SECRET_FIELDS.strip().split("\n")]


def test_heads_are_unique_and_end_at_their_first_mark() -> None:
    heads = [row[0] for row in _rows()]
    assert len(heads) == len(set(heads)) >= 17
    for head in heads:
        assert head == head.upper() and head[-1] in "=:"
        assert "=" not in head[:-1] and ":" not in head[:-1], head


def test_every_row_masks_exactly_its_fields() -> None:
    for row in _rows():
        assert 2 <= len(row) <= 3, row
        fields = ['"v%d"' % i for i in range(6)]
        if len(row) == 3:
            where, values = row[2].split("=")
            fields[int(where)] = values.split("/")[0]
        line = "AT" + row[0] + ",".join(fields)
        masked = redact(line)
        if row[1] == "*":
            assert masked == "AT" + row[0] + MASK, row
            continue
        secret = {int(i) for i in row[1].split(",")}
        assert secret, row
        out = masked[len("AT" + row[0]):].split(",")
        for i, value in enumerate(fields):
            assert out[i] == (MASK if i in secret else value), (row, masked)


def test_a_condition_that_does_not_hold_masks_nothing() -> None:
    assert redact('AT+UPSD=0,1,"apn.example"') == 'AT+UPSD=0,1,"apn.example"'
    assert redact('AT+UPSD=0,3,"pw-Zq7xK9"') == "AT+UPSD=0,3," + MASK
    assert redact('AT+CPIN2="73592468"') == "AT+CPIN2=" + MASK
    assert redact("AT+CPIN?") == "AT+CPIN?" and redact("+CPIN: READY") == "+CPIN: READY"
