"""Source `usim`: EF.DMCFG (docs/dmcfg.md), the MNO's own statement of the whole profile.

EF.DMCFG answers every field: its bearer list *is* the service list, so an
EF.DMCFG with APN0 only answers "no service bearers" rather than leaving
the field to EF_ACL or the config file.

A torn OTA update (CRC mismatch: `ProfileIntegrityError`) or a file that does
not decode (`DecodeError`, or a value the codec refuses) must not leave the
device without a profile, nor half-apply a new one: the source answers with
the last good profile cached for the card's ICCID, and says so in a note. A
good read refreshes that cache entry. Values are validated one by one, so one
bad service bearer costs that service only.

A file that could not be read at all, for a reason that may pass (a timeout
after the channel's retries, a busy SIM, a card not answering, an access
condition), fails safe: the cached profile of this ICCID, or else
`ProfileUnreadable`, which ends the chain. Only a file that was read and is
genuinely absent or empty lets the lower-priority sources answer, because
those may name another DM server than the card does.
"""

from me_lib.card import path as card_path
from me_lib.codec import dmcfg
from me_lib.errors import (
    DecodeError,
    FileNotFound,
    MeLibError,
    ProfileError,
    ProfileUnreadable,
)
from me_lib.profile import Bearer, DmServer, Profile
from me_lib.sources.base import (
    FATAL,
    Partial,
    ServerEntry,
    SourceContext,
    entries_of,
    invalid_note,
    place_servers,
    reason,
)
from me_lib.sources.cache import ORIGIN as CACHE_ORIGIN

ORIGIN = "usim:EF.DMCFG"


def _bearer(b: dmcfg.Bearer) -> Bearer:
    pdn = b.pdn_type if b.pdn_type is not None else dmcfg.PDN_IP
    return Bearer(b.apn, dmcfg.PDN_AT_NAMES.get(pdn, "#%d" % pdn),
                  dmcfg.name_of(dmcfg.AUTH_TYPES, b.auth) or "none",
                  b.username, b.password, b.services)


def _server(s: dmcfg.DmServer) -> DmServer:
    return DmServer(s.address, s.port, dmcfg.name_of(dmcfg.PROTOCOLS, s.protocol), 0,
                    dmcfg.name_of(dmcfg.ADDRESS_KINDS, s.kind))


def partial_from_dmcfg(cfg: dmcfg.DmConfig, origin: str = ORIGIN,
                       name: str = "usim") -> Partial:
    """Every value of a decoded EF.DMCFG through the profile validators."""
    part = Partial(origin, servers=[], service_bearers=[], sequence=cfg.sequence)
    assert part.servers is not None and part.service_bearers is not None
    for i, raw in enumerate(cfg.bearers):
        what = "APN0" if i == 0 else "service bearer %d" % i
        try:
            bearer = _bearer(raw)
        except ProfileError as exc:
            part.notes.append(invalid_note(name, what, raw.apn, exc))
            continue
        if i == 0:
            part.apn0 = bearer
        else:
            part.service_bearers.append(bearer)
    for raw_server in cfg.servers:
        try:
            server = _server(raw_server)
        except ProfileError as exc:
            part.notes.append(invalid_note(name, "DM server", raw_server.address, exc))
            continue
        on = cfg.bearers[raw_server.bearer_index].apn if raw_server.bearer_index else None
        part.servers.append(ServerEntry(server, on))
    if not part.servers and cfg.servers:
        part.servers = None  # every server was invalid: let another source answer
    if part.apn0 is None:
        part.status = "no-apn0"
        if cfg.bearers:
            part.finding = ("EF.DMCFG was read in full but its APN0 (the first bearer) %r "
                            "is invalid" % cfg.bearers[0].apn)
        else:
            part.finding = "EF.DMCFG was read in full but holds no bearer, so no APN0"
    return part


def profile_of(part: Partial) -> Profile | None:
    """The partial as a whole profile (what the cache keeps), None without APN0."""
    if part.apn0 is None:
        return None
    bearers = [part.apn0]
    bearers.extend(part.service_bearers or [])
    notes: list[str] = []
    try:
        return Profile(place_servers(part.servers or [], bearers, notes), bearers,
                       {"dm_servers": part.origin, "apn0": part.origin,
                        "service_bearers": part.origin}, part.sequence, notes)
    except ProfileError:
        return None


def partial_from_profile(profile: Profile, origin: str) -> Partial:
    return Partial(origin, entries_of(profile.servers, profile.bearers), profile.apn0,
                   profile.service_bearers, profile.sequence, list(profile.notes))


