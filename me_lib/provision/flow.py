"""`provision()`: apply a profile to a modem, changing only what differs (DESIGN §5).

Steps: start (sync, identify), SIM ready (busy back-off, PIN), plan, APN0 on
the default bearer, registration (URCs and polling), attach, APN0 up with its
IP and DNS, the DM server reached through the modem's own IP stack, then the
service contexts. Each step is timed and its AT round trips and writes are
counted, because on a battery device those are the cost.

Failure policy: a 3GPP cause that means "this configuration is wrong" (#27
unknown APN, #29 authentication, #33 not subscribed, #55, #66, ...) is
reported by name and not retried; other failures back off exponentially
(bounded); a modem reboot in the middle restarts the run from sync.
"""

from me_lib.at.cme import EMM_CAUSES
from me_lib.codec import apn_rules
from me_lib.errors import (
    AtCommandError,
    AtError,
    AtTimeout,
    CmeError,
    MeLibError,
    ModemRebooted,
    PortClosed,
    ProvisionError,
)
from me_lib.log import get_logger
from me_lib.modem.modem import ActivationRejected, Modem
from me_lib.modem.parsers import parse_cgcontrdp
from me_lib.modem.registration import Registration
from me_lib.profile import Bearer, Profile
from me_lib.provision.ownership import Ownership
from me_lib.provision.plan import (
    ContextPlan,
    ModemState,
    Plan,
    auth_key,
    plan,
    service_name,
)
from me_lib.provision.result import ContextResult, DmResult, ProvisionResult, StepTiming

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from os import PathLike

    from me_lib.modem.parsers import ContextInfo, PdpContext
    from me_lib.provision.probe import Rng
except ImportError:
    pass

log = get_logger("me_lib.provision")

#: The cid of a service's result when the module had no context for it.
NO_CID = -1

# ESM causes that mean the profile or subscription is wrong: retrying cannot help.
CONFIGURATION_CAUSES = (8, 27, 28, 29, 32, 33, 50, 51, 55, 65, 66, 112)
# EMM causes for which the network will keep refusing this device.
PERMANENT_EMM_CAUSES = (2, 3, 6, 7, 8, 11, 12, 13, 14, 15)

try:
    from typing import TypeAlias

    Progress: TypeAlias = "Callable[[str, str, str], None]"
except ImportError:
    pass


def _quiet(step: str, status: str, detail: str) -> None:
    return None


class _Run:
    """Bookkeeping of one provision run: step timings, round trips, writes."""

    def __init__(self, modem: Modem, progress: Progress) -> None:
        self.modem = modem
        self.progress = progress
        self.result = ProvisionResult()
        self.writes = 0
        self._t0 = modem.channel.clock()
        self._rt0 = modem.channel.round_trips
        self._out0 = modem.channel.bytes_out
        self._in0 = modem.channel.bytes_in

    def begin(self, name: str, detail: str = "") -> tuple[str, float, int, int]:
        self.progress(name, "start", detail)
        return name, self.modem.channel.clock(), self.modem.channel.round_trips, self.writes

    def end(self, mark: tuple[str, float, int, int], detail: str = "") -> None:
        name, t0, rt0, w0 = mark
        ch = self.modem.channel
        self.result.steps.append(StepTiming(name, ch.clock() - t0, ch.round_trips - rt0,
                                            self.writes - w0))
        self.progress(name, "done", detail)

    def finish(self) -> ProvisionResult:
        ch = self.modem.channel
        r = self.result
        r.round_trips = ch.round_trips - self._rt0
        r.writes = self.writes
        r.bytes_out = ch.bytes_out - self._out0
        r.bytes_in = ch.bytes_in - self._in0
        r.seconds = ch.clock() - self._t0
        return r


def modem_key(modem: Modem) -> str:
    ident = modem.ident
    if ident is not None and ident.imei:
        return "imei:" + ident.imei
    return "port:" + modem.channel.name


