"""Simulated Nordic nRF91 Serial LTE Modem sockets: the `nrf` family (`NordicSlmStack`)."""

from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    DataMode,
    Pending,
    Reply,
    arg_int,
    arg_str,
    set_args,
    split_args,
)
from me_lib.sim.modem.sockets.base import MAX_PAYLOAD, SimSocket, SocketStack, is_loopback


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

    COMMANDS = (
        ("#XGETADDRINFO", "getaddrinfo"),
        ("#XSOCKET", "xsocket"),
        ("#XSOCKETSELECT", "select"),
        ("#XCONNECT", "xconnect"),
        ("#XSENDTO", "xsendto"),
        ("#XSEND", "xsend"),
        ("#XRECVFROM", "xrecvfrom"),
        ("#XRECV", "xrecv"),
        ("#XSLMVER", "slmver"),
    )

    def register(self) -> None:
        super().register()
        self.current: int | None = None

    def slmver(self, cmd: Command) -> Reply:
        return Reply(['#XSLMVER: "2.5.0","%s"' % self.m.dialect.revision])

    def _lte_up(self) -> None:
        ctx = self.m.net.contexts.get(self.m.dialect.default_cid)
        if not self.m.net.registered or ctx is None or not ctx.active:
            raise AtFail(None)

    def getaddrinfo(self, cmd: Command) -> Reply:
        host = arg_str(set_args(cmd), 0)
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
        args = set_args(cmd)
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
        ident = arg_int(set_args(cmd), 0, None, 0, 63)
        self.sock_or_fail(ident)
        self.current = ident
        return Reply(["#XSOCKETSELECT: %d" % ident])

    def xconnect(self, cmd: Command) -> Reply:
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
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
