"""The board core against a hostile or broken modem, card and configuration.

Each test is a finding of the red-team pass (bench/fuzz_board.py's targets and a
reading of the core), pinned: a secret that must not leave in any error or
document, a modem value that must not reach a command line, a Latin-1 digit
that `int()` refuses, a range or a report flood that must stay bounded.
"""

import json
from pathlib import Path
from typing import Any

import pytest
import serial

import me_lib  # noqa: F401  (registers sim://)
from bench.fuzz_board import ScriptPort, _session, _State
from firmware_shim import core_main
from me_lib.board import flow, sockets
from me_lib.board.link import Link, number
from me_lib.board.watch import MAX_BURST, watch
from me_lib.errors import (
    AtProtocolError,
    CmeError,
    ConnectFailed,
    MeLibError,
    NameNotResolved,
)
from me_lib.modem.dialects import GENERIC, by_name
from me_lib.sim.scenario_files import derive

PIN = "73592468"
SECRET = "pw-Zq7xK9"


# --- secrets ------------------------------------------------------------------


class RefusingPort:
    """A sim:// port whose module refuses the lines starting with `head` (+CME ERROR: 3)
    or never answers them (`silent`): the refusals no simulator fault gives."""

    def __init__(self, port: Any, head: bytes, silent: bool = False) -> None:
        self.port = port
        self.head = head
        self.silent = silent
        self.extra = bytearray()
        self.clock = port.clock
        self.modem = port.modem

    @property
    def in_waiting(self) -> int:
        return len(self.extra) + int(self.port.in_waiting)

    @property
    def timeout(self) -> Any:
        return self.port.timeout

    @timeout.setter
    def timeout(self, value: Any) -> None:
        self.port.timeout = value

    def write(self, data: bytes) -> int:
        if data.startswith(self.head):
            if not self.silent:
                self.extra += b"\r\n+CME ERROR: 3\r\n"
            return len(data)
        return int(self.port.write(data))

    def read(self, size: int = 1) -> bytes:
        if self.extra:
            out = bytes(self.extra[:size])
            del self.extra[:size]
            return out
        return bytes(self.port.read(size))

    def close(self) -> None:
        self.port.close()


def _absent(secret: str, *things: Any) -> None:
    for thing in things:
        if isinstance(thing, BaseException):
            texts = [str(thing), repr(thing), repr(thing.__dict__), repr(thing.args)]
        else:
            texts = [json.dumps(thing) if not isinstance(thing, str) else thing]
        for text in texts:
            assert secret not in text, text


def _credentials_scenario(tmp_path: Path, scenario: str) -> str:
    dm = {"apn": "dm.operator.example", "pdn_type": "ip"}
    secure = {"apn": "secure.example", "pdn_type": "ip", "services": ["telemetry"],
              "auth": "chap", "username": "dev", "password": SECRET}
    return derive(tmp_path, scenario,
                  card={"dmcfg": {"bearer": [dm, secure]},
                        "acl": {"apns": ["dm.operator.example", "secure.example", ""]}},
                  network={"apns": {"secure.example": {"auth": 2, "user": "dev",
                                                       "password": SECRET}}})


@pytest.mark.parametrize("scenario,head", [
    ("simcom-sim7080", b'AT+CNCFG=1,1,"secure.example"'),   # the service entry with credentials
    ("default", b"AT+QICSGP="),
    ("telit-me910", b"AT#PDPAUTH="),
])
@pytest.mark.parametrize("silent", [False, True], ids=["refused", "timeout"])
def test_a_refused_credentials_command_keeps_the_password_out(
        scenario: str, head: bytes, silent: bool, tmp_path: Path) -> None:
    path = _credentials_scenario(tmp_path, scenario)
    port = RefusingPort(serial.serial_for_url("sim://%s?speed=4000" % path), head, silent)
    sent: list[bytes] = []
    state = _State()
    try:
        link = Link(port, GENERIC, lambda d, data, t: sent.append(data) if d == "tx" else None)
        try:
            result: Any = flow.provision(link, state, seed=1)
            error: Any = None
        except MeLibError as exc:
            result, error = None, exc
    finally:
        port.close()
    assert any(line.startswith(head) and SECRET.encode() in line for line in sent), sent
    if error is not None:  # APN0's credentials: the flow stops
        _absent(SECRET, error)
    else:
        failed = [c for c in result["contexts"] if c["state"] == "failed"]
        assert failed and failed[0]["error"], result   # the context reports why
        _absent(SECRET, result)
    _absent(SECRET, state.doc)


