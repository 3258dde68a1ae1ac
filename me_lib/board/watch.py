"""The board core's watch: keep the modem provisioned after the first run (activate and forget).

Its own module so that a board configured for one boot never loads it (code
loaded from .mpy is heap), and a watching board loads it only after the first
provisioning, when the card read's and the DM probe's modules are gone again.
The full library's `me_lib.provision.watch` does the same job with its sources
chain and `WatchEvent` records.
"""

from me_lib.board.flow import REGISTERED, _fields, provision
from me_lib.errors import MeLibError

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

#: +CGEV reports of a context or attach the network took down (27.007 §10.1.19)
DEACT = ("+CGEV: NW DEACT", "+CGEV: NW PDN DEACT", "+CGEV: ME PDN DEACT", "+CGEV: NW DETACH",
         "+CGEV: ME DETACH")
#: what a quiet watch waits per turn (seconds); reports end the wait at once
WATCH_TURN_S = 60.0
#: after a report, further reports within this long are the same event
SETTLE_S = 2.0
#: reports of one burst at most: a module that reports every second for ever (a
#: flapping cell) is handled, not waited out
MAX_BURST = 32


def watch(link: "Any", state: "Any", pin: "str | None" = None,
          seconds: "float | None" = None, events: "int | None" = None,
          on_event: "Any" = None, seed: "int | None" = None, forced: "str | None" = None
          ) -> int:
    """Keep the modem provisioned: provision again after each event; returns the count.

    Events: a REFRESH (the dialect's refresh reports: EF.DMCFG updated over the
    air, or another profile made active; the card is read again and the ICCID
    tells a switch), a context or attach the network took down (+CGEV), a
    registration lost and regained, a reboot. The run after an event changes
    only what differs (0 writes when nothing does). `on_event(kind, detail,
    result, error)` is called once per event; a failed run is reported, not
    raised, except a closed port. Bounded by `seconds` (link clock) and
    `events`; without either it ends only with the port.
    """
    d = link.dialect
    refresh = d.refresh_urcs
    domains = []
    for domain in d.registration_domains:
        if domain != "CREG":
            domains.append("+%s:" % domain)
    prefixes = refresh + DEACT + tuple(domains)
    end = None if seconds is None else link.now() + seconds
    handled = 0
    lost = ""
    # reports the provisioning caused (its own +CFUN=4 detaches, the attach's
    # registration) are no event; the full library's watch never sees them either
    link.urcs = []
    while events is None or handled < events:
        wait = WATCH_TURN_S if end is None else min(WATCH_TURN_S, end - link.now())
        if wait <= 0:
            break
        try:
            text = link.wait(prefixes, wait)
        except MeLibError as exc:
            if exc.__class__.__name__ != "ModemRebooted":
                raise
            kind, text = "reboot", getattr(exc, "banner", "")
        else:
            if text is None:
                continue
            kind = "refresh" if text.startswith(refresh) else "deactivated" if text.startswith(
                DEACT) else ""
            if not kind:  # registration: an event when lost, then when regained
                stat = _fields(text)[0]
                if stat in REGISTERED and lost:
                    kind, text, lost = "coverage", lost + " -> " + text, ""
                elif stat in ("0", "2", "3", "4"):
                    lost = text
                if not kind:
                    continue
        burst = 0
        while burst < MAX_BURST and link.wait(prefixes, SETTLE_S) is not None:
            burst += 1  # the rest of the same burst (a module that never stops: bounded)
        result = error = None
        try:
            result = provision(link, state, pin, seed, forced)
        except MeLibError as exc:
            if exc.__class__.__name__ == "PortClosed":
                raise
            error = exc.message
        link.urcs = []  # what our own repair caused is not a new event
        handled += 1
        if on_event is not None:
            on_event(kind, text, result, error)
    return handled
