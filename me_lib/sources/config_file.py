"""Source `file`: a device configuration TOML, pre-provisioned per PLMN.

The "pre-provisioned" case of docs/flow.md "Sources": the OEM ships (or the integrator
writes) the DM server and APNs for the operators it knows, keyed by the
MCC+MNC of the USIM (IMSI split by EF_AD's MNC length).

Format::

    version = 1                          # optional; only 1 exists

    [default]                            # any PLMN; each field can be overridden below
    dm = [{ address = "dm.example.net", port = 5683, protocol = "coap" }]
    apn0 = { apn = "iot.example", pdp_type = "IP" }

    [[default.services]]                 # one table per service
    name = "telemetry"                   # service name, [a-z0-9._-]{1,32}
    apn = "telemetry.example"            # "" = network-provided
    pdp_type = "IPV4V6"                  # IP (default), IPV6, IPV4V6, Non-IP
    auth = "chap"                        # none (default), pap, chap
    username = "device"
    password_env = "TELEMETRY_APN_PASSWORD"    # the password, from the environment

    [plmn."00101"]                       # MCC + MNC as on the USIM (2- or 3-digit MNC)
    apn0 = { apn = "dm.operator.example", auth = "pap", username = "dm",
             password_file = "secrets/apn0" }  # relative to this file
    dm = [{ address = "coaps://dm.operator.example:5684", bearer = "apn0" },
          { address = "192.0.2.10", port = 5683, protocol = "coap", kind = "ipv4" }]
    services = []                        # explicitly: no service bearers on this PLMN

Keys of `dm` entries: `address` (FQDN, IPv4, IPv6 or URI; required), `port`,
`protocol` (coap, coaps, coap+tcp, coaps+tcp, oma-dm, https, mqtt, mqtts),
`kind` (fqdn, ipv4, ipv6, uri; default: inferred) and `bearer` ("apn0", the
default, or the name of a service whose APN the server is reached on).
Keys of `apn0` and service tables: `apn` (required), `pdp_type`, `auth`,
`username`, `password_env` or `password_file`; services also `name`.
Service tables with the same APN and settings become one bearer carrying
all their services (one PDP context per APN).

Per field (`dm` -> dm_servers, `apn0`, `services` -> service_bearers), the
`[plmn."<MCC><MNC>"]` table of the card's PLMN wins, else `[default]`; a
field absent from both is left to the next source. When EF_AD gives no MNC
length, both the 5- and 6-digit keys are tried and used only if one matches.
An invalid value in the PLMN's table is *not* replaced by `[default]`'s: that
could silently put the device on an APN meant for other networks.

Secrets: a password is never written in this file (`password = ...` is
refused), only the name of an environment variable or of a file holding it,
so the config can be logged, diffed and shipped without leaking it. Notes
about a bearer never quote its password.

Errors: a file that is not TOML or has unknown tables/keys at the top level
is refused as a whole (a typo like `[plnm.…]` must not silently give another
profile); an invalid value (a bad DM address, an APN with a bad label, a
password variable that is not set) skips that entry with a note naming the
value, the reason and the error class, and the chain goes on. Every error is
a `ProfileError`, whatever the file holds.
"""

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from me_lib.errors import ProfileError
from me_lib.profile import Bearer, DmServer
from me_lib.sources.base import (
    IdentityLike,
    Partial,
    ServerEntry,
    SourceContext,
    invalid_note,
    reason,
)

FIELD_KEYS = ("dm", "apn0", "services")
_TOP_KEYS = ("version", "default", "plmn")
_BEARER_KEYS = ("apn", "pdp_type", "auth", "username", "password_env", "password_file")
_SERVICE_KEYS = ("name", *_BEARER_KEYS)
_DM_KEYS = ("address", "port", "protocol", "kind", "bearer")
_PLMN = re.compile(r"[0-9]{5,6}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_PDP_NAMES = {"ip": "IP", "ipv4": "IP", "ipv6": "IPV6", "ipv4v6": "IPV4V6", "non-ip": "Non-IP",
              "nonip": "Non-IP"}


class DeviceConfig:
    """A parsed config file: `tables` maps "default" and "plmn.<digits>" to raw tables."""

    def __init__(self, path: Path, tables: dict[str, dict[str, Any]]) -> None:
        self.path = path
        self.tables = tables

    @property
    def origin(self) -> str:
        """Where the values came from, as results name it: "file:<path>"."""
        return "file:%s" % self.path

    def tables_for(self, ident: IdentityLike | None, notes: list[str]) -> list[str]:
        """Table names to use, most specific first (the PLMN's, then "default")."""
        names: list[str] = []
        if ident is None:
            notes.append("file: the PLMN is unknown; only [default] of %s applies" % self.path)
        elif ident.mnc is not None:
            key = "plmn." + ident.mcc + ident.mnc
            if key in self.tables:
                names.append(key)
        else:
            found = [k for k in ("plmn." + ident.imsi[:5], "plmn." + ident.imsi[:6])
                     if k in self.tables]
            if len(found) == 1:
                names.append(found[0])
                notes.append("file: EF_AD gives no MNC length; using [%s], the only PLMN "
                             "table matching IMSI %s..." % (found[0], ident.imsi[:6]))
            elif found:
                notes.append("file: EF_AD gives no MNC length and both %s match; only "
                             "[default] applies" % " and ".join(found))
        if "default" in self.tables:
            names.append("default")
        return names


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProfileError("%s must be a table" % where)
    return value


