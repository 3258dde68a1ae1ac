"""`read_profile`: ask the sources in order, each field from the first that answers it.

Per field rather than per source, because real deployments mix them: a
standard card gives APNs in EF_ACL but no DM server, the LwM2M bootstrap
file gives the server but no APN, and the network can always give a default
APN. `origins` records which source gave each field, and `notes` why other
sources did not, so "why does this device use that APN" has an answer.

Sources are read lazily: once every field is answered, the remaining ones
are not asked (no APDU or AT command spent on them).
"""

import sys

from me_lib.card.usim import Usim
from me_lib.errors import (
    MeLibError,
    ModemRebooted,
    ProfileError,
    ProfileMissing,
    ProfileUnreadable,
)
from me_lib.profile import FIELDS, Bearer, Profile
from me_lib.sources.base import FATAL, Partial, SourceContext, place_servers, reason
from me_lib.sources.cache import ProfileCache

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Iterable, Sequence
    from os import PathLike

    from me_lib.sources.base import ConfigArg, Source, Target
    from me_lib.store import Document
except ImportError:
    pass

DEFAULT_CHAIN = ("usim", "ursp", "lwm2m", "acl", "file", "ursp-network", "pco", "network")
MODEMLESS = ("ursp-network", "pco", "network")  # dropped from the default chain for a bare Usim

# name -> (module, class): imported when first asked for, so a board loads only the
# sources it reads, and a source whose module this interpreter cannot import
# (`file` needs tomllib, `lwm2m` the CPython PKCS#15 decoders) costs a note.
_FACTORIES = {"usim": ("me_lib.sources.usim", "UsimSource"),
              "lwm2m": ("me_lib.sources.lwm2m", "Lwm2mSource"),
              "acl": ("me_lib.sources.acl", "AclSource"),
              "ursp": ("me_lib.sources.ursp", "UrspSource"),
              "ursp-network": ("me_lib.sources.ursp", "NetworkUrspSource"),
              "file": ("me_lib.sources.config_file", "FileSource"),
              "pco": ("me_lib.sources.network", "PcoSource"),
              "network": ("me_lib.sources.network", "NetworkSource")}

#: The advice of ProfileMissing, by what the first source that reported a
#: finding found (`Partial.status`); DEFAULT_ADVICE when none did.
ADVICE = {
    "absent": "the card has no EF.DMCFG: have the operator provision it (or EF_ACL), or "
              "give a device config file with an apn0 for this PLMN",
    "empty": "EF.DMCFG is there but not provisioned: have the operator write the profile "
             "to it (OTA), or give a device config file with an apn0 for this PLMN",
    "no-apn0": "have the operator correct EF.DMCFG (its first bearer is APN0), or give a "
               "device config file with an apn0 for this PLMN",
    "torn": "EF.DMCFG is torn or corrupt and no good profile is cached for this card: ask "
            "the operator to re-send the OTA update",
}
DEFAULT_ADVICE = ("provision EF.DMCFG or EF_ACL on the card, or give a device config file "
                  "with an apn0 for this PLMN")

#: Where a source module failing to import is a note rather than an error: on
#: CPython every source imports, so a failure there is a bug and must be seen.
SKIP_UNIMPORTABLE = sys.implementation.name != "cpython"


class Unavailable:
    """Stands in for a source this interpreter cannot run; answers with a note."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why

    def read(self, ctx: SourceContext) -> Partial:
        return Partial(self.name, notes=["%s: not available here (%s); skipped"
                                         % (self.name, self.why)])


def make_source(name: str) -> "Source":
    """The built-in source called `name` (an `Unavailable` one where it cannot import)."""
    where = _FACTORIES.get(name)
    if where is None:
        raise ProfileError("unknown profile source %r" % (name,),
                           "use one of " + ", ".join(DEFAULT_CHAIN) + " or a Source object")
    try:
        module = __import__(where[0], None, None, [where[1]])
    except (ImportError, SyntaxError) as exc:  # CPython-only syntax or module
        if not SKIP_UNIMPORTABLE:
            raise
        return Unavailable(name, "%s: %s: %s" % (where[0], type(exc).__name__, exc))
    factory: type[Source] = getattr(module, where[1])
    return factory()


def _chain(target: "Target", sources: "Iterable[str | Source] | None") -> "list[Source]":
    if sources is None:
        names: Sequence[str] = DEFAULT_CHAIN
        if isinstance(target, Usim):
            names = [n for n in DEFAULT_CHAIN if n not in MODEMLESS]
        return [make_source(n) for n in names]
    chain = [make_source(s) if isinstance(s, str) else s for s in sources]
    if not chain:
        raise ProfileError("empty source chain", "give at least one source")
    return chain


def _read(source: "Source", ctx: SourceContext) -> Partial | None:
    """One source's answer; a failure that is not session-wide becomes a note."""
    try:
        return source.read(ctx)
    except FATAL:
        raise
    except MeLibError as exc:
        ctx.notes.append("%s: failed: %s" % (source.name, reason(exc)))
        return None


