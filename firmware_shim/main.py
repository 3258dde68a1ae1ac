"""Example `main.py` for an ESP32 wired to a cellular modem (see README.md).

At boot: switch the modem on (PWRKEY), sync, read the provisioning profile
from the USIM (last good profile per ICCID kept on flash), provision it (DM
server reachable, service contexts up) and keep the result on flash.

Settings come from /config.json, not from this file, so the SIM PIN never
sits in source control or in the deployed code (keys: see DEFAULTS). The log
names the APNs and the DM host; never the PIN or a bearer password
(`Profile.to_dict()` and `ProvisionResult.to_dict()` mask them).

`run(port, config)` is the part that needs no `machine`: the MicroPython
unix-port tests call it with `firmware_shim.unix_uart` on a pty.
"""

import json

from firmware_shim.store import FlashFile
from firmware_shim.uart import UartPort
from me_lib.at.channel import AtChannel
from me_lib.errors import AtTimeout, MeLibError
from me_lib.modem.modem import Modem
from me_lib.provision.flow import provision
from me_lib.provision.ownership import Ownership
from me_lib.sources.cache import ProfileCache
from me_lib.sources.chain import read_profile

try:
    from typing import Any
except ImportError:
    pass

CONFIG = "/config.json"
DEFAULTS = {
    "uart": 2, "tx": 17, "rx": 16, "baudrate": 115200,  # ESP32 UART2 on GPIO17/16
    "pwrkey": 4, "reset": 5, "active": 1,  # NPN-driven PWRKEY/RESET_N: pin high = key low
    "dialect": "quectel-bg96",
    "pin": None,  # SIM PIN, only when the card has one enabled
    "state": "/",  # directory of profiles.json, contexts.json, last_result.json
}


def load_config(path: str = CONFIG) -> "dict[str, Any]":
    """DEFAULTS overridden by the JSON object in `path` (missing file: DEFAULTS)."""
    config = dict(DEFAULTS)
    try:
        with open(path) as fh:
            config.update(json.load(fh))
    except OSError:
        pass
    return config


def _state(config: "dict[str, Any]", name: str) -> FlashFile:
    folder = config["state"]
    return FlashFile(folder + ("" if folder.endswith("/") else "/") + name)


def run(port: "Any", config: "dict[str, Any]", power: "Any" = None,
        trace: "Any" = None) -> "Any":
    """Power on, read the profile, provision; returns the ProvisionResult (also on flash).

    `trace`: the channel's trace hook `(direction, data, time)`, for recording
    a session (the tests compare the commands with a CPython run).
    """
    channel = AtChannel(port)
    channel.trace = trace
    modem = Modem(channel, dialect=config["dialect"], pin=config.get("pin"))
    if power is not None:
        power.power_on(channel)  # the modem's own start() syncs again
    profile = read_profile(modem, cache=ProfileCache(_state(config, "profiles.json")))
    dm = profile.dm
    print("profile: APN0 %s, DM %s, services %s" % (
        profile.apn0.apn, dm.host if dm else "-",
        ",".join(b.apn for b in profile.service_bearers)))
    result = provision(modem, profile, ownership=Ownership(_state(config, "contexts.json")))
    _state(config, "last_result.json").save(result.to_dict())
    print("provisioned: ok=%s, %d AT round trips, DM %s" % (
        result.ok, result.round_trips,
        "reachable" if result.dm is not None and result.dm.reachable else "not reached"))
    return result


def main() -> None:
    """The board entry point: machine.UART + machine.Pin from the config."""
    import machine  # type: ignore[import-not-found]

    from firmware_shim.power import ModemPower
    from me_lib.modem.dialects import by_name

    config = load_config()
    uart = machine.UART(config["uart"], baudrate=config["baudrate"], tx=config["tx"],
                        rx=config["rx"], timeout=0, rxbuf=1024)
    pins = [machine.Pin(config[k], machine.Pin.OUT) if config.get(k) is not None else None
            for k in ("pwrkey", "reset")]
    power = ModemPower(by_name(config["dialect"]), pins[0], pins[1], config["active"])
    port = UartPort(uart)
    try:
        run(port, config, power)
    except AtTimeout as exc:  # the modem stopped answering: reset it for the next boot
        print("provisioning failed:", exc)
        if power.reset_pin is not None:
            power.reset()
    except MeLibError as exc:  # keep the board up; the message says what to do
        print("provisioning failed:", exc)
    finally:
        port.close()


if __name__ == "__main__":
    main()
