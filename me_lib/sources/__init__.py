"""The profile sources chain: USIM, LwM2M bootstrap, EF_ACL, config file, (e)PCO, network.

`read_profile(target)` asks the sources in order and takes each field of
`profile.FIELDS` from the first that answers it, recording the origin and
noting every value it had to skip (docs/architecture.md "Sources").
`ProfileCache` keeps the last good EF.DMCFG profile per ICCID for torn OTA
updates; `apply_service_apns` applies APNs the DM platform pushes later.

Importing the package loads nothing else: each public name is imported from its
module on first use (PEP 562), so the CPython-only sources (config_file needs
tomllib, lwm2m construct) load only when used, and a MicroPython board imports
the modules it runs (me_lib.sources.chain, .cache) itself.
"""

from me_lib.lazy import exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from me_lib.sources.acl import AclSource
    from me_lib.sources.base import ModemLike, Partial, ServerEntry, Source, SourceContext
    from me_lib.sources.cache import ProfileCache
    from me_lib.sources.chain import DEFAULT_CHAIN, make_source, read_profile
    from me_lib.sources.config_file import DeviceConfig, FileSource, load_config, parse_config
    from me_lib.sources.dm_platform import apply_service_apns
    from me_lib.sources.lwm2m import Lwm2mSource
    from me_lib.sources.network import NetworkSource, PcoSource
    from me_lib.sources.usim import UsimSource

# name -> module of this package that defines it
_WHERE = {
    "AclSource": "acl", "ModemLike": "base", "Partial": "base", "ServerEntry": "base",
    "Source": "base", "SourceContext": "base", "ProfileCache": "cache",
    "DEFAULT_CHAIN": "chain", "make_source": "chain", "read_profile": "chain",
    "DeviceConfig": "config_file", "FileSource": "config_file", "load_config": "config_file",
    "parse_config": "config_file", "apply_service_apns": "dm_platform",
    "Lwm2mSource": "lwm2m", "NetworkSource": "network", "PcoSource": "network",
    "UsimSource": "usim",
}


__getattr__ = exports(__name__, _WHERE)

__all__ = [
    "DEFAULT_CHAIN",
    "AclSource",
    "DeviceConfig",
    "FileSource",
    "Lwm2mSource",
    "ModemLike",
    "NetworkSource",
    "Partial",
    "PcoSource",
    "ProfileCache",
    "ServerEntry",
    "Source",
    "SourceContext",
    "UsimSource",
    "apply_service_apns",
    "load_config",
    "make_source",
    "parse_config",
    "read_profile",
]
