"""Three readers of the same bytes agree: construct on CPython, the portable decoders on
CPython, and the portable decoders on the real MicroPython unix port.

A board reads EF.DMCFG, EF_ACL and APNs with the small hand-written decoders;
a PC reads them with the construct declarations (me_lib.codec.declared). For
generated files, valid ones and mutated ones (bit flips, changed lengths,
inserted and deleted bytes, truncation, good and bad CRCs, padding and junk
after it), each reader prints one canonical line per input (the model, or
`REJECT <error class>`), and the lines must be the same. me_lib.codec.ipaddr on
MicroPython is held to CPython's `ipaddress` the same way.

All inputs of a test go through ONE MicroPython process (hex lines in a file),
so the file stays fast on a small CI machine.
"""

import ipaddress
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from canonical_dump import dump, outcome
from codec_strategies import ip_alphabet, ip_mutated, ipv4_texts, ipv6_texts
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from me_lib.codec import acl, apn, declared, dmcfg, tlv
from tests.mp_support import MICROPYTHON, run_micropython, stage

pytestmark = pytest.mark.skipif(not MICROPYTHON.exists(),
                                reason="the test extras install the micropython unix port")

MP_SCRIPT = r'''
import sys
sys.path.insert(0, "tests/codec")
from canonical_dump import outcome
from me_lib.codec import acl, apn, dmcfg, ipaddr

def ip(data):  # IP text in, "<version> <packed>" out
    text = data.decode("utf-8")
    return "%d %s" % (ipaddr.version(text), ipaddr.pack(text).hex())

decoder = {"dmcfg": dmcfg.decode, "acl": acl.decode, "apn": apn.decode,
           "ip": ip, "ip-bytes": ipaddr.unpack}[sys.argv[1]]
with open(sys.argv[2]) as f:
    lines = f.read().split("\n")
for line in lines:
    if line:  # "x" + hex, so that the empty input is a line too
        print(outcome(decoder, bytes.fromhex(line[1:])))
'''

PORTABLE: dict[str, Callable[[bytes], Any]] = {
    "dmcfg": dmcfg.decode, "acl": acl.decode, "apn": apn.decode}
DECLARED: dict[str, Callable[[bytes], Any]] = {
    "dmcfg": declared.decode_dmcfg, "acl": declared.decode_acl, "apn": declared.decode_apn}


# --- inputs -------------------------------------------------------------------------
# Small pools instead of regex strategies: generation dominates the run time, and
# the mutations, not the variety of valid text, are what explore the decoders.

_labels = st.sampled_from(["dm", "iot", "Internet", "a", "x-1", "m2m", "9", "sensor-net"])
apn_texts = st.one_of(
    st.just(""),
    st.lists(_labels, min_size=1, max_size=3).map(".".join),
    st.tuples(st.lists(_labels, min_size=1, max_size=2).map(".".join),
              st.sampled_from(["mnc001.mcc001.gprs", "mnc260.mcc310.gprs"])).map(".".join))
_ipv6 = st.lists(st.sampled_from([0, 0, 1, 0xDB8, 0xFFFF, 0x2001]), min_size=8, max_size=8)
addresses = st.one_of(
    st.tuples(st.sampled_from(["dm.example.com", "a", "lwm2m-bs.iot.example", "9x.example"]),
              st.just(dmcfg.ADDR_FQDN)),
    st.tuples(st.integers(0, 2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n))),
              st.just(dmcfg.ADDR_IPV4)),
    st.tuples(_ipv6.map(lambda g: str(ipaddress.IPv6Address(
        sum(v << (16 * (7 - i)) for i, v in enumerate(g))))), st.just(dmcfg.ADDR_IPV6)),
    st.tuples(st.sampled_from(["coaps://dm.example.com:5684", "mqtts://[2001:db8::1]:8883",
                               "https://dm.example/path?q=1"]), st.just(dmcfg.ADDR_URI)))
_text = st.sampled_from(["", "dev", "s3cret", "caf\u00e9", "p;w\"d", "\U0001f600"])
_services = st.lists(st.sampled_from(["telemetry", "fota", "a.b_c-9"]), max_size=2).map(tuple)
_extras = st.lists(st.tuples(st.sampled_from([0x85, 0x87, 0xC0]), st.binary(max_size=3)),
                   max_size=1).map(tuple)


