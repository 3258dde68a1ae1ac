"""`ProfileCache`: the last good EF.DMCFG profile per ICCID, on the device's flash.

Why: a torn OTA update of EF.DMCFG (DESIGN §4) must not strand the device;
it keeps using the last profile it read whole from that same card (keyed by
ICCID, so a profile switch never reuses another MNO's APNs).

Durability: the file is replaced atomically (temporary file in the same
directory, fsync, `os.replace`, fsync of the directory), so a power cut or a
crash mid-write leaves the old file whole. An unchanged profile is not
rewritten (flash wear: the read happens at every boot).

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
                     "username": null, "has_password": false, "services": []}]}}}

At most `max_entries` ICCIDs are kept, the least recently stored dropped first.
"""

import json
import os
from pathlib import Path
from typing import Any

from me_lib.errors import ProfileError
from me_lib.profile import FIELDS, Bearer, DmServer, Profile
from me_lib.store import atomic_write_json

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


class ProfileCache:
    """Last good profile per ICCID in one JSON file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str], store_passwords: bool = False,
                 max_entries: int = 8) -> None:
        self.path = Path(path)
        self.store_passwords = store_passwords
        self.max_entries = max(1, max_entries)

    # --- reading ---------------------------------------------------------------------

    def _load(self, notes: list[str]) -> dict[str, Any]:
        """The `profiles` table; empty (with a note) when the file is unusable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            notes.append("cache: %s is unreadable (%s); ignoring it" % (self.path, exc))
            return {}
        try:
            data = json.loads(text)
        except ValueError as exc:
            notes.append("cache: %s is corrupt (%s); ignoring it" % (self.path, exc))
            return {}
        if (not isinstance(data, dict) or data.get("format") != FORMAT
                or not isinstance(data.get("profiles"), dict)):
            notes.append("cache: %s is not a format-%d profile cache; ignoring it"
                         % (self.path, FORMAT))
            return {}
        profiles: dict[str, Any] = data["profiles"]
        return profiles

    def get(self, iccid: str) -> tuple[Profile | None, list[str]]:
        """(the cached profile for `iccid` or None, notes about the cache)."""
        notes: list[str] = []
        profiles = self._load(notes)
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
        return {"sequence": profile.sequence,
                "dm_servers": [_server_dict(s) for s in profile.servers],
                "bearers": [_bearer_dict(b, self.store_passwords) for b in profile.bearers]}

    def put(self, iccid: str, profile: Profile) -> bool:
        """Remember `profile` for `iccid`; False when it was already stored as is.

        Raises ProfileError when the file cannot be written (the old one is kept).
        """
        profiles = self._load([])
        entry = self.entry_for(profile)
        if profiles.get(iccid) == entry:
            return False
        profiles.pop(iccid, None)
        profiles[iccid] = entry
        while len(profiles) > self.max_entries:
            profiles.pop(next(iter(profiles)))
        self._write({"format": FORMAT, "profiles": profiles})
        return True

    def _write(self, data: dict[str, Any]) -> None:
        try:
            atomic_write_json(self.path, data)
        except OSError as exc:
            raise ProfileError("cannot write the profile cache %s: %s"
                               % (self.path, exc.strerror or exc),
                               "check the directory exists and is writable") from None
