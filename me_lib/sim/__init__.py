"""Simulators shipped with me_lib: the virtual USIM (and, beside it, the virtual modem).

`VirtualCard` is a UICC with a real file system and APDU handling, loaded from
a profile TOML (`me_lib/sim/profiles/`); `me_lib.sim.vpcd` serves it to the
real pcscd through the vpcd driver (`me-lib card-sim`).

Importing the package loads nothing else (pyserial imports it to find the
`sim://` handler, `me_lib.sim.protocol_sim`); `VirtualCard` loads on first use.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from me_lib.sim.card import VirtualCard

_WHERE = {"VirtualCard": "card"}


def __getattr__(name: str) -> object:
    """The names of `__all__`, imported from their module when first asked for (PEP 562)."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(__import__(__name__ + "." + where, None, None, [name]), name)


__all__ = ["VirtualCard"]