def provision(modem: Modem, profile: Profile, pin: str | None = None,
              state_dir: "str | PathLike[str] | None" = None,
              ownership: Ownership | None = None,
              services: str = "eager", registration_timeout: float = 300.0,
              reach_dm: bool = True, recheck_dm: bool = False, probe_timeout: float = 10.0,
              dm_path: str = "modem", probe_rng: "Rng | None" = None,
              progress: "Progress | None" = None, max_reboots: int = 3,
              force_pin: bool = False) -> ProvisionResult:
    """Make the modem match `profile`; returns a ProvisionResult (see module docstring).

    services: "eager" activates every service context now, "on-demand" only
    defines them. dm_path: "modem" reaches the DM server through the module's
    socket commands, "host" through the host's IP stack (PPP / network
    interface data paths). probe_rng: where the CoAP message id comes from, a
    `random.Random` (a seeded one makes a recorded session replay byte for
    byte), any object with `getrandbits(n)` (MicroPython's `random` module) or
    a callable returning the id. state_dir (str or path-like) keeps the
    context record in `<state_dir>/contexts.json`; a board passes
    `ownership=Ownership(FlashFile(...))` instead. A second call on a
    provisioned modem sends no write command.
    """
    if dm_path not in ("modem", "host"):
        raise ProvisionError("arguments", "dm_path must be 'modem' or 'host'")
    if services not in ("eager", "on-demand"):
        raise ProvisionError("arguments", "services must be 'eager' or 'on-demand'")
    if ownership is None:
        path = None
        if state_dir is not None:  # text, not pathlib: MicroPython has none
            folder = str(state_dir)
            path = folder + ("" if not folder or folder.endswith("/") else "/") + "contexts.json"
        ownership = Ownership(path)
    attempts = 0
    failed_saves = ownership.failed_saves
    while True:
        run = _Run(modem, progress or _quiet)
        try:
            _provision_once(run, modem, profile, pin, ownership, services,
                            registration_timeout, reach_dm, recheck_dm, probe_timeout,
                            force_pin, dm_path, probe_rng)
            result = run.finish()
            result.notes.extend(ownership.new_notes())
            result.state_saved = ownership.failed_saves == failed_saves
            return result
        except ModemRebooted as exc:
            attempts += 1
            log.warning("modem rebooted during provisioning (%s); starting again", exc.banner)
            modem.reset_session()
            if attempts > max_reboots:
                raise ProvisionError("start", "the modem rebooted %d times while being "
                                     "provisioned" % attempts,
                                     hint="check its power supply and firmware") from exc
            (progress or _quiet)("restart", "start", "modem rebooted (%s)" % exc.banner)


