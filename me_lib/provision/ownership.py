"""Which contexts this library created, per modem, persisted on the device.

The plan may only rewrite or delete contexts it created itself (a user's own
context on cid 7 stays intact), and a re-run must know that the
authentication it applied earlier is still in place without reading back a
password the modem will not show. Both need memory across reboots of the
host, so they live in one small JSON document replaced atomically: a path
(CPython: `me_lib.store.JsonFile`) or a board's document object with `load()`
and `save(data)` (`firmware_shim.store.FlashFile`).
"""

from me_lib.sources.cache import open_document

try:  # names for the annotations only (MicroPython has no typing, no me_lib.store)
    from os import PathLike
    from typing import Any

    from me_lib.store import Document
except ImportError:
    pass


class Ownership:
    """cid -> {"apn", "pdp_type", "auth"} for each modem (keyed by IMEI or port).

    `document` None keeps the record in memory only (one run).
    """

    def __init__(self, document: "str | PathLike[str] | Document | None") -> None:
        self.document = None if document is None else open_document(document,
                                                                     "context record")
        #: the file, when the document has one (JsonFile, FlashFile)
        self.path: Any = getattr(self.document, "path", None)
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self.notes: list[str] = []
        if self.document is not None:
            try:
                loaded = self.document.load()
            except (ValueError, OSError) as exc:
                self.notes.append("ignored unreadable context record %s: %s"
                                  % (self._where(), exc))
                loaded = None
            if isinstance(loaded, dict):
                self._data = {str(k): v for k, v in loaded.items() if isinstance(v, dict)}

    def _where(self) -> str:
        return str(self.path if self.path is not None else self.document)

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
        if self.document is None:
            return
        try:
            self.document.save(self._data)
        except OSError as exc:
            self.notes.append("could not save the context record %s: %s"
                              % (self._where(), exc))

