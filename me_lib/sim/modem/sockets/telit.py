"""Simulated Telit ME910 sockets: the dialect table's `telit` family (`TelitStack`)."""

from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    Prompt,
    Reply,
    arg_int,
    arg_str,
    set_args,
)
from me_lib.sim.modem.sockets.base import MAX_PAYLOAD, SimSocket, SocketStack


class TelitStack(SocketStack):
    """ME910: #SGACT, #QDNS, #SD (command mode), #SSENDEXT/#SSEND, SRING, #SRECV, #SH."""

    family = "telit"

    COMMANDS = (
        ("#SGACT", "sgact"),
        ("#QDNS", "qdns"),
        ("#SD", "sd"),
        ("#SSENDEXT", "ssendext"),
        ("#SSEND", "ssend"),
        ("#SRECV", "srecv"),
        ("#SH", "sh"),
        ("#SS", "ss"),
    )

    def sgact(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["#SGACT: %d,%d" % (c, 1 if c in self.app_active else 0)
                          for c in sorted(self.m.net.contexts) if c >= 1])
        if cmd.kind == "test":
            return Reply(["#SGACT: (1-6),(0,1)"])
        args = set_args(cmd)
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
        host = arg_str(set_args(cmd), 0)
        if not self.app_active:
            raise AtFail(3)
        ip = self.resolve(host)
        if ip is None:
            raise AtFail(100)
        return Reply(['#QDNS: "%s","%s"' % (host, ip)])

    def sd(self, cmd: Command) -> Reply:
        args = set_args(cmd)
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
        args = set_args(cmd)
        sim = self.sock_or_fail(arg_int(args, 0, None, 1, 6))
        return self._send_prompt(sim, arg_int(args, 1, None, 1, MAX_PAYLOAD))

    def ssend(self, cmd: Command) -> Reply:
        sim = self.sock_or_fail(arg_int(set_args(cmd), 0, None, 1, 6))
        return self._send_prompt(sim, None)

    def srecv(self, cmd: Command) -> Reply:
        args = set_args(cmd)
        sim = self.sock_or_fail(arg_int(args, 0, None, 1, 6))
        max_len = arg_int(args, 1, None, 1, 1500)
        data, _ = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        if not data:
            raise AtFail(None)
        return Reply(["#SRECV: %d,%d" % (sim.ident, len(data))], raw=data)

    def sh(self, cmd: Command) -> Reply:
        self.close(arg_int(set_args(cmd), 0, None, 1, 6))
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
