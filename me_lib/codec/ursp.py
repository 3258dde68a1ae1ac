"""URSP rules (TS 24.526 §5.2) and EF_URSP (TS 31.102 §4.4.11.12), both ways.

The network's UE policy delivery (5GS) and the USIM's pre-configured rules
say, per kind of traffic, which DNN, PDU session type, SSC mode and slice
carry it: the 5G way of provisioning an APN per service. docs/ursp.md has the
byte layout, what is certain and what is not.

URSP rules ("UE policy part contents" of a URSP part)::

    rule    = length(2) precedence(1) td-length(2) td-components
              rsd-list-length(2) rsds [extra]
    rsd     = length(2) precedence(1) contents-length(2) components
    component = type(1) value (size fixed by the type, or a length octet first)

Unknown components (24.526 §5.2): a traffic descriptor with a component type
the UE does not know makes the whole rule be skipped; a route selection
descriptor with one is skipped. The lengths around them are certain, so both
are kept byte for byte (`skipped` says why, `raw` holds the bytes) and
`encode` writes them back: `encode(decode(x)) == x` for every x that decodes.
Component types whose value layout we have not confirmed against the spec
(IP 3-tuple, regular expression, location criteria, time window, ProSe relay
offload) are treated as unknown on purpose, which is the spec's conservative
reading: the rule or the route is not used.

Bytes after the route selection descriptor list but inside the rule length
(later releases append fields there) are kept as `extra` and ignored.

Portable (runs on MicroPython); raises only `DecodeError` on decode and
`ProfileError` on encode.
"""

from me_lib.codec import apn as apn_codec
from me_lib.codec import tlv
from me_lib.codec._common import Model, utf8
from me_lib.errors import DecodeError, InvalidApn, ProfileError

WHAT = "URSP rules"
WHAT_FILE = "EF_URSP"

# --- EF_URSP (TS 31.102 §4.4.11.12) -------------------------------------------------

#: EF_URSP in DF_5GS as text; FIDs and SFI are its row in me_lib.card.catalogue
DEFAULT_PATH = "3F007FFF5FC04F0B"
#: the "URSP rules data object" of one PLMN: `80 <len> <PLMN(3)> <len> <rules>`
#: [U: layout from a third-party EF_URSP encoder, not the spec text; docs/ursp.md]
TAG_RULES_DO = 0x80

# --- traffic descriptor component types (24.526 table 5.2.1) ------------------------

TD_MATCH_ALL = 0x01
TD_OS_ID_APP_ID = 0x08
TD_IPV4_REMOTE = 0x10
TD_IPV6_REMOTE = 0x21
TD_PROTOCOL = 0x30
TD_REMOTE_PORT = 0x50
TD_REMOTE_PORT_RANGE = 0x51
TD_SPI = 0x60
TD_TOS = 0x70
TD_FLOW_LABEL = 0x80
TD_DEST_MAC = 0x81
TD_CTAG_VID = 0x83
TD_STAG_VID = 0x84
TD_CTAG_PCP = 0x85
TD_STAG_PCP = 0x86
TD_ETHERTYPE = 0x87
TD_DNN = 0x88
TD_CONNECTION_CAPABILITIES = 0x90
TD_FQDN = 0x91
TD_OS_APP_ID = 0xA0
TD_DEST_MAC_RANGE = 0xA1

#: traffic descriptor types kept as typed opaque values: type -> (name, value size).
#: The sizes are those of the TS 24.501 packet filter components URSP reuses.
TD_OPAQUE = {
    TD_IPV4_REMOTE: ("ipv4-remote", 8),          # address + mask
    TD_IPV6_REMOTE: ("ipv6-remote", 17),         # address + prefix length
    TD_PROTOCOL: ("protocol", 1),
    TD_REMOTE_PORT: ("remote-port", 2),
    TD_REMOTE_PORT_RANGE: ("remote-port-range", 4),
    TD_SPI: ("spi", 4),
    TD_TOS: ("tos", 2),                          # value + mask
    TD_FLOW_LABEL: ("flow-label", 3),
    TD_DEST_MAC: ("dest-mac", 6),
    TD_CTAG_VID: ("ctag-vid", 2),
    TD_STAG_VID: ("stag-vid", 2),
    TD_CTAG_PCP: ("ctag-pcp-dei", 1),
    TD_STAG_PCP: ("stag-pcp-dei", 1),
    TD_ETHERTYPE: ("ethertype", 2),
    TD_DEST_MAC_RANGE: ("dest-mac-range", 12),   # low + high address
}
TD_NAMES = {
    TD_MATCH_ALL: "match-all", TD_OS_ID_APP_ID: "os-id-app-id", TD_DNN: "dnn",
    TD_CONNECTION_CAPABILITIES: "connection-capabilities", TD_FQDN: "fqdn",
    TD_OS_APP_ID: "os-app-id",
}

#: connection capability identifiers (24.526 §5.2, table 5.2.1)
CONNECTION_CAPABILITIES = {0x01: "ims", 0x02: "mms", 0x04: "supl", 0x08: "internet"}

# --- route selection descriptor component types -------------------------------------

RSD_SSC_MODE = 0x01
RSD_SNSSAI = 0x02
RSD_DNN = 0x04
RSD_PDU_SESSION_TYPE = 0x08
RSD_PREFERRED_ACCESS = 0x10
RSD_MULTI_ACCESS = 0x11
RSD_NON_SEAMLESS_OFFLOAD = 0x20
RSD_PDU_SESSION_PAIR_ID = 0x82
RSD_RSN = 0x83

