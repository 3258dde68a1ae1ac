"""V.250 basic commands and module identification.

Echo (E), verbose/numeric results (V), quiet (Q), reset (Z, &F), S-registers,
`+CMEE`, and the identity commands (ATI, +CGMI/+CGMM/+CGMR/+CGSN and their
+GMx twins) answered with the dialect's real strings so that a driver picking a
dialect from `AT+CGMM`/`ATI` sees what the hardware would print.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from me_lib.sim.modem.commands import AtFail, Command, Reply, arg_int, split_args

if TYPE_CHECKING:
    from me_lib.sim.modem.host import Host


def register(m: "Host") -> None:
    d = m.dialect

    def flag(attr: str) -> Callable[[Command], Reply]:
        def handler(cmd: Command) -> Reply:
            if cmd.kind == "read":
                raise AtFail(None)
            value = cmd.args or "0"
            if value not in ("0", "1"):
                raise AtFail(None)
            setattr(m, attr, value == "1")
            return Reply()
        return handler

    m.handle("E", flag("echo"))
    m.handle("V", flag("verbose"))
    m.handle("Q", flag("quiet"))

    def reset(cmd: Command) -> Reply:
        m.echo, m.verbose, m.quiet, m.cmee = True, True, False, 0
        return Reply()

    m.handle("Z", reset)
    m.handle("&F", reset)

    def accept(cmd: Command) -> Reply:
        return Reply()

    for name in ("&W", "&C", "&D", "&K", "X", "L", "M", "H", "+CSCS", "+IPR", "+ICF", "+IFC",
                 *d.extra_ok):
        m.handle(name, accept)

    def sreg(cmd: Command) -> Reply:
        number = int(cmd.name[1:])
        if cmd.kind == "read":
            return Reply(["%03d" % m.sregs.get(number, 0)])
        if cmd.kind == "set":
            try:
                value = int(cmd.args or "0")
            except ValueError:
                raise AtFail(None) from None
            if not 0 <= value <= 255:
                raise AtFail(None)
            m.sregs[number] = value
            return Reply()
        raise AtFail(None)

    for number in range(0, 13):
        m.handle("S%d" % number, sreg)

    def ati(cmd: Command) -> Reply:
        if cmd.args in ("", "0") and d.ati:
            return Reply([line.format(imei=m.scenario.imei) for line in d.ati])
        extra = dict(d.extra_info)
        key = "I" + cmd.args
        if key in extra:
            return Reply(list(extra[key]))
        raise AtFail(None)

    m.handle("I", ati)

    def cmee(cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["+CMEE: %d" % m.cmee])
        if cmd.kind == "test":
            return Reply(["+CMEE: (0-2)"])
        if cmd.kind == "set":
            if not m.scenario.cmee:
                raise AtFail(None)
            m.cmee = arg_int(split_args(cmd.args), 0, 0, 0, 2)
            return Reply()
        m.cmee = 0
        return Reply()

    m.handle("+CMEE", cmee)

    def ident(value: str, prefix: str = "") -> Callable[[Command], Reply]:
        def handler(cmd: Command) -> Reply:
            if cmd.kind == "test":
                return Reply()
            if cmd.kind != "exec":
                raise AtFail(None)
            return Reply([prefix + value])
        return handler

    for names, value in ((("+CGMI", "+GMI"), d.manufacturer),
                         (("+CGMM", "+GMM"), d.model),
                         (("+CGMR", "+GMR"), d.revision)):
        for name in names:
            m.handle(name, ident(value))

    def cgsn(cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CGSN: (0-3)"])
        if cmd.kind == "set":
            snt = arg_int(split_args(cmd.args), 0, 0, 0, 3)
            if snt == 1:
                return Reply(['+CGSN: "%s"' % m.scenario.imei])
            if snt == 0:
                return Reply([m.scenario.imei])
            raise AtFail(4)
        if cmd.kind != "exec":
            raise AtFail(None)
        imei = m.scenario.imei
        return Reply(["+CGSN: " + imei if d.cgsn_prefixed else imei])

    m.handle("+CGSN", cgsn)
    m.handle("+GSN", cgsn)

    def power_down(cmd: Command) -> Reply:
        return Reply(after=[m.later(0.3, m.power_off)])

    def reset_now(cmd: Command) -> Reply:
        return Reply(after=[m.later(0.05, m.reboot)])

    if d.power_down_command:
        m.handle(d.power_down_command, power_down)
    for name in d.reset_commands:
        m.handle(name, reset_now)

