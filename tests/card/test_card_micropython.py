"""The +CRSM card path on a real MicroPython (unix port) against CPython.

Two proofs, each one MicroPython process:

* decoders: hypothesis-generated valid and mutated FCP / ICCID / IMSI / EF_AD
  bytes are decoded on CPython (construct declarations) and on MicroPython
  (the portable stand-ins); both must give the same result or the same
  rejection (exception class and offset);
* Usim over CrsmAccess: the AT exchanges of a CPython `Usim.identity()`,
  `read_dmcfg()` and `read_acl()` against the modem simulator and a
  card-backed fake modem with +CRSM quirks are recorded, then replayed to the
  same code on MicroPython: same results, same commands, same learned forms.
"""

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from me_lib.at import AtChannel
from me_lib.card.crsm import CrsmAccess
from me_lib.card.usim import Usim
from me_lib.codec import fcp, ids
from me_lib.errors import AtCommandError, CmeError
from me_lib.modem.modem import Modem
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR
from tests.mp_support import MICROPYTHON, run_micropython, stage

from .at_peer import CrsmCardModem

pytestmark = pytest.mark.skipif(not MICROPYTHON.exists(), reason="no micropython unix port")

# Runs on both interpreters: one comparable line per decoded input.
PROJECT = r'''
from me_lib.card.fileinfo import from_fcp
from me_lib.codec import fcp, ids
from me_lib.errors import MeLibError


def _hx(data):
    return None if data is None else data.hex()


def _pairs(items):
    return [[tag, value.hex()] for tag, value in items]


def _fcp(data):
    f = fcp.decode(data)
    d = f.descriptor
    desc = None if d is None else [d.fdb, d.data_coding, d.record_length, d.record_count,
                                   d.file_type, d.structure, d.shareable]
    ps = f.pin_status
    pins = None if ps is None else [ps.ps_do.hex(), [list(k) for k in ps.keys],
                                    [list(p) for p in ps.pins]]
    arr = f.arr
    arr = None if arr is None else [arr.fid, arr.record, [list(p) for p in arr.pairs]]
    return [desc, f.fid, _hx(f.df_name), _hx(f.proprietary), f.lcsi, _pairs(f.security),
            pins, f.size, f.total_size, f.sfi, f.no_sfi, _pairs(f.unknown), f.effective_sfi,
            f.is_df, f.activated, f.life_cycle, arr]


def _info(data):
    i = from_fcp(data)
    return [i.fid, i.structure, i.size, i.record_length, i.record_count, i.sfi, i.is_df,
            i.is_record, i.fcp.hex()]


def _ad(data):
    a = ids.decode_ad(data)
    return [a.mode, a.info.hex(), a.mnc_byte, a.extra.hex(), a.mnc_length]


def _iccid(data):
    c = ids.decode_iccid(data)
    return [c.digits, c.luhn_ok]


DECODERS = {"fcp": _fcp, "fileinfo": _info, "iccid": _iccid, "imsi": ids.decode_imsi,
            "ad": _ad}


def project(kind, data):
    try:
        return ["ok", DECODERS[kind](data)]
    except MeLibError as exc:
        return ["rejected", type(exc).__name__, getattr(exc, "offset", None)]
    except Exception as exc:  # a decoder bug: both sides must report none
        return ["crash", type(exc).__name__, str(exc)]
'''

DECODE_MAIN = r'''
import json
with open("cases.json") as f:
    cases = json.load(f)
for kind, text in cases:
    print(repr(project(kind, bytes.fromhex(text))))
print("DONE", len(cases))
'''


def _cpython_project() -> Callable[[str, bytes], list[Any]]:
    namespace: dict[str, Any] = {}
    exec(PROJECT, namespace)  # the very text MicroPython runs
    project: Callable[[str, bytes], list[Any]] = namespace["project"]
    return project


# --- generated inputs -----------------------------------------------------------------

_descriptors = st.one_of(
    st.builds(fcp.FileDescriptor, st.sampled_from([0x41, 0x01, 0x78, 0x38, 0x79, 0x7F, 0x47]),
              st.integers(0, 255)),
    st.builds(fcp.FileDescriptor, st.sampled_from([0x42, 0x46, 0x02, 0x45]),
              st.integers(0, 255), st.integers(1, 0xFFFF), st.integers(0, 255)),
)
_fcps = st.builds(
    fcp.Fcp,
    descriptor=st.none() | _descriptors,
    fid=st.none() | st.integers(0, 0xFFFF),
    df_name=st.none() | st.binary(min_size=1, max_size=16),
    proprietary=st.none() | st.binary(max_size=6),
    lcsi=st.none() | st.integers(0, 255),
    security=st.lists(st.sampled_from([(0x8B, b"\x2f\x06\x01"), (0x8C, b"\x01\x02"),
                                       (0x8B, b"\x6f\x06\x00\x01\x02\x0a"), (0xAB, b"")]),
                      max_size=2).map(tuple),
    pin_status=st.none() | st.lists(st.tuples(st.integers(0, 255), st.booleans()),
                                    max_size=9).map(fcp.PinStatus.build),
    size=st.none() | st.integers(0, 0xFFFFFFFF),
    total_size=st.none() | st.integers(0, 0xFFFF),
    sfi=st.none() | st.integers(1, 30),
    no_sfi=st.booleans(),
    unknown=st.lists(st.tuples(st.sampled_from([0x85, 0xD1, 0x9F70]), st.binary(max_size=3)),
                     max_size=1).map(tuple),
).map(fcp.encode)


