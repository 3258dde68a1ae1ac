"""Simulators shipped with me_lib: the virtual USIM (and, beside it, the virtual modem).

`VirtualCard` is a UICC with a real file system and APDU handling, loaded from
a profile TOML (`me_lib/sim/profiles/`); `me_lib.sim.vpcd` serves it to the
real pcscd through the vpcd driver (`me-lib card-sim`).

Importing the package loads nothing else (pyserial imports it to find the
`sim://` handler, `me_lib.sim.protocol_sim`); `VirtualCard` loads on first use.
"""

from me_lib.lazy import exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from me_lib.sim.card import VirtualCard

_WHERE = {"VirtualCard": "card"}


__getattr__ = exports(__name__, _WHERE, submodules=False)


__all__ = ["VirtualCard"]