@st.composite
def dmcfg_configs(draw: st.DrawFn) -> dmcfg.DmConfig:
    bearers = tuple(draw(st.lists(st.builds(
        dmcfg.Bearer, apn_texts, st.none() | st.integers(0, 4), st.none() | st.integers(0, 2),
        st.none() | _text, st.none() | _text, _services, _extras), min_size=1, max_size=2)))
    servers = []
    for _ in range(draw(st.integers(1, 2))):
        address, kind = draw(addresses)
        servers.append(dmcfg.DmServer(
            address, kind, draw(st.none() | st.integers(1, 65535)),
            draw(st.none() | st.integers(0, 8)), draw(st.integers(0, len(bearers) - 1))))
    unknown = draw(st.lists(st.tuples(st.sampled_from([0x82, 0x9F70]), st.binary(max_size=3)),
                            max_size=1))
    return dmcfg.DmConfig(tuple(servers), bearers, 1, draw(st.none() | st.integers(0, 2**32 - 1)),
                          draw(st.booleans()), tuple(unknown))



@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with one to three edits of the kinds a torn or bad write makes."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "set", "length", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(buf) - 1)))
        if op == "insert":
            buf.insert(pos, draw(st.sampled_from([0x00, 0x01, 0x80, 0x81, 0x82, 0xFF]))
                       if draw(st.booleans()) else draw(st.integers(0, 255)))
        elif not buf:
            continue
        elif op == "flip":
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            buf[pos] = draw(st.integers(0, 255))
        elif op == "length":  # a length (or any byte) off by a little
            buf[pos] = (buf[pos] + draw(st.sampled_from([-2, -1, 1, 2]))) & 0xFF
        elif op == "delete":
            del buf[pos]
        else:
            del buf[pos:]
    return bytes(buf)


def _crc(body: bytes) -> bytes:
    return b"\x8f\x04" + zlib.crc32(body).to_bytes(4, "big")


padding = st.sampled_from([b"", b"\xff", b"\xff" * 7, b"\xff\xff\x00", b"\xff\x80\xff"])


# Label-level damage: a zero-length label, a label past the end, a bad character,
# a reserved start, a .gprs end of the NI, an NI over 63 octets.
_bad_apns = st.sampled_from([b"\x00", b"\x02dm\x00", b"\x05dm", b"\x02d_", b"\x03rac",
                             b"\x02dm\x04gprs", b"\x01-", b"\x3f" + b"a" * 63])


@st.composite
def dmcfg_files(draw: st.DrawFn) -> bytes:
    cfg = draw(dmcfg_configs())
    mode = draw(st.sampled_from(["valid", "bad-apn", "bad-crc", "body+good-crc", "body",
                                 "whole", "bad-apn"]))
    if mode == "valid":
        return dmcfg.encode(cfg) + draw(padding)
    if mode == "whole":  # the CRC protects the edit: mostly integrity errors
        return draw(mutated(dmcfg.encode(cfg.replace(has_crc=True)))) + draw(padding)
    # edit the content and (re)compute the CRC, so that the edit reaches the checks
    body = dmcfg.encode(cfg.replace(has_crc=False))
    if mode == "bad-apn":  # a bearer with a bad APN among the other objects
        items: list[tuple[int, bytes]] = [(i.tag, i.value) for i in tlv.decode(body)]
        bad = tlv.encode_one(0x80, draw(_bad_apns))
        items.insert(draw(st.integers(0, len(items))), (dmcfg.TAG_BEARER, bad))
        body = tlv.encode(items)
    if mode in ("body", "body+good-crc") or (mode == "bad-apn" and draw(st.booleans())):
        body = draw(mutated(body))
    if mode == "bad-crc":
        crc = bytearray(_crc(body))
        crc[draw(st.integers(2, 5))] ^= draw(st.integers(1, 255))
        body += bytes(crc)
    elif mode != "body":
        body += _crc(body)
    return body + draw(padding)


_plain_entry = st.sampled_from([b"internet", b"iot.example.com", b"-bad", b"a b", b"x.gprs"])


@st.composite
def acl_files(draw: st.DrawFn) -> bytes:
    apns = draw(st.lists(apn_texts, max_size=4))
    model = acl.Acl(tuple(apns), draw(st.none() | st.integers(0, 255)),
                    tuple(draw(st.lists(st.tuples(st.sampled_from([0x80, 0xC0, 0x9F70]),
                                                  st.binary(max_size=4)), max_size=2))))
    data = acl.encode(model)
    if draw(st.booleans()):  # an entry written as dotted text instead of labels
        text = draw(_plain_entry)
        data += b"\xdd" + bytes([len(text)]) + text
    if draw(st.integers(0, 3)):
        data = draw(mutated(data))
    return data + draw(padding)


@st.composite
def apn_values(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=12))
    data = apn.encode(draw(apn_texts))
    return draw(mutated(data)) if draw(st.integers(0, 2)) else data


def _collect(strategy: st.SearchStrategy[bytes], count: int) -> list[bytes]:
    """`count` generated inputs (plus the empty one), to send to MicroPython in one go."""
    found: list[bytes] = [b""]

    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def gather(data: bytes) -> None:
        found.append(data)

    gather()
    return found


