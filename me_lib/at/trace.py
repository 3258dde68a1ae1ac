"""Byte-exact traces of an AT session: what the host wrote, what the modem sent, when.

A trace recorded on a real modem in the field becomes a regression test: the
`replay://FILE` port plays the modem's side back and checks the host's bytes
against the recording. The format is JSON Lines, one object per line, so a
trace can be read, diffed and trimmed by hand:

    {"me_lib_trace": 1, "port": "/dev/ttyUSB2", "started": "2026-11-29T05:00:00Z"}
    {"t": 0.000, "d": "tx", "b": "41540d"}
    {"t": 0.012, "d": "rx", "b": "0d0a4f4b0d0a"}

`t` is seconds since the first record on the channel's clock (virtual on the
simulator), `d` the direction seen from the host, `b` the bytes in hex.
Secrets are not redacted here on purpose (a replay must match byte for byte);
the recorder can mask PIN commands with `redact_secrets=True`, which makes
the trace unreplayable for those commands but safe to share.

CPython only (file I/O, json).
"""

import json
import time
from pathlib import Path
from typing import IO, Any

from me_lib.at.redact import redact

FORMAT = 1


class TraceRecorder:
    """A `channel.trace` callback writing a trace file (flushes every record)."""

    def __init__(self, path: str | Path, port: str = "", redact_secrets: bool = False) -> None:
        self.path = Path(path)
        self.redact_secrets = redact_secrets
        self._fh: IO[str] | None = self.path.open("w", encoding="utf-8")
        self._t0: float | None = None
        header = {"me_lib_trace": FORMAT, "port": port,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        self._fh.write(json.dumps(header) + "\n")
        self._fh.flush()

    def __call__(self, direction: str, data: bytes, now: float) -> None:
        if self._fh is None:
            return
        if self._t0 is None:
            self._t0 = now
        if self.redact_secrets and direction == "tx" and data.endswith(b"\r"):
            text = data.decode("latin-1")
            masked = redact(text.rstrip("\r"))
            if masked != text.rstrip("\r"):
                data = (masked + "\r").encode("latin-1")
        self._fh.write(json.dumps({"t": round(now - self._t0, 6), "d": direction,
                                   "b": data.hex()}) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def read_trace(path: str | Path) -> tuple[dict[str, Any], list[tuple[float, str, bytes]]]:
    """The header and the (t, direction, bytes) records of a trace file."""
    from me_lib.errors import DecodeError

    records: list[tuple[float, str, bytes]] = []
    header: dict[str, Any] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
                if number == 1 and "me_lib_trace" in obj:
                    header = obj
                    continue
                if "end" in obj:        # what was run and what came out (replay)
                    header["end"] = obj["end"]
                    continue
                records.append((float(obj["t"]), str(obj["d"]), bytes.fromhex(obj["b"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise DecodeError("AT trace %s" % path, "line %d is not a trace record: %s"
                                  % (number, exc)) from None
            if records[-1][1] not in ("tx", "rx"):
                raise DecodeError("AT trace %s" % path, "line %d has direction %r"
                                  % (number, records[-1][1]))
    return header, records
