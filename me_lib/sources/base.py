"""What every profile source shares: the context it reads from and the partial answer it gives.

A source answers some of the fields of `profile.FIELDS` (`dm_servers`, `apn0`,
`service_bearers`) with values already validated through `profile.DmServer` /
`profile.Bearer`. It never raises for bad data: an invalid value becomes a
note naming the source, the value, the reason and the error class, and the
field is simply not answered, so the chain can ask the next source. Only
session-level failures (the port or the card went away) propagate, because
every later source would fail the same way.

The target is either a `Modem` (any object with the methods of `ModemLike`,
docs/architecture.md "Modem layer") or a `Usim` (the PC/SC path, where
there is no network and so no `pco`/`network` source).
"""

from me_lib.card.usim import Usim
from me_lib.errors import (
    CardRemoved,
    MeLibError,
    ModemRebooted,
    PinBlocked,
    PortClosed,
    ProfileUnreadable,
    SimNotReady,
)
from me_lib.profile import Bearer, DmServer

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from os import PathLike
    from typing import TYPE_CHECKING, TypeAlias

    # The protocols (IdentityLike, ModemLike, Source) are for type checkers and
    # CPython callers; a board would only hold their code in its heap.
    from me_lib.sources.protocols import IdentityLike as IdentityLike
    from me_lib.sources.protocols import ModemLike as ModemLike
    from me_lib.sources.protocols import Source as Source
except ImportError:
    TYPE_CHECKING = False  # type: ignore[misc]

if TYPE_CHECKING:
    from me_lib.sources.cache import ProfileCache
    from me_lib.sources.config_file import DeviceConfig

#: Failures that end the whole read: the next source would meet them too (a SIM
#: that is locked or refuses the PIN also keeps the network from registering),
#: or must not be asked (an EF.DMCFG that could not be read, with nothing cached:
#: a lower-priority source may name another DM server).
FATAL = (PortClosed, ModemRebooted, CardRemoved, PinBlocked, SimNotReady, ProfileUnreadable)


Target: TypeAlias = "Usim | ModemLike"
ConfigArg: TypeAlias = "str | PathLike[str] | DeviceConfig | None"


class ServerEntry:
    """A DM server and the APN of the bearer it was given on (None = APN0).

    Servers and bearers may come from different sources, so an index into one
    source's bearer list means nothing in the merged profile; the APN does.
    """

    def __init__(self, server: DmServer, bearer_apn: str | None = None) -> None:
        self.server = server
        self.bearer_apn = bearer_apn

    def __repr__(self) -> str:
        return "ServerEntry(%r, on=%r)" % (self.server, self.bearer_apn)


class Partial:
    """One source's answer: None for a field means "no answer, ask the next source".

    An empty `service_bearers` list is an answer ("no services"), which only
    a source that states the whole profile (EF.DMCFG, a config table with a
    `services` key) gives.
    """

    def __init__(self, origin: str, servers: list[ServerEntry] | None = None,
                 apn0: Bearer | None = None, service_bearers: list[Bearer] | None = None,
                 sequence: int | None = None, notes: list[str] | None = None) -> None:
        self.origin = origin
        self.servers = servers
        self.apn0 = apn0
        self.service_bearers = service_bearers
        self.sequence = sequence
        self.notes = list(notes or [])
        #: what the source found, when it matters for the advice of ProfileMissing
        #: (a key of `chain.ADVICE`: "absent", "empty", "no-apn0", "torn"), else None
        self.status: str | None = None
        #: one sentence saying what was found (e.g. which object is missing)
        self.finding: str | None = None
        #: host (lower case) -> APN of the bearer its traffic is routed on (URSP
        #: destination-FQDN rules): where a DM server with that host is placed
        self.host_routes: dict[str, str] | None = None

    def answers(self, field: str) -> bool:
        """Whether this source gave a value for `field` (one of `profile.FIELDS`)."""
        if field == "dm_servers":
            return self.servers is not None
        if field == "apn0":
            return self.apn0 is not None
        return self.service_bearers is not None

    def __repr__(self) -> str:
        return "Partial(%s, servers=%r, apn0=%r, services=%r)" % (
            self.origin, self.servers, self.apn0, self.service_bearers)


