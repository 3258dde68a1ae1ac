"""The board's flow on MicroPython's unix port, for the end-to-end test and the bench.

    MICROPYPATH=<deployed tree> micropython mp_provision.py PTY STATE_DIR [heap] [catch]
        [config=<json object>]

Runs the deployed `main.run()` (the same code a board's main.py runs: the full
build's main.py or the board core's core_main.py, whose result is a dict) over
`firmware_shim.uart.UartPort` wrapping the unix stand-in for machine.UART on
the simulator's pty, with FlashFile state in STATE_DIR. Prints one line
`E2E <json>`: the result document, every write the channel made (hex), and,
with `heap`, every deployed module is imported first (the base is then all
the code) and gc.mem_alloc() is sampled after gc.collect() at each write (the
heap high-water mark of the flow, at every AT exchange). "heap_start" is the
heap before `main` and me_lib are imported: with the modules frozen into the
firmware (nothing to preload from the file system), "heap_base" minus it is
what the imports built in RAM.

`config=<json>` merges into main.DEFAULTS (as a board's /config.json would,
e.g. the SIM PIN). One boot, then exit: the board's watch (main.DEFAULTS
"watch") is off unless the config turns it on, bounded by "watch_seconds" /
"watch_events"; then the document also has "events" (each handled
WatchEvent: kind, detail, error, result document, profile notes, and "at":
how many writes had been made when it was handled) and "reads" (every read
as [writes made before it, hex]: where the URC that started an event
arrived). With `catch`, a MeLibError out of main.run() (what a
board's main() catches and prints) still gives the `E2E` line, with
"result": null and "error": its type, message and typed fields; anything
else stays a crash (a traceback, no `E2E` line).
"""

import gc
import json
import sys

gc.collect()
_START = gc.mem_alloc()  # type: ignore[attr-defined]  # before main and me_lib: "heap_start"

import main  # type: ignore[import-not-found]  # noqa: E402

from firmware_shim.uart import UartPort  # noqa: E402
from firmware_shim.unix_uart import UART  # noqa: E402

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass


def _preload() -> int:
    """Import every deployed module; returns how many.

    With all code loaded before the base is taken, the high-water mark minus
    the base is the data the flow holds (what a board with the modules frozen
    into its firmware, code in flash, needs from the heap).
    """
    import os

    root = next((p for p in sys.path if p and _isdir(p + "/me_lib")), None)
    if root is None:
        return 0  # frozen into the firmware: nothing on the file system to import
    count = 0
    stack = ["me_lib", "firmware_shim"]
    while stack:
        pkg = stack.pop()
        for name in sorted(os.listdir(root + "/" + pkg)):
            if _isdir(root + "/" + pkg + "/" + name):
                stack.append(pkg + "/" + name)
            elif name.endswith(".mpy") or name.endswith(".py"):
                module = (pkg + "/" + name.rsplit(".", 1)[0]).replace("/", ".")
                __import__(module.replace(".__init__", ""))
                count += 1
    return count


def _isdir(path: str) -> bool:
    import os

    try:
        return (os.stat(path)[0] & 0x4000) != 0
    except OSError:
        return False


def error_doc(exc: "Exception") -> "dict":
    """A MeLibError as plain data: its class, message and typed fields."""
    doc = {"type": type(exc).__name__, "message": getattr(exc, "message", str(exc))}
    for name in ("step", "cause", "cause_name", "code", "retries", "command"):
        if hasattr(exc, name):
            doc[name] = getattr(exc, name)
    return doc


def result_doc(result: "Any") -> "Any":
    """A result as plain data: the full build's ProvisionResult, or the board core's
    document (already a dict), as it is."""
    if result is None or isinstance(result, dict):
        return result
    return result.to_dict()


def event_doc(event: "Any", writes: int) -> "dict":
    """A handled WatchEvent as plain data (the same shape as mp_e2e.event_doc); the
    board core's events are dicts already."""
    if isinstance(event, dict):
        doc = dict(event)
        doc["at"] = writes
        return doc
    result = event.result
    profile = event.profile
    return {"kind": event.kind, "detail": event.detail, "error": event.error,
            "result": result.to_dict() if result is not None else None,
            "notes": list(profile.notes) if profile is not None else None, "at": writes}


def _run() -> None:
    from me_lib.errors import MeLibError

    pty, state = sys.argv[1], sys.argv[2]
    options = sys.argv[3:]
    sample = "heap" in options
    catch = "catch" in options
    writes = []
    reads = []
    events = []
    heap = [0]
    config = dict(main.DEFAULTS)
    config["watch"] = False  # one boot, unless the config asks for the watch
    for option in options:
        if option.startswith("config="):
            config.update(json.loads(option[len("config="):]))
    config["state"] = state
    watching = bool(config["watch"])

    def trace(direction: str, data: bytes, now: float) -> None:
        if direction != "tx":
            if watching:
                reads.append([len(writes), data.hex()])
            return
        writes.append(data.hex())
        if sample:
            gc.collect()
            used = gc.mem_alloc()  # type: ignore[attr-defined]
            if used > heap[0]:
                heap[0] = used

    def on_event(event: "Any") -> None:
        events.append(event_doc(event, len(writes)))

    preloaded = _preload() if sample else 0
    gc.collect()
    base = gc.mem_alloc()  # type: ignore[attr-defined]
    port = UartPort(UART(pty))
    result = None
    error = None
    try:
        result = main.run(port, config, trace=trace, on_event=on_event)
    except MeLibError as exc:
        if not catch:
            raise
        error = error_doc(exc)
    finally:
        port.close()
    plain = result_doc(result)
    doc = {"result": plain,
           "round_trips": plain["round_trips"] if plain is not None else None,
           "error": error, "writes": writes, "heap_peak": heap[0], "heap_base": base,
           "heap_start": _START,
           "preloaded": preloaded,
           "modules": [getattr(sys.modules[name], "__file__", "")
                       for name in sorted(sys.modules)]}
    if watching:
        doc["events"] = events
        doc["reads"] = reads
    # Streamed, not built as one string: the document (every write in hex) is the
    # harness's, and as one string it needed the largest contiguous block of the
    # whole run (json.dumps, then "E2E " + that), so it, not the flow, set the
    # smallest heap the run fits in.
    sys.stdout.write("E2E ")
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")


_run()