@pytest.mark.parametrize("how", ["wrong", "cme", "timeout"])
def test_the_pin_never_leaves_in_an_error_or_a_document(how: str, tmp_path: Path) -> None:
    path = derive(tmp_path, "pin", card={"card": {"pin1": "11112222"}} if how == "wrong"
                  else None)
    port: Any = serial.serial_for_url("sim://%s?speed=4000" % path)
    if how != "wrong":
        port = RefusingPort(port, b"AT+CPIN=", silent=how == "timeout")
    state = _State()
    try:
        with pytest.raises(MeLibError) as info:
            flow.provision(Link(port, GENERIC), state, pin=PIN, seed=1)
    finally:
        port.close()
    assert "CPIN" in str(info.value)
    _absent(PIN, info.value)
    if info.value.__cause__ is not None:
        _absent(PIN, info.value.__cause__)


def test_core_main_prints_and_keeps_no_pin_and_no_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = derive(tmp_path, "pin", card={"dmcfg": {"bearer": [
        {"apn": "dm.operator.example", "pdn_type": "ip", "auth": "pap", "username": "dev",
         "password": SECRET}]}})
    port = serial.serial_for_url("sim://%s?speed=4000" % path)
    events: list[Any] = []
    config = dict(core_main.DEFAULTS, pin=PIN, state=str(tmp_path), watch=True,
                  watch_seconds=5.0)
    try:
        result = core_main.run(port, config, on_event=events.append)
    finally:
        port.close()
    out = capsys.readouterr()
    assert "provisioned" in out.out
    for secret in (PIN, SECRET):
        _absent(secret, out.out, out.err, result, events)
        for name in (core_main.STATE, core_main.LAST):
            _absent(secret, (tmp_path / name).read_text())


def test_a_watch_event_whose_run_is_refused_keeps_the_password_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _credentials_scenario(tmp_path, "default")
    port = RefusingPort(serial.serial_for_url("sim://%s?speed=4000" % path), b"AT+QICSGP=")
    port.modem.faults.add(kind="urc_storm", at=2000.0, urc="+CGEV: NW PDN DEACT 2", count=1)
    events: list[Any] = []
    config = dict(core_main.DEFAULTS, dialect="quectel-bg96", state=str(tmp_path),
                  watch=True, watch_seconds=4000.0, watch_events=1)
    try:
        first = core_main.run(port, config, on_event=events.append)
    finally:
        port.close()
    out = capsys.readouterr()
    assert len(events) == 1 and events[0]["result"] is not None, events
    failed = [c for c in events[0]["result"]["contexts"] if c["state"] == "failed"]
    assert "QICSGP" in failed[0]["error"], failed   # the refusal is reported ...
    for thing in (out.out, out.err, first, events, (tmp_path / core_main.STATE).read_text(),
                  (tmp_path / core_main.LAST).read_text()):
        _absent(SECRET, thing)                      # ... without the password


# --- modem values that must not reach a command line ---------------------------


def test_a_dns_answer_with_a_zone_never_reaches_the_open_command() -> None:
    hostile = '::1%";+CFUN=0'
    port = ScriptPort([b'\r\nOK\r\n\r\n+QIURC: "dnsgip",0,1,600\r\n\r\n+QIURC: "dnsgip","'
                       + hostile.encode() + b'"\r\n'])
    link = Link(port, by_name("quectel-bg96"))
    with pytest.raises(NameNotResolved):
        sockets.resolve(link, "quectel", "dm.example.net", 1)
    with pytest.raises(ConnectFailed):
        sockets.ping(link, "quectel", hostile, 5683, 1, 1, 10.0)
    assert len(port.written) == 1   # only the DNS query went out


def _flow_with(replace: "dict[str, bytes]") -> "tuple[Any, ScriptPort, _State]":
    """The recorded good session with the answers of the named commands replaced."""
    answers = [replace.get(c, a) for c, a in _session()]
    port = ScriptPort(answers)
    state = _State()
    try:
        result: Any = flow.provision(Link(port, GENERIC), state, seed=1)
    except MeLibError as exc:
        result = exc
    return result, port, state


def test_a_huge_cid_range_is_bounded() -> None:
    _result, _port, state = _flow_with({"AT+CGDCONT=?": b'\r\n+CGDCONT: (1-99999),"IP",,,(0-2)'
                                                       b'\r\n\r\nOK\r\n'})
    cids = state.doc["known"]["cids"]
    assert cids[0] == 1 and len(cids) == flow.MAX_CIDS, len(cids)


@pytest.mark.parametrize("answer", [
    b'\r\n+CGDCONT: \xb2,"IP","dm.operator.example"\r\n+CGDCONT: 1,"IP",""\r\n\r\nOK\r\n',
    b'\r\n+CGDCONT: 1,"IP",""\r\n+CGDCONT: 99999999999999999999,"IP","x"\r\n\r\nOK\r\n',
])
def test_odd_cids_in_the_listing_are_skipped(answer: bytes) -> None:
    result, port, _state = _flow_with({"AT+CGDCONT?": answer})
    assert isinstance(result, dict), result   # not a ValueError from int("²")
    assert all(b"\xb2" not in w and b"9999" not in w for w in port.written)


