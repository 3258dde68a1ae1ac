"""Source `lwm2m`: the DM server from the card's LwM2M bootstrap file (OMA Appendix G).

The Security object (0) lists the bootstrap server and, when the card was
personalised with them, the DM servers themselves (Bootstrap-Server resource
false). A DM server instance is what the device should reach; when the file
only has the bootstrap server, reaching it is still the way to the DM
platform (the LwM2M client bootstraps from it), so it is used, and a note
says which of the two the profile got.

Answers `dm_servers` only: the file carries no APN.
"""

from me_lib.codec import dmcfg, lwm2m
from me_lib.errors import DecodeError, ProfileError
from me_lib.profile import DmServer
from me_lib.sources.base import Partial, ServerEntry, SourceContext, invalid_note, reason

ORIGIN = "lwm2m:bootstrap"


def _describe(inst: lwm2m.SecurityInstance) -> str:
    return "Security instance %d (short server id %s)" % (
        inst.instance_id, "none" if inst.short_server_id is None else inst.short_server_id)


class Lwm2mSource:
    """Server URIs of the Security object instances on the card."""

    name = "lwm2m"

    def read(self, ctx: SourceContext) -> Partial:
        """The DM server from the card's LwM2M bootstrap (Security object), if it has one."""
        part = Partial(ORIGIN)
        try:
            boot = ctx.usim().read_lwm2m_bootstrap()
            instances = lwm2m.security_instances(boot) if boot is not None else ()
        except (DecodeError, ProfileError) as exc:
            part.notes.append("lwm2m: the bootstrap file does not decode: %s" % reason(exc))
            return part
        if boot is None:
            part.notes.append("lwm2m: no LwM2M bootstrap file on the card")
            return part
        dm = [i for i in instances if i.bootstrap is False and i.server_uri]
        chosen, kind = dm, "DM server"
        if not dm:
            chosen = [i for i in instances if i.server_uri]
            kind = "bootstrap server"
        servers: list[ServerEntry] = []
        for inst in chosen:
            try:
                servers.append(ServerEntry(DmServer(inst.server_uri or "", kind="uri")))
            except ProfileError as exc:
                part.notes.append(invalid_note("lwm2m", "server URI of " + _describe(inst),
                                               dmcfg.redact_uri(inst.server_uri), exc))
                continue
            part.notes.append("lwm2m: DM server %s from the %s in %s" % (
                inst.server_uri, kind, _describe(inst)))
        if not chosen:
            part.notes.append("lwm2m: the bootstrap file names no server")
        if servers:
            part.servers = servers
        return part
