"""me_lib: provision a cellular IoT device from its USIM profile over AT commands.

Importing the package registers the library's pyserial URL handlers
(`sim://` for the built-in modem simulator), so `serial.serial_for_url`
understands them everywhere once `me_lib` is imported.
"""

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

__all__ = ["MeLibError", "__version__"]
