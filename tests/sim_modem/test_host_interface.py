"""The simulated modem's parts use only its public host interface (me_lib/sim/modem/host.py).

Read with `ast`: outside core.py no module of me_lib/sim/modem reaches into
another object's `_private` attributes (the host's, or a sibling part's), and
no part imports core (they are handed the host; core imports them).
"""

import ast
from pathlib import Path

from me_lib.sim.modem.core import SimModem
from me_lib.sim.modem.host import Host

ROOT = Path(__file__).resolve().parents[2]
MODEM = ROOT / "me_lib" / "sim" / "modem"
# who may name core: the package face re-exports SimModem, the pty/TCP server serves one
MAY_IMPORT_CORE = {"__init__.py", "server.py", "core.py"}


def private_reaches(source: str) -> list[str]:
    """`x._name` where x is not `self`/`cls` (dunders are not private)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            found.append("%d: %s" % (node.lineno, ast.unparse(node)))
    return found


def imports_core(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.module == "me_lib.sim.modem.core":
                return True
            if node.module == "me_lib.sim.modem" and any(a.name == "core" for a in node.names):
                return True
        elif isinstance(node, ast.Import) and any(a.name == "me_lib.sim.modem.core"
                                                  for a in node.names):
            return True
    return False


def parts() -> list[Path]:
    return sorted(p for p in MODEM.rglob("*.py") if p.name != "core.py")


def test_no_part_reaches_into_a_private_attribute() -> None:
    bad = {p.relative_to(MODEM).as_posix(): private_reaches(p.read_text(encoding="utf-8"))
           for p in parts()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_no_part_imports_core() -> None:
    assert [p.relative_to(MODEM).as_posix() for p in parts()
            if p.relative_to(MODEM).as_posix() not in MAY_IMPORT_CORE
            and imports_core(p.read_text(encoding="utf-8"))] == []


def test_the_checks_see_what_they_forbid() -> None:
    source = """
from me_lib.sim.modem.core import SimModem
def f(m, self):
    m._reboot(None)
    self.m._ota_update("6F07", b"")
    self._mine = m.__class__
"""
    assert private_reaches(source) == ["4: m._reboot", "5: self.m._ota_update"]
    assert imports_core(source)
    assert imports_core("from me_lib.sim.modem import core")
    assert not imports_core("from me_lib.sim.modem.host import Host")


def test_the_modem_offers_every_member_of_the_host_interface() -> None:
    """mypy checks the signatures; this checks the names on a live modem."""
    members = set(Host.__annotations__) | {
        name for name, value in vars(Host).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))}
    assert {"reboot_now", "ota_update_now", "switch_profile_now", "t", "online"} <= members
    modem = SimModem.from_scenario("default")
    assert sorted(m for m in members if not hasattr(modem, m)) == []
