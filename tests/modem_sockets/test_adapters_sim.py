"""Every socket adapter against the modem simulator and real loopback servers.

The simulator bridges the vendor socket commands to real sockets on 127.0.0.1
and resolves names from its scenario's DNS table (dm.example.net -> 127.0.0.1);
it was written from the vendor manuals independently of the adapters, so a
passing test means both readings of the manual agree. Round trips are counted
on the channel and asserted exactly: they are a benchmark figure.
"""

import socket
from collections.abc import Iterator

import pytest

from me_lib.at import AtChannel
from me_lib.modem.sockets import ADAPTERS, ConnectFailed, NameNotResolved, NoAnswer
from me_lib.modem.sockets.base import SocketAdapter
from me_lib.provision.probe import build_ping, coap_ping, tcp_reach
from tests.modem_sockets.modem_up import SOCKET_CID, bring_up
from tests.modem_sockets.servers import CoapServer

FAMILIES = ["quectel", "ublox", "simcom", "telit", "nrf91"]
TIMEOUT = 120.0      # virtual s for an operation that should succeed (costs nothing then)
SILENT = 20.0        # virtual seconds for one that must time out
# A message id whose bytes are line-safe (no CR, LF or quote): see the u-blox
# HEX-mode note in the report; any id works on the other dialects.
MID = 0x4D21

# Exact AT round trips per operation (first use of a fresh adapter).
RT_RESOLVE = {f: 1 for f in FAMILIES}
RT_UDP = {"quectel": 4, "ublox": 5, "simcom": 4, "telit": 4, "nrf91": 4}
RT_UDP_SILENT = {"quectel": 3, "ublox": 4, "simcom": 3, "telit": 3, "nrf91": 4}
RT_TCP = {"quectel": 2, "ublox": 3, "simcom": 2, "telit": 2, "nrf91": 3}
RT_TCP_REFUSED = {"quectel": 2, "ublox": 4, "simcom": 1, "telit": 1, "nrf91": 3}

class Rig:
    def __init__(self, family: str) -> None:
        self.family = family
        self.channel: AtChannel = bring_up(family)
        self.adapter: SocketAdapter = ADAPTERS[family](self.channel)
        self.cid = SOCKET_CID[family]

    def count(self) -> int:
        return self.channel.round_trips


@pytest.fixture(params=FAMILIES)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    r = Rig(request.param)
    yield r
    r.channel.close()


def test_resolve_dm_name(rig: Rig) -> None:
    before = rig.count()
    ips = rig.adapter.resolve("dm.example.net", rig.cid, TIMEOUT)
    assert ips == ["127.0.0.1"]
    assert rig.count() - before == RT_RESOLVE[rig.family]


def test_resolve_unknown_name_is_typed(rig: Rig) -> None:
    before = rig.count()
    with pytest.raises(NameNotResolved) as info:
        rig.adapter.resolve("nothing.invalid", rig.cid, TIMEOUT)
    assert info.value.step == "dm-reach"
    assert "nothing.invalid" in str(info.value)
    assert rig.count() - before == RT_RESOLVE[rig.family]
    # the channel is still usable afterwards
    assert rig.channel.command("AT").final.ok


@pytest.mark.parametrize("family", [
    "quectel", "ublox", "simcom", "telit", "nrf91"])
def test_coap_ping(family: str, coap_server: CoapServer) -> None:
    r = Rig(family)
    try:
        before = r.count()
        t0 = r.channel.clock()
        rtt = coap_ping(r.adapter, "127.0.0.1", coap_server.port, r.cid, TIMEOUT,
                        retries=0, mid=MID)
        assert 0 < rtt <= r.channel.clock() - t0
        assert coap_server.received == [build_ping(MID)]
        assert r.count() - before == RT_UDP[family]
    finally:
        r.channel.close()


def test_udp_request_text_payload(rig: Rig, coap_server: CoapServer) -> None:
    """A plain-text datagram works on every dialect (nRF91 without data mode)."""
    before = rig.count()
    reply = rig.adapter.udp_request("127.0.0.1", coap_server.port, b"ping me", rig.cid,
                                    TIMEOUT)
    assert reply == b"echo:ping me"
    assert rig.count() - before == RT_UDP[rig.family]


def test_udp_no_answer_is_a_bounded_typed_timeout(rig: Rig, silent_udp_port: int) -> None:
    before = rig.count()
    t0 = rig.channel.clock()
    with pytest.raises(NoAnswer) as info:
        rig.adapter.udp_request("127.0.0.1", silent_udp_port, b"hello", rig.cid, SILENT)
    elapsed = rig.channel.clock() - t0
    assert info.value.step == "dm-reach"
    assert SILENT * 0.9 <= elapsed <= SILENT + 12.0
    assert rig.count() - before == RT_UDP_SILENT[rig.family]
    assert rig.channel.command("AT").final.ok


@pytest.mark.parametrize("family", [
    "quectel", "ublox", "simcom", "telit", "nrf91"])
def test_tcp_probe(family: str, tcp_server: int) -> None:
    r = Rig(family)
    try:
        before = r.count()
        seconds = tcp_reach(r.adapter, "127.0.0.1", tcp_server, r.cid, TIMEOUT)
        assert seconds >= 0
        assert r.count() - before == RT_TCP[family]
    finally:
        r.channel.close()


@pytest.mark.parametrize("family", [
    "quectel", "ublox", "simcom", "telit", "nrf91"])
def test_tcp_refused_is_typed(family: str, closed_tcp_port: int) -> None:
    r = Rig(family)
    try:
        before = r.count()
        with pytest.raises(ConnectFailed) as info:
            r.adapter.tcp_probe("127.0.0.1", closed_tcp_port, r.cid, TIMEOUT)
        assert info.value.step == "dm-reach"
        assert r.count() - before == RT_TCP_REFUSED[family]
        assert r.channel.command("AT").final.ok
    finally:
        r.channel.close()


def test_coap_ping_retries_then_times_out() -> None:
    r = Rig("quectel")
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        t0 = r.channel.clock()
        with pytest.raises(NoAnswer) as info:
            coap_ping(r.adapter, "127.0.0.1", sock.getsockname()[1], 1, SILENT, retries=1,
                      mid=7)
        elapsed = r.channel.clock() - t0
        assert "2 attempt" in str(info.value)
        assert 2 * SILENT * 0.9 <= elapsed <= 2 * SILENT + 20
        sent = []
        sock.settimeout(0.2)
        for _ in range(2):
            sent.append(sock.recv(64))
        assert sent == [build_ping(7)] * 2   # a retransmission keeps its message id
        sock.close()
    finally:
        r.channel.close()


def test_ublox_hex_mode_set_once() -> None:
    """UDCONF=1,1 costs one round trip on the adapter's first datagram only."""
    r = Rig("ublox")
    srv = CoapServer()
    try:
        for expected in (5, 4):
            before = r.count()
            assert r.adapter.udp_request("127.0.0.1", srv.port, b"abc", 1,
                                         TIMEOUT) == b"echo:abc"
            assert r.count() - before == expected
    finally:
        srv.close()
        r.channel.close()


def test_telit_binds_other_cid_with_scfg(tcp_server: int) -> None:
    r = Rig("telit")
    try:
        r.channel.command('AT+CGDCONT=2,"IP","telemetry.example"')
        r.channel.command("AT#SGACT=2,1", prefix="#SGACT:")
        for expected in (3, 2):          # #SCFG once, then #SD + #SH
            before = r.count()
            r.adapter.tcp_probe("127.0.0.1", tcp_server, 2, TIMEOUT)
            assert r.count() - before == expected
    finally:
        r.channel.close()
