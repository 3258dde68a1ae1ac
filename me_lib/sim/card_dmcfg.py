"""The `[dmcfg]` profile section -> EF.DMCFG content (docs/dmcfg.md), via `codec.dmcfg`.

Separate from the file-system layout so `me-lib encode PROFILE` can print the
bytes a card vendor would personalise without building a whole card. The
`corrupt_crc` switch exists to make torn-update test cards: the file is
otherwise exact, only the CRC no longer matches.
"""

from collections.abc import Callable
from typing import Any

from me_lib.codec import dmcfg
from me_lib.codec._common import pad_to
from me_lib.errors import ProfileError
from me_lib.sim import profile_fields as fields

DEFAULT_SIZE = 256
_SECTION_KEYS = ("hex", "sequence", "size", "read", "crc", "corrupt_crc", "server", "bearer")
_SERVER_KEYS = ("address", "kind", "port", "protocol", "bearer")
_BEARER_KEYS = ("apn", "pdn_type", "auth", "username", "password", "services")


def _check(tbl: object, allowed: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(tbl, dict):
        raise ProfileError("%s must be a table" % where)
    fields.check_keys(tbl, allowed, where)
    return tbl


def _number(table: dict[str, Any], key: str, where: str,
            convert: Callable[[str | int], int]) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProfileError("%s: %s must be a name or a number, not %r" % (where, key, value))
    with fields.errors_in(where):
        return convert(value)


def _server(table: object, where: str) -> dmcfg.DmServer:
    t = _check(table, _SERVER_KEYS, where)
    address = fields.opt_text(t, "address", where)
    if not address:
        raise ProfileError("%s: address is required" % where,
                           "e.g. address = \"dm.example.net\"")
    kind = _number(t, "kind", where, dmcfg.address_kind_number)
    return dmcfg.DmServer(address, dmcfg.AUTO if kind is None else kind,
                          fields.opt_integer(t, "port", where),
                          _number(t, "protocol", where, dmcfg.protocol_number),
                          fields.opt_integer(t, "bearer", where) or 0)


def _bearer(table: object, where: str) -> dmcfg.Bearer:
    t = _check(table, _BEARER_KEYS, where)
    apn = fields.opt_text(t, "apn", where)
    if apn is None:
        raise ProfileError("%s: apn is required" % where,
                           "write apn = \"\" for the network-provided APN")
    services = fields.strings(t, "services", where, "[\"telemetry\"]")
    return dmcfg.Bearer(apn, _number(t, "pdn_type", where, dmcfg.pdn_type_number),
                        _number(t, "auth", where, dmcfg.auth_number),
                        fields.opt_text(t, "username", where),
                        fields.opt_text(t, "password", where), tuple(services))


def config_from_section(section: dict[str, Any], where: str = "[dmcfg]") -> dmcfg.DmConfig:
    """The structured form (`[[dmcfg.server]]`, `[[dmcfg.bearer]]`) as a model."""
    servers = section.get("server", [])
    bearers = section.get("bearer", [])
    if not isinstance(servers, list) or not servers:
        raise ProfileError("%s: no [[dmcfg.server]]" % where,
                           "add at least one server table, or give hex = \"...\"")
    if not isinstance(bearers, list) or not bearers:
        raise ProfileError("%s: no [[dmcfg.bearer]]" % where,
                           "add at least one bearer (the first is APN0)")
    crc = fields.flag(section, "crc", where, True)
    return dmcfg.DmConfig(
        tuple(_server(s, "%s server #%d" % (where, i + 1)) for i, s in enumerate(servers)),
        tuple(_bearer(b, "%s bearer #%d" % (where, i + 1)) for i, b in enumerate(bearers)),
        sequence=fields.opt_integer(section, "sequence", where), has_crc=crc)


def encode_section(section: dict[str, Any], where: str = "[dmcfg]") -> bytes:
    """The EF.DMCFG content for a `[dmcfg]` section, padded to its size."""
    _check(section, _SECTION_KEYS, where)
    size = fields.opt_integer(section, "size", where)
    corrupt = fields.flag(section, "corrupt_crc", where, False)
    with fields.errors_in(where):
        if "hex" in section:
            if corrupt or "server" in section or "bearer" in section:
                raise ProfileError("%s: hex excludes server/bearer/corrupt_crc" % where,
                                   "give either the raw hex or the structured form")
            raw = fields.hex_bytes(section, "hex", where, "")
        else:
            cfg = config_from_section(section, where)
            if corrupt and not cfg.has_crc:
                raise ProfileError("%s: corrupt_crc needs crc = true" % where)
            raw = dmcfg.encode(cfg)
            if corrupt:  # the CRC is the last 4 bytes before the padding
                raw = raw[:-1] + bytes((raw[-1] ^ 0xFF,))
        return pad_to(dmcfg.WHAT, raw, max(DEFAULT_SIZE, len(raw)) if size is None else size)
