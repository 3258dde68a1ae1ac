"""me_lib: provision a cellular IoT device from its USIM profile over AT commands.

Importing the package is light (about what `import serial` costs): the public
names below (`Modem`, `read_profile`, `provision`, ...) are imported from their
modules on first use (PEP 562), so a script that only needs `me_lib.at` or an
error class does not load the provisioning flow, construct or the simulator.

It registers the library's pyserial URL handlers (`sim://` for the built-in
modem simulator, `replay://` for recorded traces), so `serial.serial_for_url`
understands them everywhere once `me_lib` is imported; registering appends a
package name to pyserial's list and imports nothing of the simulator.
"""

import sys

from me_lib.errors import MeLibError

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:  # mypy sees the real names and types; run time stays lazy
    from me_lib.modem.modem import Modem
    from me_lib.profile import Profile
    from me_lib.provision.flow import provision
    from me_lib.provision.watch import watch
    from me_lib.sources.chain import read_profile
    from me_lib.sources.dm_platform import apply_service_apns


def _register_url_handlers() -> None:
    """Let pyserial find `sim://` and `replay://` (modules `me_lib.sim.protocol_*`)."""
    try:
        import serial
    except ImportError:  # MicroPython or a minimal install: no pyserial
        return
    packages = serial.protocol_handler_packages
    if "me_lib.sim" not in packages:
        packages.append("me_lib.sim")


_register_url_handlers()

# The public surface (docs/architecture.md), imported on first use.
_LAZY = {
    "Modem": "me_lib.modem.modem",
    "Profile": "me_lib.profile",
    "read_profile": "me_lib.sources.chain",
    "provision": "me_lib.provision.flow",
    "watch": "me_lib.provision.watch",
    "apply_service_apns": "me_lib.sources.dm_platform",
}


def __getattr__(name: str) -> object:
    """The names of `_LAZY`, imported from their module when first asked for.

    The value is then bound on the package, so later lookups cost nothing.
    """
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'me_lib' has no attribute %r" % name)
    value = getattr(__import__(module, None, None, [name]), name)
    globals()[name] = value
    return value


if sys.implementation.name != "micropython":

    class _Package(type(sys)):  # type: ignore[misc]
        """The `me_lib` module, keeping `me_lib.provision` the function.

        `provision` is also the name of a subpackage, and the import system binds
        a subpackage on its parent when it loads (`setattr(me_lib, "provision",
        module)`), which would turn `from me_lib import provision` into the
        module once anything imported `me_lib.provision.*`. That one binding is
        dropped: the subpackage stays in `sys.modules` (what `import
        me_lib.provision.plan` and `from me_lib.provision import plan` use) and
        `me_lib.provision` stays the function, loaded on first use.
        MicroPython cannot change a module's class; a board imports
        `me_lib.provision.flow` itself.
        """

        def __setattr__(self, name: str, value: object) -> None:
            if name == "provision" and isinstance(value, type(sys)):
                return
            super().__setattr__(name, value)

    sys.modules[__name__].__class__ = _Package


__all__ = ["MeLibError", "Modem", "Profile", "__version__", "apply_service_apns", "provision",
           "read_profile", "watch"]