def _provision_once(run: _Run, modem: Modem, profile: Profile, pin: str | None,
                    ownership: Ownership, services: str, registration_timeout: float,
                    reach_dm: bool, recheck_dm: bool, probe_timeout: float,
                    force_pin: bool, dm_path: str, probe_rng: "Rng | None") -> None:
    result = run.result
    result.profile = profile.to_dict()
    if not modem.started:
        mark = run.begin("start")
        ident = modem.start()
        run.end(mark, "%s %s (%s)" % (ident.manufacturer, ident.model, modem.dialect.name))
    if modem.ident is not None:
        result.modem = dict(modem.ident.to_dict(), dialect=modem.dialect.name)

    mark = run.begin("sim")
    modem.wait_sim_ready(pin, force_pin)
    run.end(mark, "ready")

    mark = run.begin("plan")
    key = modem_key(modem)
    the_plan = make_plan(modem, profile, ownership)
    for cid, why in the_plan.forget:
        ownership.release(key, cid)
        result.notes.append("dropped the record of cid %d: %s" % (cid, why))
    if modem.contexts_unknown:
        result.notes.append(
            "the module refused AT+CGDCONT?, so its contexts are unknown: planned as if "
            "none were defined (each run defines them again; a context defined outside "
            "me_lib on a cid the plan uses is overwritten)")
    run.end(mark, "%d change(s)" % the_plan.writes)

    mark = run.begin("apn0", profile.apn0.apn or "(network-provided)")
    radio_on = _apply_apn0(run, modem, the_plan.apn0, ownership, key)
    run.end(mark, the_plan.apn0.action)

    mark = run.begin("register")
    reg = _registered_now(modem)
    attached_now = reg is None        # contexts came up during this step
    if reg is None:
        if not radio_on and modem.functionality() != 1:
            run.writes += 1
            modem.set_functionality(1)
        # just polled: let the URC tell us before polling again
        reg = wait_registered(modem, registration_timeout, lambda d: run.progress(
            "register", "wait", d), first_poll=5.0)
    result.registration = "%s %s" % (reg.domain, reg.state)
    run.end(mark, result.registration)

    mark = run.begin("attach")
    # EPS registration is an attach (the default bearer is up); GPRS/3G needs +CGATT.
    if reg.domain != "CEREG" and not modem.attached():
        run.writes += 1
        modem.attach()
        if not modem.wait(modem.attached, 60.0, poll=2.0):
            raise ProvisionError("attach", "registered but not attached (+CGATT: 0)",
                                 hint="the network refuses packet service for this SIM")
    run.end(mark, "attached")

    # What is up: from the plan's read, unless the radio went off and on since
    # (then read once more); our own activations keep it current after that.
    active: set[int] = (modem.active_cids() if radio_on or attached_now
                        or the_plan.apn0.action == "define"
                        else set(modem.session.get("active", set())))

    mark = run.begin("apn0-up")
    apn0 = _bring_up(run, modem, the_plan.apn0, None, active)
    result.contexts.append(apn0)
    run.end(mark, apn0.state)

    if reach_dm and profile.dm is not None and apn0.state == "active":
        mark = run.begin("dm", "%s:%d" % (profile.dm.host, profile.dm.effective_port))
        result.dm = reach(modem, profile, the_plan.apn0.cid, probe_timeout, recheck_dm,
                          dm_path, probe_rng)
        run.end(mark, _dm_summary(result.dm))

    mark = run.begin("services")
    for item in the_plan.services:
        ctx = _service(run, modem, item, ownership, key, services, active)
        result.contexts.append(ctx)
    for bearer, why in the_plan.unplaced:
        # no cid for it on this module: the others are provisioned, this one fails
        ctx = ContextResult("service", service_name(bearer), NO_CID, bearer.apn,
                            bearer.pdp_type)
        ctx.state = "failed"
        ctx.error = why
        result.contexts.append(ctx)
        result.notes.append(why)
    for cid in the_plan.release:
        if cid in active:
            run.writes += 1
            modem.deactivate(cid)
            active.discard(cid)
        run.writes += 1
        modem.undefine_context(cid)
        ownership.release(key, cid)
    up = [c.cid for c in result.contexts if c.state == "active"]
    if up:
        infos = modem.context_infos(up)
        for ctx in result.contexts:
            info = infos.get(ctx.cid)
            if info is not None and ctx.state == "active":
                ctx.addresses = info.addresses
                ctx.dns = info.dns
                ctx.network_apn = info.apn
        for item in the_plan.services:
            _record_network_apn(ownership, key, item, infos.get(item.cid))
    run.end(mark, "%d context(s)" % len(the_plan.services))


def _record_network_apn(ownership: Ownership, key: str, item: ContextPlan,
                        info: "ContextInfo | None") -> None:
    """Keep what the network gave our network-provided service context beside its
    record: a module that shows it in `+CGDCONT?` still holds our context."""
    if item.bearer.apn or info is None or not info.apn:
        return
    entry = ownership.owned(key).get(item.cid)
    given = apn_rules.strip_operator_id(info.apn)
    if entry is None or entry.get("apn") != "" or entry.get("network_apn") == given:
        return
    try:
        apn_rules.validate(given)
    except MeLibError:
        return                  # not an APN we could match against later anyway
    updated = dict(entry)       # not dict(entry, key=...): kept simple for MicroPython
    updated["network_apn"] = given
    ownership.record(key, item.cid, updated)


def make_plan(modem: Modem, profile: Profile, ownership: Ownership) -> Plan:
    """The plan for `profile` on `modem` right now (what `--dry-run` prints)."""
    contexts = modem.contexts()
    cids = modem.cached("cids", lambda: modem.context_cids(profile.apn0.pdp_type))
    state = ModemState(contexts, cids, modem.default_cid, ownership.owned(modem_key(modem)),
                       _network_apns(modem, profile, contexts))
    return plan(profile, state)


def _network_apns(modem: Modem, profile: Profile, contexts: list[PdpContext]
                  ) -> dict[int, str]:
    """What the network gave the active contexts defined with an empty APN.

    Read (one bare `+CGCONTRDP`) only when there is such a context and the
    profile names an APN no context shows: a module that shows the network's
    APN in `+CGDCONT?` (most), and any re-run, cost nothing more. Whether the
    context is up is not asked of the IP-stack view: on LTE the default bearer
    is up from the attach, before `+QIACT` and the like.
    """
    empty = [c.cid for c in contexts if not c.apn]
    missing = [b for b in profile.bearers
               if b.apn and not any(c.apn and b.same_apn(c.apn) for c in contexts)]
    if not empty or not missing:
        return {}
    try:
        rsp = modem.command("AT+CGCONTRDP", prefix="+CGCONTRDP:", timeout=10)
    except (AtCommandError, CmeError):
        return {}
    out = {}
    for cid in empty:
        info = parse_cgcontrdp(rsp.lines, cid)
        if info is not None and info.apn:
            out[cid] = info.apn
    return out


