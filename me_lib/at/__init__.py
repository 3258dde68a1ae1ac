"""AT protocol: the sans-I/O engine and the channel that binds it to a port.

`AtEngine`, the events, `build_command` and the field helpers are portable
(MicroPython); `AtChannel` needs pyserial and is only imported where it exists.
"""

from me_lib.at.command import Raw, build_command
from me_lib.at.engine import AtEngine, RawSpec
from me_lib.at.events import DataReceived, Final, Prompt, Rebooted, Response, Timeout, Urc

try:
    from me_lib.at.channel import AtChannel, raise_for_final
except ImportError:  # MicroPython: no pyserial/threading; use firmware_shim
    pass

__all__ = [
    "AtChannel",
    "AtEngine",
    "DataReceived",
    "Final",
    "Prompt",
    "Raw",
    "RawSpec",
    "Rebooted",
    "Response",
    "Timeout",
    "Urc",
    "build_command",
    "raise_for_final",
]
