"""Vendor DNS and socket commands, bridged to real sockets on 127.0.0.1.

A test runs a real server (e.g. a UDP echo server playing the DM server) on
loopback; the simulated module's socket commands open real sockets to it, so
the bytes the host sends through `AT+QISEND` or `AT+USOST` really travel and
real replies come back as the module's receive URCs. Names resolve through the
scenario's DNS table only (a name not in it fails the way the module reports a
DNS failure), and only loopback destinations are ever connected: anything else
gets the module's connect error, so a simulation never touches the outside.

One small class per command family (Quectel, u-blox, SIMCom, Telit, nRF91 SLM)
on a shared bridge; which one a modem gets is the dialect's `sockets` field.
"""

import ipaddress
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    DataMode,
    Pending,
    Prompt,
    Reply,
    arg_int,
    arg_str,
    raw_final,
    split_args,
)

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

    def register(self) -> None:
        raise NotImplementedError

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

    def sock_or_fail(self, ident: int) -> SimSocket:
        sim = self.sockets.get(ident)
        if sim is None:
            raise AtFail(None)
        return sim


# ------------------------------------------------------------------ Quectel


class QuectelStack(SocketStack):
    """BG95/BG96 TCP/IP: +QICSGP, +QIACT, +QIDNSGIP, +QIOPEN, +QISEND, +QIRD, +QICLOSE."""

    family = "quectel"

    def register(self) -> None:
        m = self.m
        m.handle("+QICSGP", self.qicsgp)
        m.handle("+QIACT", self.qiact)
        m.handle("+QIDEACT", self.qideact)
        m.handle("+QIDNSCFG", self.qidnscfg)
        m.handle("+QIDNSGIP", self.qidnsgip)
        m.handle("+QIOPEN", self.qiopen)
        m.handle("+QISEND", self.qisend)
        m.handle("+QIRD", self.qird)
        m.handle("+QICLOSE", self.qiclose)
        m.handle("+QISTATE", self.qistate)
        m.handle("+QIGETERROR", self.qigeterror)
        m.handle("+QISDE", self.qisde)
        self.last_error = 0
        self.data_echo = True        # AT+QISDE default 1: QISEND payload is echoed

    def qicsgp(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+QICSGP: (1-16),(1-3),"APN","USERNAME","PASSWORD",(0-3)'])
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        cid = arg_int(args, 0, None, 1, 16)
        net = self.m.net
        if len(args) == 1:
            ctx = net.contexts.get(cid)
            if ctx is None:
                return Reply(['+QICSGP: 1,"","","",0'])
            ptype = {"IP": 1, "IPV6": 2, "IPV4V6": 3}.get(ctx.pdp_type, 1)
            return Reply(['+QICSGP: %d,"%s","%s","%s",%d'
                          % (ptype, ctx.apn, ctx.user, ctx.password, ctx.auth)])
        ptype = arg_int(args, 1, 1, 1, 3)
        apn = arg_str(args, 2, "")
        existing = net.contexts.get(cid)
        if existing is not None and existing.active:
            raise AtFail(3)
        from me_lib.sim.modem.network import Context

        ctx = Context(cid, {1: "IP", 2: "IPV6", 3: "IPV4V6"}[ptype], apn)
        ctx.user = arg_str(args, 3, "")
        ctx.password = arg_str(args, 4, "")
        ctx.auth = arg_int(args, 5, 0, 0, 3)
        net.contexts[cid] = ctx
        return Reply()

    def qiact(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            lines = []
            for cid in sorted(self.app_active):
                ctx = self.m.net.contexts.get(cid)
                if ctx is not None and ctx.active:
                    ptype = {"IP": 1, "IPV6": 2, "IPV4V6": 3}.get(ctx.pdp_type, 1)
                    lines.append('+QIACT: %d,1,%d,"%s"' % (cid, ptype, ctx.ipv4 or ctx.ipv6))
            return Reply(lines)
        if cmd.kind == "test":
            return Reply(["+QIACT: (1-16)"])
        if cmd.kind != "set":
            raise AtFail(None)
        cid = arg_int(split_args(cmd.args), 0, None, 1, 16)
        self.activate(cid)
        return Reply()

    def qideact(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        cid = arg_int(split_args(cmd.args), 0, None, 1, 16)
        self.app_active.discard(cid)
        for sim in list(self.sockets.values()):
            if sim.cid == cid:
                self.close(sim.ident)
        ctx = self.m.net.contexts.get(cid)
        if ctx is not None and ctx.active and cid != self.m.dialect.default_cid:
            ctx.active = False
            ctx.nw_apn = ""
        return Reply()

    def qidnscfg(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        cid = arg_int(args, 0, None, 1, 16)
        if cid not in self.app_active:
            raise AtFail(None)
        if len(args) > 1:
            return Reply()
        dns = [*self.m.scenario.network.dns_servers, "0.0.0.0", "0.0.0.0"]
        return Reply(['+QIDNSCFG: %d,"%s","%s"' % (cid, dns[0], dns[1])])

    def qidnsgip(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        cid = arg_int(args, 0, None, 1, 16)
        host = arg_str(args, 1)
        if cid not in self.app_active:
            raise AtFail(561)
        ip = self.resolve(host)

        def result() -> None:
            if ip is None:
                self.m.urc('+QIURC: "dnsgip",565')
                return
            self.m.urc('+QIURC: "dnsgip",0,1,600')
            self.m.urc('+QIURC: "dnsgip","%s"' % ip)

        return Reply(after=[self.m.later(0.1, result)])

    def qiopen(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        cid = arg_int(args, 0, None, 1, 16)
        ident = arg_int(args, 1, None, 0, 11)
        proto = arg_str(args, 2).upper()
        host = arg_str(args, 3)
        port = arg_int(args, 4, None, 0, 65535)
        lport = arg_int(args, 5, 0, 0, 65535)
        mode = arg_int(args, 6, 0, 0, 2)
        if proto not in ("UDP", "TCP") or mode == 2:
            raise AtFail(4 if mode == 2 else 50)
        if ident in self.sockets:
            raise AtFail(563)
        err = 0
        if cid not in self.app_active:
            err = 561
        else:
            try:
                sim = self.new_socket(ident, proto, cid, host, port, lport)
                sim.push = mode == 1
            except AtFail as fail:
                err = 565 if fail.code == 565 else 566
        self.last_error = err
        return Reply(after=[self.m.later(0.05, lambda: self.m.urc(
            "+QIOPEN: %d,%d" % (ident, err)))])

    def qisend(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        ident = arg_int(args, 0, None, 0, 11)
        sim = self.sock_or_fail(ident)
        if len(args) > 1:
            length = arg_int(args, 1, None, 0, MAX_PAYLOAD)
            if length == 0:
                return Reply(["+QISEND: 0,0,0"])
        else:
            length = None

        def on_data(data: bytes) -> Reply:
            ok = self.send(sim, data)
            return Reply(final=raw_final("SEND OK" if ok else "SEND FAIL"))

        return Reply(final=None, prompt=Prompt("\r\n> ", length, on_data, self.data_echo))

    def qisde(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["+QISDE: %d" % (1 if self.data_echo else 0)])
        if cmd.kind == "test":
            return Reply(["+QISDE: (0,1)"])
        self.data_echo = arg_int(split_args(cmd.args), 0, 1, 0, 1) == 1
        return Reply()

    def qird(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 11))
        max_len = arg_int(args, 1, 1500, 0, 1500)
        if max_len == 0:
            n = sim.pending_bytes()
            return Reply(["+QIRD: %d,%d,%d" % (n, 0, n)])
        data, _addr = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        if not data:
            return Reply(["+QIRD: 0"])
        return Reply(["+QIRD: %d" % len(data)], raw=data)

    def qiclose(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        self.close(arg_int(split_args(cmd.args), 0, None, 0, 11))
        return Reply()

    def qistate(self, cmd: Command) -> Reply:
        lines = []
        for ident, sim in sorted(self.sockets.items()):
            ip, port = sim.remote or ("", 0)
            lport = sim.sock.getsockname()[1]
            lines.append('+QISTATE: %d,"%s","%s",%d,%d,2,%d,%d,0,"usbmodem"'
                         % (ident, sim.proto, ip, port, lport, sim.cid, ident))
        return Reply(lines)

    def qigeterror(self, cmd: Command) -> Reply:
        text = {0: "operation successful", 561: "open PDP context failed",
                565: "DNS parse failed", 566: "socket connect failed"}
        return Reply(["+QIGETERROR: %d,%s" % (self.last_error,
                                              text.get(self.last_error, "unknown error"))])

    def on_data(self, sim: SimSocket, length: int, was_empty: bool) -> None:
        if sim.push:
            data, _ = sim.take(MAX_PAYLOAD)
            self.m.urc('+QIURC: "recv",%d,%d' % (sim.ident, len(data)))
            self.m.emit(data + b"\r\n")
        elif not sim.notified:
            sim.notified = True
            self.m.urc('+QIURC: "recv",%d' % sim.ident)

    def on_closed(self, sim: SimSocket) -> None:
        self.m.urc('+QIURC: "closed",%d' % sim.ident)

    def reset(self) -> None:
        super().reset()
        self.data_echo = True

    def on_context_down(self, cid: int, was_app: bool) -> None:
        if was_app:
            self.m.urc('+QIURC: "pdpdeact",%d' % cid)


# ------------------------------------------------------------------- u-blox


class UbloxStack(SocketStack):
    """SARA-R4: +UDNSRN, +USOCR, +USOCO, +USOST/+USOWR ('@' prompt), +USORF/+USORD, +UDCONF=1.

    HEX mode (`AT+UDCONF=1,1`, UBX-17003787 §18.16) changes the *base* syntax
    only: data given on the command line is a hex string of exactly 2*<length>
    characters 0-9/A-F/a-f (§18.11.4), and +USORF/+USORD show the data as a
    hex string (§18.13/§18.12) while <length> stays in bytes. The binary '@'
    syntax always takes raw bytes: "Binary syntax is not affected by HEX mode
    option" (§18.10.4, §18.11.4 notes).
    """

    family = "ublox"
    # <length> limits per syntax (§18.11.3): base normal, base HEX, binary ('@')
    MAX_BASE = 1024
    MAX_BASE_HEX = 512
    MAX_BINARY = 1024

    def register(self) -> None:
        m = self.m
        m.handle("+UDNSRN", self.udnsrn)
        m.handle("+USOCR", self.usocr)
        m.handle("+USOCO", self.usoco)
        m.handle("+USOST", self.usost)
        m.handle("+USOWR", self.usowr)
        m.handle("+USORF", self.usorf)
        m.handle("+USORD", self.usord)
        m.handle("+USOCL", self.usocl)
        m.handle("+USOER", self.usoer)
        m.handle("+UPSD", self.upsd)
        m.handle("+UPSDA", self.upsda)
        m.handle("+UPSND", self.upsnd)
        m.handle("+UDCONF", self.udconf)
        self.errno = 0
        self.hex_mode = False                   # +UDCONF=1: factory default 0, not saved
        self.psd_cid: dict[int, int] = {}       # PSD profile -> mapped cid (+UPSD=p,100,cid)
        self.psd_active: set[int] = set()

    def _bearer_up(self) -> None:
        ctx = self.m.net.contexts.get(self.m.dialect.default_cid)
        if not self.m.net.registered or ctx is None or not ctx.active:
            self.errno = 101
            raise AtFail(None)

    def udnsrn(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        arg_int(args, 0, None, 0, 1)
        host = arg_str(args, 1)
        self._bearer_up()
        ip = self.resolve(host)
        if ip is None:
            self.errno = 11
            raise AtFail(None)
        return Reply(['+UDNSRN: "%s"' % ip])

    def usocr(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        proto = arg_int(args, 0, None, 6, 17)
        lport = arg_int(args, 1, 0, 0, 65535)
        if proto not in (6, 17):
            raise AtFail(50)
        ident = next((i for i in range(7) if i not in self.sockets), None)
        if ident is None:
            self.errno = 23
            raise AtFail(None)
        cid = self.m.dialect.default_cid
        if proto == 17:
            self.unbound_udp(ident, cid, lport)
        else:
            # the TCP socket is created at +USOCO; reserve the number with a UDP stub
            stub = self.unbound_udp(ident, cid, 0)
            stub.proto = "TCP-UNCONNECTED"
        return Reply(["+USOCR: %d" % ident])

    def usoco(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        host = arg_str(args, 1)
        port = arg_int(args, 2, None, 1, 65535)
        self._bearer_up()
        ip = self.resolve(host)
        if ip is None or not is_loopback(ip):
            self.errno = 113
            raise AtFail(None)
        if sim.proto == "TCP-UNCONNECTED":
            sim.close()
            try:
                real = self.open_real("TCP", ip, port)
            except AtFail:
                self.errno = 111
                del self.sockets[sim.ident]
                raise
            sim.sock, sim.proto = real, "TCP"
        sim.remote = (ip, port)
        return Reply()

    def udconf(self, cmd: Command) -> Reply:
        """+UDCONF=1 (HEX mode) set and read forms; other <op_code>s are accepted as before."""
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        op = arg_int(args, 0, None, 0, 0xFFFF)
        if op != 1:
            return Reply()           # other configurations (Direct Link...) are not simulated
        if len(args) == 1:           # read form: AT+UDCONF=1 -> +UDCONF: 1,<hex_mode_disable>
            return Reply(["+UDCONF: 1,%d" % (1 if self.hex_mode else 0)])
        self.hex_mode = arg_int(args, 1, None, 0, 1) == 1
        return Reply()

    def _inline(self, text: str, length: int) -> bytes:
        """Base-syntax <data>: exactly <length> characters, or 2*<length> hex digits in HEX mode."""
        if self.hex_mode:
            if length > self.MAX_BASE_HEX or len(text) != 2 * length \
                    or any(c not in "0123456789abcdefABCDEF" for c in text):
                raise AtFail(50)
            return bytes.fromhex(text)
        if len(text) != length:
            raise AtFail(50)
        return text.encode("latin-1")

    def _data_field(self, data: bytes) -> str:
        """The <data> of +USORF/+USORD: hex string in HEX mode, the bytes as they are otherwise."""
        return data.hex().upper() if self.hex_mode else data.decode("latin-1")

    def _write(self, sim: SimSocket, dest: tuple[str, int] | None, length: int,
               inline: str | None, udp: bool) -> Reply:
        def done(data: bytes) -> Reply:
            if not self.send(sim, data, dest):
                self.errno = 101
                raise AtFail(None)
            if udp:
                return Reply(["+USOST: %d,%d" % (sim.ident, len(data))])
            return Reply(["+USOWR: %d,%d" % (sim.ident, len(data))])

        if inline is not None:
            return done(self._inline(inline, length))
        return Reply(final=None, prompt=Prompt("@", length, done))   # binary: never hex

    def usost(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        host = arg_str(args, 1)
        port = arg_int(args, 2, None, 1, 65535)
        length = arg_int(args, 3, None, 1, 1024)
        ip = self.resolve(host)
        if ip is None or sim.proto != "UDP":
            raise AtFail(None)
        inline = args[4] if len(args) > 4 else None
        return self._write(sim, (ip, port), length, inline, True)

    def usowr(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        length = arg_int(args, 1, None, 1, 1024)
        if sim.remote is None:
            raise AtFail(None)
        inline = args[2] if len(args) > 2 else None
        return self._write(sim, None, length, inline, sim.proto == "UDP" and False)

    def usorf(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        max_len = arg_int(args, 1, 0, 0, 1024)
        if max_len == 0:
            return Reply(["+USORF: %d,%d" % (sim.ident, sim.pending_bytes())])
        data, (ip, port) = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        return Reply(['+USORF: %d,"%s",%d,%d,"%s"' % (sim.ident, ip, port, len(data),
                                                     self._data_field(data))])

    def usord(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        max_len = arg_int(args, 1, 0, 0, 1024)
        if max_len == 0:
            return Reply(["+USORD: %d,%d" % (sim.ident, sim.pending_bytes())])
        data, _ = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        return Reply(['+USORD: %d,%d,"%s"' % (sim.ident, len(data), self._data_field(data))])

    def usocl(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        ident = arg_int(split_args(cmd.args), 0, None, 0, 6)
        self.sock_or_fail(ident)
        self.close(ident)
        return Reply()

    def usoer(self, cmd: Command) -> Reply:
        return Reply(["+USOER: %d" % self.errno])

    # internal-stack PSD profiles (R5/R422 style; optional on R4)

    def upsd(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        profile = arg_int(args, 0, None, 0, 6)
        param = arg_int(args, 1, None, 0, 255)
        if len(args) == 2:
            if param == 100:
                return Reply(["+UPSD: %d,100,%d" % (profile, self.psd_cid.get(profile, 0))])
            return Reply(["+UPSD: %d,%d,0" % (profile, param)])
        if param == 100:
            self.psd_cid[profile] = arg_int(args, 2, None, 0, 8)
        return Reply()

    def upsda(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        profile = arg_int(args, 0, None, 0, 6)
        action = arg_int(args, 1, None, 0, 6)
        if action == 4:
            self.psd_active.discard(profile)
            return Reply()
        if action != 3:
            return Reply()
        cid = self.psd_cid.get(profile, self.m.dialect.default_cid)
        self.activate(cid)
        self.psd_active.add(profile)
        ip = self.context(cid).ipv4
        return Reply(after=[self.m.later(0.2, lambda: self.m.urc(
            '+UUPSDA: %d,"%s"' % (profile, ip)))])

    def upsnd(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        profile = arg_int(args, 0, None, 0, 6)
        param = arg_int(args, 1, None, 0, 8)
        active = profile in self.psd_active
        if param == 8:
            return Reply(["+UPSND: %d,8,%d" % (profile, 1 if active else 0)])
        if param == 0 and active:
            cid = self.psd_cid.get(profile, self.m.dialect.default_cid)
            return Reply(['+UPSND: %d,0,"%s"' % (profile, self.context(cid).ipv4)])
        raise AtFail(None)

    def on_context_down(self, cid: int, was_app: bool) -> None:
        for profile in sorted(self.psd_active):
            if self.psd_cid.get(profile, self.m.dialect.default_cid) == cid:
                self.psd_active.discard(profile)
                self.m.urc("+UUPSDD: %d" % profile)

    def reset(self) -> None:
        super().reset()
        self.psd_active = set()
        self.hex_mode = False

    def on_data(self, sim: SimSocket, length: int, was_empty: bool) -> None:
        if not sim.notified:
            sim.notified = True
            kind = "+UUSORF" if sim.proto == "UDP" else "+UUSORD"
            self.m.urc("%s: %d,%d" % (kind, sim.ident, sim.pending_bytes()))

    def on_closed(self, sim: SimSocket) -> None:
        self.m.urc("+UUSOCL: %d" % sim.ident)


# ------------------------------------------------------------------- SIMCom


class SimcomStack(SocketStack):
    """SIM7080G: +CNCFG, +CNACT (+APP PDP), +CDNSGIP, +CAOPEN, +CASEND, +CARECV."""

    family = "simcom"

    def register(self) -> None:
        m = self.m
        m.handle("+CNCFG", self.cncfg)
        m.handle("+CNACT", self.cnact)
        m.handle("+CDNSGIP", self.cdnsgip)
        m.handle("+CAOPEN", self.caopen)
        m.handle("+CASEND", self.casend)
        m.handle("+CARECV", self.carecv)
        m.handle("+CACLOSE", self.caclose)
        m.handle("+CASTATE", self.castate)
        self.cfg: dict[int, str] = {}
        self.cfg_type: dict[int, int] = {}
        self.pdp: dict[int, str] = {}      # pdpidx -> IP of the app network

    def cncfg(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(['+CNCFG: %d,%d,"%s"' % (i, self.cfg_type.get(i, 1), self.cfg.get(i, ""))
                          for i in range(4)])
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        idx = arg_int(args, 0, None, 0, 3)
        self.cfg_type[idx] = arg_int(args, 1, 0, 0, 2)   # 0 dual stack, 1 IPv4, 2 IPv6
        self.cfg[idx] = arg_str(args, 2, "")
        return Reply()

    def cnact(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(['+CNACT: %d,%d,"%s"' % (i, 1 if i in self.pdp else 0,
                                                  self.pdp.get(i, "0.0.0.0")) for i in range(4)])
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        idx = arg_int(args, 0, None, 0, 3)
        action = arg_int(args, 1, None, 0, 2)
        if action == 0:
            if idx not in self.pdp:
                raise AtFail(None)
            del self.pdp[idx]
            for sim in list(self.sockets.values()):
                if sim.cid == idx:
                    self.close(sim.ident)
            return Reply(after=[lambda: self.m.urc("+APP PDP: %d,DEACTIVE" % idx)])
        if idx in self.pdp:
            raise AtFail(None)
        net = self.m.net
        if not net.registered:
            raise AtFail(None)
        default = net.contexts.get(self.m.dialect.default_cid)
        apn = self.cfg.get(idx, "")
        if default is not None and default.active and \
                (not apn or apn.lower() == (default.apn or net.cfg.default_apn).lower()):
            ip = default.ipv4
        else:
            from me_lib.sim.modem.network import Context

            probe = Context(100 + idx, "IP", apn)
            cause = net.check_apn(probe)
            if cause:
                net.last_cause = cause
                return Reply(after=[self.m.later(
                    1.0, lambda: self.m.urc("+APP PDP: %d,DEACTIVE" % idx))])
            ip = "10.65.%d.2" % idx
        self.pdp[idx] = ip
        return Reply(after=[self.m.later(
            0.5, lambda: self.m.urc("+APP PDP: %d,ACTIVE" % idx))])

    def cdnsgip(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        host = arg_str(split_args(cmd.args), 0)
        if not self.pdp:
            raise AtFail(None)
        ip = self.resolve(host)

        def result() -> None:
            if ip is None:
                self.m.urc("+CDNSGIP: 0,10")
            else:
                self.m.urc('+CDNSGIP: 1,"%s","%s"' % (host, ip))

        return Reply(after=[self.m.later(0.2, result)])

    def caopen(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        ident = arg_int(args, 0, None, 0, 12)
        idx = arg_int(args, 1, None, 0, 3)
        proto = arg_str(args, 2).upper()
        host = arg_str(args, 3)
        port = arg_int(args, 4, None, 1, 65535)
        if proto not in ("UDP", "TCP"):
            raise AtFail(50)
        if ident in self.sockets:
            return Reply(["+CAOPEN: %d,24" % ident])
        if idx not in self.pdp:
            return Reply(["+CAOPEN: %d,21" % ident])
        try:
            self.new_socket(ident, proto, idx, host, port)
        except AtFail as fail:
            return Reply(["+CAOPEN: %d,%d" % (ident, 20 if fail.code == 565 else 27)])
        return Reply(["+CAOPEN: %d,0" % ident])

    def casend(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 12))
        length = arg_int(args, 1, None, 1, MAX_PAYLOAD)

        def on_data(data: bytes) -> Reply:
            if not self.send(sim, data):
                raise AtFail(None)
            return Reply()

        return Reply(final=None, prompt=Prompt("\r\n>", length, on_data))

    def carecv(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 12))
        max_len = arg_int(args, 1, None, 1, MAX_PAYLOAD)
        data, _ = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        if not data:
            return Reply(["+CARECV: 0"])
        return Reply(["+CARECV: %d,%s" % (len(data), data.decode("latin-1"))])

    def caclose(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        ident = arg_int(split_args(cmd.args), 0, None, 0, 12)
        self.sock_or_fail(ident)
        self.close(ident)
        return Reply()

    def castate(self, cmd: Command) -> Reply:
        return Reply(["+CASTATE: %d,1" % i for i in sorted(self.sockets)])

    def on_data(self, sim: SimSocket, length: int, was_empty: bool) -> None:
        if not sim.notified:
            sim.notified = True
            self.m.urc("+CADATAIND: %d" % sim.ident)

    def on_closed(self, sim: SimSocket) -> None:
        self.m.urc("+CASTATE: %d,0" % sim.ident)

    def on_context_down(self, cid: int, was_app: bool) -> None:
        if cid == self.m.dialect.default_cid:
            for idx in sorted(self.pdp):
                self.m.urc("+APP PDP: %d,DEACTIVE" % idx)
            self.pdp = {}

    def reset(self) -> None:
        super().reset()
        self.pdp = {}


# -------------------------------------------------------------------- Telit


class TelitStack(SocketStack):
    """ME910: #SGACT, #QDNS, #SD (command mode), #SSENDEXT/#SSEND, SRING, #SRECV, #SH."""

    family = "telit"

    def register(self) -> None:
        m = self.m
        m.handle("#SGACT", self.sgact)
        m.handle("#QDNS", self.qdns)
        m.handle("#SD", self.sd)
        m.handle("#SSENDEXT", self.ssendext)
        m.handle("#SSEND", self.ssend)
        m.handle("#SRECV", self.srecv)
        m.handle("#SH", self.sh)
        m.handle("#SS", self.ss)

    def sgact(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["#SGACT: %d,%d" % (c, 1 if c in self.app_active else 0)
                          for c in sorted(self.m.net.contexts) if c >= 1])
        if cmd.kind == "test":
            return Reply(["#SGACT: (1-6),(0,1)"])
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        cid = arg_int(args, 0, None, 1, 6)
        state = arg_int(args, 1, None, 0, 1)
        if state == 0:
            self.app_active.discard(cid)
            for sim in list(self.sockets.values()):
                if sim.cid == cid:
                    self.close(sim.ident)
            return Reply()
        if cid in self.app_active:
            raise AtFail(3)
        self.activate(cid)
        return Reply(["#SGACT: %s" % self.context(cid).ipv4])

    def qdns(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        host = arg_str(split_args(cmd.args), 0)
        if not self.app_active:
            raise AtFail(3)
        ip = self.resolve(host)
        if ip is None:
            raise AtFail(100)
        return Reply(['#QDNS: "%s","%s"' % (host, ip)])

    def sd(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        ident = arg_int(args, 0, None, 1, 6)
        proto = "UDP" if arg_int(args, 1, None, 0, 1) == 1 else "TCP"
        port = arg_int(args, 2, None, 1, 65535)
        host = arg_str(args, 3)
        arg_int(args, 4, 0, 0, 255)
        lport = arg_int(args, 5, 0, 0, 65535)
        mode = arg_int(args, 6, 0, 0, 1)
        if mode != 1:
            raise AtFail(4)     # online (data) mode is not simulated
        if ident in self.sockets:
            raise AtFail(3)
        if 1 not in self.app_active and not self.app_active:
            raise AtFail(3)
        cid = min(self.app_active)
        self.new_socket(ident, proto, cid, host, port, lport)
        return Reply()

    def _send_prompt(self, sim: SimSocket, length: int | None) -> Reply:
        def on_data(data: bytes) -> Reply:
            if not self.send(sim, data):
                raise AtFail(None)
            return Reply()

        return Reply(final=None, prompt=Prompt("\r\n> ", length, on_data))

    def ssendext(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 1, 6))
        return self._send_prompt(sim, arg_int(args, 1, None, 1, MAX_PAYLOAD))

    def ssend(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        sim = self.sock_or_fail(arg_int(split_args(cmd.args), 0, None, 1, 6))
        return self._send_prompt(sim, None)

    def srecv(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self.sock_or_fail(arg_int(args, 0, None, 1, 6))
        max_len = arg_int(args, 1, None, 1, 1500)
        data, _ = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        if not data:
            raise AtFail(None)
        return Reply(["#SRECV: %d,%d" % (sim.ident, len(data))], raw=data)

    def sh(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        self.close(arg_int(split_args(cmd.args), 0, None, 1, 6))
        return Reply()

    def ss(self, cmd: Command) -> Reply:
        lines = []
        for ident in range(1, 7):
            sim = self.sockets.get(ident)
            if sim is None:
                lines.append("#SS: %d,0" % ident)
            else:
                ip, port = sim.remote or ("", 0)
                state = 2 if sim.rx else 1
                lines.append("#SS: %d,%d,127.0.0.1,%d,%s,%d"
                             % (ident, state, sim.sock.getsockname()[1], ip, port))
        return Reply(lines)

    def on_data(self, sim: SimSocket, length: int, was_empty: bool) -> None:
        if not sim.notified:
            sim.notified = True
            self.m.urc("SRING: %d" % sim.ident)

    def on_closed(self, sim: SimSocket) -> None:
        """Peer closed a command-mode socket: xE910 modules print an unsolicited bare NO CARRIER.

        #SCFGEXT2 <noCarrierMode> "permits to choose NO CARRIER indication
        format when the socket is closed" (default 0: bare `NO CARRIER`; other
        values add <connId>[,<cause>]), and host code for command-mode #SD
        (tschiemer/telit-modem) treats a bare `\r\nNO CARRIER\r\n` as the
        socket-closed URC and then polls #SS for which socket it was. It is a
        URC here, never a final: a host must not take it for a command's result.
        """
        self.m.urc("NO CARRIER")


# ------------------------------------------------------------- nRF91 SLM


class NordicSlmStack(SocketStack):
    """Serial LTE Modem (NCS 2.x): #XGETADDRINFO, #XSOCKET, #XCONNECT, #XSEND[TO], #XRECV[FROM].

    Sources: sdk-nrf applications/serial_lte_modem/doc/SOCKET_AT_commands.rst and
    slm_data_mode.rst. `AT#XSOCKET=1,1,0` opens a TCP client (`#XSOCKET: <h>,1,6`)
    that `#XCONNECT` connects; `#XSEND`/`#XSENDTO` without <data> enter data
    mode: no OK on entry, raw bytes are sent as they come, the terminator
    (CONFIG_SLM_DATAMODE_TERMINATOR, default "+++") with CONFIG_SLM_DATAMODE_SILENCE
    (default 1 s) of UART silence before and after it leaves data mode with OK,
    a failed send leaves it with ERROR.
    """

    family = "nrf"
    # <type> of #XSOCKET -> (simulator protocol, IPPROTO number printed)
    SOCK_TYPES: dict[int, tuple[str, int]] = {1: ("TCP", 6), 2: ("UDP", 17)}
    DATAMODE_TERMINATOR = b"+++"      # CONFIG_SLM_DATAMODE_TERMINATOR default
    DATAMODE_SILENCE = 1.0            # CONFIG_SLM_DATAMODE_SILENCE default, seconds

    def register(self) -> None:
        m = self.m
        m.handle("#XGETADDRINFO", self.getaddrinfo)
        m.handle("#XSOCKET", self.xsocket)
        m.handle("#XSOCKETSELECT", self.select)
        m.handle("#XCONNECT", self.xconnect)
        m.handle("#XSENDTO", self.xsendto)
        m.handle("#XSEND", self.xsend)
        m.handle("#XRECVFROM", self.xrecvfrom)
        m.handle("#XRECV", self.xrecv)
        m.handle("#XSLMVER", self.slmver)
        self.current: int | None = None

    def slmver(self, cmd: Command) -> Reply:
        return Reply(['#XSLMVER: "2.5.0","%s"' % self.m.dialect.revision])

    def _lte_up(self) -> None:
        ctx = self.m.net.contexts.get(self.m.dialect.default_cid)
        if not self.m.net.registered or ctx is None or not ctx.active:
            raise AtFail(None)

    def getaddrinfo(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        host = arg_str(split_args(cmd.args), 0)
        self._lte_up()
        ip = self.resolve(host)
        if ip is None:
            raise AtFail(None)
        return Reply(['#XGETADDRINFO: "%s"' % ip])

    def _sock(self) -> SimSocket:
        if self.current is None:
            raise AtFail(None)
        return self.sock_or_fail(self.current)

    def xsocket(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            if self.current is None or self.current not in self.sockets:
                return Reply(["#XSOCKET: 0"])
            sim = self.sockets[self.current]
            return Reply(["#XSOCKET: %d,%d,0,%d" % (sim.ident, 2 if sim.proto == "UDP" else 1,
                                                     17 if sim.proto == "UDP" else 6)])
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        op = arg_int(args, 0, None, 0, 2)
        if op == 0:
            sim = self._sock()
            self.close(sim.ident)
            self.current = None
            return Reply(['#XSOCKET: 0,"closed"'])
        if op == 2:
            raise AtFail(None)       # IPv6 sockets are not simulated
        stype = arg_int(args, 1, None, 1, 3)
        role = arg_int(args, 2, 0, 0, 1)
        kind = self.SOCK_TYPES.get(stype)
        if kind is None or role != 0:
            raise AtFail(None)       # RAW sockets and servers are not simulated
        ident = next(i for i in range(64) if i not in self.sockets)
        sim = self.unbound_udp(ident, self.m.dialect.default_cid)
        if kind[0] == "TCP":
            sim.proto = "TCP-UNCONNECTED"    # the real TCP socket is made by #XCONNECT
        self.current = ident
        return Reply(["#XSOCKET: %d,%d,%d" % (ident, stype, kind[1])])

    def select(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        ident = arg_int(split_args(cmd.args), 0, None, 0, 63)
        self.sock_or_fail(ident)
        self.current = ident
        return Reply(["#XSOCKETSELECT: %d" % ident])

    def xconnect(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self._sock()
        ip = self.resolve(arg_str(args, 0))
        port = arg_int(args, 1, None, 1, 65535)
        if ip is None or not is_loopback(ip):
            raise AtFail(None)
        if sim.proto == "TCP-UNCONNECTED":
            self._lte_up()
            real = self.open_real("TCP", ip, port)    # refused: connect() fails -> ERROR
            sim.close()
            sim.sock, sim.proto = real, "TCP"
        elif sim.proto == "TCP":
            raise AtFail(None)                        # already connected (EISCONN)
        sim.remote = (ip, port)
        return Reply(["#XCONNECT: 1"])

    def _datamode(self, sim: SimSocket, dest: tuple[str, int] | None) -> Reply:
        """Enter SLM data mode: no OK now, bytes go out as they come, OK after the terminator."""
        def send(chunk: bytes) -> bool:
            return self.send(sim, chunk, dest)

        return Reply(final=None, datamode=DataMode(send, self.DATAMODE_TERMINATOR,
                                                   self.DATAMODE_SILENCE))

    def xsendto(self, cmd: Command) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        sim = self._sock()
        ip = self.resolve(arg_str(args, 0))
        port = arg_int(args, 1, None, 1, 65535)
        data = args[2] if len(args) > 2 else None
        if ip is None or sim.proto != "UDP":
            raise AtFail(None)
        self._lte_up()
        if data is None:     # "When the parameter is not specified, SLM enters slm_data_mode"
            return self._datamode(sim, (ip, port))
        if not self.send(sim, data.encode("latin-1"), (ip, port)):
            raise AtFail(None)
        return Reply(["#XSENDTO: %d" % len(data)])

    def xsend(self, cmd: Command) -> Reply:
        if cmd.kind not in ("set", "exec"):
            raise AtFail(None)
        sim = self._sock()
        args = split_args(cmd.args) if cmd.kind == "set" else []
        if sim.remote is None or sim.proto not in ("UDP", "TCP"):
            raise AtFail(None)      # not connected
        if not args or args[0] is None:   # AT#XSEND: data mode (slm_data_mode.rst)
            return self._datamode(sim, None)
        data = arg_str(args, 0)
        if not self.send(sim, data.encode("latin-1")):
            raise AtFail(None)
        return Reply(["#XSEND: %d" % len(data)])

    def _recv(self, cmd: Command, with_addr: bool) -> Reply:
        if cmd.kind != "set":
            raise AtFail(None)
        args = split_args(cmd.args)
        timeout = arg_int(args, 0, 0, 0, 3600)
        sim = self._sock()
        m = self.m

        def check() -> Reply | None:
            if not sim.rx:
                return None
            data, (ip, port) = sim.take(MAX_PAYLOAD)
            if with_addr:
                head = '#XRECVFROM: %d,"%s",%d' % (len(data), ip, port)
            else:
                head = "#XRECV: %d" % len(data)
            return Reply([head], raw=data)

        def on_timeout() -> Reply:
            raise AtFail(None)

        return Reply(final=None, pending=Pending(check, m.t + (timeout or 0.1), on_timeout))

    def xrecvfrom(self, cmd: Command) -> Reply:
        return self._recv(cmd, True)

    def xrecv(self, cmd: Command) -> Reply:
        return self._recv(cmd, False)

    def reset(self) -> None:
        super().reset()
        self.current = None


FAMILIES: dict[str, type[SocketStack]] = {
    "quectel": QuectelStack, "ublox": UbloxStack, "simcom": SimcomStack,
    "telit": TelitStack, "nrf": NordicSlmStack,
}


def make_stack(modem: "Host") -> SocketStack | None:
    """The socket family of the modem's dialect (None: no internal IP stack)."""
    cls = FAMILIES.get(modem.dialect.sockets)
    return cls(modem) if cls is not None else None