# -- APN0, registration ------------------------------------------------------------------


def _apply_apn0(run: _Run, modem: Modem, item: ContextPlan, ownership: Ownership,
                key: str) -> bool:
    """Put APN0 on the default bearer; True when this left the radio on (CFUN=1)."""
    if not item.writes:
        return False
    bearer = item.bearer
    radio_cycled = False
    if item.action == "define":
        if modem.dialect.default_apn_change_needs_radio_off and modem.functionality() == 1:
            run.writes += 1
            modem.set_functionality(modem.dialect.radio_off_cfun)
            radio_cycled = True
        run.writes += 1
        modem.define_context(item.cid, bearer.pdp_type, bearer.apn)
    if item.write_auth:
        run.writes += 1
        modem.set_auth(item.cid, bearer.auth, bearer.username, bearer.password,
                       bearer.apn, bearer.pdp_type, item.name)
    if radio_cycled:
        run.writes += 1
        modem.set_functionality(1)
    ownership.record(key, item.cid, {"apn": bearer.apn, "pdp_type": bearer.pdp_type,
                                     "auth": auth_key(bearer), "role": "apn0"})
    return radio_cycled


def _registered_now(modem: Modem) -> Registration | None:
    """One read of the packet domain the module reports first; None unless registered."""
    for domain in modem.dialect.registration_domains:
        if domain == "CREG":
            continue
        reg = modem.registration(domain)
        if reg is not None and reg.registered:
            return reg
        if reg is not None:
            return None
    return None


def wait_registered(modem: Modem, timeout: float,
                    status: "Callable[[str], None] | None" = None,
                    first_poll: float = 0.0) -> Registration:
    """Registered (home or roaming) in a packet domain, by URC and by polling all three
    (the first poll after `first_poll` seconds, then every 5 s)."""
    clock = modem.channel.clock
    deadline = clock() + timeout
    poll_every = 5.0
    next_poll = clock() + first_poll
    best: Registration | None = None
    while True:
        latest = modem.latest_registrations()
        if clock() >= next_poll:
            latest.update(modem.registrations())
            next_poll = clock() + poll_every
        for domain in ("CEREG", "C5GREG", "CGREG"):
            reg = latest.get(domain)
            if reg is not None and reg.registered:
                return reg
        # in a fixed order (the dialect's, then any other domain): which report is
        # "last" must not depend on dict order, which MicroPython does not keep
        domains = list(modem.dialect.registration_domains)
        domains += sorted(d for d in latest if d not in domains)
        for domain in domains:
            reg = latest.get(domain)
            if reg is None:
                continue
            if reg.stat == 3:
                cause = reg.reject_cause
                name = EMM_CAUSES.get(cause) if cause is not None else None
                raise ProvisionError("register", "registration denied by the network",
                                     cause, name,
                                     hint="the SIM is not allowed on this network; "
                                     "contact the operator" if cause in PERMANENT_EMM_CAUSES
                                     else "the network may allow it later")
            best = reg
        if clock() >= deadline:
            raise ProvisionError("register", "not registered after %.0f s (last: %s)" % (
                timeout, best.state if best else "no report"),
                hint="check coverage, antenna and that the SIM's network is available")
        if status is not None and best is not None:
            status("%s %s" % (best.domain, best.state))
        modem.channel.poll(min(1.0, max(0.0, deadline - clock())))


# -- contexts ------------------------------------------------------------------------------


def _bring_up(run: _Run, modem: Modem, item: ContextPlan, mode: str | None,
              active: set[int]) -> ContextResult:
    ctx = ContextResult(item.role, item.name, item.cid, item.bearer.apn, item.bearer.pdp_type)
    ctx.action = item.action
    if mode == "on-demand":
        ctx.state = "on-demand"
        return ctx
    try:
        if item.cid not in active:
            run.writes += 1
            _activate_with_backoff(modem, item.cid, item.bearer)
            active.add(item.cid)
        ctx.state = "active"
    except ActivationRejected as exc:
        ctx.state = "failed"
        ctx.cause = exc.cause
        ctx.error = "ESM cause #%d %s" % (exc.cause, exc.cause_name)
    except (ModemRebooted, PortClosed):
        raise               # the session is over, not this context
    except AtError as exc:
        ctx.state = "failed"
        ctx.error = str(exc)
    return ctx


