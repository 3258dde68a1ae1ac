"""`apply_service_apns`: service APNs pushed later by the DM platform (LwM2M object 11).

Once the device reaches the DM server over APN0, the platform may create or
change "APN Connection Profile" instances (OMA object 11) for the services
the user bought. Each instance names a profile; we use that name as the
service name, so a pushed profile replaces the service bearer of the same
service, or adds one. A profile the platform disables (Enable status false)
removes that service's bearer; the device must stop using it.

Resources read (OMA LwM2M registry, object 11), by id or by name:

====  ==========================  ==============================================
 id    name                        use
====  ==========================  ==============================================
 0     Profile name                service name (lower case, spaces -> "-")
 1     APN                         "" = network-provided (default APN procedure)
 2     Auto select APN by device   true and no APN: the device chooses -> keep
                                   the service's current bearer
 3     Enable status               false: the service bearer is removed
 4     Authentication Type         0 PAP, 1 CHAP, 2 PAP or CHAP (-> CHAP, noted),
                                   3 None
 5     User Name
 6     Secret                      the password (never put in notes)
 24    PDN Type                    0 Non-IP, 1 IPv4, 2 IPv6, 3 IPv4v6
====  ==========================  ==============================================

Other resources (statistics, validity, reconnect schedule ...) are ignored.
Each pushed value goes through the same `profile.Bearer` validation as card
values; an invalid instance is skipped with a note and changes nothing.
"""

from me_lib.codec import dmcfg
from me_lib.errors import ProfileError
from me_lib.profile import Bearer, Profile
from me_lib.sources.base import entries_of, invalid_note, place_servers

try:
    from collections.abc import Iterable, Mapping
    from typing import Any
except ImportError:  # MicroPython: no collections.abc; its JSON objects are dicts
    Mapping = dict  # type: ignore[misc]

ORIGIN = "dm-platform"
RESOURCE_IDS = {0: "profile_name", 1: "apn", 2: "auto_select", 3: "enable_status",
                4: "authentication_type", 5: "user_name", 6: "secret", 24: "pdn_type"}
_ALIASES = {"profile_name": "profile_name", "name": "profile_name", "apn": "apn",
            "auto_select_apn_by_device": "auto_select", "auto_select_apn_device": "auto_select",
            "auto_select_apn": "auto_select", "auto_select": "auto_select",
            "enable_status": "enable_status", "enabled": "enable_status",
            "authentication_type": "authentication_type", "auth_type": "authentication_type",
            "user_name": "user_name", "username": "user_name", "secret": "secret",
            "password": "secret", "pdn_type": "pdn_type"}
AUTH = {0: "pap", 1: "chap", 2: "chap", 3: "none"}
PDN = {0: "Non-IP", 1: "IP", 2: "IPV6", 3: "IPV4V6"}


def _key(key: object) -> str | None:
    if isinstance(key, int) and not isinstance(key, bool):
        return RESOURCE_IDS.get(key)
    if not isinstance(key, str):
        return None
    text = key.strip().lower().replace(" ", "_").replace("-", "_")
    if _digits(text):
        return RESOURCE_IDS.get(int(text))
    return _ALIASES.get(text)


def _digits(text: str) -> bool:
    """ASCII digits only (str.isascii is not on MicroPython; isdigit takes any script)."""
    return text != "" and all("0" <= c <= "9" for c in text)


