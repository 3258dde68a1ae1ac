"""AT protocol: the sans-I/O engine and the channel that binds it to a port.

Portable (MicroPython), `AtChannel` included: it imports pyserial only in
`AtChannel.open()` and runs without threads (see its module docstring for the
byte port it drives).

Importing the package loads nothing else (PEP 562): the board core imports
`me_lib.at.timeouts` alone, without the engine and the channel.
"""

from me_lib.lazy import exports

TYPE_CHECKING = False
if TYPE_CHECKING:
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

_WHERE = {
    "AtChannel": "channel",
    "AtEngine": "engine",
    "DataReceived": "events",
    "Final": "events",
    "Prompt": "events",
    "ProtocolError": "events",
    "Raw": "command",
    "RawSpec": "engine",
    "Rebooted": "events",
    "Response": "events",
    "Timeout": "events",
    "Urc": "events",
    "build_command": "command",
    "raise_for_final": "channel",
}

__getattr__ = exports(__name__, _WHERE)

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