class _Merge:
    """Accumulates the first answer for each field."""

    def __init__(self) -> None:
        self.by_field: dict[str, Partial] = {}
        self.taken: list[Partial] = []  # in chain order (dicts have none on MicroPython)

    def take(self, part: Partial) -> None:
        for field in FIELDS:
            if field not in self.by_field and part.answers(field):
                self.by_field[field] = part
                if part not in self.taken:
                    self.taken.append(part)

    @property
    def complete(self) -> bool:
        return all(f in self.by_field for f in FIELDS)

    def profile(self, notes: list[str]) -> Profile:
        apn0_part = self.by_field["apn0"]
        assert apn0_part.apn0 is not None
        services_part = self.by_field.get("service_bearers")
        services = list(services_part.service_bearers or []) if services_part else []
        apn0, services = _one_bearer_per_service(apn0_part, apn0_part.apn0, services, notes)
        bearers = [apn0]
        bearers.extend(services)  # no [a, *b]: MicroPython does not compile it
        servers_part = self.by_field.get("dm_servers")
        routes = next((p.host_routes for p in self.taken if p.host_routes), None)
        servers = place_servers(servers_part.servers or [], bearers, notes, routes) \
            if servers_part else []
        if not servers:
            notes.append("no source gave a DM server")
        origins = {f: p.origin for f, p in self.by_field.items()}
        sequence = next((p.sequence for p in self.taken if p.sequence is not None), None)
        return Profile(servers, bearers, origins, sequence, notes)


def _one_bearer_per_service(apn0_part: Partial, apn0: Bearer, services: list[Bearer],
                            notes: list[str]) -> tuple[Bearer, list[Bearer]]:
    """Each service on one bearer only, as `Profile` requires.

    The service bearers field wins over APN0 (when it comes from another
    source, it is the more specific statement about services); among service
    bearers the first keeps a service that a later one repeats.
    """
    carried: set[str] = set()
    kept: list[Bearer] = []
    for bearer in services:
        twice = [s for s in bearer.services if s in carried]
        if twice:
            notes.append("service bearer %r: %s already on an earlier bearer; dropped here"
                         % (bearer.apn, ", ".join(twice)))
            bearer = _without(bearer, twice)
        carried.update(bearer.services)
        kept.append(bearer)
    clash = [s for s in apn0.services if s in carried]
    if clash:
        notes.append("APN0 (from %s) no longer carries %s: the service bearers do"
                     % (apn0_part.origin, ", ".join(clash)))
        apn0 = _without(apn0, clash)
    return apn0, kept


def _without(bearer: Bearer, services: list[str]) -> Bearer:
    return Bearer(bearer.apn, bearer.pdp_type, bearer.auth, bearer.username, bearer.password,
                  [s for s in bearer.services if s not in services])


def read_profile(target: "Target", sources: "Iterable[str | Source] | None" = None,
                 config: "ConfigArg" = None,
                 cache: "ProfileCache | str | PathLike[str] | Document | None" = None
                 ) -> Profile:
    """The device's profile from `target` (a Modem, or a Usim for the PC/SC path).

    `sources` reorders or restricts the chain (names of `DEFAULT_CHAIN` or
    Source objects); `config` is the device config file (path or
    `DeviceConfig`) for the `file` source; `cache` a `ProfileCache` (or its
    path, or the document object it keeps its JSON in) for the last good
    EF.DMCFG profile per ICCID.

    Raises ProfileMissing (saying which sources were tried, with every note
    attached via `add_note`) when no source gives APN0.

    On a modem, a reboot at any point (its start-up, the SIM check, the card
    read) starts the read again from sync (`Modem.restarting`, bounded), with
    a note saying so: nothing read before the reboot is trusted.
    """
    if cache is not None and not isinstance(cache, ProfileCache):
        cache = ProfileCache(cache)
    restarting = None if isinstance(target, Usim) else getattr(target, "restarting", None)
    if restarting is None:
        return _read_profile(target, sources, config, cache, [])
    restarts: list[str] = []

    def noted(exc: ModemRebooted) -> None:
        restarts.append("modem rebooted (%r) while the profile was read; read again from "
                        "sync" % exc.banner)

    profile: Profile = restarting(lambda: _read_profile(target, sources, config, cache,
                                                        restarts),
                                  "reading the profile", on_restart=noted)
    # the card data that carried them went through the channel as hex: its traces
    # mask them when they are closed
    channel = getattr(target, "channel", None)
    if channel is not None and hasattr(channel, "add_secret"):
        for bearer in profile.bearers:
            if bearer.password:
                channel.add_secret(bearer.password)
    return profile


def _read_profile(target: "Target", sources: "Iterable[str | Source] | None",
                  config: "ConfigArg", cache: "ProfileCache | None",
                  first_notes: list[str]) -> Profile:
    """One pass of the chain over `target` (read_profile starts it again after a reboot)."""
    ctx = SourceContext(target, config, cache)
    ctx.notes.extend(first_notes)
    merge = _Merge()
    notes = ctx.notes
    tried: list[str] = []
    found: Partial | None = None    # the first answer that says what it found
    for source in _chain(target, sources):
        if merge.complete:
            break
        tried.append(source.name)
        try:
            part = _read(source, ctx)
        except ProfileUnreadable as exc:
            # the card's own profile could not be read and nothing is cached: the
            # lower-priority sources are not asked (they may name another DM server)
            exc.attach(notes)
            raise
        if part is None:
            continue
        if not part.notes and not any(part.answers(f) for f in FIELDS):
            part.notes.append("%s: gave nothing" % source.name)
        notes.extend(part.notes)
        if found is None and part.status is not None:
            found = part
        merge.take(part)
        servers_part = merge.by_field.get("dm_servers")
        if servers_part is not None and servers_part.servers:
            ctx.dm_hosts = [e.server.host.lower() for e in servers_part.servers]
    if "apn0" not in merge.by_field:
        message = "no APN0: none of the sources tried (%s) gave one" % ", ".join(tried)
        if found is not None and found.finding:
            message += "; " + found.finding
        raise ProfileMissing(message, ADVICE.get(found.status, DEFAULT_ADVICE)
                             if found is not None and found.status else DEFAULT_ADVICE, notes)
    profile = merge.profile(notes)
    # the card this profile belongs to: a later ICCID change is a profile switch
    profile.iccid = ctx.iccid()
    return profile