def _check_keys(raw: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ProfileError("%s: unknown key(s) %s" % (where, ", ".join(unknown)),
                           "allowed: " + ", ".join(allowed))


def parse_config(data: object, path: str | os.PathLike[str] = "<config>") -> DeviceConfig:
    """Check the structure of parsed TOML (values are checked when used)."""
    top = _table(data, "the device config")
    _check_keys(top, _TOP_KEYS, "the device config")
    if top.get("version", 1) != 1:
        raise ProfileError("device config version %r is not supported" % (top["version"],),
                           "write version = 1")
    tables: dict[str, dict[str, Any]] = {}
    if "default" in top:
        tables["default"] = _table(top["default"], "[default]")
    for key, value in _table(top.get("plmn", {}), "[plmn]").items():
        if not _PLMN.fullmatch(key):
            raise ProfileError("[plmn.%r]: not MCC+MNC digits" % key,
                               'write e.g. [plmn."00101"] (MCC 001, MNC 01)')
        tables["plmn." + key] = _table(value, "[plmn.%s]" % key)
    for name, table in tables.items():
        _check_keys(table, FIELD_KEYS, "[%s]" % name)
    return DeviceConfig(Path(path), tables)


def load_config(path: str | os.PathLike[str]) -> DeviceConfig:
    """Read and check a device config file; ProfileError when it cannot be used."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ProfileError("cannot read the device config %s: %s"
                           % (path, exc.strerror or exc)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError("the device config %s is not valid TOML: %s" % (path, exc),
                           "fix the syntax at the reported line") from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise ProfileError("cannot read the device config %r: %s" % (path, exc)) from None
    return parse_config(data, path)


# --- values ---------------------------------------------------------------------------------


def _text(raw: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str | None:
    value = raw.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ProfileError("%s: %s must be a string, not %s" % (where, key,
                                                                type(value).__name__))
    return value


def _password(raw: Mapping[str, Any], where: str, base: Path,
              env: Mapping[str, str]) -> str | None:
    """The password named by `password_env` or `password_file` (never written inline)."""
    var = _text(raw, "password_env", where)
    name = _text(raw, "password_file", where)
    if var is not None and name is not None:
        raise ProfileError("%s: give password_env or password_file, not both" % where)
    if var is not None:
        if not _ENV_NAME.fullmatch(var):
            raise ProfileError("%s: password_env %r is not a variable name" % (where, var))
        value = env.get(var)
        if value is None:
            raise ProfileError("%s: environment variable %s (the password) is not set"
                               % (where, var), "export it in the device's service file")
        return value
    if name is not None:
        target = base / name
        try:
            return target.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, ValueError) as exc:
            raise ProfileError("%s: cannot read password_file %s: %s"
                               % (where, target, getattr(exc, "strerror", None) or exc)
                               ) from None
    return None


def build_bearer(raw: object, where: str, base: Path, env: Mapping[str, str],
                 keys: tuple[str, ...] = _BEARER_KEYS, services: tuple[str, ...] = ()
                 ) -> Bearer:
    """An `apn0` or service table as a validated Bearer."""
    if "password" in _table(raw, where):
        raise ProfileError("%s: passwords are not written in the config file" % where,
                           "use password_env = \"VAR\" or password_file = \"path\"")
    assert isinstance(raw, dict)
    _check_keys(raw, keys, where)
    apn = _text(raw, "apn", where)
    if apn is None:
        raise ProfileError("%s: apn is missing" % where, 'write apn = "" for network-provided')
    pdp = _text(raw, "pdp_type", where, "IP") or "IP"
    if pdp.lower() not in _PDP_NAMES:
        raise ProfileError("%s: pdp_type %r unknown" % (where, pdp),
                           "use IP, IPV6, IPV4V6 or Non-IP")
    auth = (_text(raw, "auth", where, "none") or "none").lower()
    return Bearer(apn, _PDP_NAMES[pdp.lower()], auth, _text(raw, "username", where),
                  _password(raw, where, base, env), services)


def build_server(raw: object, where: str) -> tuple[DmServer, str]:
    """A `dm` entry as (DmServer, bearer reference: "apn0" or a service name)."""
    entry = _table(raw, where)
    _check_keys(entry, _DM_KEYS, where)
    address = _text(entry, "address", where)
    if address is None:
        raise ProfileError("%s: address is missing" % where)
    port = entry.get("port")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool)):
        raise ProfileError("%s: port must be an integer" % where)
    server = DmServer(address, port, _text(entry, "protocol", where), 0,
                      _text(entry, "kind", where))
    return server, _text(entry, "bearer", where, "apn0") or "apn0"


# --- the source -------------------------------------------------------------------------------


class _Reader:
    """Builds one Partial from the chosen tables, noting every skipped value."""

    def __init__(self, config: DeviceConfig, names: list[str], env: Mapping[str, str],
                 part: Partial) -> None:
        self.config = config
        self.names = names
        self.env = env
        self.part = part
        self.base = config.path.parent

    def table_with(self, key: str) -> str | None:
        for name in self.names:
            if key in self.config.tables[name]:
                return name
        return None

    def _skip(self, what: str, value: object, exc: ProfileError) -> None:
        self.part.notes.append(invalid_note("file", what, value, exc))

    def apn0(self) -> None:
        name = self.table_with("apn0")
        if name is None:
            return
        raw = self.config.tables[name]["apn0"]
        try:
            self.part.apn0 = build_bearer(raw, "[%s] apn0" % name, self.base, self.env)
        except ProfileError as exc:
            self._skip("[%s] apn0" % name, raw.get("apn") if isinstance(raw, dict) else raw,
                       exc)

    def services(self) -> dict[str, str]:
        """Fill service_bearers; return service name -> APN for `dm` bearer references."""
        name = self.table_with("services")
        if name is None:
            return {}
        raw_list = self.config.tables[name]["services"]
        if not isinstance(raw_list, list):
            self._skip("[%s] services" % name, raw_list,
                       ProfileError("services must be an array of tables"))
            return {}
        merged: dict[tuple[Any, ...], list[str]] = {}
        firsts: dict[tuple[Any, ...], Bearer] = {}
        for i, raw in enumerate(raw_list):
            where = "[%s] services[%d]" % (name, i)
            try:
                svc = _text(_table(raw, where), "name", where)
                if svc is None:
                    raise ProfileError("%s: name is missing" % where)
                bearer = build_bearer(raw, where, self.base, self.env, _SERVICE_KEYS, (svc,))
            except ProfileError as exc:
                self._skip(where, raw.get("apn") if isinstance(raw, dict) else raw, exc)
                continue
            if any(svc in names for names in merged.values()):
                self._skip(where, svc, ProfileError("service %r is listed twice" % svc))
                continue
            key = (bearer.apn, bearer.pdp_type, bearer.auth, bearer.username, bearer.password)
            merged.setdefault(key, []).append(svc)
            firsts.setdefault(key, bearer)
        if raw_list and not merged:
            return {}  # every entry was invalid: let another source answer
        bearers = [Bearer(b.apn, b.pdp_type, b.auth, b.username, b.password, merged[k])
                   for k, b in firsts.items()]
        self.part.service_bearers = bearers
        return {svc: b.apn for b in bearers for svc in b.services}

    def servers(self, service_apns: dict[str, str]) -> None:
        name = self.table_with("dm")
        if name is None:
            return
        raw_list = self.config.tables[name]["dm"]
        if not isinstance(raw_list, list):
            raw_list = [raw_list]
        entries: list[ServerEntry] = []
        for i, raw in enumerate(raw_list):
            where = "[%s] dm[%d]" % (name, i)
            try:
                server, ref = build_server(raw, where)
                if ref != "apn0" and ref not in service_apns:
                    raise ProfileError("%s: bearer %r is neither apn0 nor a service of the "
                                       "config" % (where, ref))
            except ProfileError as exc:
                self._skip(where, raw.get("address") if isinstance(raw, dict) else raw, exc)
                continue
            entries.append(ServerEntry(server, None if ref == "apn0" else service_apns[ref]))
        if entries:
            self.part.servers = entries


def partial_from_config(config: DeviceConfig, ident: IdentityLike | None,
                        env: Mapping[str, str] | None = None) -> Partial:
    """What the config says for the card's PLMN (never raises on bad values)."""
    part = Partial(config.origin)
    names = config.tables_for(ident, part.notes)
    if not names:
        part.notes.append("file: %s has no table for this PLMN and no [default]"
                          % config.path)
        return part
    reader = _Reader(config, names, os.environ if env is None else env, part)
    reader.apn0()
    reader.servers(reader.services())
    used = ["%s from [%s]" % (field, reader.table_with(key)) for field, key in
            (("dm_servers", "dm"), ("apn0", "apn0"), ("service_bearers", "services"))
            if reader.table_with(key) is not None]
    if used:
        part.notes.append("file: %s of %s" % (", ".join(used), config.path))
    return part


class FileSource:
    """The device config file; `path` overrides the `config=` of `read_profile`."""

    name = "file"

    def __init__(self, path: "str | os.PathLike[str] | DeviceConfig | None" = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.env = env

    def read(self, ctx: SourceContext) -> Partial:
        """The fields the device config file gives (a file that does not load becomes a note)."""
        config = self.path if self.path is not None else ctx.config
        if config is None:
            return Partial("file", notes=["file: no device config file given"])
        if not isinstance(config, DeviceConfig):
            try:
                config = load_config(config)
            except ProfileError as exc:
                return Partial("file:%s" % config, notes=["file: " + reason(exc)])
        return partial_from_config(config, ctx.identity(), self.env)
