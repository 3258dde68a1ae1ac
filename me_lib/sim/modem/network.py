"""Power, registration and packet data: +CFUN, +CxREG, +COPS, +CGDCONT/+CGACT and friends.

The simulated network follows the scenario: after `+CFUN=1` with a ready SIM
the module searches (`stat 2`) and, after the registration delay, registers
home (1) or roaming (5) with the default EPS bearer up on the dialect's
default cid, or is denied (3, EMM cause in n=3/5). On LTE the attach *is* the
default bearer: its APN is the one configured on the default cid, or the
network's default APN when that is empty, and the read-back carries the
`.mncXXX.mccYYY.gprs` suffix. Contexts are kept across reboots (NVM). ESM
rejects of `+CGACT` are reported the dialect's way (+CME 1xx, ERROR + +CEER,
or `+CNEC_ESM`). Coverage loss/return, network detach and PDN deactivation are
available as API calls and as scenario events.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from me_lib.codec import ursp
from me_lib.errors import DecodeError
from me_lib.sim.modem.commands import (
    AtFail,
    Command,
    Pending,
    Reply,
    arg_int,
    arg_str,
    set_args,
    split_args,
)

if TYPE_CHECKING:
    from me_lib.sim.modem.host import Host

PDP_TYPES = {"IP": "IP", "IPV6": "IPV6", "IPV4V6": "IPV4V6", "NON-IP": "Non-IP", "PPP": "PPP"}
V6_ZERO = ".".join(["0"] * 16)
#: +C5GURSPQRY? fields of string type (TS 27.007 §10.1.75), quoted: <APPID>, <OSID&APPID>,
#: <DNNs>, <FQDN>, the IPv4 and IPv6 remote addresses; the route's <NSSAI>, <DNNs>, <pdp_type>
_QUERY_QUOTED = {2, 3, 4, 5, 7, 8, 24, 25, 26}

APN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")

# TS 24.301 §9.9.4.4 ESM causes (the ones a scenario is likely to use)
ESM_NAMES: dict[int, str] = {
    8: "Operator determined barring", 26: "Insufficient resources",
    27: "Missing or unknown APN", 28: "Unknown PDN type",
    29: "User authentication failed", 30: "Request rejected by Serving GW or PDN GW",
    31: "Request rejected, unspecified", 32: "Service option not supported",
    33: "Requested service option not subscribed",
    34: "Service option temporarily out of order", 38: "Network failure",
    50: "PDN type IPv4 only allowed", 51: "PDN type IPv6 only allowed",
    55: "Multiple PDN connections for a given APN not allowed",
    65: "Maximum number of EPS bearers reached",
    66: "Requested APN not supported in current RAT and PLMN combination",
}


EVENT_ACTIONS = ("coverage_loss", "coverage_return", "nw_detach", "nw_deactivate", "deny",
                 "reboot", "ota_update", "switch_profile")


class Context:
    """One PDP context definition (+CGDCONT) and its activation state."""

    def __init__(self, cid: int, pdp_type: str, apn: str) -> None:
        self.cid = cid
        self.pdp_type = pdp_type
        self.apn = apn
        self.auth = 0
        self.user = ""
        self.password = ""
        self.active = False
        self.nw_apn = ""        # APN as the network confirmed it (with operator suffix)
        self.bearer_id = 0
        self.ims = False        # brought up by the network: forgotten on reboot
        self.emergency = False

    @property
    def ipv4(self) -> str:
        return "10.64.%d.%d" % (self.cid, 20 + self.cid) if self.pdp_type != "IPV6" else ""

    @property
    def ipv6(self) -> str:
        if self.pdp_type not in ("IPV6", "IPV4V6"):
            return ""
        octets = [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, self.cid, 0, 0, 0, 0, 0, 0, 0, 1]
        return ".".join(str(o) for o in octets)


class Network:
    """Registration and PDP state of one SimModem."""

    def __init__(self, modem: "Host") -> None:
        self.m = modem
        self.cfg = modem.scenario.network
        d = modem.dialect
        self.contexts: dict[int, Context] = {}
        self.contexts[d.default_cid] = Context(d.default_cid, "IP", "")
        for cid, pdp_type, apn in d.predefined_contexts:
            self.contexts[cid] = Context(cid, pdp_type, apn)
        self.coverage = self.cfg.coverage
        self.deny_cause = self.cfg.deny_cause
        self.cfun = d.boot_cfun
        self.stat = 0
        self.reject_cause = 0
        self.reg_n = {"+CREG": 0, "+CGREG": 0, "+CEREG": 0}
        self.cops_mode = 0
        self.cops_format = 0
        self.cgerep = 0
        self.cnec = 0
        self.xpco = False
        self.last_cause = 0
        self._reg_timer: Any = None
        self._bearers = 5

    # ------------------------------------------------------------ life cycle

    def on_power_up(self) -> None:
        """Reset of everything volatile; context definitions survive (NVM)."""
        for ctx in self.contexts.values():
            ctx.active = False
            ctx.nw_apn = ""
        self.contexts = {c: ctx for c, ctx in self.contexts.items() if not ctx.ims}
        self.cfun = self.m.dialect.boot_cfun
        self.stat = 0
        self.reject_cause = 0
        self.reg_n = {"+CREG": 0, "+CGREG": 0, "+CEREG": 0}
        self.cops_mode = 0
        self.cgerep = 0
        self.cnec = 0
        self.xpco = False
        self._reg_timer = None

    def on_boot_done(self) -> None:
        pass

    def on_sim_ready(self) -> None:
        self._maybe_register()

    @property
    def registered(self) -> bool:
        return self.stat in (1, 5)

    def radio_on(self) -> bool:
        return self.cfun in (1, 21)

    def _maybe_register(self) -> None:
        """Start searching if everything a real UE needs is in place."""
        if (self.registered or self._reg_timer is not None or not self.m.online
                or not self.radio_on() or self.cops_mode == 2 or not self.m.sim.ready()):
            return
        if self.stat == 3:
            return
        self._reg_timer = self.m.schedule(self.cfg.search_delay, self._searching)

    def _searching(self) -> None:
        self._set_stat(2)
        if not self.coverage:
            self._reg_timer = None
            return
        delay = max(0.0, self.cfg.registration_delay - self.cfg.search_delay)
        self._reg_timer = self.m.schedule(delay, self._attach)

    def _attach(self) -> None:
        self._reg_timer = None
        if not self.coverage or not self.radio_on():
            return
        if self.deny_cause:
            self.reject_cause = self.deny_cause
            self._set_stat(3)
            return
        d = self.m.dialect
        ctx = self.contexts.get(d.default_cid)
        if ctx is None:
            ctx = self.contexts[d.default_cid] = Context(d.default_cid, "IP", "")
        cause = self.check_apn(ctx)
        if cause:
            self.last_cause = cause
            self.reject_cause = 19          # EMM #19: ESM failure
            self._set_stat(3)
            if d.esm_report == "cnec" and self.cnec & 16:
                self.m.urc("+CNEC_ESM: %d,%d" % (cause, ctx.cid))
            return
        self.bring_up(ctx)
        self.cgev("ME PDN ACT %d" % ctx.cid)
        if self.cfg.ims:
            ims = self._ims_context()
            self.bring_up(ims)
            self.cgev("ME PDN ACT %d" % ims.cid)
        if self.cfg.sos and not any(c.emergency for c in self.contexts.values()):
            sos = Context(self.free_cid(), "IPV4V6", "sos")
            sos.ims = sos.emergency = True      # defined by the network, never auto-active
            self.contexts[sos.cid] = sos
        self.reject_cause = 0
        self._set_stat(5 if self.cfg.roaming else 1)
        self.m.sim_event("attached")
        pco = self.m.scenario.pco
        if pco is not None and self.xpco:
            cid = int(pco.get("cid", ctx.cid))
            content = pco.get("content", "")
            hexdata = (str(pco["hex"]).upper() if "hex" in pco
                       else str(content).encode("utf-8").hex().upper())
            self.m.urc('%%XPCO: %d,%s,"%s"' % (cid, str(pco.get("id", "FF00")).upper(), hexdata))

    def _ims_context(self) -> Context:
        for ctx in self.contexts.values():
            if ctx.ims:
                return ctx
        cid = self.free_cid()
        ctx = Context(cid, "IPV4V6", self.cfg.ims_apn)
        ctx.ims = True
        self.contexts[cid] = ctx
        return ctx

    def free_cid(self) -> int:
        d = self.m.dialect
        for cid in range(d.default_cid + 1, d.cid_max + 1):
            if cid not in self.contexts:
                return cid
        raise AtFail(21)

    def bring_up(self, ctx: Context) -> None:
        """Mark `ctx` active with the network's APN (suffix per scenario) and a bearer id."""
        ctx.active = True
        apn = ctx.apn or self.cfg.default_apn
        ctx.nw_apn = apn + (self.cfg.operator_suffix() if self.cfg.apn_suffix else "")
        ctx.bearer_id = self._bearers
        self._bearers = 5 + (self._bearers - 4) % 11

    def check_apn(self, ctx: Context) -> int:
        """ESM cause the network answers for activating `ctx` (0 = accepted)."""
        apn = (ctx.apn or self.cfg.default_apn).lower()
        if apn in self.cfg.reject:
            return self.cfg.reject[apn]
        accepted = self.cfg.apns
        if apn != self.cfg.default_apn.lower() and apn != self.cfg.ims_apn and accepted \
                and apn not in accepted:
            return self.cfg.unknown_apn_cause
        rule = accepted.get(apn, {})
        needs_auth = "user" in rule or "password" in rule
        if needs_auth and (ctx.auth == 0 or ctx.user != str(rule.get("user", ""))
                           or ctx.password != str(rule.get("password", ""))):
            return 29
        if not self.cfg.allow_duplicate_apn:
            for other in self.contexts.values():
                if other is not ctx and other.active and \
                        (other.apn or self.cfg.default_apn).lower() == apn:
                    return 55
        return 0

    def _set_stat(self, stat: int) -> None:
        changed = stat != self.stat
        self.stat = stat
        if not changed:
            return
        for name in ("+CREG", "+CGREG", "+CEREG"):
            if name != "+CEREG" and not self.m.dialect.cs_registration:
                continue
            n = self.reg_n[name]
            if n:
                self.m.urc(name + ": " + self._reg_fields(name, n, urc=True))

    def _reg_fields(self, name: str, n: int, urc: bool) -> str:
        stat = self.stat
        fields = [str(stat)]
        act = self.m.dialect.act(self.cfg.rat)
        has_cell = stat in (1, 3, 5) and self.coverage
        if n >= 2 and has_cell:
            fields += ['"%s"' % self.cfg.tac, '"%s"' % self.cfg.ci, str(act)]
            if name == "+CGREG":
                fields.append('"00"')
            if n in (3, 5) and stat == 3:
                fields += ["0", str(self.reject_cause)]
            elif n in (4, 5) and name == "+CEREG" and stat in (1, 5):
                fields += ["", "", '"%s"' % self.cfg.active_time, '"%s"' % self.cfg.periodic_tau]
        text = ",".join(fields)
        return text if urc else "%d,%s" % (n, text)

    def _deregister(self, stat: int = 0, event: str = "ME DETACH") -> None:
        if self._reg_timer is not None:
            self._reg_timer.cancel()
            self._reg_timer = None
        was = self.registered
        self._drop_contexts()
        if was and event:
            self.cgev(event)
        self._set_stat(stat)

    def _drop_contexts(self) -> None:
        for ctx in self.contexts.values():
            if ctx.active:
                ctx.active = False
                ctx.nw_apn = ""
                self.m.sim_event("context_down", ctx.cid)

    def _cgev_later(self, text: str) -> Callable[[], None]:
        def fire() -> None:
            self.cgev(text)
        return fire

    def cgev(self, text: str) -> None:
        if self.cgerep:
            self.m.urc("+CGEV: " + text)

    # ------------------------------------------------------------ world API

    def lose_coverage(self, detach: bool = False) -> None:
        """The module leaves coverage: searching; with `detach` the bearers are gone."""
        self.coverage = False
        if detach:
            self._deregister(2, "NW DETACH")
        elif self.stat != 0:
            if self._reg_timer is not None:
                self._reg_timer.cancel()
                self._reg_timer = None
            self._set_stat(2)

    def restore_coverage(self) -> None:
        """Coverage is back: re-register (bearers that survived are still up)."""
        self.coverage = True
        if any(c.active for c in self.contexts.values()):
            self._set_stat(5 if self.cfg.roaming else 1)
            return
        self.stat = 0 if self.stat != 2 else 2
        if self.stat == 2:
            self._reg_timer = self.m.schedule(self.cfg.registration_delay, self._attach)
        else:
            self._maybe_register()

    def network_detach(self, reattach: bool = True) -> None:
        """The network detaches the UE (+CGEV: NW DETACH) and, optionally, lets it back."""
        self._deregister(2, "NW DETACH")
        if reattach and self.coverage and self.radio_on():
            self._reg_timer = self.m.schedule(self.cfg.registration_delay, self._attach)

    def network_deactivate(self, cid: int) -> None:
        """The network tears down one PDN connection (+CGEV: NW PDN DEACT <cid>)."""
        ctx = self.contexts.get(cid)
        if ctx is None or not ctx.active:
            return
        if cid == self.m.dialect.default_cid:
            self.network_detach()
            return
        ctx.active = False
        ctx.nw_apn = ""
        self.m.sim_event("context_down", cid)
        self.cgev("NW PDN DEACT %d" % cid)

    def deny(self, cause: int) -> None:
        """From now on the network rejects the attach with EMM `cause` (0 lifts it)."""
        self.deny_cause = cause
        if cause and (self.registered or self.stat == 2):
            self.reject_cause = cause
            self._deregister(3, "NW DETACH")
        elif not cause and self.stat == 3:
            self.stat = 0
            self._maybe_register()

    def load_events(self, events: list[dict[str, Any]]) -> None:
        """Arm the scenario's [[events]]: timed coverage loss, detach, PDN teardown..."""
        from me_lib.sim.modem.scenario import ScenarioError

        for spec in events:
            action = str(spec.get("action", ""))
            if action not in EVENT_ACTIONS:
                raise ScenarioError("[[events]]: unknown action %r (known: %s)"
                                    % (action, ", ".join(EVENT_ACTIONS)))
            try:
                at = float(spec.get("at", 0.0))
            except (TypeError, ValueError):
                raise ScenarioError("[[events]]: 'at' must be a number of seconds") from None
            self.m.schedule_at(at, self._event(dict(spec)), persistent=True)

    def _event(self, spec: dict[str, Any]) -> "Any":
        def fire() -> None:
            action = str(spec.get("action", ""))
            if action == "coverage_loss":
                self.lose_coverage(bool(spec.get("detach", False)))
                if "duration" in spec:
                    self.m.schedule(float(spec["duration"]), self.restore_coverage,
                                    persistent=True)
            elif action == "coverage_return":
                self.restore_coverage()
            elif action == "nw_detach":
                self.network_detach(bool(spec.get("reattach", True)))
            elif action == "nw_deactivate":
                self.network_deactivate(int(spec.get("cid", 1)))
            elif action == "deny":
                self.deny(int(spec.get("cause", 0)))
            elif action == "reboot":
                self.m.reboot_now(None)
            elif action == "ota_update":
                self.m.ota_update_now(str(spec["path"]), bytes.fromhex(str(spec["data"])),
                                      spec.get("record"))
            elif action == "switch_profile":
                self.m.switch_profile_now(str(spec["card"]))
        return fire

    # ------------------------------------------------------------- commands

    def register(self) -> None:
        m = self.m
        m.handle("+CFUN", self._cfun)
        for name in ("+CREG", "+CGREG", "+CEREG"):
            if name == "+CEREG" or m.dialect.cs_registration:
                m.handle(name, self._reg_cmd(name))
        m.handle("+COPS", self._cops)
        m.handle("+CGDCONT", self._cgdcont)
        if m.scenario.cgauth:
            m.handle("+CGAUTH", self._cgauth)
        else:
            m.handle("+CGAUTH", _unsupported)
        if not m.scenario.cereg:
            m.handle("+CEREG", _unsupported)
        if m.dialect.sockets == "telit":
            m.handle("#PDPAUTH", self._pdpauth)
        m.handle("+CGATT", self._cgatt)
        m.handle("+CGACT", self._cgact)
        m.handle("+CGPADDR", self._cgpaddr)
        m.handle("+CGCONTRDP", self._cgcontrdp)
        m.handle("+CGEREP", self._cgerep)
        m.handle("+CEER", self._ceer)
        m.handle("+CSQ", self._csq)
        m.handle("+CESQ", self._cesq)
        if m.dialect.esm_report == "cnec":
            m.handle("+CNEC", self._cnec)
            m.handle("%XNEWCID", self._xnewcid)
            m.handle("%XPCO", self._xpco)
        if m.dialect.sockets == "simcom":
            m.handle("+CGNAPN", self._cgnapn)
        if m.dialect.ursp_query:
            m.handle("+C5GURSPQRY", self._c5gurspqry)

    def _c5gurspqry(self, cmd: Command) -> Reply:
        """The URSP rules the network gave (scenario `network.ursp`), once registered,
        in the read form of TS 27.007 §10.1.75: one line per route selection descriptor."""
        if cmd.kind == "test":
            return Reply()
        if cmd.kind != "read":
            raise AtFail(None)
        if not self.registered or not self.cfg.ursp:
            return Reply()
        try:
            rules = ursp.decode(self.cfg.ursp)
        except DecodeError:
            raise AtFail(None) from None
        return Reply(["+C5GURSPQRY: " + ",".join(
            '"%s"' % v if v and n in _QUERY_QUOTED else v for n, v in enumerate(row))
            for row in ursp.query_rows(rules)])

    def _cfun(self, cmd: Command) -> Reply:
        d = self.m.dialect
        if cmd.kind == "read":
            return Reply(["+CFUN: %d" % self.cfun])
        if cmd.kind == "test":
            return Reply(["+CFUN: (%s),(0-1)" % ",".join(str(v) for v in d.cfun_values)])
        args = set_args(cmd)
        fun = arg_int(args, 0, None, 0, 255)
        rst = arg_int(args, 1, 0, 0, 1)
        if fun not in d.cfun_values:
            raise AtFail(50)
        if fun in d.cfun_reset_values or rst == 1:
            if rst == 1 and not d.cfun_rst_supported:
                raise AtFail(50)
            return Reply(after=[self.m.later(0.05, self._reset)])
        self.cfun = fun
        if self.radio_on():
            return Reply(after=[self._maybe_register])
        if self.registered or self.stat in (2, 3):
            return Reply(after=[lambda: self._deregister(0)])
        return Reply()

    def _reset(self) -> None:
        self.m.reboot_now(self.m.dialect.reset_banner or None)

    def _reg_cmd(self, name: str) -> "Any":
        top = {"+CREG": 3, "+CGREG": 4, "+CEREG": 5}[name]

        def handler(cmd: Command) -> Reply:
            if cmd.kind == "read":
                return Reply([name + ": " + self._reg_fields(name, self.reg_n[name], False)])
            if cmd.kind == "test":
                return Reply([name + ": (0-%d)" % top])
            self.reg_n[name] = arg_int(set_args(cmd), 0, 0, 0, top)
            return Reply()
        return handler

    def _cops(self, cmd: Command) -> Reply:
        cfg = self.cfg
        act = self.m.dialect.act(cfg.rat)
        if cmd.kind == "read":
            if not self.registered:
                return Reply(["+COPS: %d" % self.cops_mode])
            oper = (cfg.operator, cfg.operator_short, cfg.plmn)[self.cops_format]
            return Reply(['+COPS: %d,%d,"%s",%d' % (self.cops_mode, self.cops_format, oper, act)])
        if cmd.kind == "test":
            if not self.radio_on():
                raise AtFail(30)
            entries = '(%d,"%s","%s","%s",%d)' % (
                2 if self.registered else 1, cfg.operator, cfg.operator_short, cfg.plmn, act)
            return Reply(["+COPS: %s,,(0-4),(0-2)" % entries])
        args = set_args(cmd)
        mode = arg_int(args, 0, 0, 0, 4)
        if mode == 3:
            self.cops_format = arg_int(args, 1, 0, 0, 2)
            return Reply()
        if mode == 2:
            self.cops_mode = 2
            return Reply(after=[lambda: self._deregister(0)])
        if mode in (1, 4):
            fmt = arg_int(args, 1, 2, 0, 2)
            oper = arg_str(args, 2)
            wanted = (cfg.operator, cfg.operator_short, cfg.plmn)[fmt]
            if oper != wanted and mode == 1:
                raise AtFail(30)
        self.cops_mode = 0 if mode == 4 else mode
        if not self.radio_on():
            return Reply()
        if self.stat == 3 and not self.deny_cause:
            self.stat = 0
        return Reply(after=[self._maybe_register])

    # ---------------------------------------------------------- PDP context

    def _context_line(self, ctx: Context) -> str:
        d = self.m.dialect
        if d.cgdcont_shows_ip and ctx.active:
            addr = ctx.ipv4 or ctx.ipv6
        elif ctx.pdp_type == "IP":
            addr = d.cgdcont_empty_addr_ip
        else:
            addr = V6_ZERO
        shows_network = ctx.active and ctx.nw_apn and self.cfg.cgdcont_network_apn
        apn = ctx.nw_apn if shows_network else ctx.apn
        line = '+CGDCONT: %d,"%s","%s","%s",0,0' % (ctx.cid, ctx.pdp_type, apn, addr)
        tail = ["0"] * d.cgdcont_tail
        if tail and ctx.emergency:
            tail[-1] = "1"            # like SIM7600 lily90-05: emergency flag on "sos"
        return line + "".join("," + t for t in tail)

    def _cgdcont(self, cmd: Command) -> Reply:
        d = self.m.dialect
        if cmd.kind == "read" and not self.m.scenario.cgdcont_read:
            raise AtFail(4)
        if cmd.kind == "read":
            return Reply([self._context_line(self.contexts[c]) for c in sorted(self.contexts)])
        if cmd.kind == "test":
            lo = d.default_cid
            tail = ",(0-1),(0-1)" if d.cgdcont_tail else ""
            return Reply(['+CGDCONT: (%d-%d),"%s",,,(0-2),(0-4)%s' % (lo, d.cid_max, t, tail)
                          for t in ("IP", "IPV6", "IPV4V6")])
        args = set_args(cmd)
        cid = arg_int(args, 0, None, 0, 255)
        if not d.default_cid <= cid <= d.cid_max:
            raise AtFail(50)
        existing = self.contexts.get(cid)
        if len(args) == 1:
            if existing is not None:
                if existing.active or cid == d.default_cid == 0:
                    raise AtFail(3)
                del self.contexts[cid]
            return Reply()
        raw_type = arg_str(args, 1, "IP").upper()
        if raw_type not in PDP_TYPES:
            raise AtFail(50)
        apn = arg_str(args, 2, "")
        if len(apn) > 100 or any(c not in APN_CHARS for c in apn):
            raise AtFail(50)
        if existing is not None and existing.active:
            raise AtFail(3)
        ctx = Context(cid, PDP_TYPES[raw_type], apn)
        if existing is not None:
            ctx.auth, ctx.user, ctx.password = existing.auth, existing.user, existing.password
        self.contexts[cid] = ctx
        return Reply()

    def _cgauth(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(['+CGAUTH: %d,%d,"%s"' % (c.cid, c.auth, c.user)
                          for c in (self.contexts[k] for k in sorted(self.contexts))])
        if cmd.kind == "test":
            return Reply(['+CGAUTH: (%d-%d),(0-2),,' % (self.m.dialect.default_cid,
                                                         self.m.dialect.cid_max)])
        args = set_args(cmd)
        cid = arg_int(args, 0, None, 0, 255)
        ctx = self.contexts.get(cid)
        if ctx is None:
            raise AtFail(50)
        ctx.auth = arg_int(args, 1, 0, 0, 3)
        ctx.user = arg_str(args, 2, "")
        ctx.password = arg_str(args, 3, "")
        return Reply()

    def _pdpauth(self, cmd: Command) -> Reply:
        """Telit #PDPAUTH=<cid>,<auth_type>[,<username>[,<password>]] (ME910 AT manual):
        the vendor's own per-cid PAP/CHAP setting, 0 none, 1 PAP, 2 CHAP."""
        if cmd.kind == "test":
            return Reply(['#PDPAUTH: (1-%d),(0-2),(32),(32)' % self.m.dialect.cid_max])
        if cmd.kind == "read":
            return Reply(['#PDPAUTH: %d,%d,"%s"' % (c.cid, c.auth, c.user)
                          for c in (self.contexts[k] for k in sorted(self.contexts))])
        args = set_args(cmd)
        ctx = self.contexts.get(arg_int(args, 0, None, 0, 255))
        if ctx is None:
            raise AtFail(50)
        ctx.auth = arg_int(args, 1, 0, 0, 2)
        ctx.user = arg_str(args, 2, "")
        ctx.password = arg_str(args, 3, "")
        return Reply()

    def _cgatt(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["+CGATT: %d" % (1 if self.registered else 0)])
        if cmd.kind == "test":
            return Reply(["+CGATT: (0-1)"])
        state = arg_int(set_args(cmd), 0, None, 0, 1)
        if state == 0:
            return Reply(after=[lambda: self._deregister(0)])
        if self.registered:
            return Reply()
        if not self.radio_on():
            raise AtFail(30)
        if self.cops_mode == 2:
            self.cops_mode = 0
        if self.stat == 3 and not self.deny_cause:
            self.stat = 0
        self._maybe_register()
        deadline = self.m.t + self.cfg.registration_delay + 60.0

        def check() -> Reply | None:
            if self.registered:
                return Reply()
            if self.stat == 3:
                raise AtFail(100 + self.reject_cause if self.reject_cause < 100 else 148)
            return None

        def timeout() -> Reply:
            raise AtFail(30)

        return Reply(final=None, pending=Pending(check, deadline, timeout))

    def _cgact(self, cmd: Command) -> Reply:
        d = self.m.dialect
        if cmd.kind == "read":
            return Reply(["+CGACT: %d,%d" % (c, 1 if self.contexts[c].active else 0)
                          for c in sorted(self.contexts)])
        if cmd.kind == "test":
            return Reply(["+CGACT: (0,1)"])
        args = set_args(cmd)
        state = arg_int(args, 0, None, 0, 1)
        cids = [arg_int(args, i, None, 0, 255) for i in range(1, len(args))]
        if not cids:
            cids = sorted(self.contexts)
        for cid in cids:
            if cid not in self.contexts:
                raise AtFail(50)
        if state == 0:
            for cid in cids:
                ctx = self.contexts[cid]
                if not ctx.active:
                    continue
                if cid == d.default_cid:
                    raise AtFail(3)
                ctx.active = False
                ctx.nw_apn = ""
                self.m.sim_event("context_down", cid)
                self.cgev("ME PDN DEACT %d" % cid)
            return Reply()
        if not self.registered:
            raise AtFail(30)
        activated: list[int] = []
        for cid in cids:
            ctx = self.contexts[cid]
            if ctx.active:
                continue
            cause = self.check_apn(ctx)
            if cause:
                return self._esm_reject(cid, cause, activated)
            self.bring_up(ctx)
            activated.append(cid)
        events = [self._cgev_later("ME PDN ACT %d" % c) for c in activated]
        return Reply(delay=d.delay_for("+CGACT", "set") + self.cfg.activation_delay,
                     after=events)

    def _esm_reject(self, cid: int, cause: int, activated: list[int]) -> Reply:
        d = self.m.dialect
        self.last_cause = cause
        delay = d.delay_for("+CGACT", "set") + self.cfg.activation_delay
        if d.esm_report == "cme":
            raise AtFail(100 + cause)
        if d.esm_report == "cnec":
            def urc() -> None:
                if self.cnec & 16:
                    self.m.urc("+CNEC_ESM: %d,%d" % (cause, cid))
            return Reply(final=self.m.error_final(AtFail(None)), delay=delay, after=[urc])
        return Reply(final=self.m.error_final(AtFail(None)), delay=delay)

    def _cgpaddr(self, cmd: Command) -> Reply:
        d = self.m.dialect
        if cmd.kind == "test":
            return Reply(["+CGPADDR: (%s)" % ",".join(str(c) for c in sorted(self.contexts))])
        if cmd.kind not in ("set", "exec"):
            raise AtFail(None)
        args = split_args(cmd.args)
        cids = [arg_int(args, i, None, 0, 255) for i in range(len(args))] or sorted(self.contexts)
        lines = []
        for cid in cids:
            ctx = self.contexts.get(cid)
            if ctx is None:
                raise AtFail(50)
            addrs = [a for a in (ctx.ipv4, ctx.ipv6) if a] if ctx.active else []
            if d.cgpaddr_quoted:
                body = ",".join('"%s"' % a for a in addrs) if addrs else '""'
            else:
                body = ",".join(addrs)
            lines.append("+CGPADDR: %d,%s" % (cid, body) if body else "+CGPADDR: %d" % cid)
        return Reply(lines)

    def _cgcontrdp(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            active = [str(c) for c in sorted(self.contexts) if self.contexts[c].active]
            return Reply(["+CGCONTRDP: (%s)" % ",".join(active)])
        if cmd.kind not in ("set", "exec"):
            raise AtFail(None)
        args = split_args(cmd.args)
        if args:
            cid = arg_int(args, 0, None, 0, 255)
            ctx = self.contexts.get(cid)
            if ctx is None or not ctx.active:
                raise AtFail(None)
            ctxs = [ctx]
        else:
            ctxs = [self.contexts[c] for c in sorted(self.contexts) if self.contexts[c].active]
        lines: list[str] = []
        for ctx in ctxs:
            lines += self._rdp_lines(ctx)
        return Reply(lines)

    def _rdp_lines(self, ctx: Context) -> list[str]:
        fmt = self.m.dialect.cgcontrdp_format
        dns = [*self.cfg.dns_servers, "0.0.0.0", "0.0.0.0"]
        lines = []
        for addr, v6 in ((ctx.ipv4, False), (ctx.ipv6, True)):
            if not addr:
                continue
            mask = ".".join(["255"] * 8 + ["0"] * 8) if v6 else "255.255.255.0"
            gw = (addr.rsplit(".", 1)[0] + ".1") if not v6 else ""
            d1, d2 = (dns[0], dns[1]) if not v6 else ("", "")
            head = '+CGCONTRDP: %d,%d,"%s"' % (ctx.cid, ctx.bearer_id, ctx.nw_apn)
            if fmt == "combined":
                lines.append(head + ',"%s.%s","%s","%s","%s"' % (addr, mask, gw, d1, d2))
            elif fmt == "separate":
                lines.append(head + ',"%s","%s","%s","%s","%s"' % (addr, mask, gw, d1, d2))
            elif fmt == "addr_only":
                lines.append(head + ',"%s",,"%s","%s"' % (addr, d1, d2))
            else:   # nordic: no bearer id, no local address, MTU last
                lines.append('+CGCONTRDP: %d,,"%s","","","%s","%s",,,,,1500'
                             % (ctx.cid, ctx.nw_apn, d1, d2))
        return lines

    def _cgerep(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["+CGEREP: %d,0" % self.cgerep])
        if cmd.kind == "test":
            return Reply(["+CGEREP: (0-2),(0-1)"])
        args = set_args(cmd)
        self.cgerep = arg_int(args, 0, 0, 0, 2)
        arg_int(args, 1, 0, 0, 1)
        return Reply()

    def _ceer(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        if self.last_cause:
            return Reply(['+CEER: "%s"' % ESM_NAMES.get(self.last_cause,
                                                         "ESM cause #%d" % self.last_cause)])
        return Reply(['+CEER: "No report available"'])

    def _csq(self, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+CSQ: (0-31,99),(0-7,99)"])
        good = self.coverage and self.radio_on()
        return Reply(["+CSQ: %s" % ("24,99" if good else "99,99")])

    def _cesq(self, cmd: Command) -> Reply:
        good = self.coverage and self.radio_on()
        return Reply(["+CESQ: 99,99,255,255,%s" % ("30,55" if good else "255,255")])

    def _cnec(self, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply(["+CNEC: %d" % self.cnec])
        if cmd.kind == "test":
            return Reply(["+CNEC: (0,8,16,24)"])
        self.cnec = arg_int(split_args(cmd.args), 0, 0, 0, 24)
        return Reply()

    def _xnewcid(self, cmd: Command) -> Reply:
        if cmd.kind != "read":
            raise AtFail(None)
        cid = self.free_cid()
        self.contexts[cid] = Context(cid, "IP", "")
        return Reply(["%%XNEWCID: %d" % cid])

    def _xpco(self, cmd: Command) -> Reply:
        self.xpco = arg_int(set_args(cmd), 0, 0, 0, 1) == 1
        return Reply()

    def _cgnapn(self, cmd: Command) -> Reply:
        ctx = self.contexts.get(self.m.dialect.default_cid)
        if ctx is None or not ctx.active:
            return Reply(['+CGNAPN: 0,""'])
        return Reply(['+CGNAPN: 1,"%s"' % (ctx.apn or self.cfg.default_apn)])


def _unsupported(cmd: Command) -> Reply:
    """A command this module lacks (scenario cgauth/cereg = false): 27.007 CME 4,
    "operation not supported", rendered as a plain ERROR while CMEE is off."""
    raise AtFail(4)