def _activate_with_backoff(modem: Modem, cid: int, bearer: Bearer, attempts: int = 3,
                           delay: float = 2.0) -> None:
    for attempt in range(attempts):
        try:
            modem.activate(cid, bearer)
            return
        except ActivationRejected as exc:
            if exc.cause in CONFIGURATION_CAUSES or attempt == attempts - 1:
                raise
            log.info("activation of cid %d: cause #%d, retrying in %.0f s", cid, exc.cause,
                     delay)
        except AtTimeout:
            if attempt == attempts - 1:
                raise
        modem.channel.poll(delay)
        delay *= 2


def _service(run: _Run, modem: Modem, item: ContextPlan, ownership: Ownership, key: str,
             mode: str, active: set[int]) -> ContextResult:
    bearer = item.bearer
    if item.action == "define":
        if item.cid in active:
            # our context from an earlier profile, still up: an active context
            # cannot be redefined (+CME ERROR: 3)
            run.writes += 1
            modem.deactivate(item.cid)
            active.discard(item.cid)
        run.writes += 1
        modem.define_context(item.cid, bearer.pdp_type, bearer.apn)
    if item.write_auth:
        run.writes += 1
        modem.set_auth(item.cid, bearer.auth, bearer.username, bearer.password,
                       bearer.apn, bearer.pdp_type, item.name)
    if item.writes:
        ownership.record(key, item.cid, {"apn": bearer.apn, "pdp_type": bearer.pdp_type,
                                         "auth": auth_key(bearer), "role": "service"})
    return _bring_up(run, modem, item, mode, active)


# -- DM server --------------------------------------------------------------------------------


def reach(modem: Modem, profile: Profile, cid: int, timeout: float,
          recheck: bool = False, path: str = "modem",
          rng: "Rng | None" = None) -> DmResult:
    """Resolve and probe the first DM server through the modem's IP stack, or
    (path="host") through the host's, when the modem carries IP for the host
    (PPP, a USB network interface)."""
    server = profile.dm
    assert server is not None
    dm = DmResult(server.host, server.effective_port, server.effective_protocol,
                  server.transport)
    memo = modem.session.get("dm")
    if not recheck and isinstance(memo, DmResult) and (memo.host, memo.port) == (dm.host,
                                                                                  dm.port):
        memo.detail = "reached earlier in this session"
        return memo
    adapter = modem.sockets
    if path == "host":
        from me_lib.modem.sockets.host import HostSockets

        adapter = HostSockets()
    if adapter is None:
        dm.detail = ("%s has no IP stack of its own: reach the DM server through the host "
                     "(PPP or a network interface)" % modem.dialect.name)
        return dm
    from me_lib.provision import probe

    dm.via = ("modem:" + modem.dialect.family) if path != "host" else "host"
    cid = modem.stack_context(cid)
    try:
        if server.host_is_ip:
            dm.ip = server.host
        else:
            addrs = adapter.resolve(server.host, cid, timeout)
            if not addrs:
                raise ProvisionError("dm-reach", "%s did not resolve" % server.host)
            dm.ip = addrs[0]
        if server.transport == "udp":
            dm.rtt = probe.coap_ping(adapter, dm.ip, dm.port, cid, timeout,
                                     clock=adapter.clock,
                                     mid=probe.message_id(rng))
        else:
            dm.rtt = probe.tcp_reach(adapter, dm.ip, dm.port, cid, timeout,
                                     clock=adapter.clock)
        dm.reachable = True
        modem.session["dm"] = dm
    except (ModemRebooted, PortClosed):
        raise               # not "DM server unreachable": the device itself went away
    except MeLibError as exc:
        dm.detail = str(exc)
        dm.error = type(exc).__name__  # NameNotResolved, ConnectFailed, NoAnswer, ...
    return dm


def _dm_summary(dm: DmResult) -> str:
    if dm.reachable:
        return "%s (%s) in %.0f ms" % (dm.host, dm.ip, (dm.rtt or 0) * 1000)
    return "not reached: " + dm.detail

