"""Planning: what the modem must change so that its contexts match the profile.

The plan is computed from the profile and what the modem already has, before
anything is written, so `--dry-run` can show it and a second run on a
provisioned modem finds nothing to do. Rules (docs/flow.md "Idempotence"):

- APN0 goes on the default-bearer context (cid 1, 0 on nRF91): on LTE the
  attach *is* that context's activation. A context whose APN matches APN0
  without the `.mncXXX.mccYYY.gprs` suffix the network appends is adopted.
- A service APN reuses a context that already has its APN, else takes a cid
  the library owns from an earlier run, else the first free cid from
  `+CGDCONT=?` (undefined first, then a predefined empty, inactive one).
- A service that finds no cid is left out (`Plan.unplaced`, with why): the
  others are still provisioned. Why is one of two things, told apart: every cid
  is taken by contexts the library did not create, or the module simply
  offers too few (`+CGDCONT=?` says `(1-2)`).
- Contexts the library did not create are never changed or deleted; the
  default-bearer context is the one exception, because APN0 belongs there.
- "Created" is exact: a recorded cid counts as ours only while the modem still
  holds the APN and PDP type the library recorded there. A context the user
  redefined since is the user's; its record is dropped (`Plan.forget`).
- A network-provided APN (empty in the profile) matches a context defined empty
  and, once the network filled it in, the APN the network gave it: many modules
  show that in `+CGDCONT?` while the context is up, so a recorded empty APN
  also matches the network APN recorded with it. A context defined empty whose
  network APN (`+CGCONTRDP`, `ModemState.network_apns`) equals a profile APN
  matches that APN: the network already gives what the profile asks for.
"""

from me_lib.codec import apn_rules
from me_lib.profile import Bearer, Profile

try:  # names for the annotations only (MicroPython has no typing)
    from typing import Any

    from me_lib.modem.parsers import PdpContext
except ImportError:
    pass


class ModemState:
    """What the plan needs to know about the modem right now."""

    def __init__(self, contexts: list[PdpContext], cids: list[int], default_cid: int,
                 owned: dict[int, dict[str, Any]] | None = None,
                 network_apns: dict[int, str] | None = None) -> None:
        self.contexts = {c.cid: c for c in contexts}
        self.cids = cids
        self.default_cid = default_cid
        #: cid -> {"apn", "pdp_type", "auth"} for contexts this library wrote earlier
        self.owned = dict(owned or {})
        #: cid -> the APN the network gave a context defined with an empty one (+CGCONTRDP)
        self.network_apns = dict(network_apns or {})


class ContextPlan:
    """One bearer's context and what to do about it."""

    def __init__(self, role: str, bearer: Bearer, cid: int, action: str, reason: str,
                 write_auth: bool) -> None:
        self.role = role                  # "apn0" | "service"
        self.bearer = bearer
        self.cid = cid
        self.action = action              # "keep" | "define"
        self.reason = reason
        self.write_auth = write_auth

    @property
    def writes(self) -> bool:
        return self.action == "define" or self.write_auth

    @property
    def name(self) -> str:
        if self.role == "apn0":
            return "APN0"
        return service_name(self.bearer)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "cid": self.cid, "apn": self.bearer.apn,
                "pdp_type": self.bearer.pdp_type, "action": self.action,
                "write_auth": self.write_auth, "reason": self.reason}

    def __repr__(self) -> str:
        return "ContextPlan(%s cid %d %s: %s)" % (self.name, self.cid, self.action, self.reason)