def test_a_latin1_digit_is_no_number() -> None:
    assert [number(x) for x in ("0", "15", "\xb2", "1\xb3", "", "1" * 10, " 1")] == [
        0, 15, -1, -1, -1, -1, -1]
    port = ScriptPort([b"\r\n+CME ERROR: \xb2\r\n", b"\r\n+QIRD: \xb9\r\n\r\nOK\r\n"])
    link = Link(port, GENERIC)
    with pytest.raises(CmeError) as info:
        link.cmd("AT+X")
    assert info.value.code is None
    with pytest.raises(AtProtocolError):
        link.cmd("AT+QIRD=0,1500", "+QIRD:", payload=("+QIRD:", 0, 0))


def test_a_prompt_repeated_after_the_payload_sends_nothing_more() -> None:
    port = ScriptPort([b"\r\n> " + b"\r\n>\r\n" * 50 + b"\r\nSEND OK\r\n"])
    link = Link(port, by_name("quectel-bg96"))
    link.cmd("AT+QISEND=0,4", data=b"\x40\x00\x12\x34", final="SEND OK")
    assert port.written == [b"AT+QISEND=0,4\r", b"\x40\x00\x12\x34"]   # atheris found 400 b""


def test_a_huge_cgcontrdp_is_read_bounded() -> None:
    rows = b"".join(b'+CGCONTRDP: %d,5,"a","10.0.0.%d","1.1.1.1","8.8.8.8"\r\n' % (i, i % 250)
                    for i in range(5000))
    answers = {"AT+CGCONTRDP": b"\r\n" + rows + b"\r\nOK\r\n"}
    result, _port, _state = _flow_with(answers)
    assert isinstance(result, dict) and result["ok"], result


# --- bounded waits -------------------------------------------------------------


def test_a_module_that_reports_for_ever_does_not_hold_the_watch() -> None:
    flood = b"\r\n+CGEV: NW DEACT 1\r\n"
    port = ScriptPort([], flood=flood, flood_s=0.5)
    link = Link(port, GENERIC)
    seen: list[Any] = []
    handled = watch(link, _State(), events=1, on_event=lambda *a: seen.append(a))
    assert not port.fault, port.fault
    assert handled == 1 and seen[0][0] == "deactivated"
    assert seen[0][3]   # the run after it failed (no answers), reported, not raised
    assert port.clock.t >= MAX_BURST * 0.5


# --- a state file that is not what the flow wrote -------------------------------


@pytest.mark.parametrize("damage", [
    {"known": {"imei": "353456789012347", "cids": "abc"}},
    {"known": {"imei": "353456789012347", "manufacturer": 7, "model": None, "cids": [1]}},
    {"known": {"imei": "353456789012347", "manufacturer": "Quectel", "model": "BG96",
               "revision": "x", "cids": [1, '2";+CFUN=0', True, None]}},
    {"owned": {"353456789012347": {"x": {"auth": "pap:u"}, "2": "not a dict",
                                   "3": {"auth": None}}}},
], ids=["cids-text", "names-not-text", "cids-not-numbers", "owned-odd"])
def test_a_damaged_state_is_ignored_not_a_crash(damage: "dict[str, Any]",
                                                tmp_path: Path) -> None:
    port = serial.serial_for_url("sim://default?speed=4000")
    state = _State()
    sent: list[bytes] = []
    try:
        link = Link(port, GENERIC, lambda d, data, t: sent.append(data) if d == "tx" else None)
        assert flow.provision(link, state, seed=1)["ok"]
        for key, value in damage.items():
            state.doc[key] = value
        sent.clear()
        result = flow.provision(link, state, seed=2)
    finally:
        port.close()
    assert result["ok"], result
    assert not any(b";" in line or b"abc" in line for line in sent), sent
    json.dumps(state.doc)


# --- a user's config ------------------------------------------------------------


@pytest.mark.secrets_in_clear   # the config file holds the PIN, as on a board
@pytest.mark.parametrize("text", ['{"pin": "73592468", ', "[1, 2]", '"73592468"'],
                         ids=["cut", "list", "string"])
def test_a_broken_config_file_is_a_typed_error_without_the_pin(text: str,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(text)
    with pytest.raises(MeLibError) as info:
        core_main.load_config(str(path))
    assert "JSON object" in str(info.value)
    _absent(PIN, info.value)
    assert core_main.load_config(str(tmp_path / "missing.json")) == core_main.DEFAULTS


@pytest.mark.parametrize("key,value", [("watch_seconds", "60"), ("watch_events", "1"),
                                       ("watch_events", True)])
def test_a_watch_bound_that_is_not_a_number_is_refused_before_the_run(
        key: str, value: Any) -> None:
    port = ScriptPort([])
    with pytest.raises(MeLibError) as info:
        core_main.run(port, dict(core_main.DEFAULTS, **{key: value}))
    assert key in str(info.value) and port.written == []
