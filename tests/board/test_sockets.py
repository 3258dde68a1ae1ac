"""The board core's DM probe (me_lib/board/sockets.py) against the simulator, per family.

Each test brings a simulated module to where the flow's DM step starts (SIM
ready, registered, APN0's context active, the cid the full flow uses), hands
its port to a board `Link` and runs `resolve` + `ping`. The lines it writes are
compared with what the full library (the vendor adapter on an `AtChannel` and
`probe.coap_ping`) writes on a twin simulator for the same call, and with the
DM step `me-lib provision --probe-seed 1` recorded for each scenario (PINNED).
The DM server and the fault peers are real UDP sockets on loopback, which the
simulator bridges the module's sockets to.
"""

import random
from collections.abc import Callable, Iterator

import pytest

from me_lib.at import AtChannel
from me_lib.board import sockets
from me_lib.board.link import Link
from me_lib.errors import ConnectFailed, NameNotResolved, NoAnswer, ProvisionError
from me_lib.modem.dialects import by_name
from me_lib.modem.sockets import ADAPTERS
from me_lib.provision import probe
from me_lib.sim.dm_server import DmServer
from tests.modem_sockets.modem_up import _retry_busy, activate, wait_registered
from tests.modem_sockets.servers import CoapServer

FAMILIES = ["quectel", "ublox", "simcom", "telit", "nrf91"]
# family -> (scenario, its dialect row, the cid the flow's DM step passes: Modem.stack_context)
SCENARIO = {
    "quectel": ("default", "quectel-bg96", 1),
    "ublox": ("ublox-sara-r4", "ublox-sara-r4", 1),
    "simcom": ("simcom-sim7080", "simcom-sim7080", 0),
    "telit": ("telit-me910", "telit-me910", 1),
    "nrf91": ("nordic-nrf91-slm", "nordic-nrf91-slm", 0),
}
SPEED = 200
TIMEOUT = 10.0       # the flow's probe_timeout
MID = 0x44CB         # what `--probe-seed 1` draws (asserted below)
PING = b"\x40\x00\x44\xcb"
# The DM step of `me-lib provision --modem sim://NAME --probe-seed 1` (the "tx" records
# between APN0's activation and the first service context), the port made a field. The
# nRF91 `#XRECVFROM=<secs>` waits what is left of the attempt: see `_secs`.
PINNED = {
    "quectel": ['AT+QIDNSGIP=1,"dm.example.net"', 'AT+QIOPEN=1,0,"UDP","127.0.0.1",{port},0,0',
                "AT+QISEND=0,4", PING, "AT+QIRD=0,1500", "AT+QICLOSE=0"],
    "ublox": ['AT+UDNSRN=0,"dm.example.net"', "AT+UDCONF=1,1", "AT+USOCR=17",
              'AT+USOST=0,"127.0.0.1",{port},4', PING, "AT+USORF=0,4", "AT+USOCL=0"],
    "simcom": ['AT+CDNSGIP="dm.example.net"', 'AT+CAOPEN=0,0,"UDP","127.0.0.1",{port}',
               "AT+CASEND=0,4", PING, "AT+CARECV=0,1460", "AT+CACLOSE=0"],
    "telit": ['AT#QDNS="dm.example.net"', 'AT#SD=1,1,{port},"127.0.0.1",0,0,1',
              "AT#SSENDEXT=1,4", PING, "AT#SRECV=1,1500", "AT#SH=1"],
    "nrf91": ['AT#XGETADDRINFO="dm.example.net"', "AT#XSOCKET=1,2,0",
              'AT#XSENDTO="127.0.0.1",{port}', PING, b"+++", "AT#XRECVFROM={secs}",
              "AT#XSOCKET=0"],
}
CLOSE = {"quectel": "AT+QICLOSE=0", "ublox": "AT+USOCL=0", "simcom": "AT+CACLOSE=0",
         "telit": "AT#SH=1", "nrf91": "AT#XSOCKET=0"}
UNROUTED = "192.0.2.1"   # TEST-NET-1: the simulator connects loopback only, refuses this


class Rig:
    """A simulated module with APN0 up; its writes recorded from here on."""

    def __init__(self, family: str) -> None:
        scenario, dialect, self.cid = SCENARIO[family]
        self.family = family
        self.channel = AtChannel.open("sim://%s?speed=%d" % (scenario, SPEED))
        ch = self.channel
        ch.sync(attempts=30)
        ch.poll(0.2)
        for command in ("ATE0", "AT+CMEE=1", "AT+CFUN=1"):
            _retry_busy(ch, command)
        wait_registered(ch)
        activate(ch, family)
        ch.poll(0.1)
        self.tx: list[str | bytes] = []
        self.link = Link(ch.port, by_name(dialect), trace=self._record)

    def _record(self, direction: str, data: bytes, now: float) -> None:
        if direction == "tx":
            self.tx.append(data[:-1].decode("latin-1") if data.endswith(b"\r") else data)

    def full(self) -> "probe.SocketAdapter":
        """The full library's adapter on the same port (its channel records the same way)."""
        self.channel.trace = self._record
        return ADAPTERS[self.family](self.channel)


