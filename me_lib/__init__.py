"""me_lib: provision a cellular IoT device from its USIM profile over AT commands.

Importing the package registers the library's pyserial URL handlers
(`sim://` for the built-in modem simulator), so `serial.serial_for_url`
understands them everywhere once `me_lib` is imported.
"""

import sys

from me_lib.errors import MeLibError

__version__ = "0.1.0"


def _register_url_handlers() -> None:
    try:
        import serial
    except ImportError:  # MicroPython or a minimal install: no pyserial
        return
    packages = serial.protocol_handler_packages
    if "me_lib.sim" not in packages:
        packages.append("me_lib.sim")


_register_url_handlers()

# The public surface of DESIGN §3, imported on first use so that `import me_lib`
# stays light (and portable modules never pull in CPython-only ones).
_LAZY = {
    "Modem": "me_lib.modem.modem",
    "Profile": "me_lib.profile",
    "read_profile": "me_lib.sources.chain",
    "provision": "me_lib.provision.flow",
    "watch": "me_lib.provision.watch",
    "apply_service_apns": "me_lib.sources.dm_platform",
}

# `provision` is also the name of a subpackage, which the import system binds
# on this package when it loads; binding the function after that load keeps
# `from me_lib import provision` the function. On CPython it is imported here,
# unguarded, so a broken flow fails loudly at `import me_lib`; MicroPython
# keeps `import me_lib` light (a board imports me_lib.provision.flow itself).
if sys.implementation.name != "micropython":
    from me_lib.provision.flow import provision


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'me_lib' has no attribute %r" % name)
    return getattr(__import__(module, None, None, [name]), name)


__all__ = ["MeLibError", "Modem", "Profile", "__version__", "apply_service_apns", "provision",
           "read_profile", "watch"]
