"""The board's flow on MicroPython's unix port, for the end-to-end test and the bench.

    MICROPYPATH=<deployed tree> micropython mp_provision.py PTY STATE_DIR [heap]

Runs the deployed `main.run()` (the same code a board's main.py runs) over
`firmware_shim.uart.UartPort` wrapping the unix stand-in for machine.UART on
the simulator's pty, with FlashFile state in STATE_DIR. Prints one line
`E2E <json>`: the result document, every write the channel made (hex), and,
with `heap`, every deployed module is imported first (the base is then all
the code) and gc.mem_alloc() is sampled after gc.collect() at each write (the
heap high-water mark of the flow, at every AT exchange).
"""

import gc
import json
import sys

import main  # type: ignore[import-not-found]

from firmware_shim.uart import UartPort
from firmware_shim.unix_uart import UART


def _preload() -> int:
    """Import every deployed module; returns how many.

    With all code loaded before the base is taken, the high-water mark minus
    the base is the data the flow holds (what a board with the modules frozen
    into its firmware, code in flash, needs from the heap).
    """
    import os

    root = next(p for p in sys.path if p and _isdir(p + "/me_lib"))
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


def _run() -> None:
    pty, state = sys.argv[1], sys.argv[2]
    sample = len(sys.argv) > 3 and sys.argv[3] == "heap"
    writes = []
    heap = [0]

    def trace(direction: str, data: bytes, now: float) -> None:
        if direction != "tx":
            return
        writes.append(data.hex())
        if sample:
            gc.collect()
            used = gc.mem_alloc()  # type: ignore[attr-defined]
            if used > heap[0]:
                heap[0] = used

    config = dict(main.DEFAULTS)
    config["state"] = state
    preloaded = _preload() if sample else 0
    gc.collect()
    base = gc.mem_alloc()  # type: ignore[attr-defined]
    port = UartPort(UART(pty))
    try:
        result = main.run(port, config, trace=trace)
    finally:
        port.close()
    doc = {"result": result.to_dict(), "round_trips": result.round_trips,
           "writes": writes, "heap_peak": heap[0], "heap_base": base, "preloaded": preloaded,
           "modules": [getattr(sys.modules[name], "__file__", "")
                       for name in sorted(sys.modules)]}
    print("E2E " + json.dumps(doc))


_run()
