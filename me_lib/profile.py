"""The provisioning profile: DM servers, APN0 and the service APNs, validated.

Whatever the source (the USIM's EF.DMCFG, the LwM2M bootstrap file, EF_ACL, a
device config file, (e)PCO, the network's default APN, the DM platform), values
end up here, and every one is checked before it can reach an AT command line:
APNs against TS 23.003, addresses as FQDN/IP/URI, service names against the
EF.DMCFG charset. Each field remembers which source gave it (`origins`), so a
field engineer can tell why a device uses the APN it uses.

Passwords never appear in `repr()` or in `to_dict()`.
"""

from me_lib.codec import apn_rules, dmcfg
from me_lib.codec.dmcfg import split_uri as split_uri  # where it was first
from me_lib.errors import InvalidAddress, ProfileError, ProfileMissing

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Iterable
    from typing import Any
except ImportError:
    pass

# Well-known ports when the profile gives none.
DEFAULT_PORTS = {"coap": 5683, "coaps": 5684, "coap+tcp": 5683, "coaps+tcp": 5684,
                 "oma-dm": 443, "https": 443, "mqtt": 1883, "mqtts": 8883}
_TCP_PROTOCOLS = ("coap+tcp", "coaps+tcp", "oma-dm", "https", "mqtt", "mqtts")

FIELDS = ("dm_servers", "apn0", "service_bearers")

PDP_TYPES = ("IP", "IPV6", "IPV4V6", "Non-IP")
AUTH_NAMES = ("none", "pap", "chap")


def _check_service(name: str) -> str:
    if not isinstance(name, str) or not dmcfg.is_service_name(name):
        raise ProfileError("invalid service name %r" % (name,),
                           "use 1-32 characters of a-z 0-9 . _ -")
    return name


class DmServer:
    """One DM server; `bearer_index` points into `Profile.bearers` (0 = APN0)."""

    def __init__(self, address: str, port: int | None = None, protocol: str | None = None,
                 bearer_index: int = 0, kind: str | None = None) -> None:
        kind_no = dmcfg.AUTO if kind is None else dmcfg.address_kind_number(kind)
        kind_no, address = dmcfg.validate_address(address, kind_no)
        self.kind = dmcfg.name_of(dmcfg.ADDRESS_KINDS, kind_no) or "fqdn"
        self.address = address
        self.protocol = protocol
        if protocol is not None:
            dmcfg.protocol_number(protocol)
        self.bearer_index = bearer_index
        self.uri_port: int | None = None
        self.host = address
        if self.kind == "uri":
            scheme, self.host, self.uri_port, _ = split_uri(address)
            if self.protocol is None:
                self.protocol = dmcfg.URI_SCHEMES.get(scheme)
        if port is not None and not 0 < port < 65536:
            raise InvalidAddress(address, "port %r out of range" % port)
        self.port = port

    @property
    def effective_protocol(self) -> str:
        return self.protocol or "coap"

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        if self.uri_port is not None:
            return self.uri_port
        return DEFAULT_PORTS.get(self.effective_protocol, 5683)

    @property
    def transport(self) -> str:
        return "tcp" if self.effective_protocol in _TCP_PROTOCOLS else "udp"

    @property
    def host_is_ip(self) -> bool:
        try:
            dmcfg.validate_address(self.host, dmcfg.ADDR_IPV4)
            return True
        except InvalidAddress:
            pass
        try:
            dmcfg.validate_address(self.host, dmcfg.ADDR_IPV6)
            return True
        except InvalidAddress:
            return False

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "kind": self.kind, "host": self.host,
                "port": self.effective_port, "protocol": self.effective_protocol,
                "transport": self.transport, "bearer": self.bearer_index}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DmServer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        # the fields, not to_dict().items(): dict order differs on MicroPython
        return hash((self.address, self.kind, self.effective_port, self.effective_protocol,
                     self.bearer_index))

    def __repr__(self) -> str:
        return "DmServer(%s %s:%d)" % (self.effective_protocol, self.host, self.effective_port)