#: value sizes of the fixed-size RSD components (None: length octet first)
RSD_SIZES = {
    RSD_SSC_MODE: 1, RSD_SNSSAI: None, RSD_DNN: None, RSD_PDU_SESSION_TYPE: 1,
    RSD_PREFERRED_ACCESS: 1, RSD_MULTI_ACCESS: 0, RSD_NON_SEAMLESS_OFFLOAD: 0,
    RSD_PDU_SESSION_PAIR_ID: 1, RSD_RSN: 1,
}
#: S-NSSAI contents sizes (TS 24.501 §9.11.2.8): SST, SST+mapped SST, SST+SD,
#: SST+SD+mapped SST, SST+SD+mapped SST+mapped SD
SNSSAI_SIZES = (1, 2, 4, 5, 8)

#: PDU session type values (TS 24.501 §9.11.4.11)
PDU_IPV4, PDU_IPV6, PDU_IPV4V6, PDU_UNSTRUCTURED, PDU_ETHERNET = 1, 2, 3, 4, 5
PDU_SESSION_TYPES = {PDU_IPV4: "ipv4", PDU_IPV6: "ipv6", PDU_IPV4V6: "ipv4v6",
                     PDU_UNSTRUCTURED: "unstructured", PDU_ETHERNET: "ethernet"}
#: preferred access type values
ACCESS_TYPES = {1: "3gpp", 2: "non-3gpp"}

_MAX16 = 0xFFFF