class UsimSource:
    """EF.DMCFG on the USIM, with the per-ICCID cache behind it."""

    name = "usim"

    def read(self, ctx: SourceContext) -> Partial:
        """The profile from EF.DMCFG; a file that is absent or does not decode becomes a note.

        On a re-run, an unchanged card (ICCID and sequence number) answers from the cache.
        """
        unchanged = self._unchanged(ctx)
        if unchanged is not None:
            return unchanged
        try:
            cfg = ctx.usim().read_dmcfg()
        except FATAL:
            raise
        except FileNotFound:
            return _found("absent", "usim: the card has no EF.DMCFG (%s)"
                          % card_path.to_hex(ctx.usim().dmcfg_path))
        except (ProfileError, DecodeError) as exc:
            return self._fallback(ctx, exc)
        except MeLibError as exc:  # timeout, SIM busy, card not answering, access
            return self._unreadable(ctx, exc)
        if cfg is None:
            return _found("empty", "usim: EF.DMCFG is not provisioned (all FF)")
        part = partial_from_dmcfg(cfg)
        self._remember(ctx, part)
        return part

    def _unchanged(self, ctx: SourceContext) -> Partial | None:
        """The cached profile of this card when EF.DMCFG's sequence number says it holds.

        Two short reads (EF_ICCID, the file's head) instead of the whole file:
        an OTA update of EF.DMCFG bumps its sequence number, a card swap changes
        the ICCID, and either makes this None (the file is read in full). Not
        used when the card's file has no sequence number, when a bearer needs a
        password the cache does not keep, or once after the card signalled a
        REFRESH (`Modem.forget_card`).
        """
        if ctx.cache is None:
            return None
        session = getattr(ctx.modem, "session", None)
        if isinstance(session, dict) and session.pop("card_refreshed", False):
            return None     # a REFRESH since: the file is read in full
        iccid = ctx.iccid()
        if iccid is None:
            return None
        cached, _ = ctx.cache.get(iccid)
        if cached is None or cached.sequence is None:
            return None
        for bearer in cached.bearers:
            if bearer.auth != "none" and bearer.password is None:
                return None
        try:
            sequence = ctx.usim().read_dmcfg_sequence()
        except FATAL:
            raise
        except FileNotFound:
            return None     # the full read reports the file absent
        except MeLibError as exc:
            # unreadable now (timeout after retries, busy, access): the whole file would
            # not read either; this card's cached profile answers, as for a full read
            return self._unreadable(ctx, exc)
        if sequence != cached.sequence:
            return None
        part = partial_from_profile(cached, ORIGIN)
        part.notes = ["usim: EF.DMCFG sequence %d unchanged on ICCID %s: the profile read "
                      "from it earlier was used" % (sequence, iccid)]
        return part

    def _unreadable(self, ctx: SourceContext, exc: MeLibError) -> Partial:
        """The cached profile of this card, or ProfileUnreadable: never the next source."""
        why = "usim: EF.DMCFG could not be read (%s)" % reason(exc)
        part = self._cached(ctx, why)
        if part is not None:
            return part
        raise ProfileUnreadable(
            "EF.DMCFG could not be read (%s) and no good profile is cached for this card; "
            "the other sources were not asked, as they may name another DM server"
            % reason(exc),
            "retry once the modem and the card answer again; if it persists, check the "
            "card is seated and the modem reads it (AT+CRSM)") from exc

    def _cached(self, ctx: SourceContext, why: str) -> Partial | None:
        """The last good profile of this ICCID as a `cache:` answer (None: nothing cached;
        the reason is in `ctx.notes`)."""
        if ctx.cache is None:
            ctx.notes.append(why + "; no profile cache configured")
            return None
        iccid = ctx.iccid()
        if iccid is None:
            ctx.notes.append(why + "; the ICCID is unknown, so the cache cannot be used")
            return None
        cached, notes = ctx.cache.get(iccid)
        if cached is None:
            ctx.notes.extend(notes)
            ctx.notes.append(why + "; no good profile cached for ICCID %s" % iccid)
            return None
        part = partial_from_profile(cached, CACHE_ORIGIN)
        seq = "none" if cached.sequence is None else str(cached.sequence)
        notes.append("%s; using the last good profile cached for ICCID %s (sequence %s)"
                     % (why, iccid, seq))
        notes.extend(part.notes)
        part.notes = notes
        return part

    def _remember(self, ctx: SourceContext, part: Partial) -> None:
        if ctx.cache is None:
            return
        iccid = ctx.iccid()
        profile = profile_of(part)
        if iccid is None or profile is None:
            return
        try:
            ctx.cache.put(iccid, profile)
        except ProfileError as exc:
            part.notes.append("usim: could not update the profile cache: %s" % reason(exc))

    def _fallback(self, ctx: SourceContext, exc: ProfileError | DecodeError) -> Partial:
        why = reason(exc)
        if ctx.cache is None:
            return _found("torn", "usim: EF.DMCFG torn/corrupt (%s); no profile cache "
                          "configured, asking the other sources" % why)
        iccid = ctx.iccid()
        if iccid is None:
            return _found("torn", "usim: EF.DMCFG torn/corrupt (%s); the ICCID is unknown, "
                          "so the cache cannot be used" % why)
        cached, notes = ctx.cache.get(iccid)
        if cached is None:
            notes.append("usim: EF.DMCFG torn/corrupt (%s); no good profile cached for "
                         "ICCID %s, asking the other sources" % (why, iccid))
            return _found("torn", notes)
        part = partial_from_profile(cached, CACHE_ORIGIN)
        seq = "none" if cached.sequence is None else str(cached.sequence)
        notes.append("usim: EF.DMCFG torn/corrupt (%s); using the last good profile "
                     "cached for ICCID %s (sequence %s)" % (why, iccid, seq))
        notes.extend(part.notes)
        part.notes = notes
        return part


def _found(status: str, notes: str | list[str]) -> Partial:
    """An EF.DMCFG answer with no values: what was found (`status`) and the notes."""
    part = Partial(ORIGIN, notes=[notes] if isinstance(notes, str) else notes)
    part.status = status
    return part
