"""`main.py` of the board core build (boards without PSRAM, issue 15; see README.md).

The same boot as `main.py` (switch the modem on, sync, read the USIM's
provisioning profile, provision it, keep the result on flash, retry with a
back-off), run by `me_lib.board` instead of the full library: one AT link, the
card read over +CRSM, the same tables and the same AT lines, in a fraction of
the heap. What the full build does and this one does not (other profile
sources, URSP, the full watch, the flow's retries and recovery): README.md,
"The board core".

Settings come from /config.json (keys: DEFAULTS, the same as main.py's), so the
SIM PIN never sits in source control or in the deployed code; it is never
printed. The state is one FlashFile (`state.json`: what the core keeps between
boots) and `last_result.json` (the result document of the last run).

`run(port, config)` needs no `machine`: the MicroPython unix-port tests call it
with `firmware_shim.unix_uart` on a pty, and CPython with pyserial.
"""


from firmware_shim.boot import CONFIG as CONFIG  # the board's config: keys, defaults
from firmware_shim.boot import DEFAULTS as DEFAULTS
from firmware_shim.boot import load_config
from firmware_shim.store import FlashFile
from me_lib.board import flow
from me_lib.board.link import Link
from me_lib.errors import MeLibError
from me_lib.modem.dialects import by_name

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Callable
    from typing import Any
except ImportError:
    pass

#: the core flow's own state document (last good profile, contexts it created)
STATE = "state.json"
LAST = "last_result.json"


#: the settings that must be numbers when given (a typo must not stop the board with
#: a TypeError after the first provisioning)
NUMBERS = ("watch_seconds", "watch_events")


def _state(config: "dict[str, Any]", name: str) -> FlashFile:
    folder = config["state"]
    return FlashFile(folder + ("" if folder.endswith("/") else "/") + name)


def run(port: "Any", config: "dict[str, Any]", power: "Any" = None, trace: "Any" = None,
        on_event: "Callable[[Any], None] | None" = None) -> "dict[str, Any]":
    """Power on, provision, then (config "watch") watch the
    modem; returns the first result document (also in last_result.json).

    `trace`: the link's hook `(direction, data, time)` for every write and read (the
    tests compare the commands with a CPython run). `on_event`: called with each
    watch event once handled, as a dict (kind, detail, result document or None,
    error or None). The watch ends after config "watch_seconds" (link clock) or
    "watch_events" events when given; on a board neither is, and it only ends
    with the port (PortClosed, a MeLibError).
    """
    for key in NUMBERS:
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise MeLibError("config %r must be a number or null, not %r" % (key, value),
                             "correct it in the board's config.json")
    link = Link(port, by_name(config["dialect"]), trace=trace)
    if power is not None:
        power.power_on(link)  # the flow syncs again
    state = _state(config, STATE)
    pin = config.get("pin")
    result = flow.provision(link, state, pin=pin, forced=config["dialect"])
    last = _state(config, LAST)
    last.save(result)
    dm = result.get("dm")
    print("provisioned: ok=%s, %d writes, %d AT round trips, DM %s%s, contexts %s" % (
        result["ok"], result["writes"], result["round_trips"], dm["host"] if dm else "-",
        " reachable" if dm and dm.get("reachable") else " not reached" if dm else "",
        _contexts(result)))
    if config.get("watch"):
        from me_lib.board.watch import watch  # loaded only on a board that watches

        def handled(kind: str, detail: str, doc: "Any", error: "Any") -> None:
            event = {"kind": kind, "detail": detail, "result": doc, "error": error}
            print("watch: " + _event_line(event))
            if doc is not None:
                last.save(doc)
            if on_event is not None:
                on_event(event)

        seconds = config.get("watch_seconds")
        print("watching: REFRESH, network, coverage, reboot")
        watch(link, state, pin, seconds=None if seconds is None else float(seconds),
              events=config.get("watch_events"), on_event=handled, forced=config["dialect"])
    return result


def _contexts(result: "dict[str, Any]") -> str:
    """`role:apn=state` per context (APNs only: a result holds no credential)."""
    out = []
    for ctx in result.get("contexts") or ():
        out.append("%s:%s=%s" % (ctx.get("role"), ctx.get("apn"), ctx.get("state")))
    return ",".join(out) or "-"


def _event_line(event: "dict[str, Any]") -> str:
    """One short line per watch event: what happened and what was done (no secrets)."""
    text = "%s (%s)" % (event["kind"], event["detail"])
    if event["error"]:
        return text + ": failed: " + str(event["error"])
    result = event["result"]
    if result is None:
        return text
    return text + ": ok=%s, %d writes, %d AT round trips, contexts %s" % (
        result["ok"], result["writes"], result["round_trips"], _contexts(result))


def main() -> None:
    """The board entry point: `firmware_shim.boot.forever` (main.py's retry policy)."""
    from firmware_shim.boot import forever

    forever(run, load_config())


if __name__ == "__main__":
    main()
