"""Simulated Quectel BG95/BG96 sockets: the dialect table's `quectel` family (`QuectelStack`)."""

from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    Prompt,
    Reply,
    arg_int,
    arg_str,
    raw_final,
    set_args,
    split_args,
)
from me_lib.sim.modem.sockets.base import MAX_PAYLOAD, SimSocket, SocketStack


class QuectelStack(SocketStack):
    """BG95/BG96 TCP/IP: +QICSGP, +QIACT, +QIDNSGIP, +QIOPEN, +QISEND, +QIRD, +QICLOSE."""

    family = "quectel"

    COMMANDS = (
        ("+QICSGP", "qicsgp"),
        ("+QIACT", "qiact"),
        ("+QIDEACT", "qideact"),
        ("+QIDNSCFG", "qidnscfg"),
        ("+QIDNSGIP", "qidnsgip"),
        ("+QIOPEN", "qiopen"),
        ("+QISEND", "qisend"),
        ("+QIRD", "qird"),
        ("+QICLOSE", "qiclose"),
        ("+QISTATE", "qistate"),
        ("+QIGETERROR", "qigeterror"),
        ("+QISDE", "qisde"),
    )

    def register(self) -> None:
        super().register()
        self.last_error = 0
        self.data_echo = True        # AT+QISDE default 1: QISEND payload is echoed

    def qicsgp(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+QICSGP: (1-16),(1-3),"APN","USERNAME","PASSWORD",(0-3)'])
        args = set_args(cmd)
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
        cid = arg_int(set_args(cmd), 0, None, 1, 16)
        self.activate(cid)
        return Reply()

    def qideact(self, cmd: Command) -> Reply:
        cid = arg_int(set_args(cmd), 0, None, 1, 16)
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
        args = set_args(cmd)
        cid = arg_int(args, 0, None, 1, 16)
        if cid not in self.app_active:
            raise AtFail(None)
        if len(args) > 1:
            return Reply()
        dns = [*self.m.scenario.network.dns_servers, "0.0.0.0", "0.0.0.0"]
        return Reply(['+QIDNSCFG: %d,"%s","%s"' % (cid, dns[0], dns[1])])

    def qidnsgip(self, cmd: Command) -> Reply:
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        self.close(arg_int(set_args(cmd), 0, None, 0, 11))
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
