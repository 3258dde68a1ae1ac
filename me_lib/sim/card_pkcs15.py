"""The `[lwm2m]` profile section -> the PKCS#15 files of OMA LwM2M Appendix G.

The files are what a device walks to find its bootstrap server: EF(ODF) 5031
points (tag A7) at EF(DODF) 6430, whose OID data object 2.23.43.9.1 points at
EF LwM2M_Bootstrap 6432, holding a Security object instance. `wrapped_oid`
writes the OID the way some real cards do (`06 06 06 04 67 2B 09 01`, as in
Nordic's test vector) so readers are tested against both forms.
"""

from typing import Any

from me_lib.codec import lwm2m, pkcs15
from me_lib.errors import ProfileError
from me_lib.sim import profile_fields as fields

ODF_FID = pkcs15.ODF_FID
DODF_FID = 0x6430
BOOTSTRAP_FID = 0x6432
_KEYS = ("server_uri", "bootstrap", "security_mode", "short_server_id", "wrapped_oid", "size")


def _security_mode(sec: dict[str, Any], where: str) -> int:
    mode = sec.get("security_mode", "nosec")
    if isinstance(mode, str) and mode.lower() in lwm2m.SECURITY_MODES:
        return lwm2m.SECURITY_MODES[mode.lower()]
    if isinstance(mode, int) and not isinstance(mode, bool) and mode in range(5):
        return mode
    raise ProfileError("%s: security_mode %r" % (where, mode),
                       "use 0-4 or one of " + ", ".join(lwm2m.SECURITY_MODES))


def build_files(sec: dict[str, Any], where: str = "[lwm2m]") -> list[tuple[int, str, bytes]]:
    """(FID, name, content) of EF(ODF), EF(DODF) and EF LwM2M_Bootstrap."""
    fields.check_keys(sec, _KEYS, where)
    uri = fields.opt_text(sec, "server_uri", where)
    if not uri:
        raise ProfileError("%s: server_uri is required" % where,
                           "e.g. server_uri = \"coaps://bootstrap.example.net:5684\"")
    instance = lwm2m.SecurityInstance(
        0, uri, fields.flag(sec, "bootstrap", where, True), _security_mode(sec, where),
        fields.opt_integer(sec, "short_server_id", where))
    dodf_entry = pkcs15.DodfEntry(
        app_name="LwM2M Bootstrap", oid=pkcs15.LWM2M_BOOTSTRAP_OID,
        oid_wrapped=fields.flag(sec, "wrapped_oid", where, False),
        path=pkcs15.Path(BOOTSTRAP_FID.to_bytes(2, "big")))
    with fields.errors_in(where):
        bootstrap = lwm2m.encode(lwm2m.BootstrapFile((lwm2m.security_object([instance]),)),
                                 fields.opt_integer(sec, "size", where))
        odf = pkcs15.encode_odf([pkcs15.OdfEntry(pkcs15.ODF_DODF,
                                                 pkcs15.Path(DODF_FID.to_bytes(2, "big")))])
        dodf = pkcs15.encode_dodf([dodf_entry])
    return [(ODF_FID, "EF(ODF)", odf), (DODF_FID, "EF(DODF)", dodf),
            (BOOTSTRAP_FID, "EF LwM2M_Bootstrap", bootstrap)]
