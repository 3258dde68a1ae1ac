"""The board's flow on MicroPython's unix port, for the end-to-end test and the bench.

    MICROPYPATH=<deployed tree> micropython mp_provision.py PTY STATE_DIR [heap]

Runs the deployed `main.run()` (the same code a board's main.py runs) over
`firmware_shim.uart.UartPort` wrapping the unix stand-in for machine.UART on
the simulator's pty, with FlashFile state in STATE_DIR. Prints one line
`E2E <json>`: the result document, every write the channel made (hex), and,
with `heap`, gc.mem_alloc() after gc.collect() at each write (the heap
high-water mark of the flow, sampled at every AT exchange).
"""

import gc
import json
import sys

import main  # type: ignore[import-not-found]

from firmware_shim.uart import UartPort
from firmware_shim.unix_uart import UART


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
    gc.collect()
    base = gc.mem_alloc()  # type: ignore[attr-defined]
    port = UartPort(UART(pty))
    try:
        result = main.run(port, config, trace=trace)
    finally:
        port.close()
    doc = {"result": result.to_dict(), "round_trips": result.round_trips,
           "writes": writes, "heap_peak": heap[0], "heap_base": base,
           "modules": [getattr(sys.modules[name], "__file__", "")
                       for name in sorted(sys.modules)]}
    print("E2E " + json.dumps(doc))


_run()
