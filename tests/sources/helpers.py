"""Shared builders for the sources tests: real virtual cards, a Usim over them, a modem double.

The modem double is the only stand-in: `me_lib.modem.Modem` is being written
in parallel. It offers exactly the methods docs/architecture.md gives the
sources (`usim`, `identity`, `network_apn`, `pco_dm_address`, `default_cid`)
and counts the network calls, so tests can check the chain stays lazy.
"""

import tomllib
from typing import Any

from me_lib.card.files import FileAccess
from me_lib.card.link import FunctionLink
from me_lib.card.usim import Identity, Usim
from me_lib.codec import lwm2m
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

PKCS15_BOOTSTRAP = "A000000063504B43532D3135/6432"


def card(profile: str = "default.toml", drop: tuple[str, ...] = (),
         **changes: dict[str, Any]) -> VirtualCard:
    """A packaged profile with sections dropped or keys changed."""
    data = tomllib.loads((PROFILES_DIR / profile).read_text())
    for section in drop:
        data.pop(section, None)
    for section, values in changes.items():
        data.setdefault(section, {}).update(values)
    return VirtualCard.from_dict(data)


def acl_only() -> VirtualCard:
    return card(drop=("dmcfg", "lwm2m"))


def lwm2m_only() -> VirtualCard:
    return card(drop=("dmcfg", "acl"))


def bare() -> VirtualCard:
    """Identity only: no EF.DMCFG, no EF_ACL, no LwM2M bootstrap."""
    return card(drop=("dmcfg", "acl", "lwm2m"))


def usim_of(vc: VirtualCard) -> Usim:
    return Usim(FileAccess(FunctionLink(vc.transmit, starts_at_mf=True)))


def set_security_instances(vc: VirtualCard, instances: list[lwm2m.SecurityInstance]) -> None:
    """Rewrite the card's LwM2M bootstrap file (an OTA update of the PKCS#15 app)."""
    data = lwm2m.encode(lwm2m.BootstrapFile((lwm2m.security_object(instances),)))
    vc.update_file(PKCS15_BOOTSTRAP, data)


class FakeModem:
    """The sources' view of `me_lib.modem.Modem`, over a real virtual card."""

    default_cid = 1

    def __init__(self, vc: VirtualCard, network_apn: str | None = None,
                 pco: str | None = None, identity: Identity | None = None) -> None:
        self.vc = vc
        # a new session finds the card as a new process would: just powered up, at
        # the MF (the library's FileAccess starts there)
        vc.reset()
        self._network_apn = network_apn
        self._pco = pco
        self._identity = identity
        self._usim: Usim | None = None
        self.calls: list[str] = []

    def usim(self) -> Usim:
        self.calls.append("usim")
        if self._usim is None:
            self._usim = usim_of(self.vc)
        return self._usim

    def identity(self) -> Identity:
        self.calls.append("identity")
        if self._identity is not None:
            return self._identity
        return usim_of(self.vc).identity()

    def network_apn(self) -> str | None:
        self.calls.append("network_apn")
        return self._network_apn

    def pco_dm_address(self) -> str | None:
        self.calls.append("pco_dm_address")
        return self._pco
