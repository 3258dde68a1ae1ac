"""A tiny host for the session tests: raw bytes through pyserial, read until a final.

Deliberately minimal and independent of me_lib.at (the driver under
development): it only knows V.250 finals, prompts and how to wait for a URC.
"""

import re
import time
from typing import Any

FINAL = re.compile(rb"\r\n(OK|ERROR|\+CME ERROR: [^\r]*|SEND OK|SEND FAIL)\r\n")


class Host:
    """Write commands, read until a final result / prompt / URC, every wait bounded."""

    def __init__(self, port: Any) -> None:
        self.port = port
        self.port.timeout = 0.02
        self.buf = b""
        self.log = b""

    def _fill(self) -> None:
        data = self.port.read(max(1, self.port.in_waiting))
        self.buf += data
        self.log += data

    def read_until(self, pattern: "bytes | re.Pattern[bytes]", timeout: float = 5.0) -> bytes:
        """Consume and return the buffer up to the end of `pattern`; AssertionError on timeout."""
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        end = time.monotonic() + timeout
        while True:
            found = regex.search(self.buf)
            if found:
                out, self.buf = self.buf[:found.end()], self.buf[found.end():]
                return out
            if time.monotonic() > end:
                raise AssertionError("timeout waiting for %r; got %r" % (regex.pattern, self.buf))
            self._fill()

    def cmd(self, text: str, timeout: float = 5.0) -> bytes:
        self.port.write(text.encode("latin-1") + b"\r")
        return self.read_until(FINAL, timeout)

    def prompt(self, text: str, prompt: bytes, payload: bytes, timeout: float = 5.0) -> bytes:
        self.port.write(text.encode("latin-1") + b"\r")
        self.read_until(prompt, timeout)
        self.port.write(payload)
        return self.read_until(FINAL, timeout)

    def sync(self, timeout: float = 10.0) -> None:
        """AT until OK (tolerates boot silence and banners)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.port.write(b"AT\r")
            try:
                self.read_until(FINAL, 0.3)
                return
            except AssertionError:
                continue
        raise AssertionError("modem never answered AT")

    def until_ok(self, text: str, good: bytes, timeout: float = 10.0) -> bytes:
        """Repeat a query until its answer contains `good` (SIM busy, registration...)."""
        end = time.monotonic() + timeout
        while True:
            out = self.cmd(text)
            if good in out:
                return out
            if time.monotonic() > end:
                raise AssertionError("%s never gave %r (last %r)" % (text, good, out))
            time.sleep(0.01)
