"""Which contexts this library created, per modem, persisted on the device.

The plan may only rewrite or delete contexts it created itself (a user's own
context on cid 7 stays intact), and a re-run must know that the
authentication it applied earlier is still in place without reading back a
password the modem will not show. Both need memory across reboots of the
host, so they live in one small JSON document replaced atomically: a path
(CPython: `me_lib.store.JsonFile`) or a board's document object with `load()`
and `save(data)` (`firmware_shim.store.FlashFile`).

The file is input like any other: an entry that is not a well-formed record
(cid outside 0..255, an APN that breaks TS 23.003, an unknown PDP type, wrong
JSON types) is dropped with a note, never trusted to pick a cid to delete.

Two processes may share a state directory: a document with `update(fn)`
(JsonFile) re-reads the file under a lock and each change is applied to what
is there now, so neither loses the other's records. A board's document has
no lock (one process) and is read, changed and saved.

A record that cannot be saved (the directory is read-only, is a file, the
flash is full) is noted once per Ownership with what to do; `failed_saves`
counts them so a run can report `state_saved: false`.
"""

from me_lib.codec import apn_rules
from me_lib.errors import ProfileError
from me_lib.profile import AUTH_NAMES, PDP_TYPES
from me_lib.sources.cache import open_document

try:  # names for the annotations only (MicroPython has no typing, no me_lib.store)
    from collections.abc import Callable
    from os import PathLike
    from typing import Any

    from me_lib.store import Document
except ImportError:
    pass

#: cids a record may name: 27.007 allows 1..255 (nRF91's default bearer is cid 0)
CID_RANGE = (0, 255)
ROLES = ("apn0", "service")


def entry_problem(cid: str, entry: Any) -> str | None:
    """Why a stored record is unusable, or None when it is a well-formed one."""
    if not cid.isdigit() or not CID_RANGE[0] <= int(cid) <= CID_RANGE[1]:
        return "cid %r is not %d..%d" % (cid, CID_RANGE[0], CID_RANGE[1])
    if not isinstance(entry, dict):
        return "cid %s holds a %s, not a record" % (cid, type(entry).__name__)
    apn = entry.get("apn")
    if not isinstance(apn, str):
        return "cid %s has no APN text" % cid
    # an empty APN is a network-provided one (APN0 or a service); what the network
    # gave it is kept beside it, as the modem may show that instead
    network_apn = entry.get("network_apn", "")
    if not isinstance(network_apn, str) or (network_apn and apn):
        return "cid %s: network APN %r recorded for APN %r" % (cid, network_apn, apn)
    for text in (apn, network_apn):
        if text:
            try:
                apn_rules.validate(text)
            except ProfileError as exc:
                return "cid %s: %s" % (cid, exc.message)
    if entry.get("pdp_type") not in PDP_TYPES:
        return "cid %s: PDP type %r is not one of %s" % (cid, entry.get("pdp_type"),
                                                         ", ".join(PDP_TYPES))
    auth = entry.get("auth", "none")
    if not isinstance(auth, str) or (auth != "none" and auth.split(":")[0] not in AUTH_NAMES):
        return "cid %s: authentication %r is not a recorded key" % (cid, auth)
    if entry.get("role", "service") not in ROLES:
        return "cid %s: role %r is not one of %s" % (cid, entry.get("role"), ", ".join(ROLES))
    return None


def clean(data: Any, notes: list[str] | None = None
          ) -> dict[str, dict[str, dict[str, Any]]]:
    """The well-formed part of a loaded document; what is dropped is noted in `notes`."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if data is None:
        return out
    if not isinstance(data, dict):
        if notes is not None:
            notes.append("context record: the document is a %s, not an object; ignored"
                         % type(data).__name__)
        return out
    for key in sorted(k for k in data if isinstance(k, str)):
        table = data[key]
        if not isinstance(table, dict):
            if notes is not None:
                notes.append("context record: dropped %r (not a table of cids)" % key)
            continue
        kept: dict[str, dict[str, Any]] = {}
        for cid in sorted(c for c in table if isinstance(c, str)):
            problem = entry_problem(cid, table[cid])
            if problem is None:
                kept[cid] = table[cid]
            elif notes is not None:
                notes.append("context record: dropped the entry of %s (%s)" % (key, problem))
        out[key] = kept
    return out


class Ownership:
    """cid -> {"apn", "pdp_type", "auth", "role"} for each modem (keyed by IMEI or port).

    `document` None keeps the record in memory only (one run).
    """

    def __init__(self, document: "str | PathLike[str] | Document | None") -> None:
        self.document = None if document is None else open_document(document,
                                                                     "context record")
        #: the file, when the document has one (JsonFile, FlashFile)
        self.path: Any = getattr(self.document, "path", None)
        self._data: dict[str, dict[str, dict[str, Any]]] = {}
        self.notes: list[str] = []
        self._reported = 0
        #: saves that failed (the modem changed but the record did not)
        self.failed_saves = 0
        if self.document is not None:
            self._data = clean(self._load(), self.notes)

    def _where(self) -> str:
        return str(self.path if self.path is not None else self.document)

    def _load(self) -> Any:
        assert self.document is not None
        try:
            return self.document.load()
        except (ValueError, OSError, RuntimeError, MemoryError) as exc:
            # RuntimeError: CPython's RecursionError, MicroPython's recursion limit
            self.notes.append("ignored unreadable context record %s: %s"
                              % (self._where(), exc))
            return None

    def owned(self, modem_key: str) -> dict[int, dict[str, Any]]:
        out = {}
        for cid, entry in self._data.get(modem_key, {}).items():
            if cid.isdigit() and isinstance(entry, dict):
                out[int(cid)] = entry
        return out

    def record(self, modem_key: str, cid: int, entry: dict[str, Any]) -> None:
        def put(table: dict[str, dict[str, Any]]) -> bool:
            table[str(cid)] = entry
            return True
        self._change(modem_key, put)

    def release(self, modem_key: str, cid: int) -> None:
        def drop(table: dict[str, dict[str, Any]]) -> bool:
            return table.pop(str(cid), None) is not None
        self._change(modem_key, drop)

    def new_notes(self) -> list[str]:
        """The notes not handed out yet (each is reported in one result only)."""
        out = self.notes[self._reported:]
        self._reported = len(self.notes)
        return out

    def _change(self, modem_key: str,
                change: "Callable[[dict[str, dict[str, Any]]], bool]") -> None:
        """Apply `change` to this modem's table, in memory and in the document."""
        changed = change(self._data.setdefault(modem_key, {}))
        if self.document is None or not changed:
            return
        update = getattr(self.document, "update", None)
        try:
            if update is not None:
                def merge(current: Any) -> Any:
                    fresh = clean(current)  # what the other process wrote is kept
                    change(fresh.setdefault(modem_key, {}))
                    return fresh
                self._data = update(merge)
            else:
                self.document.save(self._data)
        except OSError as exc:
            self.failed_saves += 1
            if self.failed_saves == 1:
                self.notes.append(
                    "could not save the context record %s (%s): contexts this run created "
                    "are not remembered, so a later profile cannot release them; make the "
                    "state directory writable (or point --state-dir / ME_LIB_STATE_DIR at "
                    "one that is)" % (self._where(), getattr(exc, "strerror", None) or exc))