# --- the comparison -----------------------------------------------------------------


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stage(tmp_path_factory.mktemp("mp-codec"), extra=["tests/codec/canonical_dump.py"])


def _on_micropython(staged: Path, codec: str, inputs: list[bytes]) -> list[str]:
    path = staged / ("inputs-%s.txt" % codec)
    path.write_text("".join("x" + data.hex() + "\n" for data in inputs))
    run = run_micropython(MP_SCRIPT, staged, args=[codec, str(path)], timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def _compare(staged: Path, codec: str, inputs: list[bytes]) -> list[str]:
    on_mp = _on_micropython(staged, codec, inputs)
    assert len(on_mp) == len(inputs), on_mp[-3:]
    mismatches = []
    for data, mp_line in zip(inputs, on_mp, strict=True):
        portable = outcome(PORTABLE[codec], data)
        reference = outcome(DECLARED[codec], data)
        if not reference == portable == mp_line or reference.startswith("CRASH"):
            mismatches.append("%s\n  construct:   %s\n  portable:    %s\n  micropython: %s"
                              % (data.hex(), reference, portable, mp_line))
    assert not mismatches, "%d of %d inputs differ:\n%s" % (
        len(mismatches), len(inputs), "\n".join(mismatches[:5]))
    return on_mp


def _ip_reference(data: bytes) -> str:
    """What CPython's ipaddress says about UTF-8 `data`, in the script's `ip` format."""
    try:
        address = ipaddress.ip_address(data.decode("utf-8"))
    except ValueError:
        return "REJECT InvalidAddress"
    return dump("%d %s" % (address.version, address.packed.hex()))


def _kinds(lines: list[str]) -> set[str]:
    return {line if line.startswith("REJECT") else "accepted" for line in lines}


def test_dmcfg(staged: Path) -> None:
    lines = _compare(staged, "dmcfg", _collect(dmcfg_files(), 200))
    # the inputs reach every outcome, including the ones whose order matters
    assert {"accepted", "REJECT DecodeError", "REJECT ProfileIntegrityError",
            "REJECT InvalidApn"} <= _kinds(lines)


def test_acl(staged: Path) -> None:
    lines = _compare(staged, "acl", _collect(acl_files(), 200))
    assert {"accepted", "REJECT DecodeError", "REJECT InvalidApn"} <= _kinds(lines)


def test_apn(staged: Path) -> None:
    lines = _compare(staged, "apn", _collect(apn_values(), 200))
    assert {"accepted", "REJECT InvalidApn"} <= _kinds(lines)


def test_declared_examples_agree() -> None:
    """Hand-made inputs where the order of the checks decides the error class."""
    server, bearer = "A0058003006162", "A1028000"
    cases = [
        # bad APN in the first bearer, broken template after it: InvalidApn first
        "800101" + server + "A10380012D" + "A003800100",
        # broken template first, then the bad APN: DecodeError first
        "800101A003800100" + server + "A10380012D",
        # wrong CRC over a file with a bad APN: the CRC is checked first
        "800101" + server + "A10380012D" + "8F0400000000",
        # junk after the padding beats a bad CRC
        "800101" + server + bearer + "8F0400000000FF01",
        # a bearer object of the wrong size before its APN
        "800101" + server + "A108810201018001 2D".replace(" ", ""),
    ]
    for text in cases:
        data = bytes.fromhex(text)
        assert outcome(declared.decode_dmcfg, data) == outcome(dmcfg.decode, data), text


def test_ipaddr(staged: Path) -> None:
    """me_lib.codec.ipaddr on MicroPython (its own str methods, its UTF-8 strings) agrees
    with CPython's ipaddress on text, and on bytes for the canonical form."""
    texts = st.one_of(ipv4_texts, ipv6_texts(), ip_mutated(ipv4_texts), ip_mutated(ipv6_texts()),
                      st.text(ip_alphabet, max_size=40))
    inputs = _collect(texts.map(lambda t: t.encode("utf-8")), 200)
    on_mp = _on_micropython(staged, "ip", inputs)
    expected = [_ip_reference(data) for data in inputs]
    assert on_mp == expected
    assert {"REJECT InvalidAddress"} < set(expected)
    raw = _collect(st.one_of(st.binary(min_size=16, max_size=16), st.binary(max_size=17),
                             st.lists(st.sampled_from([b"\0\0", b"\0\1", b"\xff\xff"]),
                                      min_size=8, max_size=8).map(b"".join)), 150)
    on_mp = _on_micropython(staged, "ip-bytes", raw)
    assert on_mp == [dump(str(ipaddress.ip_address(r))) if len(r) in (4, 16)
                     else "REJECT InvalidAddress" for r in raw]