@pytest.fixture
def rigs() -> Iterator[Callable[[str], Rig]]:
    opened: list[Rig] = []

    def make(family: str) -> Rig:
        opened.append(Rig(family))
        return opened[-1]

    yield make
    for rig in opened:
        rig.channel.close()


@pytest.fixture
def dm_server() -> Iterator[DmServer]:
    with DmServer(0) as server:
        yield server


def _secs(lines: "list[str | bytes]") -> "list[str | bytes]":
    """The lines with nRF91's `#XRECVFROM=<secs>` made `{secs}` (checked to be 1..TIMEOUT).

    SLM waits <secs> itself: the adapter asks for what is left of the attempt,
    so the number depends on how long the data-mode send took. The full channel
    writes the payload and `+++` one read step (2 s) after the guard silence of
    1 s, the link at the silence: the same dialogue, another number.
    """
    out: list[str | bytes] = []
    for line in lines:
        if isinstance(line, str) and line.startswith("AT#XRECVFROM="):
            assert 1 <= int(line[13:]) <= TIMEOUT
            line = "AT#XRECVFROM={secs}"
        out.append(line)
    return out


def _pinned(family: str, port: int) -> "list[str | bytes]":
    out: list[str | bytes] = []
    for line in PINNED[family]:
        out.append(line.replace("{port}", str(port)) if isinstance(line, str) else line)
    return out


def test_message_id_is_the_full_librarys_for_a_seed() -> None:
    assert sockets.message_id(1) == probe.message_id(random.Random(1)) == MID
    for seed in (0, 7, 123456):
        assert sockets.message_id(seed) == probe.message_id(random.Random(seed))
    assert 0 <= sockets.message_id(None) <= 0xFFFF


@pytest.mark.parametrize("family", FAMILIES)
def test_dm_step_lines_are_the_full_librarys(family: str, rigs: Callable[[str], Rig],
                                             dm_server: DmServer) -> None:
    board = rigs(family)
    ip = sockets.resolve(board.link, family, "dm.example.net", board.cid)
    rtt = sockets.ping(board.link, family, ip, dm_server.port, board.cid,
                       sockets.message_id(1), TIMEOUT)
    assert ip == "127.0.0.1"
    assert isinstance(rtt, float) and rtt >= 0
    assert dm_server.pings == 1
    assert _secs(board.tx) == _pinned(family, dm_server.port)
    assert board.link.urcs == []  # every report of the exchange was consumed

    full = rigs(family)
    adapter = full.full()
    addr = adapter.resolve("dm.example.net", full.cid, TIMEOUT)[0]
    probe.coap_ping(adapter, addr, dm_server.port, full.cid, TIMEOUT,
                    mid=probe.message_id(random.Random(1)))
    assert dm_server.pings == 2
    assert _secs(full.tx) == _secs(board.tx)


def test_ip_literal_is_not_resolved(rigs: Callable[[str], Rig]) -> None:
    rig = rigs("quectel")
    assert sockets.resolve(rig.link, "quectel", "127.0.0.1", rig.cid) == "127.0.0.1"
    assert sockets.resolve(rig.link, "quectel", "::1", rig.cid) == "::1"
    assert rig.tx == []


@pytest.mark.parametrize("family", FAMILIES)
def test_dns_failure_is_name_not_resolved(family: str, rigs: Callable[[str], Rig]) -> None:
    board = rigs(family)
    with pytest.raises(NameNotResolved) as info:
        sockets.resolve(board.link, family, "nothing.invalid", board.cid)
    assert info.value.step == "dm-reach" and "nothing.invalid" in str(info.value)
    full = rigs(family)
    with pytest.raises(NameNotResolved):
        full.full().resolve("nothing.invalid", full.cid, TIMEOUT)
    assert board.tx == full.tx and len(board.tx) == 1
    assert board.link.cmd("AT") == []  # the link is in step after the failure


@pytest.mark.parametrize("family", FAMILIES)
def test_refused_socket_is_connect_failed(family: str, rigs: Callable[[str], Rig]) -> None:
    """Not retried; closed when the module holds a socket (Quectel's +QIOPEN report of an
    error, u-blox and nRF91 whose socket exists before the send fails), as the full
    adapters do; SIM7080's +CAOPEN and Telit's #SD refused opened nothing."""
    board = rigs(family)
    with pytest.raises(ConnectFailed) as info:
        sockets.ping(board.link, family, UNROUTED, 5683, board.cid, 7, TIMEOUT)
    assert info.value.step == "dm-reach" and UNROUTED in str(info.value)
    full = rigs(family)
    with pytest.raises(ConnectFailed):
        probe.coap_ping(full.full(), UNROUTED, 5683, full.cid, TIMEOUT, mid=7)
    assert board.tx == full.tx
    held = family in ("quectel", "ublox", "nrf91")
    assert board.tx.count(CLOSE[family]) == (1 if held else 0)
    assert board.tx[-1] == CLOSE[family] or not held
    assert board.link.cmd("AT") == []


