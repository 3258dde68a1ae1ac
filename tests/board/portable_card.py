"""The board's card module on a fixed vector, on CPython and on MicroPython alike.

Plain `test_*` functions with asserts and no pytest (the portable runner's
rules): `test_card_micropython.py` runs them here and, staged with the
manifest and `me_lib/board/`, on MicroPython's unix port. The vector's
expected values are the full library's (tests/board/test_card_decode.py
pins the same bytes against `codec.dmcfg` + `Profile` on CPython).
"""

from me_lib.board import card
from me_lib.errors import (
    CardError,
    DecodeError,
    FileNotFound,
    InvalidApn,
    ProfileIntegrityError,
    ProfileMissing,
)

# EF.DMCFG: sequence 7; a URI server on bearer 1 and an IPv6 one (MQTTS, port 5684);
# APN0 "DM.Operator.example", then "iot.example" IPV4V6 CHAP dev/s3cret carrying
# "telemetry"; CRC 59253D21. Written by codec.dmcfg.encode.
VECTOR = bytes.fromhex(
    "800101810107a023801e03636f6170733a2f2f444d2e4578616d706c652e6e65743a353639302f7883"
    "0101a01a80110220010db800000000000000000000000181021634820108a116801402444d084f7065"
    "7261746f72076578616d706c65a12c800c03696f74076578616d706c65810103820102830364657684"
    "06733363726574860974656c656d657472798f0459253d21")
PROFILE = {"seq": 7, "servers": [
    ["uri", "coaps://DM.Example.net:5690/x", "dm.example.net", 5690, "coaps", 1],
    ["ipv6", "2001:db8::1", "2001:db8::1", 5684, "mqtts", 0]],
    "bearers": [["dm.operator.example", "IP", "none", None, None, []],
                ["iot.example", "IPV4V6", "chap", "dev", "s3cret", ["telemetry"]]]}
ICCID = "98683081462002318379"


class FakeLink:
    """Answers +CRSM from a card of two files (EF_ICCID, EF.DMCFG) behind the MF paths."""

    def __init__(self, dmcfg: bytes, missing: bool = False) -> None:
        self.files = {"12258": bytes.fromhex(ICCID), "20225": dmcfg}
        self.missing = missing
        self.sent = []  # type: list[str]
        self.dialect = None

    def cmd(self, line: str, prefix: object = None) -> "list[str]":
        self.sent.append(line)
        fields = line[8:].split(",")
        data = self.files.get(fields[1])
        if data is None or (self.missing and fields[1] == "20225"):
            return ["+CRSM: 106,130"]
        if fields[0] == "192":
            return ['+CRSM: 144,0,"621E82024121830220258002%04X"' % len(data)]
        at = int(fields[2]) << 8 | int(fields[3])
        return ['+CRSM: 144,0,"%s"' % "".join(
            ["%02X" % b for b in data[at:at + int(fields[4])]])]


def _raises(cls: "type[BaseException]", fn: "object", *args: "object") -> BaseException:
    try:
        fn(*args)  # type: ignore[operator]
    except cls as exc:
        return exc
    raise AssertionError("%s not raised" % cls.__name__)


def test_the_vector_decodes_to_the_full_librarys_values() -> None:
    assert card.decode(VECTOR) == PROFILE
    assert card.decode(VECTOR + b"\xff" * 30) == PROFILE
    assert card.decode(b"\xff" * 8) is None


def test_refusals_keep_their_class() -> None:
    torn = bytearray(VECTOR)
    torn[-1] ^= 1
    _raises(ProfileIntegrityError, card.decode, bytes(torn))
    _raises(DecodeError, card.decode, VECTOR[:40])
    _raises(DecodeError, card.decode, VECTOR + b"\x00")
    # "a_b" as an APN label (no CRC): InvalidApn, as codec.apn gives it
    _raises(InvalidApn, card.decode, bytes.fromhex("800101a00480020061a106800403615f62"))


def test_read_profile_over_a_fake_modem() -> None:
    link = FakeLink(VECTOR)
    iccid, profile, origin = card.read_profile(link, None)
    assert (iccid, profile, origin) == ("89860318640220133897", PROFILE, "usim:EF.DMCFG")
    assert link.sent == ['AT+CRSM=176,12258,0,0,10,,"3F00"',
                         'AT+CRSM=192,20225,,,,,"3F007FFF5F4D"',
                         'AT+CRSM=176,20225,0,0,147,,"3F007FFF5F4D"']
    again = FakeLink(VECTOR)
    assert card.read_profile(again, {"iccid": iccid, "profile": profile}) == (
        iccid, PROFILE, "usim:EF.DMCFG")
    assert again.sent[1:] == ['AT+CRSM=176,20225,0,0,9,,"3F007FFF5F4D"']


def test_errors_over_a_fake_modem() -> None:
    link = FakeLink(VECTOR, missing=True)
    _raises(FileNotFound, card.read, link, card.DMCFG_FILE, None)  # loads card.sw lazily
    _raises(ProfileMissing, card.read_profile, FakeLink(VECTOR, missing=True), None)
    big = FakeLink(b"\x00" * 5000)
    _raises(CardError, card.read, big, card.DMCFG_FILE, None)
    torn = bytearray(VECTOR)
    torn[-1] ^= 1
    link = FakeLink(bytes(torn))
    good = {"iccid": "89860318640220133897", "profile": PROFILE}
    older = dict(PROFILE)
    older["seq"] = 6  # the card's sequence moved on: the whole file, torn: the cache
    good["profile"] = older
    assert card.read_profile(link, good)[2] == "cache:EF.DMCFG"
