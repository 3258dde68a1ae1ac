"""Socket adapters: DNS, one UDP exchange and a TCP connect on the modem's own IP stack.

One adapter per vendor family (docs/architecture.md, "Modem layer"); the
dialect table names the family per module and `ADAPTERS[family](channel)`
builds it. All adapters share the `SocketAdapter` contract and raise the
errors in `base` (all `ProvisionError`s of step "dm-reach") or `AtError`s.
"""

from collections.abc import Callable

from me_lib.at import AtChannel
from me_lib.errors import ConnectFailed, NameNotResolved, NoAnswer
from me_lib.modem.sockets.base import (
    SocketAdapter,
)
from me_lib.modem.sockets.nrf91 import Nrf91Sockets
from me_lib.modem.sockets.quectel import QuectelSockets
from me_lib.modem.sockets.simcom import SimcomSockets
from me_lib.modem.sockets.telit import TelitSockets
from me_lib.modem.sockets.ublox import UbloxSockets

ADAPTERS: dict[str, Callable[[AtChannel], SocketAdapter]] = {
    "quectel": QuectelSockets,
    "ublox": UbloxSockets,
    "simcom": SimcomSockets,
    "telit": TelitSockets,
    "nrf91": Nrf91Sockets,
}

__all__ = [
    "ADAPTERS",
    "ConnectFailed",
    "NameNotResolved",
    "NoAnswer",
    "Nrf91Sockets",
    "QuectelSockets",
    "SimcomSockets",
    "SocketAdapter",
    "TelitSockets",
    "UbloxSockets",
]
