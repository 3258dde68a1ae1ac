"""`watch()`: keep the device provisioned while the world changes under it.

Events it reacts to (docs/flow.md "Watching"):
- REFRESH from the card (the dialect's URCs: `+CUSATP`, `+QUSIM`, `+UUSIMSTAT`):
  the card files may have changed over the air; the profile is read again and
  only what differs is re-provisioned; a new ICCID/IMSI is a profile switch;
- `+CGEV` deactivation or detach: the context comes back up;
- loss of registration: wait for coverage, then check and repair;
- a reboot banner: the modem lost its state; start again from sync;
- new URSP rules from the network (dialects with `ursp_query`): 27.007 defines
  no URC for them (§10.1.75 +C5GURSPQRY has none), so they are read again on
  each registration URC and a change re-reads the profile and re-provisions
  what differs.

A corrupt EF.DMCFG read after a REFRESH keeps the last good profile (the
sources chain falls back to the cache and says so in the profile's notes).
Errors are recorded on the event and watching goes on; only a closed port
ends it.
"""

from me_lib.at import Rebooted, Urc
from me_lib.errors import MeLibError, PortClosed
from me_lib.log import get_logger
from me_lib.modem.modem import Modem
from me_lib.modem.parsers import parse_cgev
from me_lib.modem.registration import parse_registration
from me_lib.profile import Profile
from me_lib.provision.flow import provision, wait_registered
from me_lib.provision.ownership import Ownership
from me_lib.provision.result import ProvisionResult

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from typing import Any
except ImportError:
    pass

log = get_logger("me_lib.provision")

#: s (modem clock) without a URC that ends a burst; the longest a burst is gathered
SETTLE = 0.5
SETTLE_MAX = 5.0

_DEACT_EVENTS = ("NW PDN DEACT", "ME PDN DEACT", "NW DEACT", "ME DEACT", "NW DETACH",
                 "ME DETACH")


class WatchEvent:
    """What happened and what the watcher did about it."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind          # refresh | profile-switch | deactivated | coverage | reboot
                                  # | ursp
        self.detail = detail
        self.result: ProvisionResult | None = None
        self.profile: Profile | None = None
        self.error: str = ""

    def describe(self) -> str:
        text = "%s (%s)" % (self.kind, self.detail)
        if self.error:
            return text + ": " + self.error
        if self.result is not None:
            text += ": %d writes, %d AT round trips" % (self.result.writes,
                                                        self.result.round_trips)
        if self.profile is not None and self.profile.notes:
            text += "; " + "; ".join(self.profile.notes)
        return text

    def __repr__(self) -> str:
        return "WatchEvent(%s)" % self.describe()


class _Inbox:
    """URC callbacks only record; the watch loop acts, in the caller's thread."""

    def __init__(self, modem: Modem) -> None:
        self.items: list[tuple[str, str]] = []
        self.modem = modem

    def urc(self, urc: Urc) -> None:
        line = urc.line
        up = line.upper()
        if up.startswith("+CGEV:"):
            event, cid = parse_cgev(line)
            if event in _DEACT_EVENTS:
                self.items.append(("deactivated", "%s %s" % (event, "" if cid is None else cid)))
            return
        if up.startswith(("+CEREG:", "+CGREG:", "+C5GREG:")):
            reg = parse_registration(line)
            if reg is None:
                return
            if reg.registered:
                # back before the loop acted on it (or a report queued before watch()
                # began, e.g. the search of the last attach): registration is what it
                # was, so it is no event; a bearer it cost says so with its own +CGEV
                head = reg.domain + " "
                self.items = [(k, d) for k, d in self.items
                              if not (k == "coverage" and d.startswith(head))]
                if self.modem.dialect.ursp_query:
                    # no URC announces new URSP rules: a registration update is when
                    # the network may have sent them
                    self.items.append(("ursp-check", "%s %s" % (reg.domain, reg.state)))
            elif reg.stat in (0, 2, 3, 4):
                self.items.append(("coverage", "%s %s" % (reg.domain, reg.state)))
            return
        self.items.append(("refresh", line))

    def reboot(self, ev: Rebooted) -> None:
        self.items.append(("reboot", ev.banner))


