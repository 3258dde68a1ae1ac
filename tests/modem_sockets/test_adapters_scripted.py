"""Adapter paths the simulator cannot show, against a scripted in-process port.

Each script is the exact byte exchange a vendor manual or a real capture
documents; the port answers a reply once the expected bytes were written.
"""

import threading
import time

import pytest

from me_lib.at import AtChannel
from me_lib.errors import DecodeError
from me_lib.modem.sockets import ConnectFailed, NameNotResolved
from me_lib.modem.sockets.nrf91 import Nrf91Sockets, is_text_payload
from me_lib.modem.sockets.quectel import QuectelSockets
from me_lib.modem.sockets.simcom import SimcomSockets
from me_lib.modem.sockets.ublox import parse_usorf
from me_lib.provision.probe import build_ping, is_ping_reply


class ScriptedPort:
    """A pyserial-like port replaying `(expected bytes, reply bytes)` in order."""

    def __init__(self, script: list[tuple[bytes, bytes]]) -> None:
        self.script = list(script)
        self.timeout = 0.02
        self.written = b""
        self._buf = b""
        self._out = b""
        self._lock = threading.Lock()

    def write(self, data: bytes) -> int:
        with self._lock:
            self.written += data
            self._buf += data
            while self.script and self.script[0][0] in self._buf:
                want, reply = self.script.pop(0)
                self._buf = self._buf[self._buf.index(want) + len(want):]
                self._out += reply
        return len(data)

    @property
    def in_waiting(self) -> int:
        with self._lock:
            return len(self._out)

    def read(self, size: int = 1) -> bytes:
        deadline = time.monotonic() + (self.timeout or 0)
        while True:
            with self._lock:
                if self._out:
                    data, self._out = self._out[:size], self._out[size:]
                    return data
            if time.monotonic() >= deadline:
                return b""
            time.sleep(0.001)

    def close(self) -> None:
        pass


def channel(script: list[tuple[bytes, bytes]]) -> tuple[AtChannel, ScriptedPort]:
    port = ScriptedPort(script)
    return AtChannel(port, name="scripted"), port


def test_build_ping_and_reply() -> None:
    assert build_ping(0x1234) == bytes([0x40, 0x00, 0x12, 0x34])
    assert is_ping_reply(bytes([0x70, 0x00, 0x12, 0x34]), 0x1234)       # RST
    assert is_ping_reply(bytes([0x60, 0x00, 0x12, 0x34]), 0x1234)       # empty ACK
    assert not is_ping_reply(bytes([0x70, 0x00, 0x12, 0x35]), 0x1234)   # other id
    assert not is_ping_reply(bytes([0x40, 0x00, 0x12, 0x34]), 0x1234)   # our own CON
    assert not is_ping_reply(bytes([0xB0, 0x00, 0x12, 0x34]), 0x1234)   # version 2
    assert not is_ping_reply(bytes([0x71, 0x00, 0x12, 0x34, 0xAA]), 0x1234)  # RST w/ token
    assert not is_ping_reply(b"\x70\x00", 0)
    with pytest.raises(Exception) as info:
        build_ping(0x10000)
    assert "dm-reach" in str(info.value)


def test_parse_usorf_hex_and_raw() -> None:
    assert parse_usorf('+USORF: 0,"10.0.0.1",5683,4,"70001234"') == b"\x70\x00\x12\x34"
    assert parse_usorf('+USORF: 0,"10.0.0.1",5683,4,"a,b,"') == b"a,b,"
    assert parse_usorf("+USORF: 1, \"10.0.0.1\", 5683, 2, \"4142\"") == b"AB"
    with pytest.raises(DecodeError):
        parse_usorf('+USORF: 0,"10.0.0.1",5683,4,"pM!"')   # a NUL lost on the line


def test_text_payload_rule() -> None:
    assert is_text_payload(b"hello world")
    assert not is_text_payload(b"a,b")
    assert not is_text_payload(b'say "x"')
    assert not is_text_payload(build_ping(1))
    assert not is_text_payload(b"")


