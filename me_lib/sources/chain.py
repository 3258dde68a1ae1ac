"""`read_profile`: ask the sources in order, each field from the first that answers it.

Per field rather than per source, because real deployments mix them: a
standard card gives APNs in EF_ACL but no DM server, the LwM2M bootstrap
file gives the server but no APN, and the network can always give a default
APN. `origins` records which source gave each field, and `notes` why other
sources did not, so "why does this device use that APN" has an answer.

Sources are read lazily: once every field is answered, the remaining ones
are not asked (no APDU or AT command spent on them).
"""

import os
from collections.abc import Iterable, Sequence

from me_lib.card.usim import Usim
from me_lib.errors import MeLibError, ProfileError, ProfileMissing
from me_lib.profile import FIELDS, Bearer, Profile
from me_lib.sources.acl import AclSource
from me_lib.sources.base import (
    FATAL,
    ConfigArg,
    Partial,
    Source,
    SourceContext,
    Target,
    place_servers,
    reason,
)
from me_lib.sources.cache import ProfileCache
from me_lib.sources.config_file import FileSource
from me_lib.sources.lwm2m import Lwm2mSource
from me_lib.sources.network import NetworkSource, PcoSource
from me_lib.sources.usim import UsimSource

DEFAULT_CHAIN = ("usim", "lwm2m", "acl", "file", "pco", "network")
MODEMLESS = ("pco", "network")  # dropped from the default chain for a bare Usim


def make_source(name: str) -> Source:
    """The built-in source called `name`."""
    factories: dict[str, type[Source]] = {
        "usim": UsimSource, "lwm2m": Lwm2mSource, "acl": AclSource, "file": FileSource,
        "pco": PcoSource, "network": NetworkSource}
    if name not in factories:
        raise ProfileError("unknown profile source %r" % (name,),
                           "use one of " + ", ".join(DEFAULT_CHAIN) + " or a Source object")
    return factories[name]()


def _chain(target: Target, sources: Iterable[str | Source] | None) -> list[Source]:
    if sources is None:
        names: Sequence[str] = DEFAULT_CHAIN
        if isinstance(target, Usim):
            names = [n for n in DEFAULT_CHAIN if n not in MODEMLESS]
        return [make_source(n) for n in names]
    chain = [make_source(s) if isinstance(s, str) else s for s in sources]
    if not chain:
        raise ProfileError("empty source chain", "give at least one source")
    return chain


def _read(source: Source, ctx: SourceContext) -> Partial | None:
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

    def take(self, part: Partial) -> None:
        for field in FIELDS:
            if field not in self.by_field and part.answers(field):
                self.by_field[field] = part

    @property
    def complete(self) -> bool:
        return all(f in self.by_field for f in FIELDS)

    def profile(self, notes: list[str]) -> Profile:
        apn0_part = self.by_field["apn0"]
        assert apn0_part.apn0 is not None
        services_part = self.by_field.get("service_bearers")
        services = list(services_part.service_bearers or []) if services_part else []
        apn0, services = _one_bearer_per_service(apn0_part, apn0_part.apn0, services, notes)
        bearers = [apn0, *services]
        servers_part = self.by_field.get("dm_servers")
        servers = place_servers(servers_part.servers or [], bearers, notes) \
            if servers_part else []
        if not servers:
            notes.append("no source gave a DM server")
        origins = {f: p.origin for f, p in self.by_field.items()}
        sequence = next((p.sequence for p in self.by_field.values()
                         if p.sequence is not None), None)
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


def read_profile(target: Target, sources: Iterable[str | Source] | None = None,
                 config: ConfigArg = None, cache: "ProfileCache | str | os.PathLike[str] | None"
                 = None) -> Profile:
    """The device's profile from `target` (a Modem, or a Usim for the PC/SC path).

    `sources` reorders or restricts the chain (names of `DEFAULT_CHAIN` or
    Source objects); `config` is the device config file (path or
    `DeviceConfig`) for the `file` source; `cache` a `ProfileCache` (or its
    path) for the last good EF.DMCFG profile per ICCID.

    Raises ProfileMissing (saying which sources were tried, with every note
    attached via `add_note`) when no source gives APN0.
    """
    if cache is not None and not isinstance(cache, ProfileCache):
        cache = ProfileCache(cache)
    ctx = SourceContext(target, config, cache)
    merge = _Merge()
    notes = ctx.notes
    tried: list[str] = []
    for source in _chain(target, sources):
        if merge.complete:
            break
        tried.append(source.name)
        part = _read(source, ctx)
        if part is None:
            continue
        notes.extend(part.notes)
        merge.take(part)
    if "apn0" not in merge.by_field:
        exc = ProfileMissing("no APN0: none of the sources tried (%s) gave one"
                             % ", ".join(tried),
                             "provision EF.DMCFG or EF_ACL on the card, or give a device "
                             "config file with an apn0 for this PLMN")
        for note in notes:
            exc.add_note(note)
        raise exc
    profile = merge.profile(notes)
    # the card this profile belongs to: a later ICCID change is a profile switch
    profile.iccid = ctx.iccid()
    return profile
