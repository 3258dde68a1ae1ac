"""The `[ursp]` profile section -> EF_URSP content, via `codec.ursp`.

Format (unknown keys are refused)::

    [ursp]
    hex = "8003..."                 # raw content, or the structured form below
    size = 256                      # EF size, FF padded (default: 256 or the content)
    read = "pin"                    # "pin" (PIN1, TS 31.102) or "always"

    [[ursp.plmn]]
    plmn = "00101"                  # MCC+MNC (required)

    [[ursp.plmn.rule]]
    precedence = 1                  # 0-255 (required), lower = tried first
    app_id = "com.example.iot"      # traffic: OS App Id (type A0)
    os_id = "00112233445566778899AABBCCDDEEFF"   # with app_id: OS Id + OS App Id (08)
    dnn = "iot"                     # traffic: DNN (88)
    fqdn = "dm.example.net"         # traffic: destination FQDN (91)
    connection_capabilities = [8]   # traffic: 1 IMS, 2 MMS, 4 SUPL, 8 internet (90)
    match_all = true                # traffic: match-all (01), alone

    [[ursp.plmn.rule.route]]        # 1..n route selection descriptors
    precedence = 1                  # default: position in the list
    dnn = "iot"
    pdu_session_type = "ipv4"       # ipv4, ipv6, ipv4v6, unstructured, ethernet, or 1-5
    ssc_mode = 1                    # 1-3
    snssai = "01000001"             # hex, 1/2/4/5/8 bytes (SST[+SD][+mapped])
    preferred_access = "3gpp"       # 3gpp, non-3gpp, or 1-2

Separate from the card layout so `me-lib encode --ef ursp PROFILE` can print
the bytes without building a card.
"""

from typing import Any

from me_lib.codec import ursp
from me_lib.errors import ProfileError
from me_lib.sim import profile_fields as fields

DEFAULT_SIZE = 256
_SECTION_KEYS = ("hex", "size", "read", "plmn")
_PLMN_KEYS = ("plmn", "rule")
_RULE_KEYS = ("precedence", "app_id", "os_id", "dnn", "fqdn", "connection_capabilities",
              "match_all", "route")
_ROUTE_KEYS = ("precedence", "dnn", "pdu_session_type", "ssc_mode", "snssai",
               "preferred_access")


