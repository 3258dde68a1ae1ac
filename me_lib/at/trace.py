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

Secrets are redacted by default: every line the host writes or the modem
echoes goes through `me_lib.at.redact`, so `AT+CPIN="..."` is recorded as
`AT+CPIN=***` and a `+CGAUTH` password as `***`. A redacted trace still
replays: the replay port compares the host's line after the same redaction
(`me_lib.sim.protocol_replay`). `secrets_in_clear=True` (CLI
`--record-secrets`) keeps the bytes exact; that file is created with mode 0600
and must not be shared. Secrets the run finds in card data (an APN password in
EF.DMCFG, read as hex) are masked in a last pass when the trace is closed.

CPython only (file I/O, json).
"""

import json
import os
import time
from pathlib import Path
from typing import IO, Any

from me_lib.at.redact import mask_secrets, redact_text

FORMAT = 1


class TraceRecorder:
    """A `channel.trace` callback writing a trace file (flushes every record).

    Secrets are masked unless `secrets_in_clear`; a clear trace is created
    0600 from the start (`os.open`), never readable by others even briefly.
    """

    def __init__(self, path: str | Path, port: str = "",
                 secrets_in_clear: bool = False) -> None:
        self.path = Path(path)
        self.secrets_in_clear = secrets_in_clear
        mode = 0o600 if secrets_in_clear else 0o666
        try:
            if secrets_in_clear and self.path.exists():
                self.path.unlink()      # O_CREAT keeps an existing file's wider mode
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        except OSError as exc:
            from me_lib.errors import MeLibError

            raise MeLibError("cannot write the trace %s: %s" % (path, exc.strerror),
                             "check the path and its permissions") from None
        self._fh: IO[str] | None = os.fdopen(fd, "w", encoding="utf-8")
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
        if not self.secrets_in_clear:
            data = redact_bytes(data)
        self._fh.write(json.dumps({"t": round(now - self._t0, 6), "d": direction,
                                   "b": data.hex()}) + "\n")
        self._fh.flush()

    def close(self, secrets: "list[str] | tuple[str, ...]" = ()) -> None:
        """Close the file; mask `secrets` (found in card data meanwhile) in what it holds."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            if secrets and not self.secrets_in_clear:
                self._mask(secrets)

    def _mask(self, secrets: "list[str] | tuple[str, ...]") -> None:
        """The last pass: secrets the run learned late (an APN password read from the
        card) masked in each direction's byte stream, across record boundaries.

        The records keep their sizes and times; the header says how many bytes were
        masked, since a replay then reads a card file that is not the card's (its CRC
        no longer matches): `--record-secrets` keeps a trace exact.
        """
        values = [x.encode("utf-8") for x in secrets if x]
        lines = self.path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        records = [json.loads(line) for line in lines[1:] if line.strip()]
        masked = 0
        for direction in ("tx", "rx"):
            mine = [r for r in records if r.get("d") == direction]
            stream = b"".join(bytes.fromhex(r["b"]) for r in mine)
            clean = mask_secrets(stream, values)
            masked += sum(1 for a, b in zip(stream, clean, strict=True) if a != b)
            pos = 0
            for r in mine:
                size = len(r["b"]) // 2
                r["b"] = clean[pos:pos + size].hex()
                pos += size
        if not masked:
            return
        header["masked_bytes"] = masked
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text("\n".join(json.dumps(x) for x in [header, *records]) + "\n",
                       encoding="utf-8")
        os.replace(tmp, self.path)


def redact_bytes(data: bytes) -> bytes:
    """`data` with the secrets of every AT line in it masked (latin-1 round trip)."""
    if b"=" not in data and b":" not in data:
        return data
    text = data.decode("latin-1")
    masked = redact_text(text)
    return data if masked == text else masked.encode("latin-1")


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
