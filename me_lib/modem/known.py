"""`KnownModules`: what an earlier run learned about a modem, so the next one asks less.

Every AT round trip costs a battery device time and charge, and a second
`me-lib provision` (a new process, a rebooted board) would otherwise ask
again what cannot have changed: which module sits on this port
(+CGMI/+CGMM/+CGMR), which cids +CGDCONT accepts (+CGDCONT=?), and whether
the DM server answered a minute ago. This document keeps those answers:

- per port (the URL or device path the channel was opened with): the module's
  identification and IMEI, its dialect, its cid ranges. The record is trusted
  only after one check: `AT+CGSN` must give the recorded IMEI (a module
  swapped on the same port, or another port's module, has another IMEI and
  is identified in full).
- per modem (its IMEI key): when the DM server was last reached, for which
  server and APN0 (`me_lib.provision.flow` re-probes on a change of either,
  of the contexts, or after `recheck_dm_after` seconds).

What can change between runs is never taken from here: the card (ICCID,
EF.DMCFG), the contexts, the registration and the SIM state are read again.

The document is a path (a `me_lib.store.JsonFile`, CPython) or any object
with `load()`/`save(data)` (`firmware_shim.store.FlashFile` on a board); one
with `update(fn)` is written under its lock, merged with another process's
records. A bad document is ignored (the run identifies in full); a failed
write is logged and costs only the saving next time.

Portable (MicroPython): plain dicts and lists, no dict order relied upon.
"""

from me_lib.log import get_logger

try:
    from collections.abc import Callable
    from os import PathLike
    from typing import Any
except ImportError:  # MicroPython: the names above only annotate
    pass

log = get_logger("me_lib.modem")

FORMAT = 1
#: records kept per table; the oldest (by `order`) go first
MAX_RECORDS = 8


def _document(where: "str | PathLike[str] | Any") -> Any:
    if hasattr(where, "load") and hasattr(where, "save"):
        return where
    from me_lib.store import JsonFile  # CPython only: a board passes its own document

    return JsonFile(where)


class KnownModules:
    """Records per port and per modem key in one JSON document (see the module doc)."""

    def __init__(self, document: "str | PathLike[str] | Any") -> None:
        self.document = _document(document)

    def _load(self) -> dict[str, Any]:
        try:
            data = self.document.load()
        except (ValueError, OSError, RuntimeError, MemoryError) as exc:
            log.info("known modules: %s unusable (%s); identifying in full", self.document, exc)
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        return data

    def _get(self, table: str, key: str) -> dict[str, Any] | None:
        rows = self._load().get(table)
        if not isinstance(rows, dict):
            return None
        row = rows.get(key)
        return row if isinstance(row, dict) else None

    def _put(self, table: str, key: str, change: "Callable[[dict[str, Any]], None]") -> None:
        def merged(current: Any) -> dict[str, Any]:
            data = current if isinstance(current, dict) and current.get(
                "format") == FORMAT else {"format": FORMAT}
            rows = data.get(table)
            if not isinstance(rows, dict):
                rows = {}
            row = rows.get(key)
            row = dict(row) if isinstance(row, dict) else {}
            change(row)
            rows[key] = row
            order = data.get("order_" + table)
            order = [k for k in order if k in rows and k != key] if isinstance(
                order, list) else sorted(k for k in rows if k != key)
            order.append(key)
            while len(order) > MAX_RECORDS:
                rows.pop(order.pop(0), None)
            data[table] = rows
            data["order_" + table] = order
            return data

        try:
            update = getattr(self.document, "update", None)
            if update is not None:
                update(merged)
            else:
                self.document.save(merged(self._load()))
        except (OSError, ValueError, RuntimeError) as exc:
            log.warning("known modules: cannot write %s (%s); the next run asks again",
                        self.document, exc)

    # -- modules, per port ---------------------------------------------------------------

    def module(self, port: str) -> dict[str, Any] | None:
        """The record of the module last identified on `port` (unchecked), or None."""
        row = self._get("ports", port)
        if row is None or not isinstance(row.get("imei"), str) or not row.get("imei"):
            return None
        return row

    def remember_module(self, port: str, values: dict[str, Any]) -> None:
        def change(row: dict[str, Any]) -> None:
            if row.get("imei") != values.get("imei"):
                row.clear()             # another module: nothing of the old one holds
            for key in sorted(values):
                row[key] = values[key]

        self._put("ports", port, change)

    def remember(self, port: str, key: str, value: Any) -> None:
        """One more fact of the module on `port` (e.g. its cid range per PDP type)."""
        def change(row: dict[str, Any]) -> None:
            row[key] = value

        self._put("ports", port, change)

    # -- DM server, per modem -------------------------------------------------------------

    def dm(self, modem_key: str) -> dict[str, Any] | None:
        return self._get("dm", modem_key)

    def remember_dm(self, modem_key: str, values: dict[str, Any]) -> None:
        def change(row: dict[str, Any]) -> None:
            row.clear()
            for key in sorted(values):
                row[key] = values[key]

        self._put("dm", modem_key, change)
