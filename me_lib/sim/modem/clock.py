"""Virtual time for the modem simulator.

Every delay the simulator models (registration taking a minute, a PDP activation
taking two seconds, bytes trickling out at 115200 baud) is expressed in *virtual*
seconds. Three clocks map them to the host:

- **lock-step** (`SimClock.lockstep()`, what `sim://` uses unless `?speed=1`):
  virtual time stands still while the host computes and moves only when the host
  waits on the port, straight to the next thing the modem would do. No outcome
  and no simulated-time figure then depends on how fast or loaded the machine is,
  and a 60 s registration costs no real time at all.
- **wall** (`SimClock(speed)`): virtual time runs `speed` times faster than real
  time. `speed=1` is a real-time modem, for the few runs that keep the flow
  honest at the pace real modules answer, and for peers in another process (a
  pty), whose waits the simulator cannot see.
- **manual** (`SimClock.manual()`): moves only when `advance()` is called, for
  byte-exact unit tests.
"""

import threading
import time

# What a lock-step clock's `speed` means: only the factor the host's real-second
# port timeouts are converted with (virtual = real * speed) and back.
LOCKSTEP_SPEED = 1000.0


class SimClock:
    """Virtual seconds since creation (see the module docstring for the three kinds)."""

    def __init__(self, speed: float = 1.0, lockstep: bool = False) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (0 = manual clock)")
        self.speed = float(speed)
        self.lockstep = bool(lockstep) and speed > 0
        self._lock = threading.Lock()
        self._real0 = time.monotonic()
        self._offset = 0.0

    @classmethod
    def manual(cls) -> "SimClock":
        """A clock that stands still until `advance()` moves it."""
        return cls(speed=0.0)

    @classmethod
    def lockstep_clock(cls, speed: float = LOCKSTEP_SPEED) -> "SimClock":
        """A clock that moves only when the host waits (the port calls `advance_to`)."""
        return cls(speed=speed, lockstep=True)

    @property
    def is_manual(self) -> bool:
        return self.speed == 0.0

    @property
    def follows_wall(self) -> bool:
        """True when virtual time moves by itself with real time."""
        return not self.lockstep and not self.is_manual

    def now(self) -> float:
        """Current virtual time in seconds."""
        with self._lock:
            if not self.follows_wall:
                return self._offset
            return self._offset + (time.monotonic() - self._real0) * self.speed

    def advance(self, seconds: float) -> float:
        """Jump virtual time forward (any clock); returns the new virtual time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def advance_to(self, virtual: float) -> float:
        """Move virtual time to `virtual` unless it is already past it."""
        now = self.now()
        if virtual > now:
            return self.advance(virtual - now)
        return now

    def to_real(self, virtual_seconds: float) -> float:
        """How long (real seconds) until `virtual_seconds` of virtual time have passed.

        A manual clock never gets there by itself: this returns infinity so callers
        fall back to their own real-time bound. A lock-step clock answers with its
        nominal speed: the host passes that to the port, which converts it back.
        """
        if self.is_manual:
            return float("inf")
        return max(0.0, virtual_seconds) / self.speed

    def to_virtual(self, real_seconds: float) -> float:
        return max(0.0, real_seconds) * self.speed