class Bearer:
    """One APN and how to use it. `apn == ""` asks for the network-provided APN."""

    def __init__(self, apn: str, pdp_type: str = "IP", auth: str = "none",
                 username: str | None = None, password: str | None = None,
                 services: Iterable[str] = ()) -> None:
        self.apn = apn_rules.validate(apn) if apn else ""
        if pdp_type not in PDP_TYPES:
            raise ProfileError("invalid PDP type %r" % (pdp_type,),
                               "use one of " + ", ".join(PDP_TYPES))
        if auth not in AUTH_NAMES:
            raise ProfileError("invalid authentication %r" % (auth,), "use none, pap or chap")
        for label, value in (("user name", username), ("password", password)):
            if value is not None:
                _check_credential(value, label)
        self.pdp_type = pdp_type
        self.auth = auth
        self.username = username
        self.password = password
        self.services = tuple(map(_check_service, services))  # map: no generator's code

    def same_apn(self, apn: str) -> bool:
        """Equal to an APN read back from the modem (case and operator suffix ignored)."""
        return apn_rules.same_apn(self.apn, apn)

    def to_dict(self) -> dict[str, Any]:
        return {"apn": self.apn, "pdp_type": self.pdp_type, "auth": self.auth,
                "username": self.username, "password": "***" if self.password else None,
                "services": list(self.services)}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Bearer) and self.to_dict() == other.to_dict()
                and self.password == other.password)

    def __hash__(self) -> int:
        return hash((self.apn, self.pdp_type, self.auth, self.services))

    def __repr__(self) -> str:
        return "Bearer(%r, %s, services=%r)" % (self.apn, self.pdp_type, self.services)


def _check_credential(value: str, label: str) -> None:
    if not isinstance(value, str) or len(value) > 64:
        raise ProfileError("%s is not text of at most 64 characters" % label)
    for ch in value:
        if ord(ch) < 0x20 or ord(ch) > 0x7E or ch in '";\\':
            raise ProfileError("%s holds a character an AT command cannot carry" % label,
                               "use printable ASCII without quotes, semicolons or backslashes")


class Profile:
    """What the device needs: DM servers, APN0 (bearers[0]) and service bearers."""

    def __init__(self, servers: Iterable[DmServer], bearers: Iterable[Bearer],
                 origins: dict[str, str] | None = None, sequence: int | None = None,
                 notes: Iterable[str] = ()) -> None:
        self.servers = list(servers)
        self.bearers = list(bearers)
        self.origins = dict(origins or {})
        self.sequence = sequence
        self.notes = list(notes)
        #: ICCID of the card the profile was read from (set by read_profile)
        self.iccid: str | None = None
        if not self.bearers:
            raise ProfileMissing("no APN0: no source gave a bearer",
                                 "provision EF.DMCFG, EF_ACL or a device config file")
        for server in self.servers:
            if not 0 <= server.bearer_index < len(self.bearers):
                raise ProfileError("DM server %s uses bearer %d of %d" % (
                    server.host, server.bearer_index, len(self.bearers)))
        seen: dict[str, int] = {}
        for i, bearer in enumerate(self.bearers):
            for svc in bearer.services:
                if svc in seen:
                    raise ProfileError("service %r is on bearers %d and %d" % (svc, seen[svc],
                                                                               i))
                seen[svc] = i

    @property
    def apn0(self) -> Bearer:
        """The bearer the DM server is reached through (APN0): the first one."""
        return self.bearers[0]

    @property
    def service_bearers(self) -> list[Bearer]:
        """The per-service bearers: every one after APN0."""
        return self.bearers[1:]

    @property
    def dm(self) -> DmServer | None:
        """The first (preferred) DM server, None if no source gave one."""
        return self.servers[0] if self.servers else None

    def bearer_for(self, service: str) -> Bearer | None:
        """The bearer that carries `service`, None if no bearer lists it."""
        for bearer in self.bearers:
            if service in bearer.services:
                return bearer
        return None

    def to_dict(self) -> dict[str, Any]:
        """The profile as JSON-ready data, for `--json` output."""
        return {"dm_servers": [s.to_dict() for s in self.servers],
                "bearers": [b.to_dict() for b in self.bearers],
                "origins": dict(self.origins), "sequence": self.sequence,
                "notes": list(self.notes)}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Profile) and self.servers == other.servers
                and self.bearers == other.bearers)

    def __repr__(self) -> str:
        return "Profile(dm=%r, apn0=%r, services=%r)" % (self.dm, self.apn0,
                                                          self.service_bearers)

    @classmethod
    def from_dmcfg(cls, cfg: dmcfg.DmConfig, origin: str = "usim:EF.DMCFG") -> "Profile":
        """The card file's content as a profile (every field from `origin`)."""
        servers = [DmServer(s.address, s.port, dmcfg.name_of(dmcfg.PROTOCOLS, s.protocol),
                            s.bearer_index, dmcfg.name_of(dmcfg.ADDRESS_KINDS, s.kind))
                   for s in cfg.servers]
        bearers = [Bearer(b.apn, dmcfg.PDN_AT_NAMES.get(b.pdn_type or dmcfg.PDN_IP, "IP"),
                          dmcfg.name_of(dmcfg.AUTH_TYPES, b.auth) or "none",
                          b.username, b.password, b.services) for b in cfg.bearers]
        return cls(servers, bearers, {f: origin for f in FIELDS}, cfg.sequence)
