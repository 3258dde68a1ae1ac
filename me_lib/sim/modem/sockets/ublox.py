"""Simulated u-blox SARA-R4 sockets: the dialect table's `ublox` family (`UbloxStack`)."""

from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    Prompt,
    Reply,
    arg_int,
    arg_str,
    set_args,
)
from me_lib.sim.modem.sockets.base import SimSocket, SocketStack, is_loopback


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

    COMMANDS = (
        ("+UDNSRN", "udnsrn"),
        ("+USOCR", "usocr"),
        ("+USOCO", "usoco"),
        ("+USOST", "usost"),
        ("+USOWR", "usowr"),
        ("+USORF", "usorf"),
        ("+USORD", "usord"),
        ("+USOCL", "usocl"),
        ("+USOER", "usoer"),
        ("+UPSD", "upsd"),
        ("+UPSDA", "upsda"),
        ("+UPSND", "upsnd"),
        ("+UDCONF", "udconf"),
    )

    def register(self) -> None:
        super().register()
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
        args = set_args(cmd)
        arg_int(args, 0, None, 0, 1)
        host = arg_str(args, 1)
        self._bearer_up()
        ip = self.resolve(host)
        if ip is None:
            self.errno = 11
            raise AtFail(None)
        return Reply(['+UDNSRN: "%s"' % ip])

    def usocr(self, cmd: Command) -> Reply:
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        length = arg_int(args, 1, None, 1, 1024)
        if sim.remote is None:
            raise AtFail(None)
        inline = args[2] if len(args) > 2 else None
        return self._write(sim, None, length, inline, sim.proto == "UDP" and False)

    def usorf(self, cmd: Command) -> Reply:
        args = set_args(cmd)
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
        args = set_args(cmd)
        sim = self.sock_or_fail(arg_int(args, 0, None, 0, 6))
        max_len = arg_int(args, 1, 0, 0, 1024)
        if max_len == 0:
            return Reply(["+USORD: %d,%d" % (sim.ident, sim.pending_bytes())])
        data, _ = sim.take(max_len)
        if not sim.rx:
            sim.notified = False
        return Reply(['+USORD: %d,%d,"%s"' % (sim.ident, len(data), self._data_field(data))])

    def usocl(self, cmd: Command) -> Reply:
        return self.close_open(cmd, 6)

    def usoer(self, cmd: Command) -> Reply:
        return Reply(["+USOER: %d" % self.errno])

    # internal-stack PSD profiles (R5/R422 style; optional on R4)

    def upsd(self, cmd: Command) -> Reply:
        args = set_args(cmd)
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
        args = set_args(cmd)
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
        args = set_args(cmd)
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