def watch(modem: Modem, profile_reader: Callable[[], Profile],
          profile: Profile | None = None, ownership: Ownership | None = None,
          pin: str | None = None, duration: float | None = None,
          max_events: int | None = None, on_event: Callable[[WatchEvent], None] | None = None,
          registration_timeout: float = 600.0, keep_events: bool = True,
          **provision_args: Any) -> list[WatchEvent]:
    """React to card, network and modem events until `duration` (modem clock) or
    `max_events` handled; returns the events with what was done.

    `keep_events=False`: the events go to `on_event` only and the list returned
    stays empty (a board watching for months keeps no result per event in RAM).
    """
    inbox = _Inbox(modem)
    ch = modem.channel
    prefixes = list(modem.dialect.refresh_urcs)  # no (*a, b): MicroPython cannot compile it
    prefixes.extend(("+CGEV:", "+CEREG:", "+CGREG:", "+C5GREG:"))
    for prefix in prefixes:
        ch.subscribe(prefix, inbox.urc)
    ch.on_reboot(inbox.reboot)
    ownership = ownership or Ownership(None)
    handled: list[WatchEvent] = []
    count = 0
    deadline = None if duration is None else ch.clock() + duration
    current = profile
    # the card the profile in force belongs to; a different one after a REFRESH or
    # a reboot is a profile switch
    iccid = profile.iccid if profile is not None and profile.iccid else _iccid(modem)
    ursp_seen = _ursp(modem)
    try:
        while deadline is None or ch.clock() < deadline:
            if max_events is not None and count >= max_events:
                break
            wait = 1.0 if deadline is None else max(0.0, min(1.0, deadline - ch.clock()))
            ch.poll(wait)
            if any(k == "ursp-check" for k, _ in inbox.items):
                inbox.items = [i for i in inbox.items if i[0] != "ursp-check"]
                now = _ursp(modem)
                if now != ursp_seen:
                    ursp_seen = now
                    inbox.items.append(("ursp", "the network's URSP rules changed"))
            if not inbox.items:
                continue
            _settle(ch, deadline)
            if not inbox.items:     # the rest of the burst undid it (back in coverage)
                continue
            kinds = {k for k, _ in inbox.items}
            detail = "; ".join(d for _, d in inbox.items)
            inbox.items.clear()
            kind = _most_drastic(kinds)
            event = WatchEvent(kind, detail)
            try:
                current, iccid = _handle(modem, event, current, iccid, profile_reader,
                                         ownership, pin, registration_timeout, provision_args)
            except PortClosed:
                raise
            except MeLibError as exc:
                event.error = str(exc)
                log.warning("watch: %s", event.describe())
            inbox.items.clear()      # what our own repair caused is not a new event
            count += 1
            if keep_events:
                handled.append(event)
            if on_event is not None:
                on_event(event)
    finally:
        for prefix in prefixes:
            ch.unsubscribe(prefix, inbox.urc)
    return handled


def _settle(ch: Any, deadline: float | None) -> None:
    """Take the rest of a burst of URCs before acting on its first line.

    What comes together is one event: a search and the registration right after
    it (no event at all), `+CPIN: READY` then `+QUSIM: 1`, reports queued while
    the last run's commands were answered. On a real-time port they reach the
    host a few reads apart, and the first alone would be handled as its own
    event. The burst ends after `SETTLE` s without a URC, at most `SETTLE_MAX` s
    (a chatty module cannot hold the loop), never past `deadline`.
    """
    end = ch.clock() + SETTLE_MAX
    if deadline is not None:
        end = min(end, deadline)
    while ch.clock() < end:
        if not ch.poll(min(SETTLE, max(0.0, end - ch.clock()))):
            return


def _most_drastic(kinds: set[str]) -> str:
    for kind in ("reboot", "refresh", "ursp", "coverage", "deactivated"):
        if kind in kinds:
            return kind
    return sorted(kinds)[0]


def _iccid(modem: Modem) -> str | None:
    try:
        return str(modem.identity().iccid)
    except MeLibError:
        return None


def _ursp(modem: Modem) -> "list[list[str]] | None":
    """The network's URSP rules now (None where the module does not show them)."""
    if not modem.dialect.ursp_query:
        return None
    try:
        return modem.ursp_rules(timeout=10.0)
    except PortClosed:
        raise
    except MeLibError as exc:
        log.info("watch: the network's URSP rules could not be read: %s", exc)
        return None


def _handle(modem: Modem, event: WatchEvent, current: Profile | None, iccid: str | None,
            profile_reader: Callable[[], Profile], ownership: Ownership, pin: str | None,
            registration_timeout: float,
            provision_args: dict[str, Any]) -> tuple[Profile | None, str | None]:
    if event.kind == "reboot":
        modem.reset_session()           # forgets the card with the rest of the session
    elif event.kind == "refresh":
        modem.card_refreshed()          # forgets the card, and reads EF.DMCFG in full
    if event.kind in ("reboot", "refresh"):
        if not modem.started:
            modem.start()
        modem.wait_sim_ready(pin)
        new_iccid = _iccid(modem)
        if iccid is not None and new_iccid is not None and new_iccid != iccid:
            event.kind = "profile-switch"
            event.detail += "; ICCID %s -> %s" % (iccid, new_iccid)
        iccid = new_iccid
        fresh = profile_reader()
        event.profile = fresh
        current = fresh
    elif event.kind == "ursp":
        current = profile_reader()
        event.profile = current
    elif event.kind == "coverage":
        wait_registered(modem, registration_timeout)
    if current is None:
        current = profile_reader()
        event.profile = current
    event.result = provision(modem, current, pin=pin, ownership=ownership,
                             registration_timeout=registration_timeout, **provision_args)
    return current, iccid
