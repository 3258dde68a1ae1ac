"""Vendor DNS and socket commands of the simulated modem, bridged to real loopback sockets.

One module per command family, as the driver's `me_lib/modem/sockets/` is
cut: `base` (the loopback bridge they share: `SocketStack`, `SimSocket`, the
process's DM server) and `quectel`, `ublox`, `simcom`, `telit`, `nrf91`. The
dialect's `sockets` field picks the family through `FAMILIES`; only that
family's module is imported, when the first modem of it is built.
"""

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from me_lib.sim.modem.host import Host
    from me_lib.sim.modem.sockets.base import SocketStack

# the dialect table's `sockets` value -> (module of this package, its SocketStack class)
FAMILIES: dict[str, tuple[str, str]] = {
    "quectel": ("quectel", "QuectelStack"),
    "ublox": ("ublox", "UbloxStack"),
    "simcom": ("simcom", "SimcomStack"),
    "telit": ("telit", "TelitStack"),
    "nrf": ("nrf91", "NordicSlmStack"),
}


def stack_class(family: str) -> "type[SocketStack] | None":
    """The stack class of `family` (None: a module without an internal IP stack)."""
    row = FAMILIES.get(family)
    if row is None:
        return None
    cls: type[SocketStack] = getattr(importlib.import_module(__name__ + "." + row[0]), row[1])
    return cls


def make_stack(modem: "Host") -> "SocketStack | None":
    """The socket family of the modem's dialect (None: no internal IP stack)."""
    cls = stack_class(modem.dialect.sockets)
    return cls(modem) if cls is not None else None
