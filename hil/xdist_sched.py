"""One pytest-xdist worker per modem.

Every HIL test is parametrized by the modem's name, so the scope of a test is the
parameter id at the end of its node id (`...::test_identify[bg96]` -> `bg96`). All
tests of one modem then run in order on one worker (a modem has one AT port and
state that carries from test to test), and modems run in parallel. This is a
LoadScopeScheduling with that scope, rather than `--dist loadgroup`: loadgroup
rewrites private node-id attributes that pytest 9.2 no longer reads, so its groups
are silently ignored there.
"""

import re
from typing import Any

from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

_PARAM = re.compile(r"\[([^\]]+)\](?:@[^:]*)?$")


def modem_of(nodeid: str) -> str:
    """The modem a node id belongs to (its parameter id); the module for anything else."""
    match = _PARAM.search(nodeid)
    return match.group(1) if match else nodeid.rsplit("::", 1)[0]


class PerModemScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """LoadScopeScheduling whose scope is the modem, not the module."""

    def _split_scope(self, nodeid: str) -> str:
        return modem_of(nodeid)


def make_scheduler(config: Any, log: Any) -> PerModemScheduling:
    return PerModemScheduling(config, log)
