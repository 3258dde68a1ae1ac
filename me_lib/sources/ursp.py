"""Sources `ursp` (EF_URSP on the USIM) and `ursp-network` (the MT's URSP rules).

URSP (TS 24.526 §5.2) is how 5GS provisions "a DNN per service": each rule
matches some traffic (an app, a DNN, a destination FQDN, everything) and
routes it by its route selection descriptors. The profile's view of a rule:

- the service is named after the rule's OS App Id, else its DNN traffic
  component, else its destination FQDN, else its connection capabilities
  (normalised to `[a-z0-9._-]{1,32}`); a rule matching only addresses or
  ports names no service and is noted;
- its bearer is the DNN and PDU session type of its best usable route
  (the lowest precedence value; routes with components we do not know
  are skipped as the spec says);
- APN0 is the route of the rule whose FQDN is a DM server the chain
  already knows, else the route of the match-all rule (the default route,
  which is what carries DM traffic no other rule names). The FQDN rules are
  also given as `host_routes`, so a DM server a later source names is
  placed on the bearer its FQDN rule routes it to.

Rules are taken per PLMN: those for the registered PLMN when the file has
some (asked of the modem only when the file holds another PLMN than the
home one), else those of the HPLMN (IMSI + EF_AD). EF_URSP is read only when
EF_UST service n°132 is set. docs/ursp.md has the layout and what is unsure.
"""

from me_lib.codec import ursp
from me_lib.errors import DecodeError, MeLibError, ProfileError
from me_lib.profile import Bearer
from me_lib.sources.base import FATAL, Partial, SourceContext, invalid_note, reason

ORIGIN = "usim:EF_URSP"
NETWORK_ORIGIN = "network:URSP"

#: PDU session type -> profile PDP type (Ethernet has none: such a route is noted)
PDP_TYPES = {ursp.PDU_IPV4: "IP", ursp.PDU_IPV6: "IPV6", ursp.PDU_IPV4V6: "IPV4V6",
             ursp.PDU_UNSTRUCTURED: "Non-IP"}


def rule_service(rule: ursp.UrspRule) -> str | None:
    """The service name a rule stands for, None for match-all or address-only rules."""
    texts: list[str] = list(rule.app_ids)
    for kind in (ursp.TD_DNN, ursp.TD_FQDN):
        texts.extend([v for v in rule.traffic_of(kind) if isinstance(v, str)])
    for caps in rule.traffic_of(ursp.TD_CONNECTION_CAPABILITIES):
        if isinstance(caps, tuple):
            texts.extend([ursp.CONNECTION_CAPABILITIES[c] for c in caps
                          if c in ursp.CONNECTION_CAPABILITIES])
    for text in texts:
        name = ursp.service_name(text)
        if name is not None:
            return name
    return None


def _bearer(rule: ursp.UrspRule, name: str, notes: list[str]) -> Bearer | None:
    """The bearer of the rule's best usable route, or None (with a note)."""
    what = "rule %d" % rule.precedence
    routes = rule.usable_routes
    if not routes:
        notes.append("%s: %s has no usable route selection descriptor; skipped" % (name, what))
        return None
    route = routes[0]
    if route.dnn is None:
        notes.append("%s: %s: its best route names no DNN (the UE's default DNN applies); "
                     "skipped" % (name, what))
        return None
    pdu = route.pdu_session_type
    pdp = "IP" if pdu is None else PDP_TYPES.get(pdu)
    if pdp is None:
        notes.append("%s: %s: PDU session type %s has no PDP type; skipped"
                     % (name, what, ursp.PDU_SESSION_TYPES.get(pdu or 0, str(pdu))))
        return None
    try:
        return Bearer(route.dnn, pdp)
    except ProfileError as exc:
        notes.append(invalid_note(name, "%s DNN" % what, route.dnn, exc))
        return None


def partial_from_rules(rules: "list[ursp.UrspRule] | tuple[ursp.UrspRule, ...]", origin: str,
                       name: str, dm_hosts: "list[str]") -> Partial:
    """The profile fields a rule set answers (module docstring)."""
    part = Partial(origin)
    ordered = [r for r in rules if r.skipped is None]
    for r in rules:
        if r.skipped is not None:
            part.notes.append("%s: rule %d skipped: %s" % (name, r.precedence, r.skipped))
    ordered.sort(key=lambda r: r.precedence)   # stable: equal precedences keep file order
    groups: list[tuple[Bearer, list[str]]] = []   # (bearer, services), in precedence order
    default: Bearer | None = None
    dm: Bearer | None = None
    routes: dict[str, str] = {}
    seen: set[str] = set()
    for rule in ordered:
        bearer = _bearer(rule, name, part.notes)
        if bearer is None:
            continue
        for host in rule.traffic_of(ursp.TD_FQDN):
            if isinstance(host, str) and host.lower() not in routes:
                routes[host.lower()] = bearer.apn
                if dm is None and host.lower() in dm_hosts:
                    dm = bearer
        if rule.match_all:
            if default is None:
                default = bearer
            continue
        service = rule_service(rule)
        if service is None:
            part.notes.append("%s: rule %d matches addresses or ports only, which name no "
                              "service; not used" % (name, rule.precedence))
            continue
        if service in seen:
            part.notes.append("%s: rule %d: service %r already has a rule of higher precedence"
                              % (name, rule.precedence, service))
            continue
        seen.add(service)
        for b, services in groups:
            if b.same_apn(bearer.apn) and b.pdp_type == bearer.pdp_type:
                services.append(service)
                break
        else:
            groups.append((bearer, [service]))
    apn0 = dm if dm is not None else default
    bearers = [Bearer(b.apn, b.pdp_type, services=s) for b, s in groups]
    if apn0 is not None:
        on_apn0 = [b for b in bearers if b.same_apn(apn0.apn) and b.pdp_type == apn0.pdp_type]
        part.apn0 = on_apn0[0] if on_apn0 else apn0
        bearers = [b for b in bearers if b is not part.apn0]
        why = "the DM server's FQDN rule" if dm is not None else "the match-all rule"
        part.notes.append("%s: APN0 %r is the route of %s" % (name, part.apn0.apn, why))
    else:
        part.notes.append("%s: no match-all rule and no rule for a known DM server: no APN0"
                          % name)
    if ordered:
        part.service_bearers = bearers
    if routes:
        part.host_routes = routes
    return part


