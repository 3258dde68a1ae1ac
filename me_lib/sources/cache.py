"""`ProfileCache`: the last good EF.DMCFG profile per ICCID, on the device's flash.

Why: a torn OTA update of EF.DMCFG (docs/dmcfg.md "A torn update") must not strand the device;
it keeps using the last profile it read whole from that same card (keyed by
ICCID, so a profile switch never reuses another MNO's APNs).

Durability: the cache is one JSON document kept by a document object
(`load()`/`save(data)`): a path becomes `me_lib.store.JsonFile` (CPython:
temporary file, fsync, `os.replace`, fsync of the directory), a board passes
`firmware_shim.store.FlashFile`; either way a power cut or a crash mid-write
leaves the old document whole. An unchanged profile is not rewritten (flash
wear: the read happens at every boot).

Secrets: passwords stay out of the file unless the caller opts in
(`store_passwords=True`); the entry then only records that the bearer had
one, and a profile restored from it says so in a note. The file is created
with mode 0600 either way.

A cache file that cannot be read or parsed is ignored with a note, never an
exception: losing the cache costs a fallback, crashing costs the device.

File format (JSON)::

    {"format": 1,
     "profiles": {"<ICCID>": {"sequence": 7,
        "dm_servers": [{"address": "dm.example.net", "kind": "fqdn", "port": 5683,
                        "protocol": "coap", "bearer": 0}],
        "bearers": [{"apn": "dm.operator.example", "pdp_type": "IP", "auth": "none",
                     "username": null, "has_password": false, "services": []}]}},
     "order": ["<ICCID>"]}

At most `max_entries` ICCIDs are kept, the least recently stored dropped first.
`order` lists the ICCIDs oldest first, because JSON objects have no order that
survives a round trip (and MicroPython dicts none at all); a file without it
(older versions) counts its ICCIDs in sorted order.
"""

from me_lib.errors import ProfileError
from me_lib.profile import FIELDS, Bearer, DmServer, Profile

try:  # names for the annotations only (MicroPython has no typing, no me_lib.store)
    from os import PathLike
    from typing import Any

    from me_lib.store import Document
except ImportError:
    pass

FORMAT = 1
ORIGIN = "cache:EF.DMCFG"


def _server_dict(server: DmServer) -> dict[str, Any]:
    return {"address": server.address, "kind": server.kind, "port": server.port,
            "protocol": server.protocol, "bearer": server.bearer_index}


def _bearer_dict(bearer: Bearer, with_password: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"apn": bearer.apn, "pdp_type": bearer.pdp_type, "auth": bearer.auth,
                           "username": bearer.username,
                           "has_password": bearer.password is not None,
                           "services": list(bearer.services)}
    if with_password and bearer.password is not None:
        out["password"] = bearer.password
    return out


def _typed(entry: dict[str, Any], key: str, kind: type | tuple[type, ...],
           optional: bool = True) -> Any:
    value = entry.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ProfileError("cache field %r holds %r" % (key, type(value).__name__))
    return value


def _restore(entry: Any, notes: list[str]) -> Profile:
    """A cached entry through the same validators as any other source."""
    if not isinstance(entry, dict):
        raise ProfileError("cache entry is not an object")
    servers_raw = _typed(entry, "dm_servers", list, False)
    bearers_raw = _typed(entry, "bearers", list, False)
    bearers: list[Bearer] = []
    for raw in bearers_raw:
        if not isinstance(raw, dict):
            raise ProfileError("cached bearer is not an object")
        services = _typed(raw, "services", list) or []
        password = _typed(raw, "password", str)
        if password is None and raw.get("has_password") is True:
            notes.append("cache: the password of APN %r was not cached (store_passwords is "
                         "off); authentication on it may fail" % raw.get("apn"))
        bearers.append(Bearer(_typed(raw, "apn", str, False),
                              _typed(raw, "pdp_type", str) or "IP",
                              _typed(raw, "auth", str) or "none",
                              _typed(raw, "username", str), password, services))
    servers = []
    for raw in servers_raw:
        if not isinstance(raw, dict):
            raise ProfileError("cached DM server is not an object")
        servers.append(DmServer(_typed(raw, "address", str, False), _typed(raw, "port", int),
                                _typed(raw, "protocol", str), _typed(raw, "bearer", int) or 0,
                                _typed(raw, "kind", str)))
    sequence = _typed(entry, "sequence", int)
    return Profile(servers, bearers, {f: ORIGIN for f in FIELDS}, sequence)


def open_document(where: "str | PathLike[str] | Document", what: str) -> "Document":
    """`where` if it is a document object, else the JSON file at that path.

    The CPython store is imported only for a path, so a board (no tempfile,
    no pathlib) that passes its own document never loads it. `what` names the
    state for the error raised where there is no file store.
    """
    if hasattr(where, "load") and hasattr(where, "save"):
        return where  # type: ignore[return-value]
    try:
        from me_lib.store import JsonFile
    except ImportError:
        raise ProfileError("cannot keep the %s in %r: this interpreter has no file store"
                           % (what, where),
                           "pass a document object with load() and save(), e.g. "
                           "firmware_shim.store.FlashFile") from None
    return JsonFile(where)