@pytest.fixture
def peer() -> Iterator[Callable[[int], "Peer"]]:
    made: list[Peer] = []

    def make(wrong: int) -> Peer:
        made.append(Peer(wrong))
        return made[-1]

    yield make
    for p in made:
        p.close()


class Peer(CoapServer):
    """A UDP peer on loopback: silent, or answering the first `wrong` pings with the RST
    of another message id and later ones with the right RST (wrong < 0: silent)."""

    def __init__(self, wrong: int) -> None:
        self.wrong = wrong
        super().__init__()

    def answer(self, data: bytes) -> bytes | None:
        if self.wrong < 0 or len(data) < 4:
            return None
        mid = (data[2] << 8 | data[3]) ^ (1 if len(self.received) <= self.wrong else 0)
        return bytes([0x70, 0x00, mid >> 8, mid & 0xFF])


@pytest.mark.parametrize("family", FAMILIES)
def test_silence_is_no_answer_after_the_retries(family: str, rigs: Callable[[str], Rig],
                                                peer: Callable[[int], Peer],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # the simulator gives a loopback peer REPLY_WAIT real seconds before a send counts
    # as unanswered (2 s: six sends here, board and full library); this peer never
    # answers, so how long it is given changes nothing but the suite's time
    monkeypatch.setattr("me_lib.sim.modem.sockets.base.REPLY_WAIT", 0.2)
    silent = peer(-1)
    board = rigs(family)
    with pytest.raises(NoAnswer) as info:
        sockets.ping(board.link, family, "127.0.0.1", silent.port, board.cid, MID, TIMEOUT)
    assert info.value.step == "dm-reach"
    assert "after 3 attempt(s), no reply" in str(info.value)
    assert silent.received == [PING] * 3  # a retransmission keeps its message id
    assert board.tx.count(CLOSE[family]) == 3 and board.tx[-1] == CLOSE[family]
    full = rigs(family)
    with pytest.raises(NoAnswer):
        probe.coap_ping(full.full(), "127.0.0.1", silent.port, full.cid, TIMEOUT, mid=MID)
    assert _secs(board.tx) == _secs(full.tx)
    assert board.link.cmd("AT") == []


@pytest.mark.parametrize("family", FAMILIES)
def test_reply_with_another_message_id_is_not_accepted(
        family: str, rigs: Callable[[str], Rig], peer: Callable[[int], Peer]) -> None:
    liar = peer(1)  # the first answer has another id, the retransmission's is right
    board = rigs(family)
    rtt = sockets.ping(board.link, family, "127.0.0.1", liar.port, board.cid, MID, TIMEOUT)
    assert rtt >= 0
    assert liar.received == [PING] * 2
    assert board.tx.count(CLOSE[family]) == 2

    always = peer(99)
    with pytest.raises(NoAnswer) as info:
        sockets.ping(board.link, family, "127.0.0.1", always.port, board.cid, MID, TIMEOUT,
                     retries=1)
    assert "after 2 attempt(s), unexpected reply 700044ca" in str(info.value)
    assert always.received == [PING] * 2
    assert board.tx.count(CLOSE[family]) == 4


def test_arguments_are_checked_before_any_line(rigs: Callable[[str], Rig]) -> None:
    rig = rigs("quectel")
    for mid in (-1, 0x10000, True, "1"):
        with pytest.raises(ProvisionError) as info:
            sockets.ping(rig.link, "quectel", "127.0.0.1", 5683, 1, mid, TIMEOUT)  # type: ignore[arg-type]
        assert info.value.step == "dm-reach"
    with pytest.raises(ConnectFailed):
        sockets.ping(rig.link, "quectel", "dm.example.net", 5683, 1, MID, TIMEOUT)
    for port in (0, 65536):
        with pytest.raises(ConnectFailed):
            sockets.ping(rig.link, "quectel", "127.0.0.1", port, 1, MID, TIMEOUT)
    with pytest.raises(NoAnswer):
        sockets.ping(rig.link, "quectel", "127.0.0.1", 5683, 1, MID, 0.0)
    with pytest.raises(ProvisionError):
        sockets.ping(rig.link, "quectel", "127.0.0.1", 5683, 1, MID, TIMEOUT, retries=-1)
    assert rig.tx == []
