"""Why a port would not open, as a `PortUnavailable` with a hint for that cause.

pyserial reports every failure to open as a `SerialException` whose text
differs per back end; the cause a user can act on is in the errno (of the
exception or of the OSError it was raised from) or in the URL scheme. A table
maps them to what to do, so the CLI prints one line that says which cable,
address or scenario name to check instead of a traceback.

CPython only (pyserial URLs); `AtChannel.open` imports it when opening fails.
"""

import errno

from me_lib.errors import PortUnavailable

# errno -> what to do; the first errno found on the exception chain decides.
_BY_ERRNO: tuple[tuple[int, str], ...] = (
    (errno.ENOENT, "no such device: check the device path and the cable; list the serial "
                   "ports and readers with `me-lib ports`"),
    (errno.ENODEV, "the device is gone: check the cable and that the module is powered; list "
                   "the serial ports with `me-lib ports`"),
    (errno.ENXIO, "the device is gone: check the cable and that the module is powered; list "
                  "the serial ports with `me-lib ports`"),
    (errno.EACCES, "permission denied: add your user to the group owning the device "
                   "(dialout, uucp) and log in again"),
    (errno.EBUSY, "the port is in use by another program (ModemManager, minicom, another "
                  "me-lib): stop it and retry"),
    (errno.ECONNREFUSED, "connection refused: check the host and port in the URL and that "
                         "the server listens there"),
    (errno.EHOSTUNREACH, "host unreachable: check the address in the URL and the network"),
    (errno.ENETUNREACH, "network unreachable: check the address in the URL and the network"),
    (errno.ETIMEDOUT, "no answer from that address: check the host and port in the URL"),
    (errno.ENOTTY, "that path is not a serial port: give the modem's AT port (list them "
                   "with `me-lib ports`)"),
)
_NAME_ERROR = "cannot resolve the host in the URL: check its spelling"
_BAD_URL = ("check the URL (device path, socket://HOST:PORT, rfc2217://HOST:PORT, "
            "sim://SCENARIO) and the baud rate")
_DEFAULT = "check the device path or URL and that the device is powered"


def open_error(url: str, exc: BaseException) -> PortUnavailable:
    """The typed error for `serial_for_url(url)` having raised `exc`."""
    detail = str(exc) or type(exc).__name__
    if url.lower().startswith("sim://"):
        return PortUnavailable(url, detail, _sim_hint())
    return PortUnavailable(url, detail, _hint(exc))


def _hint(exc: BaseException) -> str:
    import socket

    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 8:
        seen.append(cur)
        if isinstance(cur, socket.gaierror):
            return _NAME_ERROR
        code = getattr(cur, "errno", None)
        if code is None and cur.args and isinstance(cur.args[0], int):
            code = cur.args[0]          # termios.error carries (errno, text) in args
        for number, hint in _BY_ERRNO:
            if code == number:
                return hint
        cur = cur.__cause__ or cur.__context__
    if isinstance(exc, ValueError):
        return _BAD_URL
    return _DEFAULT


def _sim_hint() -> str:
    try:
        from me_lib.sim.modem.scenario import available

        names = ", ".join(available())
    except Exception:  # the hint must not fail where the open did
        names = ""
    if names:
        return ("use a simulator scenario name (%s) or a path to a scenario .toml: "
                "sim://NAME[?speed=N]" % names)
    return "use a simulator scenario name or a path to a scenario .toml: sim://NAME[?speed=N]"
