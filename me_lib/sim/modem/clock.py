"""Virtual time for the modem simulator.

Every delay the simulator models (registration taking a minute, a PDP activation
taking two seconds, bytes trickling out at 115200 baud) is expressed in *virtual*
seconds. `SimClock` maps real time to virtual time with a speed factor, so a test
can run a 60 s registration in 60 ms (speed=1000) while an interactive session
keeps real-time behaviour (speed=1). A manual clock (speed=0) only moves when
`advance()` is called, for byte-exact unit tests with no real waiting at all.
"""

import threading
import time


class SimClock:
    """Virtual seconds since creation, running `speed` times faster than real time."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (0 = manual clock)")
        self.speed = float(speed)
        self._lock = threading.Lock()
        self._real0 = time.monotonic()
        self._offset = 0.0

    @classmethod
    def manual(cls) -> "SimClock":
        """A clock that stands still until `advance()` moves it."""
        return cls(speed=0.0)

    @property
    def is_manual(self) -> bool:
        return self.speed == 0.0

    def now(self) -> float:
        """Current virtual time in seconds."""
        with self._lock:
            return self._offset + (time.monotonic() - self._real0) * self.speed

    def advance(self, seconds: float) -> float:
        """Jump virtual time forward (any clock); returns the new virtual time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset + (time.monotonic() - self._real0) * self.speed

    def to_real(self, virtual_seconds: float) -> float:
        """How long (real seconds) until `virtual_seconds` of virtual time have passed.

        A manual clock never gets there by itself: this returns infinity so callers
        fall back to their own real-time bound.
        """
        if self.is_manual:
            return float("inf")
        return max(0.0, virtual_seconds) / self.speed

    def to_virtual(self, real_seconds: float) -> float:
        return max(0.0, real_seconds) * self.speed
