"""Example `main.py` for an ESP32 wired to a cellular modem (see README.md).

At boot: switch the modem on (PWRKEY), sync, read the provisioning profile
from the USIM (last good profile per ICCID kept on flash), provision it (DM
server reachable, service contexts up) and keep the result on flash. Then
("activate and forget", `"watch": true`) keep watching the modem with
`me_lib.provision.watch.watch()`: an EF.DMCFG updated over the air (REFRESH),
a SIM profile switch (new ICCID), a context the network deactivated, coverage
lost and back, a modem reboot: each is re-provisioned (only what differs), one
line printed per event, the latest result kept on flash.

Settings come from /config.json, not from this file, so the SIM PIN never
sits in source control or in the deployed code (keys: see DEFAULTS). The log
names the APNs and the DM host; never the PIN or a bearer password
(`Profile.to_dict()` and `ProvisionResult.to_dict()` mask them).

`run(port, config)` is the part that needs no `machine`: the MicroPython
unix-port tests call it with `firmware_shim.unix_uart` on a pty.
"""


from firmware_shim.boot import CONFIG as CONFIG  # the board's config: keys, defaults
from firmware_shim.boot import DEFAULTS as DEFAULTS
from firmware_shim.boot import load_config
from firmware_shim.store import FlashFile
from me_lib.at.channel import AtChannel
from me_lib.modem.modem import Modem
from me_lib.provision.flow import provision
from me_lib.provision.ownership import Ownership
from me_lib.sources.cache import ProfileCache
from me_lib.sources.chain import read_profile

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from typing import Any

    from me_lib.provision.watch import WatchEvent
except ImportError:
    pass

def _state(config: "dict[str, Any]", name: str) -> FlashFile:
    folder = config["state"]
    return FlashFile(folder + ("" if folder.endswith("/") else "/") + name)


def run(port: "Any", config: "dict[str, Any]", power: "Any" = None,
        trace: "Any" = None, on_event: "Callable[[WatchEvent], None] | None" = None) -> "Any":
    """Power on, read the profile, provision, then (config "watch") watch the modem;
    returns the first ProvisionResult (also on flash).

    `trace`: the channel's trace hook `(direction, data, time)`, for recording
    a session (the tests compare the commands with a CPython run). `on_event`:
    called with each `WatchEvent` once handled (after its line is printed).
    The watch ends after config "watch_seconds" (channel clock) or
    "watch_events" events, when given; on a board neither is, and it only
    ends with the port (PortClosed, a MeLibError).
    """
    channel = AtChannel(port)
    channel.trace = trace
    modem = Modem(channel, dialect=config["dialect"], pin=config.get("pin"))
    if power is not None:
        power.power_on(channel)  # the modem's own start() syncs again
    cache = ProfileCache(_state(config, "profiles.json"))
    ownership = Ownership(_state(config, "contexts.json"))
    profile = read_profile(modem, cache=cache)
    dm = profile.dm
    print("profile: APN0 %s, DM %s, services %s" % (
        profile.apn0.apn, dm.host if dm else "-",
        ",".join(b.apn for b in profile.service_bearers)))
    result = provision(modem, profile, ownership=ownership)
    _state(config, "last_result.json").save(result.to_dict())
    print("provisioned: ok=%s, %d AT round trips, DM %s" % (
        result.ok, result.round_trips,
        "reachable" if result.dm is not None and result.dm.reachable else "not reached"))
    if config.get("watch"):
        _watch(modem, profile, cache, ownership, config, on_event)
    return result


def _watch(modem: Modem, profile: "Any", cache: ProfileCache, ownership: Ownership,
           config: "dict[str, Any]", on_event: "Callable[[WatchEvent], None] | None") -> None:
    """watch() with the same sources chain, profile cache and context record as the boot.

    The watch module is imported here, when the config asks for the watch: a
    board configured for one boot does not hold it (about 6 KB of heap from .mpy).
    """
    from me_lib.provision.watch import watch

    last = _state(config, "last_result.json")

    def reader() -> "Any":
        return read_profile(modem, cache=cache)

    def handled(event: "WatchEvent") -> None:
        print("watch: " + _event_line(event))
        if event.result is not None:
            last.save(event.result.to_dict())
        if on_event is not None:
            on_event(event)

    seconds = config.get("watch_seconds")
    print("watching: REFRESH, ICCID, network, coverage, reboot")
    watch(modem, reader, profile=profile, ownership=ownership, pin=config.get("pin"),
          duration=None if seconds is None else float(seconds),
          max_events=config.get("watch_events"), on_event=handled,
          keep_events=False)  # events are printed, not kept: RAM stays flat for months


def _event_line(event: "WatchEvent") -> str:
    """One short line: what happened and what was done (APNs and DM host only, no secrets)."""
    text = "%s (%s)" % (event.kind, event.detail)
    if event.error:
        return text + ": failed: " + event.error
    result = event.result
    if result is None:
        return text
    text += ": ok=%s, %d writes, %d AT round trips" % (result.ok, result.writes,
                                                       result.round_trips)
    if event.profile is not None:
        text += ", services %s" % ",".join(b.apn for b in event.profile.service_bearers)
        if event.profile.notes:  # e.g. a torn EF.DMCFG: the last good profile kept
            text += "; " + "; ".join(event.profile.notes)
    return text


def main() -> None:
    """The board entry point: `firmware_shim.boot.forever` (retry with back-off; stop
    on a SIM that needs its PIN)."""
    from firmware_shim.boot import forever

    forever(run, load_config())


if __name__ == "__main__":
    main()