class TrafficComponent(Model):
    """One traffic descriptor component.

    `value` by kind: None (match-all), str (DNN, FQDN, OS App Id), a tuple
    (os_id: bytes of 16, app_id: str) for OS Id + OS App Id, a tuple of
    capability numbers for connection capabilities, the raw value bytes for
    the opaque kinds of `TD_OPAQUE`. `plain` marks an FQDN stored as dotted
    text instead of labels (kept so the bytes round-trip).
    """

    _FIELDS = ("kind", "value", "plain")

    def __init__(self, kind: int, value: object = None, plain: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.plain = plain

    @property
    def name(self) -> str:
        """A readable name of the component type (unknown types as `type-XX`)."""
        if self.kind in TD_OPAQUE:
            return TD_OPAQUE[self.kind][0]
        return TD_NAMES.get(self.kind, "type-%02X" % self.kind)


class RouteComponent(Model):
    """One route selection descriptor component: int for the one-octet kinds,
    str for DNN, bytes for S-NSSAI, None for the kinds without a value."""

    _FIELDS = ("kind", "value")

    def __init__(self, kind: int, value: object = None) -> None:
        self.kind = kind
        self.value = value


class RouteDescriptor(Model):
    """A route selection descriptor: where matching traffic goes.

    `skipped` is the reason when a component was not understood (the spec:
    such a descriptor is not used); `raw` then holds its contents.
    """

    _FIELDS = ("precedence", "components", "skipped", "raw")

    def __init__(self, precedence: int, components: "tuple[RouteComponent, ...]" = (),
                 skipped: str | None = None, raw: bytes = b"") -> None:
        self.precedence = precedence
        self.components = tuple(components)
        self.skipped = skipped
        self.raw = raw

    def _value(self, kind: int) -> object:
        for c in self.components:
            if c.kind == kind:
                return c.value
        return None

    @property
    def dnn(self) -> str | None:
        """The DNN (APN) this route selects; None: the route names none (the default)."""
        value = self._value(RSD_DNN)
        return value if isinstance(value, str) else None

    @property
    def ssc_mode(self) -> int | None:
        """SSC mode 1-3 (TS 23.501 §5.6.9), None when absent or out of range."""
        value = self._value(RSD_SSC_MODE)
        return value & 0x07 if isinstance(value, int) and 1 <= value & 0x07 <= 3 else None

    @property
    def pdu_session_type(self) -> int | None:
        """PDU session type (1 IPv4, 2 IPv6, 3 IPv4v6, ...), None when absent."""
        value = self._value(RSD_PDU_SESSION_TYPE)
        return value & 0x07 if isinstance(value, int) and value & 0x07 in PDU_SESSION_TYPES \
            else None

    @property
    def snssai(self) -> bytes | None:
        """The S-NSSAI as coded (SST, then SD and mapped values when present)."""
        value = self._value(RSD_SNSSAI)
        return value if isinstance(value, bytes) else None

    @property
    def preferred_access(self) -> int | None:
        """Preferred access type (1 3GPP, 2 non-3GPP), None when absent."""
        value = self._value(RSD_PREFERRED_ACCESS)
        return value if isinstance(value, int) else None


class UrspRule(Model):
    """A URSP rule: traffic it matches and the routes for it, by precedence.

    `skipped` is the reason when its traffic descriptor holds a component the
    codec does not know (the spec: such a rule is not used); `raw` then holds
    the rule after its length field. `extra` is what follows the route list.
    """

    _FIELDS = ("precedence", "traffic", "routes", "skipped", "raw", "extra")

    def __init__(self, precedence: int, traffic: "tuple[TrafficComponent, ...]" = (),
                 routes: "tuple[RouteDescriptor, ...]" = (), skipped: str | None = None,
                 raw: bytes = b"", extra: bytes = b"") -> None:
        self.precedence = precedence
        self.traffic = tuple(traffic)
        self.routes = tuple(routes)
        self.skipped = skipped
        self.raw = raw
        self.extra = extra

    def traffic_of(self, kind: int) -> list[object]:
        """The values of every traffic component of `kind`."""
        return [c.value for c in self.traffic if c.kind == kind]

    @property
    def match_all(self) -> bool:
        """Whether the rule matches all traffic: its routes are the default bearer."""
        return any(c.kind == TD_MATCH_ALL for c in self.traffic)

    @property
    def app_ids(self) -> list[str]:
        """OS App Ids of the rule (from both OS Id + OS App Id and OS App Id)."""
        out: list[str] = []
        for c in self.traffic:
            if c.kind == TD_OS_APP_ID and isinstance(c.value, str):
                out.append(c.value)
            elif c.kind == TD_OS_ID_APP_ID and isinstance(c.value, tuple):
                out.append(c.value[1])
        return out

    @property
    def usable_routes(self) -> "list[RouteDescriptor]":
        """The routes a UE would try, best (lowest precedence value) first."""
        routes = [r for r in self.routes if r.skipped is None]
        routes.sort(key=lambda r: r.precedence)
        return routes


class PlmnRules(Model):
    """The rules EF_URSP holds for one PLMN (`plmn` = MCC+MNC digits)."""

    _FIELDS = ("plmn", "rules")

    def __init__(self, plmn: str, rules: "tuple[UrspRule, ...]" = ()) -> None:
        self.plmn = plmn
        self.rules = tuple(rules)


class UrspFile(Model):
    """EF_URSP: rules per PLMN; `unknown` = other data objects, kept and ignored."""

    _FIELDS = ("entries", "unknown")

    def __init__(self, entries: "tuple[PlmnRules, ...]" = (),
                 unknown: "tuple[tuple[int, bytes], ...]" = ()) -> None:
        self.entries = tuple(entries)
        self.unknown = tuple(unknown)

    def rules_for(self, plmn: str) -> "tuple[UrspRule, ...] | None":
        """The rules the file holds for `plmn` (MCC+MNC digits); None: none for it."""
        for entry in self.entries:
            if entry.plmn == plmn:
                return entry.rules
        return None


# --- decoding ------------------------------------------------------------------------


def _u16(data: bytes, pos: int, end: int, what: str, base: int) -> int:
    if pos + 2 > end:
        raise DecodeError(WHAT, "%s cut short (%d of 2 bytes)" % (what, max(0, end - pos)),
                          base + pos)
    return (data[pos] << 8) | data[pos + 1]


def _dnn(value: bytes, offset: int) -> str:
    if not value:
        raise DecodeError(WHAT, "DNN of length 0", offset - 1)
    try:
        return apn_codec.decode(value, offset)
    except InvalidApn as exc:
        raise DecodeError(WHAT, "DNN is not a valid APN: %s" % exc.reason,
                          exc.offset if exc.offset is not None else offset) from None


_FQDN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


def _fqdn_labels(value: bytes, offset: int) -> str | None:
    """Dotted text of label-encoded FQDN, None when the bytes are not labels."""
    labels: list[str] = []
    pos = 0
    while pos < len(value):
        size = value[pos]
        if size == 0 or size > 63 or pos + 1 + size > len(value):
            return None
        chunk = value[pos + 1:pos + 1 + size]
        for b in chunk:
            if b >= 0x80 or chr(b) not in _FQDN_CHARS:
                return None
        labels.append(bytes(chunk).decode("ascii"))
        pos += 1 + size
    return ".".join(labels) if labels else None


def _fqdn(value: bytes, offset: int) -> tuple[str, bool]:
    """(text, plain) of an FQDN value: labels (23.003 style) or plain dotted text."""
    text = _fqdn_labels(value, offset)
    if text is not None:
        return text, False
    for i, b in enumerate(value):
        if b >= 0x80 or (chr(b) not in _FQDN_CHARS and b != 0x2E):
            raise DecodeError(WHAT, "FQDN byte %02X is neither a label nor host-name text" % b,
                              offset + i)
    if not value or value[0] == 0x2E or value[-1] == 0x2E or b".." in value:
        raise DecodeError(WHAT, "FQDN %r has an empty label" % bytes(value), offset)
    return bytes(value).decode("ascii"), True


def _length_prefixed(data: bytes, pos: int, end: int, what: str, base: int) -> tuple[bytes, int]:
    """(value, next position) of a one-octet-length value at `pos`."""
    if pos >= end:
        raise DecodeError(WHAT, "%s: length octet missing" % what, base + pos)
    size = data[pos]
    if pos + 1 + size > end:
        raise DecodeError(WHAT, "%s of %d bytes runs past its descriptor (%d left)"
                          % (what, size, end - pos - 1), base + pos)
    return bytes(data[pos + 1:pos + 1 + size]), pos + 1 + size


def _traffic(data: bytes, pos: int, end: int,
             base: int) -> "tuple[list[TrafficComponent], str | None]":
    """The components of a traffic descriptor, or the reason the rule is skipped."""
    out: list[TrafficComponent] = []
    while pos < end:
        kind = data[pos]
        at = base + pos
        pos += 1
        if kind == TD_MATCH_ALL:
            out.append(TrafficComponent(kind))
        elif kind in TD_OPAQUE:
            size = TD_OPAQUE[kind][1]
            if pos + size > end:
                raise DecodeError(WHAT, "%s component needs %d bytes, %d left"
                                  % (TD_OPAQUE[kind][0], size, end - pos), at)
            out.append(TrafficComponent(kind, bytes(data[pos:pos + size])))
            pos += size
        elif kind == TD_DNN:
            value, nxt = _length_prefixed(data, pos, end, "DNN", base)
            out.append(TrafficComponent(kind, _dnn(value, base + pos + 1)))
            pos = nxt
        elif kind == TD_FQDN:
            value, nxt = _length_prefixed(data, pos, end, "destination FQDN", base)
            text, plain = _fqdn(value, base + pos + 1)
            out.append(TrafficComponent(kind, text, plain))
            pos = nxt
        elif kind == TD_OS_APP_ID:
            value, nxt = _length_prefixed(data, pos, end, "OS App Id", base)
            out.append(TrafficComponent(kind, utf8(WHAT, value, base + pos + 1)))
            pos = nxt
        elif kind == TD_OS_ID_APP_ID:
            if pos + 16 > end:
                raise DecodeError(WHAT, "OS Id needs 16 bytes, %d left" % (end - pos), at)
            os_id = bytes(data[pos:pos + 16])
            value, nxt = _length_prefixed(data, pos + 16, end, "OS App Id", base)
            out.append(TrafficComponent(kind, (os_id, utf8(WHAT, value, base + pos + 17))))
            pos = nxt
        elif kind == TD_CONNECTION_CAPABILITIES:
            value, nxt = _length_prefixed(data, pos, end, "connection capabilities", base)
            out.append(TrafficComponent(kind, tuple(value)))
            pos = nxt
        else:
            return out, "traffic descriptor component type %02X at byte %d is not known" % (
                kind, at)
    return out, None


def _routes(data: bytes, pos: int, end: int, base: int) -> list[RouteDescriptor]:
    out: list[RouteDescriptor] = []
    while pos < end:
        size = _u16(data, pos, end, "route selection descriptor length", base)
        start = pos + 2
        stop = start + size
        if stop > end:
            raise DecodeError(WHAT, "route selection descriptor of %d bytes runs past its "
                              "list (%d left)" % (size, end - start), base + pos)
        if size < 3:
            raise DecodeError(WHAT, "route selection descriptor of %d bytes has no room for "
                              "its precedence and contents length" % size, base + pos)
        precedence = data[start]
        clen = _u16(data, start + 1, stop, "route selection descriptor contents length", base)
        if start + 3 + clen != stop:
            raise DecodeError(WHAT, "route selection descriptor contents length %d does not "
                              "match its length %d" % (clen, size), base + start + 1)
        out.append(_route(data, precedence, start + 3, stop, base))
        pos = stop
    return out


def _route(data: bytes, precedence: int, pos: int, end: int, base: int) -> RouteDescriptor:
    first = pos
    comps: list[RouteComponent] = []
    while pos < end:
        kind = data[pos]
        at = base + pos
        pos += 1
        if kind not in RSD_SIZES:
            return RouteDescriptor(precedence, (), "route selection descriptor component "
                                   "type %02X at byte %d is not known" % (kind, at),
                                   bytes(data[first:end]))
        size = RSD_SIZES[kind]
        if size is None:
            what = "DNN" if kind == RSD_DNN else "S-NSSAI"
            value, nxt = _length_prefixed(data, pos, end, what, base)
            if kind == RSD_DNN:
                comps.append(RouteComponent(kind, _dnn(value, base + pos + 1)))
            else:
                if len(value) not in SNSSAI_SIZES:
                    raise DecodeError(WHAT, "S-NSSAI of %d bytes (1, 2, 4, 5 or 8)"
                                      % len(value), base + pos)
                comps.append(RouteComponent(kind, value))
            pos = nxt
        elif size == 0:
            comps.append(RouteComponent(kind))
        else:
            if pos + size > end:
                raise DecodeError(WHAT, "route component %02X needs %d byte(s)" % (kind, size),
                                  at)
            comps.append(RouteComponent(kind, data[pos]))
            pos += size
    return RouteDescriptor(precedence, tuple(comps))


def _rule(data: bytes, pos: int, end: int, base: int) -> UrspRule:
    """The rule whose body (after its length) is data[pos:end]."""
    if end - pos < 5:
        raise DecodeError(WHAT, "URSP rule of %d bytes has no room for its precedence and "
                          "traffic descriptor length" % (end - pos), base + pos)
    precedence = data[pos]
    td_len = _u16(data, pos + 1, end, "traffic descriptor length", base)
    td_start = pos + 3
    td_end = td_start + td_len
    if td_end + 2 > end:
        raise DecodeError(WHAT, "traffic descriptor of %d bytes leaves no room for the route "
                          "selection descriptor list length" % td_len, base + pos + 1)
    rsd_len = _u16(data, td_end, end, "route selection descriptor list length", base)
    rsd_start = td_end + 2
    rsd_end = rsd_start + rsd_len
    if rsd_end > end:
        raise DecodeError(WHAT, "route selection descriptor list of %d bytes runs past its "
                          "rule (%d left)" % (rsd_len, end - rsd_start), base + td_end)
    traffic, skipped = _traffic(data, td_start, td_end, base)
    routes = _routes(data, rsd_start, rsd_end, base)  # checked even in a skipped rule
    if skipped is not None:
        return UrspRule(precedence, (), (), skipped, bytes(data[pos:end]))
    return UrspRule(precedence, tuple(traffic), tuple(routes), extra=bytes(data[rsd_end:end]))


def decode(data: bytes, base: int = 0) -> list[UrspRule]:
    """Every rule of a UE policy part contents, skipped ones included (`.skipped`)."""
    rules: list[UrspRule] = []
    pos = 0
    end = len(data)
    while pos < end:
        size = _u16(data, pos, end, "URSP rule length", base)
        if pos + 2 + size > end:
            raise DecodeError(WHAT, "URSP rule of %d bytes runs past the end (%d left)"
                              % (size, end - pos - 2), base + pos)
        rules.append(_rule(data, pos + 2, pos + 2 + size, base))
        pos += 2 + size
    return rules


def decode_rules(data: bytes, base: int = 0) -> list[UrspRule]:
    """The rules a UE uses: those it understands, in the order given.

    Rules whose traffic descriptor holds an unknown component are left out
    (24.526 §5.2); `decode` returns them too.
    """
    return [r for r in decode(data, base) if r.skipped is None]


# --- encoding ------------------------------------------------------------------------


def _u16_bytes(value: int, what: str) -> bytes:
    if not 0 <= value <= _MAX16:
        raise ProfileError("%s of %d bytes does not fit a 2-byte length" % (what, value),
                           "split the rules or shorten their values")
    return bytes((value >> 8, value & 0xFF))


def _octet(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise ProfileError("%s must be a number 0..255, not %r" % (what, value))
    return value


def _short(value: bytes, what: str) -> bytes:
    if len(value) > 0xFF:
        raise ProfileError("%s of %d bytes is longer than 255" % (what, len(value)))
    return bytes((len(value),)) + value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ProfileError("%s must be text, not %r" % (what, value))
    return value


def _encode_dnn(value: object) -> bytes:
    if value == "":
        raise ProfileError("a URSP DNN cannot be empty", "give the DNN the traffic goes to")
    return _short(apn_codec.encode(_text(value, "DNN")), "DNN")


def _encode_fqdn(value: object, plain: bool) -> bytes:
    text = _text(value, "FQDN")
    labels = text.split(".")
    for label in labels:
        if not 1 <= len(label) <= 63 or any(ch not in _FQDN_CHARS for ch in label):
            raise ProfileError("FQDN %r has a bad label %r" % (text, label),
                               "labels are 1-63 letters, digits or hyphens")
    if plain:
        return _short(text.encode("ascii"), "FQDN")
    out = bytearray()
    for label in labels:
        out.append(len(label))
        out += label.encode("ascii")
    return _short(bytes(out), "FQDN")


def _encode_traffic(c: TrafficComponent) -> bytes:
    kind = c.kind
    head = bytes((_octet(kind, "traffic component type"),))
    if kind == TD_MATCH_ALL:
        return head
    if kind in TD_OPAQUE:
        name, size = TD_OPAQUE[kind]
        if not isinstance(c.value, bytes) or len(c.value) != size:
            raise ProfileError("%s component needs %d bytes, got %r" % (name, size, c.value))
        return head + c.value
    if kind == TD_DNN:
        return head + _encode_dnn(c.value)
    if kind == TD_FQDN:
        return head + _encode_fqdn(c.value, c.plain)
    if kind == TD_OS_APP_ID:
        return head + _short(_text(c.value, "OS App Id").encode("utf-8"), "OS App Id")
    if kind == TD_OS_ID_APP_ID:
        value = c.value
        if not isinstance(value, tuple) or len(value) != 2 or not isinstance(value[0], bytes) \
                or len(value[0]) != 16:
            raise ProfileError("OS Id + OS App Id must be (16-byte OS Id, app id), not %r"
                               % (value,))
        return head + value[0] + _short(_text(value[1], "OS App Id").encode("utf-8"),
                                        "OS App Id")
    if kind == TD_CONNECTION_CAPABILITIES:
        value = c.value
        if not isinstance(value, tuple):
            raise ProfileError("connection capabilities must be a tuple of numbers")
        return head + _short(bytes([_octet(v, "connection capability") for v in value]),
                             "connection capabilities")
    raise ProfileError("traffic component type %02X cannot be encoded from a model" % kind,
                       "keep rules with unknown components as decoded (raw)")


def _encode_route_component(c: RouteComponent) -> bytes:
    kind = c.kind
    if kind not in RSD_SIZES:
        raise ProfileError("route component type %02X cannot be encoded from a model" % kind)
    head = bytes((kind,))
    size = RSD_SIZES[kind]
    if kind == RSD_DNN:
        return head + _encode_dnn(c.value)
    if kind == RSD_SNSSAI:
        if not isinstance(c.value, bytes) or len(c.value) not in SNSSAI_SIZES:
            raise ProfileError("S-NSSAI must be 1, 2, 4, 5 or 8 bytes, not %r" % (c.value,))
        return head + _short(c.value, "S-NSSAI")
    if size == 0:
        return head
    return head + bytes((_octet(c.value, "route component %02X" % kind),))


def _encode_route(r: RouteDescriptor) -> bytes:
    if r.skipped is not None:
        contents = bytes(r.raw)
    else:
        contents = b"".join([_encode_route_component(c) for c in r.components])
    body = bytes((_octet(r.precedence, "route precedence"),)) + \
        _u16_bytes(len(contents), "route contents") + contents
    return _u16_bytes(len(body), "route selection descriptor") + body


def encode_rule(rule: UrspRule) -> bytes:
    """One rule with its 2-byte length."""
    if rule.skipped is not None:
        body = bytes(rule.raw)
    else:
        td = b"".join([_encode_traffic(c) for c in rule.traffic])
        rsds = b"".join([_encode_route(r) for r in rule.routes])
        body = (bytes((_octet(rule.precedence, "rule precedence"),))
                + _u16_bytes(len(td), "traffic descriptor") + td
                + _u16_bytes(len(rsds), "route selection descriptor list") + rsds
                + bytes(rule.extra))
    return _u16_bytes(len(body), "URSP rule") + body


def encode(rules: "list[UrspRule] | tuple[UrspRule, ...]") -> bytes:
    """UE policy part contents: the rules one after the other."""
    return b"".join([encode_rule(r) for r in rules])


# --- EF_URSP -------------------------------------------------------------------------


def decode_plmn(value: bytes, offset: int = 0) -> str:
    """MCC+MNC digits of a 3-byte PLMN (TS 24.008 §10.5.1.13); F = 2-digit MNC."""
    if len(value) != 3:
        raise DecodeError(WHAT_FILE, "PLMN of %d bytes (3 expected)" % len(value), offset)
    nibbles = (value[0] & 0x0F, value[0] >> 4, value[1] & 0x0F,   # MCC 1 2 3
               value[2] & 0x0F, value[2] >> 4, value[1] >> 4)    # MNC 1 2 3
    digits = ""
    for i, n in enumerate(nibbles):
        if n == 0x0F and i == 5:
            continue
        if n > 9:
            raise DecodeError(WHAT_FILE, "PLMN nibble %X is not a digit" % n, offset)
        digits += "0123456789"[n]
    return digits


def encode_plmn(plmn: str) -> bytes:
    """MCC+MNC digits as the 3-byte PLMN identity of TS 24.008 §10.5.1.13."""
    if len(plmn) not in (5, 6) or any(ch not in "0123456789" for ch in plmn):
        raise ProfileError("PLMN %r is not MCC+MNC (5 or 6 digits)" % (plmn,),
                           "e.g. \"00101\" or \"310410\"")
    d = [int(ch) for ch in plmn]
    mnc3 = d[5] if len(d) == 6 else 0x0F
    return bytes(((d[1] << 4) | d[0], (mnc3 << 4) | d[2], (d[4] << 4) | d[3]))


def _ber_length(value: bytes, pos: int, base: int) -> tuple[int, int]:
    """A BER length at `pos` (1 byte, 81 xx, 82 xxxx): (length, where the data starts)."""
    if pos >= len(value):
        raise DecodeError(WHAT_FILE, "the length of the URSP rules is missing", base + pos)
    first = value[pos]
    if first < 0x80:
        return first, pos + 1
    size = first - 0x80
    if size not in (1, 2) or pos + 1 + size > len(value):
        raise DecodeError(WHAT_FILE, "the length of the URSP rules (%02X) is not a 1- or "
                          "2-byte BER length" % first, base + pos)
    return int.from_bytes(value[pos + 1:pos + 1 + size], "big"), pos + 1 + size


def decode_file(data: bytes) -> UrspFile | None:
    """EF_URSP content; None when the file holds nothing (empty or all FF).

    Layout [U] (docs/ursp.md): one "URSP rules data object" per PLMN, tag 80,
    whose value is the PLMN (3 bytes), a BER length, then that many bytes of URSP
    rules (24.526 §5.2). Other data objects are kept and ignored; FF padding ends
    the data. Strict inside a tag-80 object: its rules must fill it exactly.
    """
    if not data or all(b == 0xFF for b in data):
        return None
    entries: list[PlmnRules] = []
    unknown: list[tuple[int, bytes]] = []
    for item in tlv.decode(data, WHAT_FILE):
        if item.tag != TAG_RULES_DO:
            unknown.append((item.tag, item.value))
            continue
        value, at = item.value, item.value_offset
        plmn = decode_plmn(value[:3], at)
        size, start = _ber_length(value, 3, at)
        if start + size != len(value):
            raise DecodeError(WHAT_FILE, "the URSP rules of PLMN %s say %d bytes but the "
                              "data object holds %d" % (plmn, size, len(value) - start),
                              item.offset)
        entries.append(PlmnRules(plmn, tuple(decode(value[start:], at + start))))
    return UrspFile(tuple(entries), tuple(unknown))


def encode_file(model: UrspFile, size: int | None = None) -> bytes:
    """EF_URSP content (FF-padded to `size` when given); unknown objects go last."""
    out = bytearray()
    for entry in model.entries:
        rules = encode(entry.rules)
        out += tlv.encode_one(TAG_RULES_DO, encode_plmn(entry.plmn)
                              + tlv.encode_length(len(rules)) + rules)
    for tag, value in model.unknown:
        out += tlv.encode_one(tag, value)
    if size is not None:
        if len(out) > size:
            raise ProfileError("EF_URSP needs %d bytes but the file holds %d"
                               % (len(out), size), "shorten the rules or enlarge the file")
        out += b"\xff" * (size - len(out))
    return bytes(out)


def service_name(text: str) -> str | None:
    """`text` in the profile's service-name charset `[a-z0-9._-]{1,32}`, or None.

    Lower-cased; any other character becomes `-` (runs collapse); cut to 32
    characters, the head kept (app ids and FQDNs both start with what tells
    them apart from other services). None when nothing usable is left.
    """
    out = ""
    for ch in text.lower():
        if ch in "abcdefghijklmnopqrstuvwxyz0123456789._-":
            out += ch
        elif not out.endswith("-"):
            out += "-"
    out = out.strip("-.")[:32].strip("-.")
    return out or None



# --- the 27.007 text form: +C5GURSPQRY? (TS 27.007 §10.1.75) ----------------------------
#
# The read command lists every URSP rule stored at the MT, one line per route
# selection descriptor: <ursp_rule_type>,<ursp_rule_precedence>, the traffic
# descriptor fields, then the route fields (Table 10.1.75-1). No PLMN and no hex:
# the rules the MT uses now, as text. Rel-18 has 20 traffic fields; later
# releases add <PIN ID> and <Connectivity group ID> after <Regular_expression>.

#: field count of an answer line -> how many traffic descriptor fields it has
QUERY_TRAFFIC_FIELDS = {31: 20, 33: 22}
QUERY_ROUTE_FIELDS = 9
#: the traffic descriptor fields in answer order, as component types: <APPID>,
#: <OSID&APPID>, <DNNs>, <FQDN>, <Connection_capabilities>, remote IPv4 address and
#: mask, remote IPv6 address and prefix length, protocol/next header, single remote
#: port, remote port range, SPI, TOS/traffic class and mask, flow label, ethertype,
#: destination MAC, C-TAG VID, S-TAG VID, C-TAG PCP/DEI, S-TAG PCP/DEI, regular
#: expression, [PIN ID, connectivity group ID]
QUERY_TRAFFIC = (TD_OS_APP_ID, TD_OS_ID_APP_ID, TD_DNN, TD_FQDN, TD_CONNECTION_CAPABILITIES,
                 TD_IPV4_REMOTE, TD_IPV6_REMOTE, TD_PROTOCOL, TD_REMOTE_PORT,
                 TD_REMOTE_PORT_RANGE, TD_SPI, TD_TOS, TD_FLOW_LABEL, TD_ETHERTYPE,
                 TD_DEST_MAC, TD_CTAG_VID, TD_STAG_VID, TD_CTAG_PCP, TD_STAG_PCP,
                 0x92, 0xA2, 0xA3)
#: traffic fields whose text form 27.007 leaves open or the profile cannot use: a
#: rule with one is skipped, the conservative reading (as for unknown components)
QUERY_SKIP = {TD_OS_ID_APP_ID: "<OSID&APPID> (its text form is not confirmed)",
              0x92: "a regular expression", 0xA2: "a PIN ID",
              0xA3: "a connectivity group ID"}
#: <pdp_type> as +CGDCONT spells it -> PDU session type [U: 27.007 §10.1.75 values]
QUERY_PDP_TYPES = {"IP": PDU_IPV4, "IPV6": PDU_IPV6, "IPV4V6": PDU_IPV4V6,
                   "NON-IP": PDU_UNSTRUCTURED, "ETHERNET": PDU_ETHERNET}
QUERY_WHAT = "+C5GURSPQRY"


def _query_int(text: str, what: str) -> int:
    digits = text.strip()
    # 9 digits: more than any field here holds; also under CPython's 4300-digit limit
    if not digits or len(digits) > 9 or any(ch not in "0123456789" for ch in digits):
        shown = text if len(text) <= 24 else text[:24] + "..."
        raise DecodeError(QUERY_WHAT, "%s %r is not a number" % (what, shown), None,
                          "check the module's +C5GURSPQRY? answer (TS 27.007 §10.1.75)")
    return int(digits)


def _snssai_text(text: str) -> bytes | None:
    """`sst[.sd][;mapped_sst[.mapped_sd]]` (hex, the 27.007 S-NSSAI form) as coded in
    24.501 §9.11.2.8 (SST, SD, mapped SST, mapped SD); None when it is not that form."""
    parts = text.split(";")
    if len(parts) > 2:
        return None
    out = b""
    mapped = b""
    for n, part in enumerate(parts):
        sst_sd = part.split(".")
        if len(sst_sd) > 2 or len(sst_sd[0]) not in (1, 2) or (
                len(sst_sd) == 2 and len(sst_sd[1]) != 6):
            return None
        try:
            sst = bytes((int(sst_sd[0], 16),))
            sd = bytes.fromhex(sst_sd[1]) if len(sst_sd) == 2 else b""
        except ValueError:
            return None
        if n == 0:
            out, mapped = sst + sd, b""
        else:
            mapped = sst + sd
    if len(out) == 1 and len(mapped) == 1:
        return out + mapped
    if len(out) == 4:
        return out + mapped
    return out if not mapped else None


def _snssai_to_text(value: bytes) -> str:
    """The inverse of `_snssai_text` for the sizes of SNSSAI_SIZES."""
    def one(sst: int, sd: bytes) -> str:
        return "%02X" % sst + ("." + sd.hex().upper() if sd else "")

    if len(value) == 2:
        return one(value[0], b"") + ";" + one(value[1], b"")
    head = one(value[0], value[1:4])
    if len(value) in (1, 4):
        return head
    return head + ";" + one(value[4], value[5:8])


def _query_traffic(fields: "list[str]", kinds: "tuple[int, ...]"
                   ) -> "tuple[list[TrafficComponent], str | None]":
    out: list[TrafficComponent] = []
    for n in range(len(kinds)):  # no zip(strict=): MicroPython has none
        kind, text = kinds[n], fields[n]
        if text == "":
            continue
        if kind in QUERY_SKIP:
            return out, "its traffic descriptor has %s" % QUERY_SKIP[kind]
        if kind == TD_DNN:
            out.extend(TrafficComponent(kind, d) for d in text.split(";") if d)
        elif kind == TD_FQDN:
            out.append(TrafficComponent(kind, text, True))
        elif kind == TD_CONNECTION_CAPABILITIES:
            out.append(TrafficComponent(kind, (_query_int(text, "<Connection_capabilities>"),)))
        else:  # the app id as given; addresses and ports kept as the module wrote them
            out.append(TrafficComponent(kind, text))
    if not out:  # no traffic field at all: the match-all rule
        out.append(TrafficComponent(TD_MATCH_ALL))
    return out, None


def _query_route(fields: "list[str]") -> RouteDescriptor | None:
    """The route of one answer line (None when the line names no route)."""
    if not any(fields):
        return None
    prec, ssc, nssai, dnns, pdp, access, offload, location, window = fields
    precedence = _query_int(prec, "<route_selection_descriptor_precedence>")
    comps: list[RouteComponent] = []
    skipped = None
    if ssc:
        comps.append(RouteComponent(RSD_SSC_MODE, _query_int(ssc, "<SSC_mode>")))
    for one in nssai.split(":") if nssai else ():
        coded = _snssai_text(one)
        if coded is None:
            skipped = "S-NSSAI %r is not in the sst[.sd][;mapped] form" % one
        else:
            comps.append(RouteComponent(RSD_SNSSAI, coded))
    for dnn in dnns.split(";") if dnns else ():
        if dnn:
            comps.append(RouteComponent(RSD_DNN, dnn))
    if pdp:
        kind = QUERY_PDP_TYPES.get(pdp.upper())
        if kind is None:
            skipped = "<pdp_type> %r is not known" % pdp
        else:
            comps.append(RouteComponent(RSD_PDU_SESSION_TYPE, kind))
    if access:
        comps.append(RouteComponent(RSD_PREFERRED_ACCESS, _query_int(access,
                                                                     "<preferred_access_type>")))
    if offload and offload != "0":
        comps.append(RouteComponent(RSD_NON_SEAMLESS_OFFLOAD))
    if location or window:  # as in the binary form: a conditional route is not taken
        skipped = "it has %s" % ("location criteria" if location else "a time window")
    return RouteDescriptor(precedence, tuple(comps), skipped)


def rules_from_query(rows: "list[list[str]]") -> list[UrspRule]:
    """The rules of a `+C5GURSPQRY?` answer (its lines' fields, unquoted).

    Lines of one rule (same <ursp_rule_type> and precedence) are merged: the
    traffic descriptor of the first, one route per line. A rule naming no
    traffic field is the match-all rule. Skipped rules (fields 27.007 leaves
    open, `QUERY_SKIP`) keep `skipped` as in `decode`. Raises DecodeError for
    a line of another field count or a non-numeric number field.
    """
    rules: list[UrspRule] = []
    keys: list[tuple[str, int]] = []
    for row in rows:
        count = QUERY_TRAFFIC_FIELDS.get(len(row))
        if count is None:
            raise DecodeError(QUERY_WHAT, "an answer line has %d fields (%s expected)" % (
                len(row), " or ".join(str(n) for n in sorted(QUERY_TRAFFIC_FIELDS))), None,
                "check the module's +C5GURSPQRY? answer against TS 27.007 §10.1.75")
        key = (row[0], _query_int(row[1], "<ursp_rule_precedence>"))
        route = _query_route(row[2 + count:])
        if key in keys:
            i = keys.index(key)
            if route is not None:
                rules[i] = rules[i].replace(routes=rules[i].routes + (route,))
            continue
        traffic, skipped = _query_traffic(row[2:2 + count], QUERY_TRAFFIC[:count])
        keys.append(key)
        rules.append(UrspRule(key[1], tuple(traffic), (route,) if route else (), skipped))
    return rules


def _traffic_text(c: TrafficComponent) -> str:
    if c.kind == TD_OS_ID_APP_ID and isinstance(c.value, tuple):
        return "%s:%s" % (c.value[0].hex().upper(), c.value[1])
    if c.kind == TD_CONNECTION_CAPABILITIES and isinstance(c.value, tuple):
        return ";".join(str(v) for v in c.value)
    if isinstance(c.value, bytes):  # the opaque kinds: dot-separated octets (27.007 style)
        return ".".join(str(b) for b in c.value)
    return "" if c.value is None else str(c.value)


def query_rows(rules: "list[UrspRule] | tuple[UrspRule, ...]", rule_type: str = "",
               traffic_fields: int = 20) -> "list[list[str]]":
    """The `+C5GURSPQRY?` answer fields for `rules` (the simulator's side): one row
    per route, or one per rule without routes. Skipped rules are left out (an MT
    keeps only the rules it understands)."""
    pdp_names = {}
    for name, value in QUERY_PDP_TYPES.items():
        pdp_names[value] = name
    rows: list[list[str]] = []
    for rule in rules:
        if rule.skipped is not None:
            continue
        traffic = [""] * traffic_fields
        for c in rule.traffic:
            if c.kind in QUERY_TRAFFIC[:traffic_fields]:
                at = QUERY_TRAFFIC.index(c.kind)
                text = _traffic_text(c)
                traffic[at] = traffic[at] + ";" + text if traffic[at] else text
        head = [rule_type, str(rule.precedence)] + traffic
        routes = [r for r in rule.routes if r.skipped is None]
        if not routes:
            rows.append(head + [""] * QUERY_ROUTE_FIELDS)
        for r in routes:
            snssai = r.snssai
            pdp = r.pdu_session_type
            rows.append(head + [
                str(r.precedence), "" if r.ssc_mode is None else str(r.ssc_mode),
                "" if snssai is None else _snssai_to_text(snssai), r.dnn or "",
                "" if pdp is None else pdp_names[pdp],
                "" if r.preferred_access is None else str(r.preferred_access),
                "1" if any(c.kind == RSD_NON_SEAMLESS_OFFLOAD for c in r.components) else "",
                "", ""])
    return rows