class Plan:
    """Every bearer's context plan plus the owned contexts to release."""

    def __init__(self, items: list[ContextPlan], release: list[int],
                 forget: list[tuple[int, str]] | None = None,
                 unplaced: list[tuple[Bearer, str]] | None = None) -> None:
        self.items = items
        self.release = release
        #: (cid, why) of records that no longer describe the modem: drop them, touch nothing
        self.forget = list(forget or [])
        #: (bearer, why) of service bearers that got no context on this module
        self.unplaced = list(unplaced or [])

    @property
    def apn0(self) -> ContextPlan:
        """The plan of the APN0 context (the first item)."""
        return self.items[0]

    @property
    def services(self) -> list[ContextPlan]:
        """The plans of the service contexts (every item after APN0)."""
        return self.items[1:]

    @property
    def writes(self) -> int:
        """How many writes the plan makes (definitions, authentications, releases):
        0 means the modem already matches the profile.
        """
        return sum(1 for i in self.items if i.action == "define") + sum(
            1 for i in self.items if i.write_auth) + len(self.release)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data, for `--dry-run --json`."""
        return {"contexts": [i.to_dict() for i in self.items], "release": self.release,
                "forget": [{"cid": c, "reason": r} for c, r in self.forget],
                "unplaced": [{"name": service_name(b), "apn": b.apn, "reason": r}
                             for b, r in self.unplaced],
                "writes": self.writes}


def service_name(bearer: Bearer) -> str:
    """How results name a service bearer: its services, else its APN."""
    return ",".join(bearer.services) or bearer.apn


def auth_key(bearer: Bearer) -> str:
    """What identifies the applied authentication, without keeping the password."""
    if bearer.auth == "none":
        return "none"
    import binascii
    import hashlib

    # digest() and hexlify: MicroPython's sha256 has no hexdigest()
    digest = hashlib.sha256(("%s\0%s" % (bearer.username or "", bearer.password or ""))
                            .encode()).digest()
    return "%s:%s" % (bearer.auth, binascii.hexlify(digest).decode()[:16])


def _matches(ctx: PdpContext | None, bearer: Bearer,
             network_apns: dict[int, str] | None = None) -> bool:
    if ctx is None:
        return False
    if bearer.apn == "":
        return True               # network-provided: whatever the network gave is right
    if not _same_type(ctx.pdp_type, bearer.pdp_type):
        return False
    if bearer.same_apn(ctx.apn):
        return True
    # defined empty, and the network gave it the very APN the profile names
    given = (network_apns or {}).get(ctx.cid, "") if not ctx.apn else ""
    return bool(given) and bearer.same_apn(given)


def _network_provided(state: ModemState, cid: int, bearer: Bearer) -> bool:
    """Whether service context `cid` is a network-provided one of `bearer`'s type:
    defined empty (whoever did), or ours recorded empty (the modem may show the
    APN the network filled in; `_still_ours` checked it is that one)."""
    ctx = state.contexts.get(cid)
    if ctx is None or not _same_type(ctx.pdp_type, bearer.pdp_type):
        return False
    entry = state.owned.get(cid)
    return ctx.apn == "" or (entry is not None and entry.get("apn") == "")


def _same_type(have: str, want: str) -> bool:
    # An empty type (a line with no <PDP_type>) is no type: it matches nothing, so such
    # a context is redefined rather than adopted with a type nobody chose.
    return have != "" and have.upper().replace("-", "") == want.upper().replace("-", "")


def _still_ours(state: ModemState) -> tuple[dict[int, dict[str, Any]], list[tuple[int, str]]]:
    """The records that still describe the modem, and (cid, why) of those that do not.

    A recorded cid is ours only while its context holds the APN and PDP type the
    library wrote: one the user redefined since is the user's and must stay
    untouched. A record whose cid is no longer defined is kept (the cid is free
    and ours to reuse). The default-bearer record only remembers APN0's
    authentication: that context is changed whoever wrote it.
    """
    owned: dict[int, dict[str, Any]] = {}
    forget: list[tuple[int, str]] = []
    for cid in sorted(state.owned):
        entry = state.owned[cid]
        ctx = state.contexts.get(cid)
        if cid == state.default_cid or ctx is None:
            owned[cid] = entry
            continue
        apn = entry.get("apn")
        pdp_type = entry.get("pdp_type")
        if (isinstance(apn, str) and isinstance(pdp_type, str)
                and _holds(apn, entry.get("network_apn"), ctx.apn)
                and _same_type(ctx.pdp_type, pdp_type)):
            owned[cid] = entry
        else:
            forget.append((cid, "cid %d was redefined outside me_lib (now %s %r, recorded "
                                "%s %r): it is the user's and stays untouched"
                           % (cid, ctx.pdp_type or "no type", ctx.apn, pdp_type, apn)))
    return owned, forget


def _holds(recorded: str, network_apn: Any, shown: str) -> bool:
    """Whether a context showing APN `shown` still holds the `recorded` one.

    A recorded empty (network-provided) APN is held while the context shows
    none, or the APN the network gave it when it was last up (recorded with it):
    many modules show that in `+CGDCONT?` instead of the empty definition.
    """
    if recorded:
        return apn_rules.same_apn(recorded, shown)
    if not shown:
        return True
    return isinstance(network_apn, str) and bool(network_apn) and apn_rules.same_apn(
        network_apn, shown)


def _auth_needed(state: ModemState, cid: int, bearer: Bearer) -> bool:
    """Whether a kept context needs +CGAUTH: only our record knows what was applied.

    Without a record (the user's context, or APN0 adopted as found) the modem
    will not show its password, so any authentication the profile asks for is
    written.
    """
    key = auth_key(bearer)
    owned = state.owned.get(cid)
    if owned is not None:
        return bool(owned.get("auth", "none") != key)
    return key != "none"


def plan(profile: Profile, state: ModemState) -> Plan:
    """The context plan for `profile` on a modem in `state` (see the module docstring)."""
    owned, forget = _still_ours(state)
    state = ModemState(list(state.contexts.values()), state.cids, state.default_cid, owned,
                       state.network_apns)
    items: list[ContextPlan] = []
    dcid = state.default_cid
    current = state.contexts.get(dcid)
    apn0 = profile.apn0
    if _matches(current, apn0, state.network_apns):
        items.append(ContextPlan("apn0", apn0, dcid, "keep",
                                 "default bearer already has APN %r" % (
                                     current.apn if current else ""),
                                 _auth_needed(state, dcid, apn0)))
    else:
        items.append(ContextPlan("apn0", apn0, dcid, "define",
                                 "default bearer has %r" % (current.apn if current else None),
                                 apn0.auth != "none"))
    taken = {dcid}
    unplaced: list[Bearer] = []
    for bearer in profile.service_bearers:
        found = _service_cid(state, bearer, taken)
        if found is None:
            unplaced.append(bearer)
            continue
        cid, action, reason = found
        taken.add(cid)
        items.append(ContextPlan("service", bearer, cid, action, reason,
                                 _auth_needed(state, cid, bearer)
                                 if action == "keep" else bearer.auth != "none"))
    release = sorted(c for c in state.owned if c not in taken and c != dcid
                     and c in state.contexts)
    return Plan(items, release, forget, _why_unplaced(state, unplaced, items))


def _why_unplaced(state: ModemState, unplaced: list[Bearer],
                  items: list[ContextPlan]) -> list[tuple[Bearer, str]]:
    """Why each left-out service got no context, in words that fit this modem.

    "In use by contexts this library did not create" only when such contexts
    hold cids the module offers; otherwise the module just offers too few.
    """
    if not unplaced:
        return []
    names = ", ".join(service_name(b) for b in unplaced)
    ours = set(i.cid for i in items)
    foreign = [c for c in state.cids
               if c not in ours and c in state.contexts and c not in state.owned]
    offered = ",".join(str(c) for c in state.cids)
    if foreign:
        why = ("no free context for %s: cid(s) %s of the cids the modem offers (%s) are in "
               "use by contexts this library did not create; free one on the modem or drop "
               "a service from the profile" % (
                   names, ",".join(str(c) for c in foreign), offered))
    else:
        why = ("no context for %s: the module offers only %d context(s) (cids %s), all "
               "taken by APN0 and the other services; drop a service from the profile or "
               "use a module with more contexts" % (names, len(state.cids), offered))
    return [(b, why) for b in unplaced]


def _service_cid(state: ModemState, bearer: Bearer,
                 taken: set[int]) -> tuple[int, str, str] | None:
    # 1. a context that already carries this APN (ours or the user's: same thing)
    for cid in sorted(state.contexts):
        ctx = state.contexts[cid]
        if cid in taken or cid == state.default_cid:
            continue
        if bearer.apn and _matches(ctx, bearer, state.network_apns):
            return cid, "keep", "cid %d already has APN %r" % (cid, ctx.apn)
        if not bearer.apn and _network_provided(state, cid, bearer):
            return cid, "keep", "cid %d already has the network-provided APN%s" % (
                cid, " (%r)" % ctx.apn if ctx.apn else "")
    # 2. a cid we own from an earlier run (its APN changed with the profile)
    for cid in sorted(state.owned):
        if cid not in taken and cid != state.default_cid:
            return cid, "define", "our cid %d from an earlier profile" % cid
    # 3. the first free cid the modem accepts
    for cid in state.cids:
        if cid not in taken and cid != state.default_cid and cid not in state.contexts:
            return cid, "define", "free cid %d" % cid
    for cid in state.cids:
        spare = state.contexts.get(cid)
        if (cid not in taken and cid != state.default_cid and spare is not None
                and not spare.apn and not spare.active):
            return cid, "define", "predefined empty cid %d" % cid
    return None
