"""Socket adapters: DNS, one UDP exchange and a TCP connect on the modem's own IP stack.

One adapter per vendor family (docs/architecture.md, "Modem layer"); the
dialect table names the family per module and `ADAPTERS[family](channel)`
builds it. All adapters share the `SocketAdapter` contract and raise the
errors in `base` (all `ProvisionError`s of step "dm-reach") or `AtError`s.

Portable (MicroPython). A vendor's module is imported when its adapter is
first built (or its class first named, `sockets.QuectelSockets`), so a board
holds only its own modem's adapter in RAM. `host.HostSockets` (the PC's own
stack) is never imported here: it needs CPython's `socket`.
"""

from me_lib.at import AtChannel
from me_lib.errors import ConnectFailed, NameNotResolved, NoAnswer
from me_lib.modem.sockets.base import SocketAdapter

try:
    from collections.abc import Callable
    from typing import Any
except ImportError:  # MicroPython: only annotates
    pass

# class name -> the vendor module that defines it
_CLASSES = {
    "QuectelSockets": "quectel",
    "UbloxSockets": "ublox",
    "SimcomSockets": "simcom",
    "TelitSockets": "telit",
    "Nrf91Sockets": "nrf91",
}


def _load(name: str) -> Any:
    module = __import__("me_lib.modem.sockets." + _CLASSES[name], None, None, [name])
    return getattr(module, name)


def _factory(name: str) -> "Callable[[AtChannel], SocketAdapter]":
    def build(channel: AtChannel) -> SocketAdapter:
        adapter: SocketAdapter = _load(name)(channel)
        return adapter

    return build


ADAPTERS: dict[str, Callable[[AtChannel], SocketAdapter]] = {
    "quectel": _factory("QuectelSockets"),
    "ublox": _factory("UbloxSockets"),
    "simcom": _factory("SimcomSockets"),
    "telit": _factory("TelitSockets"),
    "nrf91": _factory("Nrf91Sockets"),
}


def __getattr__(name: str) -> Any:
    """The adapter classes by name, imported on first use (PEP 562; MicroPython too)."""
    if name in _CLASSES:
        return _load(name)
    raise AttributeError("module 'me_lib.modem.sockets' has no attribute %r" % name)


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