def _bool(value: object, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1"):
        return value.strip().lower() in ("true", "1")
    raise ProfileError("%s %r is not a boolean" % (what, value))


def _number(value: object, table: dict[int, str], what: str) -> str:
    if isinstance(value, str) and _digits(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value in table:
        return table[value]
    raise ProfileError("%s %r is not one of %s" % (what, value, sorted(table)))


def _text(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is not None and not isinstance(value, str):
        raise ProfileError("%s must be text, not %s" % (key.replace("_", " "),
                                                         type(value).__name__))
    return value


def service_name(profile_name: str) -> str:
    """The service an object-11 profile name stands for ("Fleet Telemetry" -> fleet-telemetry)."""
    name = "-".join(profile_name.strip().lower().split())
    if not dmcfg.is_service_name(name):
        raise ProfileError("profile name %r does not give a service name" % profile_name,
                           "name object 11 profiles with 1-32 of a-z 0-9 . _ - (or spaces)")
    return name


class _Pushed:
    """One object-11 instance, checked: what to do for which service."""

    def __init__(self, entry: object, names: Mapping[str, str], notes: list[str]) -> None:
        if not isinstance(entry, Mapping):
            raise ProfileError("an object 11 instance must be a mapping of resources")
        values: dict[str, Any] = {}
        for key, value in entry.items():
            name = _key(key)
            if name is None:
                continue
            # two spellings of one resource must agree: which one came "last"
            # depends on dict order, which MicroPython does not keep
            if name in values and values[name] != value:
                raise ProfileError("resource %s is given twice with different values"
                                   % name.replace("_", " "),
                                   "give each resource once (by id or by name)")
            values[name] = value
        profile_name = _text(values, "profile_name")
        if not profile_name:
            raise ProfileError("Profile name (resource 0) is missing")
        self.label = profile_name
        self.service = names.get(profile_name) or service_name(profile_name)
        self.enabled = _bool(values.get("enable_status", True), "Enable status")
        apn = _text(values, "apn")
        self.auto = apn is None and _bool(values.get("auto_select", False),
                                          "Auto select APN by device")
        self.bearer: Bearer | None = None
        if not self.enabled or self.auto:
            return
        if apn is None:
            raise ProfileError("neither an APN (resource 1) nor Auto select APN (2)")
        auth = _number(values.get("authentication_type", 3), AUTH, "Authentication Type")
        if values.get("authentication_type") in (2, "2"):
            notes.append("dm-platform: profile %r allows PAP or CHAP; CHAP is used"
                         % profile_name)
        self.bearer = Bearer(apn, _number(values.get("pdn_type", 1), PDN, "PDN Type"), auth,
                             _text(values, "user_name"), _text(values, "secret"),
                             (self.service,))


def _same_settings(a: Bearer, b: Bearer) -> bool:
    return (a.apn, a.pdp_type, a.auth, a.username, a.password) == (
        b.apn, b.pdp_type, b.auth, b.username, b.password)


def _drop_service(bearers: list[Bearer], service: str) -> list[Bearer]:
    """The bearers without `service`; a service bearer left carrying nothing goes too."""
    out: list[Bearer] = []
    for i, b in enumerate(bearers):
        if service not in b.services:
            out.append(b)
            continue
        rest = [s for s in b.services if s != service]
        if i == 0 or rest:
            out.append(Bearer(b.apn, b.pdp_type, b.auth, b.username, b.password, rest))
    return out


def _add_service(bearers: list[Bearer], new: Bearer, service: str) -> list[Bearer]:
    """Put `service` on a bearer with the same settings, or on a new one."""
    for i, b in enumerate(bearers):
        if _same_settings(b, new):
            services = list(b.services)
            services.append(service)
            bearers[i] = Bearer(b.apn, b.pdp_type, b.auth, b.username, b.password, services)
            return bearers
    bearers.append(new)
    return bearers


def apply_service_apns(profile: Profile, pushed: Iterable[Mapping[Any, Any]],
                       names: Mapping[str, str] | None = None) -> Profile:
    """A new Profile with the platform's object-11 instances applied (see module doc).

    `names` maps a profile name to a service name where the name does not
    map by itself. The input profile is not changed.
    """
    notes = list(profile.notes)
    bearers = list(profile.bearers)
    changed = False
    for i, entry in enumerate(pushed):
        try:
            item = _Pushed(entry, names or {}, notes)
        except ProfileError as exc:
            label = next((v for k, v in entry.items() if _key(k) == "profile_name"), None) \
                if isinstance(entry, Mapping) else entry
            notes.append(invalid_note("dm-platform", "APN profile #%d" % i, label, exc))
            continue
        if item.auto:
            notes.append("dm-platform: profile %r lets the device choose the APN; service %s "
                         "keeps its bearer" % (item.label, item.service))
            continue
        bearers = _drop_service(bearers, item.service)
        changed = True
        if item.bearer is None:
            notes.append("dm-platform: profile %r is disabled; service %s has no bearer now"
                         % (item.label, item.service))
            continue
        bearers = _add_service(bearers, item.bearer, item.service)
    if not changed:
        return Profile(profile.servers, bearers, profile.origins, profile.sequence, notes)
    origins = dict(profile.origins)
    origins["service_bearers"] = ORIGIN
    servers = place_servers(entries_of(profile.servers, profile.bearers), bearers, notes)
    return Profile(servers, bearers, origins, profile.sequence, notes)
