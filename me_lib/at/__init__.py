"""AT protocol: the sans-I/O engine and the channel that binds it to a port.

Portable (MicroPython), `AtChannel` included: it imports pyserial only in
`AtChannel.open()` and runs without threads (see its module docstring for the
byte port it drives).
"""

from me_lib.at.channel import AtChannel, raise_for_final
from me_lib.at.command import Raw, build_command
from me_lib.at.engine import AtEngine, RawSpec
from me_lib.at.events import (
    DataReceived,
    Final,
    Prompt,
    ProtocolError,
    Rebooted,
    Response,
    Timeout,
    Urc,
)

__all__ = [
    "AtChannel",
    "AtEngine",
    "DataReceived",
    "Final",
    "Prompt",
    "ProtocolError",
    "Raw",
    "RawSpec",
    "Rebooted",
    "Response",
    "Timeout",
    "Urc",
    "build_command",
    "raise_for_final",
]
