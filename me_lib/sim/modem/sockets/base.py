"""The bridge every simulated socket family shares: real loopback sockets behind module ones.

A test runs a real server (e.g. a UDP echo server playing the DM server) on
loopback; the simulated module's socket commands open real sockets to it, so
the bytes the host sends through `AT+QISEND` or `AT+USOST` really travel and
real replies come back as the module's receive URCs. Names resolve through the
scenario's DNS table only (a name not in it fails the way the module reports a
DNS failure), and only loopback destinations are ever connected: anything else
gets the module's connect error, so a simulation never touches the outside.

`SocketStack` holds the sockets, polls them and turns arrivals into the
family's URCs through its hooks (`on_data`, `on_closed`, `on_context_down`);
each vendor module (quectel, ublox, simcom, telit, nrf91) subclasses it with
its command set, as the driver's `me_lib/modem/sockets/` does.
"""

import ipaddress
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from me_lib.sim.modem.commands import AtFail, Command, Reply, arg_int, set_args

if TYPE_CHECKING:
    from me_lib.sim.dm_server import DmServer
    from me_lib.sim.modem.host import Host
    from me_lib.sim.modem.network import Context

MAX_PAYLOAD = 1460
_DM_LOCK = threading.Lock()
_DM_SERVER: "DmServer | None" = None


def loopback_dm_server() -> "DmServer":
    """The process's own loopback DM server (UDP CoAP + TCP), started on first use.

    One per process, for every simulated modem in it; its threads are daemons
    and it lives as long as the process.
    """
    global _DM_SERVER
    with _DM_LOCK:
        if _DM_SERVER is None:
            from me_lib.sim.dm_server import DmServer

            _DM_SERVER = DmServer(0, tcp=True).start()
        return _DM_SERVER


