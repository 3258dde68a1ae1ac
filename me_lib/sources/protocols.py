"""The protocols of the sources layer: what a target, an identity and a source offer.

Typing only, so not in the board's manifest: `me_lib.sources.base` re-exports
them on CPython (`from me_lib.sources import ModemLike` keeps working), and a
MicroPython board, which never checks types, does not load their code.
"""

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from me_lib.card.usim import Usim
    from me_lib.sources.base import Partial, SourceContext


class IdentityLike(Protocol):
    """What the chain needs of a card identity (`card.usim.Identity` fits)."""

    @property
    def iccid(self) -> str: ...
    @property
    def imsi(self) -> str: ...
    @property
    def mcc(self) -> str: ...
    @property
    def mnc(self) -> str | None: ...


class ModemLike(Protocol):
    """The part of `me_lib.modem.Modem` the sources use (docs/architecture.md)."""

    def usim(self) -> "Usim":
        """The card, read through this target."""

    def identity(self) -> IdentityLike:
        """ICCID and IMSI of the card, which key the profile cache."""

    def network_apn(self) -> str | None:
        """The APN the network gave the default bearer, None if none."""

    def pco_dm_address(self) -> str | None:
        """A DM address the network sent in (e)PCO, None if none."""


class Source(Protocol):
    """A profile source: a `name` (for notes and `sources=`) and `read`."""

    name: str

    def read(self, ctx: "SourceContext") -> "Partial":
        """What this source knows about the profile; never raises for a missing value
        (that is a note), only for a fatal card state (PIN blocked, SIM not ready).
        """
