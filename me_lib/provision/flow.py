"""`provision()`: apply a profile to a modem, changing only what differs (docs/flow.md "The flow").

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

import time

from me_lib.at.causes import EMM_CAUSES
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
from me_lib.modem.activation import method
from me_lib.modem.known import KnownModules
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
from me_lib.provision.retry import DEFAULT as DEFAULT_RETRY
from me_lib.provision.retry import PERMANENT_EMM_CAUSES, RetryPolicy

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from os import PathLike
    from typing import Any

    from me_lib.modem.parsers import ContextInfo, PdpContext
    from me_lib.provision.probe import Rng
except ImportError:
    pass

log = get_logger("me_lib.provision")

#: The cid of a service's result when the module had no context for it.
NO_CID = -1

#: Seconds after which a DM server reached earlier is probed again although
#: nothing changed (provision(recheck_dm_after=...)).
RECHECK_DM_AFTER = 24 * 3600.0
#: Seconds after switching the radio on before registration is first polled (the
#: +CEREG URC normally says it first; each poll reads every domain)
FIRST_POLL_AFTER_RADIO_ON = 10.0
#: Seconds to wait for the +CEREG report of a burst whose +CGREG said "registered"
EPS_REPORT_GRACE = 0.3

try:
    from typing import TypeAlias

    Progress: TypeAlias = "Callable[[str, str, str], None]"
except ImportError:
    pass


def _quiet(step: str, status: str, detail: str) -> None:
    return None


class _Run:
    """One provision run: its options, what the steps found so far, and the bookkeeping.

    Round trips, writes and bytes are counted at the channel (`modem.wire_since`
    for the run, the channel's counters around each step): everything the
    modem object sent since it was opened (sync, identification, the profile
    read) or since the previous provision() on it returned. A write is a
    command the channel's idempotence table calls one; it counts only in the
    steps that configure the module (`STEPS`), not the DM probe's socket
    commands or the PIN.
    """

    def __init__(self, modem: Modem, profile: Profile, progress: Progress, pin: str | None,
                 force_pin: bool, ownership: Ownership, services: str,
                 registration_timeout: float, reach_dm: bool, dm_policy: "_DmPolicy",
                 probe_timeout: float, dm_path: str, probe_rng: "Rng | None",
                 retry: RetryPolicy) -> None:
        self.modem = modem
        self.profile = profile
        self.progress = progress
        self.result = ProvisionResult()
        self.writes = 0
        ch = modem.channel
        self._t0 = ch.clock()
        self._rt0, self._out0, self._in0 = modem.wire_since
        # the options of provision()
        self.pin = pin
        self.force_pin = force_pin
        self.ownership = ownership
        self.services = services
        self.registration_timeout = registration_timeout
        self.reach_dm = reach_dm
        self.dm_policy = dm_policy
        self.probe_timeout = probe_timeout
        self.dm_path = dm_path
        self.probe_rng = probe_rng
        self.retry = retry
        # what the steps found
        self.key = ""
        self.plan = Plan([], [])
        self.radio_on = False
        self.reg: Registration | None = None
        self.attached_now = False
        self.active: set[int] = set()
        self.apn0_was_up = False
        self.apn0: ContextResult | None = None

    def step(self, name: str, detail: str, body: "Callable[[_Run], str]",
             counts_writes: bool) -> None:
        """Run one step: progress before and after, its time, round trips and writes."""
        ch = self.modem.channel
        self.progress(name, "start", detail)
        t0, rt0, w0 = ch.clock(), ch.round_trips, ch.writes
        done = body(self)
        writes = ch.writes - w0 if counts_writes else 0
        self.writes += writes
        self.result.steps.append(StepTiming(name, ch.clock() - t0, ch.round_trips - rt0,
                                            writes))
        self.progress(name, "done", done)

    def finish(self) -> ProvisionResult:
        ch = self.modem.channel
        r = self.result
        r.round_trips = ch.round_trips - self._rt0
        r.writes = self.writes
        r.bytes_out = ch.bytes_out - self._out0
        r.bytes_in = ch.bytes_in - self._in0
        r.seconds = ch.clock() - self._t0
        self.modem.wire_since = (ch.round_trips, ch.bytes_out, ch.bytes_in)
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
              force_pin: bool = False, recheck_dm_after: float = RECHECK_DM_AFTER,
              known: "KnownModules | None" = None,
              retry: RetryPolicy | None = None) -> ProvisionResult:
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

    The DM server is probed when the profile's server or APN0 changed, when
    this run changed or brought up APN0's context, or when it was last reached
    more than `recheck_dm_after` seconds ago (wall time; `recheck_dm` forces a
    probe); otherwise `result.dm` says when it was last reached and that it
    was not probed again. That record lives in `known` (default: the modem's
    own, else `<state_dir>/known.json`). `retry`: which refusals are final and
    how transient ones back off (`me_lib.provision.retry.RetryPolicy`).
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
    if known is None:
        known = modem.known
    if known is None and state_dir is not None:
        folder = str(state_dir)
        known = KnownModules(folder + ("" if not folder or folder.endswith("/") else "/")
                             + "known.json")
    dm_policy = _DmPolicy(known, recheck_dm, recheck_dm_after)
    attempts = 0
    failed_saves = ownership.failed_saves
    while True:
        run = _Run(modem, profile, progress or _quiet, pin, force_pin, ownership, services,
                   registration_timeout, reach_dm, dm_policy, probe_timeout, dm_path,
                   probe_rng, retry or DEFAULT_RETRY)
        try:
            _provision_once(run)
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


# -- the steps --------------------------------------------------------------------------
# Each takes the run and returns the detail of its "done" progress line.


def _start(run: _Run) -> str:
    ident = run.modem.start()
    return "%s %s (%s)" % (ident.manufacturer, ident.model, run.modem.dialect.name)


def _sim(run: _Run) -> str:
    run.modem.wait_sim_ready(run.pin, run.force_pin)
    return "ready"


def _plan(run: _Run) -> str:
    modem, result = run.modem, run.result
    run.key = modem_key(modem)
    run.plan = the_plan = make_plan(modem, run.profile, run.ownership)
    for cid, why in the_plan.forget:
        run.ownership.release(run.key, cid)
        result.notes.append("dropped the record of cid %d: %s" % (cid, why))
    if modem.contexts_unknown:
        result.notes.append(
            "the module refused AT+CGDCONT?, so its contexts are unknown: planned as if "
            "none were defined (each run defines them again; a context defined outside "
            "me_lib on a cid the plan uses is overwritten)")
    return "%d change(s)" % the_plan.writes


def _apn0(run: _Run) -> str:
    run.radio_on = _apply_apn0(run.modem, run.plan.apn0, run.ownership, run.key)
    return run.plan.apn0.action


def _register(run: _Run) -> str:
    modem = run.modem
    # the radio was switched on a moment ago: it cannot have registered yet, so
    # the registration URC is awaited (polling as a fallback) without a first read
    reg = None if run.radio_on else _registered_now(modem)
    run.attached_now = reg is None        # contexts came up during this step
    if reg is None:
        if not run.radio_on and modem.functionality() != 1:
            modem.set_functionality(1)
        # just polled (or just switched on: a search takes seconds, usually more than
        # five): let the URC tell us before polling, which is only the fallback
        reg = wait_registered(modem, run.registration_timeout, lambda d: run.progress(
            "register", "wait", d), first_poll=FIRST_POLL_AFTER_RADIO_ON if run.radio_on
            else 5.0, permanent=run.retry.permanent_emm_causes)
    run.reg = reg
    run.result.registration = "%s %s" % (reg.domain, reg.state)
    return run.result.registration


def _attach(run: _Run) -> str:
    modem, reg = run.modem, run.reg
    assert reg is not None
    # EPS registration is an attach (the default bearer is up); GPRS/3G needs +CGATT.
    if not _eps_registered(modem, reg) and not modem.attached():
        modem.attach()
        if not modem.wait(modem.attached, 60.0, poll=2.0):
            raise ProvisionError("attach", "registered but not attached (+CGATT: 0)",
                                 hint="the network refuses packet service for this SIM")
    # What is up: from the plan's read, unless the radio went off and on since
    # (then read once more); our own activations keep it current after that.
    # After our own radio cycle (CFUN=4 tore every context down) only the default
    # bearer can be up again, and only where the attach itself brings it up (the
    # +CGACT view): a vendor IP stack's context (+QIACT, #SGACT, +CNACT) needs
    # its own activation, which nobody sent since.
    if run.radio_on:
        run.active = (modem.active_cids(default_only=True)
                      if method(modem.dialect.activation)["up_with_attach"] else set())
    elif run.attached_now or run.plan.apn0.action == "define":
        run.active = modem.active_cids()
    else:
        run.active = set(modem.session.get("active", set()))
    run.apn0_was_up = run.plan.apn0.cid in run.active and not run.plan.apn0.writes
    return "attached"


def _apn0_up(run: _Run) -> str:
    run.apn0 = _bring_up(run, run.plan.apn0, None)
    run.result.contexts.append(run.apn0)
    return run.apn0.state


def _dm(run: _Run) -> str:
    modem, profile, policy, result = run.modem, run.profile, run.dm_policy, run.result
    result.dm = policy.remembered(modem, profile, run.key,
                                  unchanged=run.apn0_was_up and not run.plan.writes)
    if result.dm is None:
        result.dm = reach(modem, profile, run.plan.apn0.cid, run.probe_timeout,
                          policy.recheck, run.dm_path, run.probe_rng)
        policy.record(result.dm, profile, run.key)
    return _dm_summary(result.dm)


def _services(run: _Run) -> str:
    modem, result, the_plan, key = run.modem, run.result, run.plan, run.key
    for item in the_plan.services:
        result.contexts.append(_service(run, item))
    for bearer, why in the_plan.unplaced:
        # no cid for it on this module: the others are provisioned, this one fails
        ctx = ContextResult("service", service_name(bearer), NO_CID, bearer.apn,
                            bearer.pdp_type)
        ctx.state = "failed"
        ctx.error = why
        result.contexts.append(ctx)
        result.notes.append(why)
    for cid in the_plan.release:
        if cid in run.active:
            modem.deactivate(cid)
            run.active.discard(cid)
        modem.undefine_context(cid)
        run.ownership.release(key, cid)
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
            _record_network_apn(run.ownership, key, item, infos.get(item.cid))
    return "%d context(s)" % len(the_plan.services)


def _needs_start(run: _Run) -> bool:
    return not run.modem.started


def _dm_due(run: _Run) -> bool:
    return (run.reach_dm and run.profile.dm is not None and run.apn0 is not None
            and run.apn0.state == "active")


def _apn0_name(run: _Run) -> str:
    return run.profile.apn0.apn or "(network-provided)"


def _dm_where(run: _Run) -> str:
    dm = run.profile.dm
    return "%s:%d" % (dm.host, dm.effective_port) if dm is not None else ""


#: The flow, in order (docs/flow.md "The flow"): (name, when it runs (None:
#: always), the detail of its "start" progress line (None: none), what it does,
#: whether the writes it sends count in `result.writes`).
STEPS = (
    ("start", _needs_start, None, _start, False),
    ("sim", None, None, _sim, False),
    ("plan", None, None, _plan, False),
    ("apn0", None, _apn0_name, _apn0, True),
    ("register", None, None, _register, True),
    ("attach", None, None, _attach, True),
    ("apn0-up", None, None, _apn0_up, True),
    ("dm", _dm_due, _dm_where, _dm, False),
    ("services", None, None, _services, True),
)


def _provision_once(run: _Run) -> None:
    result = run.result
    result.profile = run.profile.to_dict()
    for name, when, starting, body, counts_writes in STEPS:
        if when is None or when(run):
            run.step(name, starting(run) if starting is not None else "", body,
                     counts_writes)
    if run.modem.ident is not None:
        result.modem = dict(run.modem.ident.to_dict(), dialect=run.modem.dialect.name)


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
        rsp = modem.command("AT+CGCONTRDP", prefix="+CGCONTRDP:",
                            timeout=modem.dialect.timeout("AT+CGCONTRDP"))
    except (AtCommandError, CmeError):
        return {}
    out = {}
    for cid in empty:
        info = parse_cgcontrdp(rsp.lines, cid)
        if info is not None and info.apn:
            out[cid] = info.apn
    return out


# -- APN0, registration ------------------------------------------------------------------


def _apply_apn0(modem: Modem, item: ContextPlan, ownership: Ownership, key: str) -> bool:
    """Put APN0 on the default bearer; True when this left the radio on (CFUN=1)."""
    if not item.writes:
        return False
    bearer = item.bearer
    radio_cycled = False
    if item.action == "define":
        # the radio goes off whatever it was (no +CFUN? first: switching off a radio
        # that is off costs the same round trip as asking), and on again below
        if modem.dialect.default_apn_change_needs_radio_off:
            modem.set_functionality(modem.dialect.radio_off_cfun)
            radio_cycled = True
        modem.define_context(item.cid, bearer.pdp_type, bearer.apn)
    if item.write_auth:
        modem.set_auth(item.cid, bearer.auth, bearer.username, bearer.password,
                       bearer.apn, bearer.pdp_type, item.name)
    if radio_cycled:
        modem.set_functionality(1)
    ownership.record(key, item.cid, {"apn": bearer.apn, "pdp_type": bearer.pdp_type,
                                     "auth": auth_key(bearer), "role": "apn0"})
    return radio_cycled


#: Access technologies of an EPS or 5GS registration (27.007 names, and the
#: dialect table's for vendors that number them their own way): the attach
#: brought the default bearer up, so no +CGATT is needed.
_EPS_ACT_NAMES = ("LTE", "LTE-M", "NB-IoT", "LTE_NB_IOT", "5GNR", "LTE_5GNR")


def _eps_registered(modem: Modem, reg: Registration) -> bool:
    """Registered in EPS/5GS, by the domain that answered, its AcT, or a +CEREG URC."""
    if reg.domain in ("CEREG", "C5GREG"):
        return True
    if reg.act is not None and modem.dialect.act_name(reg.act, reg.act_name) in _EPS_ACT_NAMES:
        return True
    for domain in ("CEREG", "C5GREG"):
        other = modem.latest_registrations().get(domain)
        if other is not None and other.registered:
            return True
    return False


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
                    first_poll: float = 0.0,
                    permanent: tuple[int, ...] = PERMANENT_EMM_CAUSES) -> Registration:
    """Registered (home or roaming) in a packet domain, by URC and by polling all three
    (the first poll after `first_poll` seconds, then every 5 s). A rejection with an
    EMM cause in `permanent` is reported as one to take to the operator."""
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
                if domain == "CGREG" and "CEREG" in modem.dialect.registration_domains:
                    # URCs come in a burst (+CREG, +CGREG, +CEREG): the EPS report of
                    # the same burst, if any, decides (no +CGATT? then)
                    modem.channel.poll(EPS_REPORT_GRACE)
                    eps = modem.latest_registrations().get("CEREG")
                    if eps is not None and eps.registered:
                        return eps
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
                                     "contact the operator" if cause in permanent
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


def _bring_up(run: _Run, item: ContextPlan, mode: str | None) -> ContextResult:
    ctx = ContextResult(item.role, item.name, item.cid, item.bearer.apn, item.bearer.pdp_type)
    ctx.action = item.action
    if mode == "on-demand":
        ctx.state = "on-demand"
        return ctx
    try:
        if item.cid not in run.active:
            _activate_with_backoff(run.modem, item.cid, item.bearer, run.retry)
            run.active.add(item.cid)
        ctx.state = "active"
    except ActivationRejected as exc:
        ctx.state = "failed"
        ctx.cause = exc.cause
        ctx.error = "ESM cause unknown (refused by the network)" if exc.cause is None \
            else "ESM cause #%d %s" % (exc.cause, exc.cause_name)
    except (ModemRebooted, PortClosed):
        raise               # the session is over, not this context
    except AtError as exc:
        ctx.state = "failed"
        ctx.error = str(exc)
    return ctx


def _activate_with_backoff(modem: Modem, cid: int, bearer: Bearer,
                           policy: RetryPolicy = DEFAULT_RETRY) -> None:
    tries = 0
    while True:
        try:
            modem.activate(cid, bearer)
            return
        except ActivationRejected as exc:
            tries += 1
            pause = policy.pause(tries)
            if exc.cause in policy.final_causes or pause is None:
                raise
            log.info("activation of cid %d: cause #%s, retrying in %.0f s", cid,
                     "?" if exc.cause is None else exc.cause, pause)
        except AtTimeout:
            tries += 1
            pause = policy.pause(tries)
            if pause is None:
                raise
        modem.channel.poll(pause)


def _service(run: _Run, item: ContextPlan) -> ContextResult:
    modem, bearer = run.modem, item.bearer
    if item.action == "define":
        if item.cid in run.active:
            # our context from an earlier profile, still up: an active context
            # cannot be redefined (+CME ERROR: 3)
            modem.deactivate(item.cid)
            run.active.discard(item.cid)
        modem.define_context(item.cid, bearer.pdp_type, bearer.apn)
    if item.write_auth:
        modem.set_auth(item.cid, bearer.auth, bearer.username, bearer.password,
                       bearer.apn, bearer.pdp_type, item.name)
    if item.writes:
        run.ownership.record(run.key, item.cid, {"apn": bearer.apn,
                                                 "pdp_type": bearer.pdp_type,
                                                 "auth": auth_key(bearer), "role": "service"})
    return _bring_up(run, item, run.services)


# -- DM server --------------------------------------------------------------------------------


def _wall() -> float:
    """Seconds on the wall clock: the DM record must mean the same in the next process."""
    return float(time.time())


class _DmPolicy:
    """When the DM server is probed, and the record of when it was last reached."""

    def __init__(self, known: "KnownModules | None", recheck: bool, after: float) -> None:
        self.known = known
        self.recheck = recheck
        self.after = after

    @staticmethod
    def _what(profile: Profile) -> dict[str, Any]:
        server = profile.dm
        assert server is not None
        return {"host": server.host, "port": server.effective_port,
                "protocol": server.effective_protocol, "apn0": profile.apn0.apn,
                "pdp_type": profile.apn0.pdp_type}

    def remembered(self, modem: Modem, profile: Profile, key: str,
                   unchanged: bool) -> DmResult | None:
        """The DM result without a probe, or None when it must be probed."""
        if self.recheck or self.known is None or not unchanged:
            return None
        row = self.known.dm(key)
        if row is None:
            return None
        what = self._what(profile)
        for name in sorted(what):
            if row.get(name) != what[name]:
                return None
        reached = row.get("reached")
        if not isinstance(reached, (int, float)):
            return None
        age = _wall() - reached
        if not 0 <= age <= self.after:
            return None
        dm = DmResult(what["host"], what["port"], what["protocol"],
                      profile.dm.transport if profile.dm else "udp")
        dm.reachable = True
        dm.probed = False
        dm.last_reached = float(reached)
        ip = row.get("ip")
        dm.ip = ip if isinstance(ip, str) else None
        via = row.get("via")
        dm.via = via if isinstance(via, str) else ""
        dm.detail = ("last reached %.0f s ago; not probed again (nothing changed since; "
                     "re-probed after %.0f s, or with recheck_dm)" % (age, self.after))
        return dm

    def record(self, dm: DmResult, profile: Profile, key: str) -> None:
        if self.known is None or not dm.reachable or not dm.probed:
            return
        row = self._what(profile)
        row.update({"reached": _wall(), "ip": dm.ip, "via": dm.via})
        self.known.remember_dm(key, row)


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
        again = DmResult(memo.host, memo.port, memo.protocol, memo.transport)
        again.ip, again.rtt, again.reachable, again.via = (memo.ip, memo.rtt, memo.reachable,
                                                           memo.via)
        again.detail = "reached earlier in this session"
        again.probed = False
        return again
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