def test_nrf91_binary_payload_uses_slm_data_mode() -> None:
    ping = build_ping(0x0A0D)
    ch, port = channel([
        (b"AT#XSOCKET=1,2,0\r", b"\r\n#XSOCKET: 0,2,17\r\n\r\nOK\r\n"),
        (b'AT#XSENDTO="10.1.2.3",5683\r', b""),          # data mode: no OK yet
        (ping + b"+++", b"\r\nOK\r\n"),
        (b"AT#XRECVFROM=", b'\r\n#XRECVFROM: 4,"10.1.2.3",5683\r\n'
                           b"\x70\x00\x0a\x0d\r\nOK\r\n"),
        (b"AT#XSOCKET=0\r", b'\r\n#XSOCKET: 0,"closed"\r\n\r\nOK\r\n'),
    ])
    adapter = Nrf91Sockets(ch, datamode_silence=0.01)
    reply = adapter.udp_request("10.1.2.3", 5683, ping, 0, 10.0)
    assert is_ping_reply(reply, 0x0A0D)
    assert ch.round_trips == 4
    assert not port.script


def test_nrf91_data_mode_refused_writes_no_data() -> None:
    ch, port = channel([
        (b"AT#XSOCKET=1,2,0\r", b"\r\n#XSOCKET: 0,2,17\r\n\r\nOK\r\n"),
        (b'AT#XSENDTO="10.1.2.3",5683\r', b"\r\nERROR\r\n"),
        (b"AT#XSOCKET=0\r", b'\r\n#XSOCKET: 0,"closed"\r\n\r\nOK\r\n'),
    ])
    adapter = Nrf91Sockets(ch, datamode_silence=0.05)
    with pytest.raises(ConnectFailed):
        adapter.udp_request("10.1.2.3", 5683, build_ping(1), 0, 10.0)
    assert b"+++" not in port.written
    assert not port.script


def test_simcom_dns_failure_before_final() -> None:
    """SIM7600 answers `+CDNSGIP: 0,10` then ERROR (transcript lily90-11)."""
    ch, _ = channel([(b'AT+CDNSGIP="google.com"\r', b"\r\n+CDNSGIP: 0,10\r\n\r\nERROR\r\n")])
    with pytest.raises(NameNotResolved) as info:
        SimcomSockets(ch).resolve("google.com", 0, 10.0)
    assert info.value.code == 10
    assert ch.round_trips == 1


def test_quectel_qiopen_pdp_error_closes_and_says_what_to_do() -> None:
    ch, port = channel([
        (b'AT+QIOPEN=1,0,"UDP","10.1.2.3",5683,0,0\r', b"\r\nOK\r\n\r\n+QIOPEN: 0,561\r\n"),
        (b"AT+QICLOSE=0\r", b"\r\nOK\r\n"),
    ])
    with pytest.raises(ConnectFailed) as info:
        QuectelSockets(ch).udp_request("10.1.2.3", 5683, b"x", 1, 10.0)
    assert info.value.code == 561
    assert "QIACT" in str(info.value)
    assert ch.round_trips == 2
    assert not port.script


def test_quectel_dns_answer_with_spaces_and_two_addresses() -> None:
    ch, _ = channel([
        (b'AT+QIDNSGIP=1,"dm.example.net"\r',
         b'\r\nOK\r\n\r\n+QIURC: "dnsgip", 0, 2, 600\r\n'
         b'\r\n+QIURC: "dnsgip","10.0.0.7"\r\n\r\n+QIURC: dnsgip,10.0.0.8\r\n'),
    ])
    assert QuectelSockets(ch).resolve("dm.example.net", 1, 10.0) == ["10.0.0.7", "10.0.0.8"]


def test_values_reach_the_line_only_through_build_command() -> None:
    ch, port = channel([])
    with pytest.raises(Exception) as info:
        QuectelSockets(ch).resolve('evil";+CFUN=0', 1, 1.0)
    assert "quote" in str(info.value)
    assert port.written == b""
