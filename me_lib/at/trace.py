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
(the simulator's `replay://` port). `secrets_in_clear=True` (CLI
`--record-secrets`) keeps the bytes exact; that file is created with mode 0600
and must not be shared. Secrets the run finds in card data (an APN password in
EF.DMCFG, read as hex) are masked in a last pass when the trace is closed.

The reader (`load`, `read_trace`) lives here, next to the writer, so the format
has one home; the replay port (me_lib/sim/protocol_replay.py) imports it, the
runtime never imports the simulator to read or write a trace.

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


class Record:
    """One tx/rx record: `line` is its 1-based line in the file, `t` seconds, `data` bytes.

    The line number is kept so that a replay mismatch names the line a user
    opens in an editor.
    """

    __slots__ = ("data", "direction", "line", "t")

    def __init__(self, line: int, t: float, direction: str, data: bytes) -> None:
        self.line = line
        self.t = t
        self.direction = direction
        self.data = data

    def __repr__(self) -> str:
        return "Record(line=%d, t=%.6f, %s, %r)" % (self.line, self.t, self.direction,
                                                   self.data)


class Trace:
    """A trace file: header, records in order, and the end record when there is one.

    `header` is what the recorder wrote first (`me_lib_trace`, `port`, `started`,
    and `masked_bytes` when secrets learned late were masked in the records);
    `end` is the object of the last `{"end": {...}}` line (`append_end`).
    """

    def __init__(self, path: Path, header: dict[str, Any], records: list[Record],
                 end: dict[str, Any] | None) -> None:
        self.path = path
        self.header = header
        self.records = records
        self.end = end


def load(path: str | Path) -> Trace:
    """Parse a trace file; an unreadable file or a malformed line raises DecodeError
    (naming the line)."""
    from me_lib.errors import DecodeError

    path = Path(path)
    what = "AT trace %s" % path
    header: dict[str, Any] = {}
    records: list[Record] = []
    end: dict[str, Any] | None = None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DecodeError(what, "cannot read it: %s" % exc.strerror) from None
    except UnicodeDecodeError as exc:
        raise DecodeError(what, "it is not UTF-8 text", exc.start,
                          "give the JSON-lines file `me-lib provision --record` wrote"
                          ) from None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise TypeError("not an object")
            if "me_lib_trace" in obj and not records and not header:
                header = obj
                continue
            if "end" in obj:
                if not isinstance(obj["end"], dict):
                    raise TypeError("end is not an object")
                end = obj["end"]
                continue
            direction = str(obj["d"])
            if direction not in ("tx", "rx"):
                raise ValueError("direction %r" % direction)
            records.append(Record(number, float(obj["t"]), direction, bytes.fromhex(obj["b"])))
        except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
            # RecursionError: JSON nested deeper than the interpreter goes;
            # OverflowError: a time too large for a float
            raise DecodeError(what, "line %d is not a trace record: %s" % (number, exc)) from None
    return Trace(path, header, records, end)


def read_trace(path: str | Path) -> tuple[dict[str, Any], list[tuple[float, str, bytes]]]:
    """The header (with the end record under "end", if any) and the (t, direction,
    bytes) records of a trace file: `load` for callers that need no line numbers."""
    trace = load(path)
    header = dict(trace.header)
    if trace.end is not None:
        header["end"] = trace.end
    return header, [(r.t, r.direction, r.data) for r in trace.records]


def append_end(path: str | Path, end: dict[str, Any]) -> None:
    """Append the end record (after the recorder has closed the file).

    What goes in it is the recording command's business (`me-lib provision
    --record`: me_lib/commands/trace_end.py); the format only says it is the
    last line, `{"end": {...}}`, and `load` returns it as `Trace.end`.
    """
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"end": end}, sort_keys=True) + "\n")
