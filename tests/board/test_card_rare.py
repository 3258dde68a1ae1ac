"""`board/card_rare.py`: the error rows card.py names by const, and what stays out of card.py.

card.py raises `fail(_E_NAME, ...)`, the compiler folds `_E_NAME` into a
number, and `card_rare.ROWS` holds the row of that number: the two lists
must stay in step, every row must build its class with its text, and a good
read of an FQDN profile must not load card_rare at all (its point: the
texts cost heap only once something is refused).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from me_lib.board import card, card_rare
from me_lib.errors import (
    CardError,
    DecodeError,
    InvalidAddress,
    InvalidApn,
    ProfileError,
    ProfileIntegrityError,
    ProfileMissing,
    ProfileUnreadable,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (ROOT / "me_lib" / "board" / "card.py").read_text()
CONSTS = re.findall(r"^_E_([A-Z0-9_]+) = const\((\d+)\)$", SOURCE, re.M)
ROWS = card_rare.ROWS.split("\n")
#: (name, the row's first source line's text) of each `"..."  # NAME` line of ROWS
NAMED = re.findall(r'^ {4}"(.*)"\)?  # ([A-Z0-9_]+)$',
                   (ROOT / "me_lib" / "board" / "card_rare.py").read_text(), re.M)
CLASSES = {"D": DecodeError, "J": DecodeError, "I": ProfileIntegrityError, "N": InvalidApn,
           "A": InvalidAddress, "P": ProfileError, "C": CardError, "M": ProfileMissing,
           "U": ProfileUnreadable}


def test_each_const_names_its_row_and_each_row_is_raised() -> None:
    assert len(CONSTS) == len(ROWS) == len(NAMED) > 40
    for name, number in CONSTS:
        start, named = NAMED[int(number)]
        assert named == name, (name, number)
        assert ROWS[int(number)].startswith(start.replace("\\n", "")), (name, start)
        # raised somewhere, not only defined
        assert len(re.findall(r"\b_E_%s\b" % name, SOURCE)) >= 2, name


@pytest.mark.parametrize("n", range(len(ROWS)))
def test_each_row_builds_its_class_with_its_text(n: int) -> None:
    cls, text, hint = ROWS[n].split("|")
    name = NAMED[n][1]
    values: tuple[object, ...] = (7,) * len(re.findall(r"%[0-9]*[dXsr]", text))
    if cls in "NA":
        values = ("first",) + values
    exc = card_rare.error(n, 3, values)
    assert type(exc) is CLASSES[cls], name
    assert (text % values[1:] if cls in "NA" else text % values) in str(exc)
    if cls in "DJ":
        assert exc.what == ("EF.DMCFG" if cls == "D" else "EF_ICCID")  # type: ignore[attr-defined]
        assert exc.offset == 3  # type: ignore[attr-defined]
    if hint:
        assert exc.hint == hint, name


def test_texts_are_the_ones_card_py_wrote_inline() -> None:
    """A few refusals spelled out as card.py gave them before the rows."""
    with pytest.raises(InvalidAddress) as addr:
        card.address(0, "a.-b")
    assert str(addr.value) == (
        "invalid server address 'a.-b': label '-b' is not letters, digits and inner hyphens "
        "of at most 63 characters (correct the DM server entry in the profile)")
    with pytest.raises(DecodeError) as dec:
        card.decode(bytes.fromhex("8001"))
    assert str(dec.value) == "EF.DMCFG: tag 80 says 1 bytes but only 0 follow at byte 0"
    with pytest.raises(InvalidApn) as apn:
        card.decode(bytes.fromhex("800101a00480020061a106800403615f62"))
    assert str(apn.value).startswith(
        "invalid APN '': label empty, cut short or not letters, digits and hyphens at byte ")
    with pytest.raises(ProfileError) as bad:
        card.check({"seq": None, "servers": [["fqdn", "dm.example", None, None, "x", 0]],
                    "bearers": [["apn", "IP", "none", None, None, []]]})
    assert str(bad.value) == ("unknown protocol 'x' (use one of coap, coaps, coap+tcp, "
                              "coaps+tcp, oma-dm, https, mqtt, mqtts)")


def test_a_good_fqdn_read_does_not_load_card_rare() -> None:
    script = "\n".join([
        "import sys",
        "from me_lib.codec import dmcfg",
        "from me_lib.codec.dmcfg import Bearer, DmConfig, DmServer",
        "from me_lib.board import card",
        "data = dmcfg.encode(DmConfig((DmServer('dm.example.net', dmcfg.ADDR_FQDN),",
        "    DmServer('192.0.2.1', dmcfg.ADDR_IPV4, 5683)), (Bearer('iot.example'),),",
        "    sequence=3), 256)",
        "profile = card.decode(data)",
        "assert profile['servers'][0][2] == 'dm.example.net', profile",
        "print('me_lib.board.card_rare' in sys.modules)",
    ])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    # a URI server does load it (the URI rules live there)
    uri = script.replace("DmServer('dm.example.net', dmcfg.ADDR_FQDN)",
                         "DmServer('coaps://dm.example.net', dmcfg.ADDR_URI)")
    done = subprocess.run([sys.executable, "-c", uri], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