def _tables(value: object, where: str, example: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise ProfileError("%s must be a non-empty array of tables" % where, example)
    return value


def _named(value: object, names: dict[int, str], where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    for number in sorted(names):
        if names[number] == value:
            return number
    raise ProfileError("%s = %r" % (where, value),
                       "use one of " + ", ".join([names[n] for n in sorted(names)]))


def _route(t: dict[str, Any], index: int, where: str) -> ursp.RouteDescriptor:
    fields.check_keys(t, _ROUTE_KEYS, where)
    comps: list[ursp.RouteComponent] = []
    ssc = fields.opt_integer(t, "ssc_mode", where)
    if ssc is not None:
        if ssc not in (1, 2, 3):
            raise ProfileError("%s: ssc_mode = %d" % (where, ssc), "use 1, 2 or 3")
        comps.append(ursp.RouteComponent(ursp.RSD_SSC_MODE, ssc))
    if "snssai" in t:
        comps.append(ursp.RouteComponent(ursp.RSD_SNSSAI,
                                         fields.hex_bytes(t, "snssai", where, "")))
    dnn = fields.opt_text(t, "dnn", where)
    if dnn is not None:
        comps.append(ursp.RouteComponent(ursp.RSD_DNN, dnn))
    pdu = _named(t.get("pdu_session_type"), ursp.PDU_SESSION_TYPES, where + " pdu_session_type")
    if pdu is not None:
        comps.append(ursp.RouteComponent(ursp.RSD_PDU_SESSION_TYPE, pdu))
    access = _named(t.get("preferred_access"), ursp.ACCESS_TYPES, where + " preferred_access")
    if access is not None:
        comps.append(ursp.RouteComponent(ursp.RSD_PREFERRED_ACCESS, access))
    precedence = fields.opt_integer(t, "precedence", where)
    return ursp.RouteDescriptor(index + 1 if precedence is None else precedence, tuple(comps))


def _rule(t: dict[str, Any], where: str) -> ursp.UrspRule:
    fields.check_keys(t, _RULE_KEYS, where)
    precedence = fields.opt_integer(t, "precedence", where)
    if precedence is None:
        raise ProfileError("%s: precedence is required" % where, "e.g. precedence = 1")
    traffic: list[ursp.TrafficComponent] = []
    if fields.flag(t, "match_all", where, False):
        traffic.append(ursp.TrafficComponent(ursp.TD_MATCH_ALL))
    app = fields.opt_text(t, "app_id", where)
    if "os_id" in t:
        if app is None:
            raise ProfileError("%s: os_id needs app_id" % where)
        os_id = fields.hex_bytes(t, "os_id", where, "")
        traffic.append(ursp.TrafficComponent(ursp.TD_OS_ID_APP_ID, (os_id, app)))
    elif app is not None:
        traffic.append(ursp.TrafficComponent(ursp.TD_OS_APP_ID, app))
    dnn = fields.opt_text(t, "dnn", where)
    if dnn is not None:
        traffic.append(ursp.TrafficComponent(ursp.TD_DNN, dnn))
    fqdn = fields.opt_text(t, "fqdn", where)
    if fqdn is not None:
        traffic.append(ursp.TrafficComponent(ursp.TD_FQDN, fqdn))
    caps = t.get("connection_capabilities")
    if caps is not None:
        if not isinstance(caps, list) or not all(isinstance(c, int) for c in caps):
            raise ProfileError("%s: connection_capabilities must be numbers" % where,
                               "e.g. [8] for internet")
        traffic.append(ursp.TrafficComponent(ursp.TD_CONNECTION_CAPABILITIES, tuple(caps)))
    if not traffic:
        raise ProfileError("%s: the rule matches no traffic" % where,
                           "give app_id, dnn, fqdn, connection_capabilities or match_all")
    routes = _tables(t.get("route"), where + " route", "add [[ursp.plmn.rule.route]]")
    return ursp.UrspRule(precedence, tuple(traffic), tuple(
        _route(r, i, "%s route #%d" % (where, i + 1)) for i, r in enumerate(routes)))


def file_from_section(section: dict[str, Any], where: str = "[ursp]") -> ursp.UrspFile:
    """The structured form as a model."""
    entries = []
    for i, p in enumerate(_tables(section.get("plmn"), where + " plmn",
                                  "add [[ursp.plmn]] with plmn = \"00101\"")):
        w = "%s plmn #%d" % (where, i + 1)
        fields.check_keys(p, _PLMN_KEYS, w)
        plmn = fields.text(p, "plmn", w, "")
        rules = _tables(p.get("rule"), w + " rule", "add [[ursp.plmn.rule]]")
        entries.append(ursp.PlmnRules(plmn, tuple(
            _rule(r, "%s rule #%d" % (w, j + 1)) for j, r in enumerate(rules))))
    return ursp.UrspFile(tuple(entries))


def encode_section(section: dict[str, Any], where: str = "[ursp]") -> bytes:
    """The EF_URSP content for a `[ursp]` section, padded to its size."""
    fields.check_keys(section, _SECTION_KEYS, where)
    size = fields.opt_integer(section, "size", where)
    with fields.errors_in(where):
        if "hex" in section:
            if "plmn" in section:
                raise ProfileError("%s: hex excludes plmn" % where,
                                   "give either the raw hex or the structured form")
            raw = fields.hex_bytes(section, "hex", where, "")
        else:
            raw = ursp.encode_file(file_from_section(section, where))
        target = max(DEFAULT_SIZE, len(raw)) if size is None else size
        if len(raw) > target:
            raise ProfileError("%s: EF_URSP needs %d bytes but size is %d"
                               % (where, len(raw), target), "raise size or shorten the rules")
        return raw + b"\xff" * (target - len(raw))