def _listening(proto: str, ip: str, port: int) -> bool:
    """Whether something has `port` on loopback (its bind fails: the address is in use)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if proto == "UDP"
                          else socket.SOCK_STREAM)
    try:
        probe.bind((ip, port))
    except OSError:
        return True
    finally:
        probe.close()
    return False


REPLY_WAIT = 2.0      # real seconds a loopback peer gets to answer before it counts as silent


class SimSocket:
    """One module socket and the real loopback socket behind it."""

    def __init__(self, ident: int, proto: str, cid: int, sock: socket.socket,
                 remote: tuple[str, int] | None) -> None:
        self.ident = ident
        self.proto = proto            # "UDP" | "TCP"
        self.cid = cid
        self.sock = sock
        self.remote = remote
        self.rx: deque[tuple[bytes, tuple[str, int]]] = deque()
        self.notified = False
        self.push = False             # Quectel push mode: data inside the URC
        self.peer_closed = False
        self.sent_at: float | None = None   # virtual time of the last send not yet answered
        self.await_until = 0.0              # real time until which a reply is worth waiting

    def pending_bytes(self) -> int:
        return sum(len(d) for d, _ in self.rx)

    def take(self, max_len: int) -> tuple[bytes, tuple[str, int]]:
        """Up to `max_len` bytes: one datagram for UDP, a stream slice for TCP."""
        if not self.rx:
            return b"", self.remote or ("0.0.0.0", 0)
        data, addr = self.rx[0]
        if len(data) <= max_len:
            self.rx.popleft()
            return data, addr
        if self.proto == "UDP":     # datagram truncated, like the modules do
            self.rx.popleft()
            return data[:max_len], addr
        self.rx[0] = (data[max_len:], addr)
        return data[:max_len], addr

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


class SocketStack:
    """The bridge shared by all vendor families."""

    family = ""

    def __init__(self, modem: "Host") -> None:
        self.m = modem
        self.sockets: dict[int, SimSocket] = {}
        self.app_active: set[int] = set()
        # the simulator's DM server address -> the destination it stands in for
        self.shown_as: dict[tuple[str, int], tuple[str, int]] = {}

    # --------------------------------------------------------------- bridge

    def resolve(self, host: str) -> str | None:
        """Scenario DNS table; IPv4 literals resolve to themselves."""
        try:
            ipaddress.IPv4Address(host)
            return host
        except ValueError:
            return self.m.scenario.dns.get(host.lower())

    def served(self, proto: str, ip: str, port: int) -> tuple[str, int] | None:
        """Where the simulator's own DM server answers for (ip, port), or None.

        Only with the scenario's `serve_dm` on, for a loopback destination that
        nothing listens on (the card's DM port when no test server runs), so
        `me-lib provision --modem sim://default` reaches a DM server as the
        README shows, and a test's own server on that port still gets the traffic.
        """
        if (not self.m.scenario.serve_dm or not is_loopback(ip)
                or port not in self.card_dm_ports() or _listening(proto, ip, port)):
            return None
        return ("127.0.0.1", loopback_dm_server().port)

    def card_dm_ports(self) -> set[int]:
        """The ports of the DM servers in the card's profile (CoAP's 5683/5684 if unset).

        Only those are served: any other closed loopback port stays refused or
        silent, as tests of the socket adapters need.
        """
        profile = getattr(self.m.sim.card, "profile", None)
        dmcfg = profile.get("dmcfg") if isinstance(profile, dict) else None
        servers = dmcfg.get("server", []) if isinstance(dmcfg, dict) else []
        ports: set[int] = set()
        for server in servers if isinstance(servers, list) else []:
            port = server.get("port") if isinstance(server, dict) else None
            if isinstance(port, int):
                ports.add(port)
            else:
                ports.update((5683, 5684))
        return ports

    def open_real(self, proto: str, ip: str, port: int, lport: int = 0) -> socket.socket:
        """A real socket towards a loopback destination; AtFail(None) otherwise."""
        if not is_loopback(ip) or not 0 < port < 65536:
            raise AtFail(None)
        try:
            if proto == "UDP":
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind(("127.0.0.1", lport))
            else:
                target = self.served("TCP", ip, port) or (ip, port)
                sock = socket.create_connection(target, timeout=2.0)
            sock.setblocking(False)
        except OSError:
            raise AtFail(None) from None
        return sock

    def new_socket(self, ident: int, proto: str, cid: int, host: str, port: int,
                   lport: int = 0) -> SimSocket:
        ip = self.resolve(host)
        if ip is None:
            raise AtFail(565)
        sock = self.open_real(proto, ip, port, lport)
        sim = SimSocket(ident, proto, cid, sock, (ip, port))
        self.sockets[ident] = sim
        return sim

    def unbound_udp(self, ident: int, cid: int, lport: int = 0) -> SimSocket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", lport))
        sock.setblocking(False)
        sim = SimSocket(ident, "UDP", cid, sock, None)
        self.sockets[ident] = sim
        return sim

    def send(self, sim: SimSocket, data: bytes, dest: tuple[str, int] | None = None) -> bool:
        """Send through the real socket; False when the module could not (no coverage...)."""
        if not self.m.net.registered:
            return False
        target = dest or sim.remote
        try:
            if sim.proto == "UDP":
                if target is None or not is_loopback(target[0]):
                    return False
                served = self.served("UDP", target[0], target[1])
                if served is not None:
                    self.shown_as[served] = target      # replies show the address sent to
                    target = served
                sim.sock.sendto(data, target)
            else:
                sim.sock.sendall(data)
        except OSError:
            return False
        sim.sent_at = self.m.t
        sim.await_until = time.monotonic() + REPLY_WAIT
        return True

    def awaiting(self) -> list[socket.socket]:
        """Real sockets whose loopback peer owes a reply worth waiting for in real time.

        A lock-step host holds virtual time still while these are pending, so the
        reply lands at the same virtual moment however busy the machine is.
        """
        now = time.monotonic()
        return [sim.sock for sim in self.sockets.values()
                if sim.sent_at is not None and now < sim.await_until]

    def poll(self) -> None:
        """Collect what the real sockets received; raise the module's URCs."""
        for sim in list(self.sockets.values()):
            while True:
                try:
                    if sim.proto == "UDP":
                        data, addr = sim.sock.recvfrom(65535)
                        addr = self.shown_as.get(addr, addr)
                    else:
                        data = sim.sock.recv(65535)
                        addr = sim.remote or ("0.0.0.0", 0)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    data, addr = b"", ("0.0.0.0", 0)
                sent_at, sim.sent_at = sim.sent_at, None
                if not data:
                    if sim.proto == "TCP" and not sim.peer_closed:
                        sim.peer_closed = True
                        self.on_closed(sim)
                    break
                due = self.m.t if sent_at is None else sent_at + self.m.scenario.network.data_rtt
                source = (str(addr[0]), int(addr[1]))
                if due > self.m.t:
                    self.m.schedule_at(due, self._arrive(sim, data, source))
                else:
                    self._arrive(sim, data, source)()

    def _arrive(self, sim: SimSocket, data: bytes,
                source: tuple[str, int]) -> Callable[[], None]:
        """The datagram reaches the module one network round trip after it was sent."""
        def arrive() -> None:
            if self.sockets.get(sim.ident) is not sim or not self.m.net.registered:
                return        # socket closed meanwhile, or out of coverage: the data is lost
            was_empty = not sim.rx
            sim.rx.append((data, source))
            self.on_data(sim, len(data), was_empty)
        return arrive

    def close(self, ident: int) -> None:
        sim = self.sockets.pop(ident, None)
        if sim is not None:
            sim.close()

    def reset(self) -> None:
        for ident in list(self.sockets):
            self.close(ident)
        self.app_active = set()

    def on_event(self, what: str, cid: int | None) -> None:
        if what == "context_down" and cid is not None:
            was_app = cid in self.app_active
            self.app_active.discard(cid)
            for sim in list(self.sockets.values()):
                if sim.cid == cid:
                    self.close(sim.ident)
            self.on_context_down(cid, was_app)

    # ------------------------------------------------------- family hooks

    #: (command head, name of the method that answers it): the family's AT commands
    COMMANDS: "tuple[tuple[str, str], ...]" = ()

    def register(self) -> None:
        """Answer the family's commands (`COMMANDS`); a family adds its own state."""
        for head, method in self.COMMANDS:
            self.m.handle(head, getattr(self, method))

    def on_data(self, sim: SimSocket, length: int, was_empty: bool) -> None:
        pass

    def on_closed(self, sim: SimSocket) -> None:
        pass

    def on_context_down(self, cid: int, was_app: bool) -> None:
        pass

    # -------------------------------------------------------------- helpers

    def context(self, cid: int) -> "Context":
        ctx = self.m.net.contexts.get(cid)
        if ctx is None:
            raise AtFail(50)
        return ctx

    def activate(self, cid: int) -> None:
        """Vendor activation: bring the PDP context up if needed, mark it app-active."""
        net = self.m.net
        if not net.registered:
            raise AtFail(30)
        ctx = self.context(cid)
        if not ctx.active:
            cause = net.check_apn(ctx)
            if cause:
                net.last_cause = cause
                raise AtFail(100 + cause)
            net.bring_up(ctx)
            net.cgev("ME PDN ACT %d" % cid)
        self.app_active.add(cid)

    def close_open(self, cmd: Command, highest: int) -> Reply:
        """A close command naming a socket (`+CACLOSE=<id>`, `+USOCL=<id>`): ERROR when no
        such socket is open, as those modules answer."""
        ident = arg_int(set_args(cmd), 0, None, 0, highest)
        self.sock_or_fail(ident)
        self.close(ident)
        return Reply()

    def sock_or_fail(self, ident: int) -> SimSocket:
        sim = self.sockets.get(ident)
        if sim is None:
            raise AtFail(None)
        return sim
