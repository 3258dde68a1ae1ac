"""Which contexts this library created, per modem, persisted on the device.

The plan may only rewrite or delete contexts it created itself (a user's own
context on cid 7 stays intact), and a re-run must know that the
authentication it applied earlier is still in place without reading back a
password the modem will not show. Both need memory across reboots of the
host, so it lives in a small JSON file written atomically.
"""

from pathlib import Path
from typing import Any

from me_lib.store import atomic_write_json, read_json


class Ownership:
    """cid -> {"apn", "pdp_type", "auth"} for each modem (keyed by IMEI or port)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self.notes: list[str] = []
        if path is not None:
            try:
                loaded = read_json(path)
            except (ValueError, OSError) as exc:
                self.notes.append("ignored unreadable context record %s: %s" % (path, exc))
                loaded = None
            if isinstance(loaded, dict):
                self._data = {str(k): v for k, v in loaded.items() if isinstance(v, dict)}

    def owned(self, modem_key: str) -> dict[int, dict[str, Any]]:
        out = {}
        for cid, entry in self._data.get(modem_key, {}).items():
            if cid.isdigit() and isinstance(entry, dict):
                out[int(cid)] = entry
        return out

    def record(self, modem_key: str, cid: int, entry: dict[str, Any]) -> None:
        self._data.setdefault(modem_key, {})[str(cid)] = entry
        self._save()

    def release(self, modem_key: str, cid: int) -> None:
        if self._data.get(modem_key, {}).pop(str(cid), None) is not None:
            self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            atomic_write_json(self.path, self._data)
        except OSError as exc:
            self.notes.append("could not save the context record %s: %s" % (self.path, exc))
