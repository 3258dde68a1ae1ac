"""Simulators shipped with me_lib: the virtual USIM (and, beside it, the virtual modem).

`VirtualCard` is a UICC with a real file system and APDU handling, loaded from
a profile TOML (`me_lib/sim/profiles/`); `me_lib.sim.vpcd` serves it to the
real pcscd through the vpcd driver (`me-lib card-sim`).
"""

from me_lib.sim.card import VirtualCard

__all__ = ["VirtualCard"]