def _home_plmn(ctx: SourceContext) -> str | None:
    identity = ctx.identity()
    if identity is None or identity.mnc is None:
        return None
    return identity.mcc + identity.mnc


def _registered_plmn(ctx: SourceContext, name: str) -> str | None:
    reader = getattr(ctx.modem, "registered_plmn", None) if ctx.modem is not None else None
    if reader is None:
        return None
    try:
        plmn = reader()
    except FATAL:
        raise
    except MeLibError as exc:
        ctx.notes.append("%s: cannot read the registered PLMN (%s)" % (name, reason(exc)))
        return None
    return plmn if isinstance(plmn, str) else None


def pick_plmn(ctx: SourceContext, plmns: "list[str]", name: str,
              notes: "list[str]") -> str | None:
    """The PLMN whose rules apply: the registered one when listed, else the home one."""
    home = _home_plmn(ctx)
    registered = None
    if ctx.modem is not None and any(p != home for p in plmns):
        registered = _registered_plmn(ctx, name)
    if registered is not None and registered in plmns:
        notes.append("%s: rules of the registered PLMN %s" % (name, registered))
        return registered
    if home is not None and home in plmns:
        notes.append("%s: rules of the home PLMN %s" % (name, home))
        return home
    if home is None and len(plmns) == 1:
        notes.append("%s: the home PLMN is unknown; using the rules of the only PLMN, %s"
                     % (name, plmns[0]))
        return plmns[0]
    notes.append("%s: rules only for PLMN %s, none for the %s PLMN %s" % (
        name, ", ".join(plmns), "registered" if registered else "home",
        registered or home or "(unknown)"))
    return None


class UrspSource:
    """Pre-configured URSP rules on the USIM (EF_URSP, UST n°132)."""

    name = "ursp"

    def read(self, ctx: SourceContext) -> Partial:
        notes: list[str] = []
        listed, data = ctx.usim().read_ursp()
        if listed is not True:
            return Partial(ORIGIN, notes=["ursp: %s; EF_URSP not read" % (
                "UST service n°132 (URSP by USIM) is not set" if listed is False
                else "EF_UST is unreadable, so n°132 is unknown")])
        if data is None:
            return Partial(ORIGIN, notes=["ursp: UST n°132 is set but the card has no "
                                          "EF_URSP (5FC0/4F0B)"])
        try:
            image = ursp.decode_file(data)
        except DecodeError as exc:
            return Partial(ORIGIN, notes=["ursp: EF_URSP does not decode: %s" % reason(exc)])
        if image is None or not image.entries:
            return Partial(ORIGIN, notes=["ursp: EF_URSP holds no rules"])
        plmn = pick_plmn(ctx, [e.plmn for e in image.entries], self.name, notes)
        if plmn is None:
            return Partial(ORIGIN, notes=notes)
        rules = image.rules_for(plmn) or ()
        part = partial_from_rules(rules, ORIGIN, self.name, ctx.dm_hosts)
        notes.extend(part.notes)
        part.notes = notes
        return part


class NetworkUrspSource:
    """The URSP rules the network gave the MT, where the module shows them."""

    name = "ursp-network"

    def read(self, ctx: SourceContext) -> Partial:
        modem = ctx.modem
        reader = getattr(modem, "ursp_rules", None) if modem is not None else None
        if reader is None:
            return Partial(NETWORK_ORIGIN, notes=["ursp-network: needs a modem"])
        found = reader()
        if found is None:
            return Partial(NETWORK_ORIGIN, notes=["ursp-network: this module does not show "
                                                  "the network's URSP rules"])
        if not found:
            return Partial(NETWORK_ORIGIN, notes=["ursp-network: the network gave no URSP "
                                                  "rules"])
        # 27.007 §10.1.75: the rules stored at the MT now, as text, no PLMN: those of
        # the network it is registered with
        try:
            rules = ursp.rules_from_query(found)
        except DecodeError as exc:
            return Partial(NETWORK_ORIGIN, notes=["ursp-network: the rules do not decode: %s"
                                                  % reason(exc)])
        return partial_from_rules(rules, NETWORK_ORIGIN, self.name, ctx.dm_hosts)