class ProfileCache:
    """Last good profile per ICCID in one JSON document (see the module docstring).

    `document` is a path (str or os.PathLike: a `me_lib.store.JsonFile`) or
    any object with `load()` and `save(data)`.
    """

    def __init__(self, document: "str | PathLike[str] | Document",
                 store_passwords: bool = False, max_entries: int = 8) -> None:
        self.document = open_document(document, "profile cache")
        #: the file, when the document has one (JsonFile, FlashFile)
        self.path: Any = getattr(self.document, "path", None)
        self.store_passwords = store_passwords
        self.max_entries = max(1, max_entries)

    def _where(self) -> str:
        return str(self.path if self.path is not None else self.document)

    # --- reading ---------------------------------------------------------------------

    def _load(self, notes: list[str]) -> tuple[dict[str, Any], list[str]]:
        """(the `profiles` table, ICCIDs oldest first); empty (with a note) when unusable."""
        try:
            data = self.document.load()
        except ValueError as exc:  # not JSON, not UTF-8, too large, nested too deep
            notes.append("cache: %s is corrupt (%s); ignoring it" % (self._where(), exc))
            return {}, []
        except (RuntimeError, MemoryError) as exc:  # a board's parser out of stack or heap
            notes.append("cache: %s cannot be parsed (%s); ignoring it"
                         % (self._where(), exc))
            return {}, []
        except OSError as exc:
            notes.append("cache: %s is unreadable (%s); ignoring it" % (self._where(), exc))
            return {}, []
        return self._tables(data, notes)

    def _tables(self, data: Any, notes: list[str]) -> tuple[dict[str, Any], list[str]]:
        if data is None:
            return {}, []
        if (not isinstance(data, dict) or data.get("format") != FORMAT
                or not isinstance(data.get("profiles"), dict)):
            notes.append("cache: %s is not a format-%d profile cache; ignoring it"
                         % (self._where(), FORMAT))
            return {}, []
        profiles: dict[str, Any] = {k: v for k, v in data["profiles"].items()
                                    if isinstance(k, str)}
        order = data.get("order")
        if not isinstance(order, list):
            order = []
        known = [i for i in order if isinstance(i, str) and i in profiles]
        # ICCIDs the order does not list (older files) count as the oldest, sorted
        older = sorted(i for i in profiles if i not in known)
        return profiles, older + _unique(known)

    def get(self, iccid: str) -> tuple[Profile | None, list[str]]:
        """(the cached profile for `iccid` or None, notes about the cache)."""
        notes: list[str] = []
        profiles, _ = self._load(notes)
        if iccid not in profiles:
            return None, notes
        try:
            profile = _restore(profiles[iccid], notes)
        except (ProfileError, TypeError, ValueError) as exc:
            notes.append("cache: the entry for ICCID %s is unusable (%s); ignoring it"
                         % (iccid, exc))
            return None, notes
        profile.notes = []
        return profile, notes

    # --- writing ---------------------------------------------------------------------

    def entry_for(self, profile: Profile) -> dict[str, Any]:
        """The cache entry stored for `profile` (passwords only if `store_passwords`)."""
        return {"sequence": profile.sequence,
                "dm_servers": [_server_dict(s) for s in profile.servers],
                "bearers": [_bearer_dict(b, self.store_passwords) for b in profile.bearers]}

    def put(self, iccid: str, profile: Profile) -> bool:
        """Remember `profile` for `iccid`; False when it was already stored as is.

        Another process sharing the file keeps its entries: a document with
        `update()` (JsonFile) re-reads and merges under its lock. Raises
        ProfileError when the document cannot be written (the old one is kept).
        """
        profiles, _ = self._load([])
        entry = self.entry_for(profile)
        if profiles.get(iccid) == entry:
            return False

        def change(current: Any) -> dict[str, Any]:
            profiles, order = self._tables(current, [])
            profiles[iccid] = entry
            order = [i for i in order if i != iccid] + [iccid]
            while len(order) > self.max_entries:
                profiles.pop(order.pop(0), None)
            return {"format": FORMAT, "profiles": profiles, "order": order}

        update = getattr(self.document, "update", None)
        try:
            if update is not None:
                update(change)
            else:
                notes: list[str] = []
                stored, order = self._load(notes)
                self.document.save(change({"format": FORMAT, "profiles": stored,
                                           "order": order}))
        except OSError as exc:
            raise ProfileError("cannot write the profile cache %s: %s"
                               % (self._where(), getattr(exc, "strerror", None) or exc),
                               "check the directory exists and is writable") from None
        return True


def _unique(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
