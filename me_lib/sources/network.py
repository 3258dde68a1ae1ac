"""Sources `pco` and `network`: what the network itself tells the modem.

`pco`: some operators put the DM server address in an operator-specific
(e)PCO container (FF00h..) of the default bearer; the modem layer reads it
where the dialect has a way (`modem.pco_dm_address()`). Answers `dm_servers`.

`network`: after an attach with an empty APN the network chose the default
bearer's APN (`modem.network_apn()`, operator suffix stripped). It becomes
APN0 only when no source before it gave one, the last resort that still
lets the device reach an operator DM server announced elsewhere.

Both need a modem; with a bare `Usim` (PC/SC) target they answer nothing.
"""

from me_lib.errors import ProfileError
from me_lib.profile import Bearer, DmServer
from me_lib.sources.base import Partial, ServerEntry, SourceContext, invalid_note


class PcoSource:
    """DM server address from an (e)PCO container."""

    name = "pco"
    origin = "pco"

    def read(self, ctx: SourceContext) -> Partial:
        """The DM server from the address the network sent in (e)PCO."""
        part = Partial(self.origin)
        if ctx.modem is None:
            part.notes.append("pco: needs a modem (the target is a bare USIM)")
            return part
        address = ctx.modem.pco_dm_address()
        if not address:
            part.notes.append("pco: the network sent no DM address in (e)PCO")
            return part
        try:
            part.servers = [ServerEntry(DmServer(address))]
        except ProfileError as exc:
            part.notes.append(invalid_note("pco", "DM address", address, exc))
        return part


class NetworkSource:
    """APN0 = the APN the network gave the default bearer."""

    name = "network"
    origin = "network"

    def read(self, ctx: SourceContext) -> Partial:
        """APN0 from the network-given APN of the default bearer, as the last resort."""
        part = Partial(self.origin)
        if ctx.modem is None:
            part.notes.append("network: needs a modem (the target is a bare USIM)")
            return part
        apn = ctx.modem.network_apn()
        if not apn:
            part.notes.append("network: the default bearer has no network-given APN")
            return part
        try:
            part.apn0 = Bearer(apn)
        except ProfileError as exc:
            part.notes.append(invalid_note("network", "default-bearer APN", apn, exc))
            return part
        part.notes.append("network: APN0 %r is the APN the network gave the default bearer"
                          % part.apn0.apn)
        return part
