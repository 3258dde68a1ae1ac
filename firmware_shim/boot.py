"""The board's configuration and boot loop, shared by main.py (full build) and
core_main.py (board core).

One /config.json for both builds (keys and defaults: `DEFAULTS`), and one
policy: a failed run is retried with a doubling back-off (a modem that stopped
answering is reset first), except a SIM that refuses or lacks the PIN: every
retry would spend one of its tries, so the board stops and says why. Only a
board runs the loop (`machine`).
"""

from firmware_shim.uart import UartPort
from me_lib.errors import AtTimeout, MeLibError

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from typing import Any
except ImportError:
    pass

CONFIG = "/config.json"
DEFAULTS = {
    "uart": 2, "tx": 17, "rx": 16, "baudrate": 115200,  # ESP32 UART2 on GPIO17/16
    "pwrkey": 4, "reset": 5, "active": 1,  # NPN-driven PWRKEY/RESET_N: pin high = key low
    "dialect": "quectel-bg96",
    "pin": None,  # SIM PIN, only when the card has one enabled
    "state": "/",  # directory of the state files (each build names its own)
    "watch": True,  # after provisioning, keep the modem provisioned
    "watch_seconds": None,  # bound on the watch (seconds); None: for ever
    "watch_events": None,  # stop after this many events handled; None: no limit
}


def load_config(path: str = CONFIG) -> "dict[str, Any]":
    """DEFAULTS overridden by the JSON object in `path` (missing file: DEFAULTS).

    A file that is not a JSON object is a MeLibError that says so (the parser's
    message gives no value: the file holds the PIN)."""
    import json

    config = dict(DEFAULTS)
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except OSError:
        return config
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise MeLibError("%s is not a JSON object" % path,
                         "write it as {\"dialect\": ..., \"pin\": ...}")
    config.update(doc)
    return config


# After a failed boot: first retry after this long, doubling up to the cap.
RETRY_FIRST_S = 60.0
RETRY_MAX_S = 3600.0


def forever(run: "Callable[[Any, dict[str, Any], Any], Any]", config: "dict[str, Any]") -> None:
    """`run(port, config, power)` on machine.UART + machine.Pin from `config`, for ever."""
    import machine  # type: ignore[import-not-found]

    from firmware_shim.power import ModemPower
    from me_lib.clock import sleep
    from me_lib.errors import PinBlocked, SimNotReady
    from me_lib.modem.dialects import by_name

    pins = [machine.Pin(config[k], machine.Pin.OUT) if config.get(k) is not None else None
            for k in ("pwrkey", "reset")]
    power = ModemPower(by_name(config["dialect"]), pins[0], pins[1], config["active"])
    delay = RETRY_FIRST_S
    while True:
        uart = machine.UART(config["uart"], baudrate=config["baudrate"], tx=config["tx"],
                            rx=config["rx"], timeout=0, rxbuf=1024)
        port = UartPort(uart)
        try:
            run(port, config, power)  # with "watch" (the default): returns only with the port
            delay = RETRY_FIRST_S
        except (PinBlocked, SimNotReady) as exc:
            print("provisioning stopped, the SIM needs attention:", exc)
            return
        except AtTimeout as exc:  # the modem stopped answering: reset it, then retry
            print("provisioning failed:", exc)
            try:
                power.reset()  # the pulse the module documents (Dialect.reset_kind)
            except MeLibError as reset_exc:  # no pin wired for it, or no answer after
                print("reset failed:", reset_exc)
        except MeLibError as exc:  # keep the board up; the message says what to do
            print("provisioning failed:", exc)
        finally:
            port.close()
        print("retrying in %d s" % delay)
        sleep(delay)
        delay = min(delay * 2, RETRY_MAX_S)
