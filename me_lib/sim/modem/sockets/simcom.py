"""Simulated SIMCom SIM7080G sockets: the dialect table's `simcom` family (`SimcomStack`)."""

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


class SimcomStack(SocketStack):
    """SIM7080G: +CNCFG, +CNACT (+APP PDP), +CDNSGIP, +CAOPEN, +CASEND, +CARECV."""

    family = "simcom"

    COMMANDS = (
        ("+CNCFG", "cncfg"),
        ("+CNACT", "cnact"),
        ("+CDNSGIP", "cdnsgip"),
        ("+CAOPEN", "caopen"),
        ("+CASEND", "casend"),
        ("+CARECV", "carecv"),
        ("+CACLOSE", "caclose"),
        ("+CASTATE", "castate"),
    )

    def register(self) -> None:
        super().register()
        self.cfg: dict[int, str] = {}
        self.cfg_type: dict[int, int] = {}
        # pdpidx -> (username, password, authentication 0 none 1 PAP 2 CHAP 3 either)
        self.cfg_auth: dict[int, tuple[str, str, int]] = {}
        self.pdp: dict[int, str] = {}      # pdpidx -> IP of the app network

    def cncfg(self, cmd: Command) -> Reply:
        """SIM7080 AT manual: AT+CNCFG=<pdpidx>,<ip_type>[,<APN>[,<username>,<password>
        [,<authentication>]]]; +CNCFG? lists every entry with all six fields.

        A set replaces the whole entry: credentials it omits are gone (none, 0).
        """
        if cmd.kind == "read":
            rows = []
            for i in range(4):
                user, password, auth = self.cfg_auth.get(i, ("", "", 0))
                rows.append('+CNCFG: %d,%d,"%s","%s","%s",%d' % (
                    i, self.cfg_type.get(i, 1), self.cfg.get(i, ""), user, password, auth))
            return Reply(rows)
        args = set_args(cmd)
        idx = arg_int(args, 0, None, 0, 3)
        self.cfg_type[idx] = arg_int(args, 1, 0, 0, 2)   # 0 dual stack, 1 IPv4, 2 IPv6
        self.cfg[idx] = arg_str(args, 2, "")
        self.cfg_auth[idx] = (arg_str(args, 3, ""), arg_str(args, 4, ""),
                              arg_int(args, 5, 0, 0, 3))
        return Reply()

    def cnact(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(['+CNACT: %d,%d,"%s"' % (i, 1 if i in self.pdp else 0,
                                                  self.pdp.get(i, "0.0.0.0")) for i in range(4)])
        args = set_args(cmd)
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
            probe.user, probe.password, probe.auth = self.cfg_auth.get(idx, ("", "", 0))
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
        host = arg_str(set_args(cmd), 0)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 12))
        length = arg_int(args, 1, None, 1, MAX_PAYLOAD)

        def on_data(data: bytes) -> Reply:
            if not self.send(sim, data):
                raise AtFail(None)
            return Reply()

        return Reply(final=None, prompt=Prompt("\r\n>", length, on_data))

    def carecv(self, cmd: Command) -> Reply:
        args = set_args(cmd)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 12))
        max_len = arg_int(args, 1, None, 1, MAX_PAYLOAD)
        data, _ = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        if not data:
            return Reply(["+CARECV: 0"])
        return Reply(["+CARECV: %d,%s" % (len(data), data.decode("latin-1"))])

    def caclose(self, cmd: Command) -> Reply:
        return self.close_open(cmd, 12)

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