def reason(exc: MeLibError) -> str:
    """The error's message and class, without its hint (notes say what happened)."""
    text = exc.message
    if exc.hint and text.endswith(" (" + exc.hint + ")"):
        text = text[:-len(exc.hint) - 3]
    return "%s [%s]" % (text, type(exc).__name__)


def invalid_note(source: str, what: str, value: object, exc: MeLibError) -> str:
    """The note for a value a source had but that did not validate.

    Callers never pass a password as `value`; the profile validators never
    put one in their messages either.
    """
    return "%s: ignored %s %r: %s" % (source, what, value, reason(exc))


class SourceContext:
    """What sources read from, each thing fetched at most once per `read_profile`.

    The identity is read lazily because only the cache (ICCID) and the config
    file (MCC/MNC) need it, and on a card with PIN-protected EF_IMSI it may
    fail; that failure is noted once, not per source.
    """

    def __init__(self, target: Target, config: ConfigArg = None,
                 cache: "ProfileCache | None" = None) -> None:
        self.target = target
        self.modem: ModemLike | None = None if isinstance(target, Usim) else target
        self.config = config
        self.cache = cache
        self.notes: list[str] = []
        self._usim: Usim | None = target if isinstance(target, Usim) else None
        self._identity: IdentityLike | None = None
        self._identity_done = False
        self._iccid: str | None = None
        self._iccid_done = False
        #: hosts of the DM servers the chain has so far (lower case), for sources
        #: that route by destination (URSP: the DM server's FQDN rule gives APN0)
        self.dm_hosts: list[str] = []

    def usim(self) -> Usim:
        """The card; through the modem (+CRSM/+CSIM) or directly (PC/SC)."""
        if self._usim is None:
            assert self.modem is not None
            self._usim = self.modem.usim()
        return self._usim

    def iccid(self) -> str | None:
        """The card's ICCID alone (one read): all the cache and switch detection need."""
        if self._identity is not None:
            return self._identity.iccid
        if self._iccid is None and not self._iccid_done:
            self._iccid_done = True
            try:
                self._iccid = self.usim().iccid()
            except FATAL:
                raise
            except MeLibError as exc:
                self.notes.append("identity: cannot read the ICCID (%s); the profile "
                                  "cache is not used" % reason(exc))
        return self._iccid

    def identity(self) -> IdentityLike | None:
        """ICCID, IMSI, MCC/MNC, or None (with a note) when the card will not say."""
        if not self._identity_done:
            self._identity_done = True
            reader: Callable[[], IdentityLike] = (
                self.modem.identity if self.modem is not None else self.usim().identity)
            try:
                self._identity = reader()
            except FATAL:
                raise
            except MeLibError as exc:
                self.notes.append("identity: cannot read ICCID/IMSI (%s); the cache "
                                  "and the per-PLMN config are not used" % reason(exc))
        return self._identity


def place_servers(entries: list[ServerEntry], bearers: list[Bearer],
                  notes: list[str], host_routes: dict[str, str] | None = None
                  ) -> list[DmServer]:
    """The servers with `bearer_index` pointing into `bearers` (matched by APN).

    A server whose bearer is not in the list goes over APN0, which is what
    APN0 is for (docs/flow.md "Sources": the APN on which the DM server is reachable).
    A server given without a bearer goes where `host_routes` (URSP FQDN rules)
    route its host, when they do.
    """
    placed: list[DmServer] = []
    for entry in entries:
        index = 0
        on = entry.bearer_apn
        if on is None and host_routes:
            on = host_routes.get(entry.server.host.lower())
        if on is not None:
            found = 0
            while found < len(bearers) and not bearers[found].same_apn(on):
                found += 1
            if found < len(bearers):
                index = found
            else:
                notes.append("DM server %s was given on APN %r, which the profile does not "
                             "have; it is reached over APN0" % (entry.server.host, on))
        placed.append(with_bearer(entry.server, index))
    return placed


def with_bearer(server: DmServer, index: int) -> DmServer:
    """A copy of `server` on bearer `index` (DmServer is treated as immutable)."""
    if server.bearer_index == index:
        return server
    return DmServer(server.address, server.port, server.protocol, index, server.kind)


def entries_of(servers: list[DmServer], bearers: list[Bearer]) -> list[ServerEntry]:
    """The inverse of `place_servers`, for a whole profile taken apart again."""
    return [ServerEntry(s, bearers[s.bearer_index].apn if 0 < s.bearer_index < len(bearers)
                        else None) for s in servers]