@st.composite
def _mutated(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """A valid encoding with one byte changed, inserted, dropped, or the tail cut."""
    data = bytearray(draw(base))
    op = draw(st.sampled_from(["set", "flip", "insert", "drop", "cut", "pad"]))
    if not data or op == "insert":
        data.insert(draw(st.integers(0, len(data))), draw(st.integers(0, 255)))
    elif op == "set":
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif op == "flip":
        data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
    elif op == "drop":
        data.pop(draw(st.integers(0, len(data) - 1)))
    elif op == "cut":
        data = data[:draw(st.integers(0, len(data) - 1))]
    else:
        data += bytes([draw(st.sampled_from([0xFF, 0x00, 0x62]))]) * draw(st.integers(1, 3))
    return bytes(data)


_iccids = st.from_regex(r"89[0-9]{17,18}", fullmatch=True).map(ids.encode_iccid)
_imsis = st.from_regex(r"[0-9]{6,15}", fullmatch=True).map(ids.encode_imsi)
_raw_fcps = st.binary(max_size=24).map(lambda b: b"\x62" + bytes([len(b)]) + b)

CASES = st.one_of(
    st.tuples(st.just("fcp"), _fcps | _mutated(_fcps) | _raw_fcps),
    st.tuples(st.just("iccid"), _iccids | _mutated(_iccids) | st.binary(min_size=9,
                                                                          max_size=11)),
    st.tuples(st.just("imsi"), _imsis | _mutated(_imsis) | st.binary(min_size=1, max_size=10)),
    st.tuples(st.just("ad"), st.binary(max_size=8)),
)


def _collect(count: int) -> list[tuple[str, bytes]]:
    """`count` hypothesis examples, gathered to send to MicroPython in one batch."""
    out: list[tuple[str, bytes]] = []

    @settings(max_examples=count, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(CASES)
    def gather(case: tuple[str, bytes]) -> None:
        out.append(case)
        if case[0] == "fcp":
            out.append(("fileinfo", case[1]))

    gather()
    return out


def test_decoders_agree_with_construct_on_micropython(tmp_path: Path) -> None:
    cases = _collect(700)
    kinds = {kind for kind, _ in cases}
    assert kinds == {"fcp", "fileinfo", "iccid", "imsi", "ad"}
    project = _cpython_project()
    expected = [repr(project(kind, data)) for kind, data in cases]
    assert not [e for e in expected if e.startswith("['crash'")], "CPython decoder crashed"
    assert any(e.startswith("['ok'") for e in expected)
    assert any(e.startswith("['rejected'") for e in expected)

    stage(tmp_path)  # exactly the board's modules
    (tmp_path / "cases.json").write_text(json.dumps([[k, d.hex()] for k, d in cases]))
    proc = run_micropython(PROJECT + DECODE_MAIN, tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = proc.stdout.splitlines()
    assert got[-1] == "DONE %d" % len(cases)
    diffs = [(kind, data.hex(), want, have)
             for (kind, data), want, have in zip(cases, expected, got[:-1], strict=True)
             if want != have]
    assert not diffs, "CPython and MicroPython disagree on %d inputs, first: %r" % (
        len(diffs), diffs[:3])


# --- Usim over +CRSM: record on CPython, replay on MicroPython ---------------------------

class _Rsp:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines


class Recorder:
    """An AtPort that passes commands on and records what came back (or what was raised)."""

    def __init__(self, port: Any) -> None:
        self.port = port
        self.log: list[list[Any]] = []

    def command(self, command: str, prefix: str | tuple[str, ...] | None = None,
                timeout: float | None = None) -> Any:
        try:
            rsp = self.port.command(command, prefix=prefix, timeout=timeout)
        except CmeError as exc:
            self.log.append([command, "cme", exc.code, exc.name])
            raise
        except AtCommandError as exc:
            self.log.append([command, "error", exc.final])
            raise
        self.log.append([command, "ok", list(rsp.lines)])
        return rsp


class ResponderPort:
    """An in-process modem: a `CrsmCardModem` responder behind the AtPort interface."""

    def __init__(self, responder: Callable[[str], list[str]]) -> None:
        self.responder = responder

    def command(self, command: str, prefix: str | tuple[str, ...] | None = None,
                timeout: float | None = None) -> _Rsp:
        lines = self.responder(command)
        final = lines[-1]
        if final.startswith("+CME ERROR:"):
            raise CmeError(command, int(final.split(":")[1]), "sim")
        if final != "OK":
            raise AtCommandError(command, final)
        return _Rsp(lines[:-1])


# Runs on both interpreters: the reads the sources chain makes, one line each.
READS = r'''
def reads(port, modem_id):
    cache = {}
    access = CrsmAccess(port, modem_id, cache)
    usim = Usim(access)
    out = []
    for name in ("identity", "read_dmcfg", "read_acl"):
        try:
            out.append(name + " " + repr(getattr(usim, name)()))
        except MeLibError as exc:
            # class and offset: the agreed contract between declared.py and the
            # portable decoders (their messages may word things differently)
            out.append("%s %s offset=%r" % (name, type(exc).__name__,
                                            getattr(exc, "offset", None)))
    out.append("commands %d" % access.commands)
    out.append("learned " + repr(sorted(cache.get(modem_id, {}).items())))
    return out
'''

REPLAY_MAIN = r'''
import json
from me_lib.card.crsm import CrsmAccess
from me_lib.card.usim import Usim
from me_lib.errors import AtCommandError, CmeError, MeLibError


class Rsp:
    def __init__(self, lines):
        self.lines = lines


class Replay:
    """Answers each command with what the CPython run got for it."""

    def __init__(self, log):
        self.log = log
        self.used = 0

    def command(self, command, prefix=None, timeout=None):
        want = self.log[self.used]
        self.used += 1
        if want[0] != command:
            raise AssertionError("replay: expected %r, got %r" % (want[0], command))
        if want[1] == "cme":
            raise CmeError(command, want[2], want[3])
        if want[1] == "error":
            raise AtCommandError(command, want[2])
        return Rsp(want[2])


with open("exchanges.json") as f:
    runs = json.load(f)
for name, log in runs:
    port = Replay(log)
    for line in reads(port, name):
        print(line)
    print("replayed %d of %d" % (port.used, len(log)))
try:  # no PKCS#15/LwM2M decoders on a board: a typed error the sources chain notes
    Usim(CrsmAccess(Replay([]), "x", {})).read_lwm2m_bootstrap()
except MeLibError as exc:
    print("lwm2m", type(exc).__name__, "needs CPython" in exc.message)
'''


def _card(profile: str) -> VirtualCard:
    return VirtualCard.from_dict(tomllib.loads((PROFILES_DIR / profile).read_text()))


def _record(name: str, port: Any, reads: Callable[[Any, str], list[str]]
            ) -> tuple[list[list[Any]], list[str]]:
    rec = Recorder(port)
    lines = reads(rec, name)
    return rec.log, [*lines, "replayed %d of %d" % (len(rec.log), len(rec.log))]


def test_usim_over_crsm_replays_identically_on_micropython(tmp_path: Path) -> None:
    namespace: dict[str, Any] = {"CrsmAccess": CrsmAccess, "Usim": Usim}
    exec("from me_lib.errors import MeLibError\n" + READS, namespace)
    reads: Callable[[Any, str], list[str]] = namespace["reads"]
    runs: list[list[Any]] = []
    expected: list[str] = []
    for dialect in ("quectel-bg96", "telit-me910"):  # stray "+CRSM: 0" line on Telit
        with AtChannel.open("sim://%s?speed=1000" % dialect) as ch:
            ch.sync()
            ch.command("AT+CMEE=1")
            Modem(ch, dialect).wait_sim_ready()   # backs off while the SIM is busy
            log, lines = _record(dialect, ch, reads)
        runs.append([dialect, log])
        expected += lines
    # +CRSM quirks: no "3F00..." pathid, GET RESPONSE only with P3=255; then a torn file.
    for name, profile in (("quirky", "default.toml"), ("torn", "torn.toml")):
        modem = CrsmCardModem(_card(profile).transmit, path_forms=("no_mf", "none"),
                              gr_needs_max=True)
        log, lines = _record(name, ResponderPort(modem), reads)
        runs.append([name, log])
        expected += lines
    assert any("identity Identity(iccid=" in line for line in expected)
    assert any("read_dmcfg DmConfig(" in line for line in expected)
    assert any("read_dmcfg ProfileIntegrityError" in line for line in expected)
    assert any("read_acl AclInfo(acl=Acl(" in line for line in expected)
    assert "learned [('get_response', '0,0,255'), ('pathid', 'no_mf'), ('pathid_mf', " \
        "'none')]" in expected

    stage(tmp_path)  # exactly the board's modules
    (tmp_path / "exchanges.json").write_text(json.dumps(runs))
    proc = run_micropython(READS + REPLAY_MAIN, tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [*expected, "lwm2m CardError True"]
