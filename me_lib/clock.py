"""A monotonic seconds clock on both interpreters.

The AT engine and every timeout work in float seconds. CPython has
`time.monotonic`; MicroPython has only wrapping millisecond ticks
(`time.ticks_ms`, 2**30 ms on many ports, about 12 days), so the elapsed ticks
are accumulated with `ticks_diff`, which stays right across the wrap as long
as the clock is read at least once per wrap period (every AT exchange does).
"""

import time

try:
    monotonic = time.monotonic
except AttributeError:  # MicroPython
    _state = [0, 0.0]  # last ticks, seconds so far

    def monotonic() -> float:
        now = time.ticks_ms()  # type: ignore[attr-defined]
        if _state[0] == 0 and _state[1] == 0.0:
            _state[0] = now
        _state[1] += time.ticks_diff(now, _state[0]) / 1000.0  # type: ignore[attr-defined]
        _state[0] = now
        return _state[1]


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
