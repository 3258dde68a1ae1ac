"""The simulated socket families: one module per vendor (me_lib/sim/modem/sockets/), one table.

Mirrors the driver's me_lib/modem/sockets/ cut: the table names the module and
class of each family, every dialect's family resolves to a stack whose
`family` is its key, and a modem imports only its own family's module.
"""

import subprocess
import sys
from pathlib import Path

from me_lib.sim.modem.dialects import DIALECTS
from me_lib.sim.modem.sockets import FAMILIES, stack_class
from me_lib.sim.modem.sockets.base import SocketStack

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "me_lib" / "sim" / "modem" / "sockets"


def test_every_dialect_family_has_its_stack() -> None:
    for name, dialect in sorted(DIALECTS.items()):
        cls = stack_class(dialect.sockets)
        if dialect.sockets == "":
            assert cls is None, name
            continue
        assert cls is not None and issubclass(cls, SocketStack), name
        assert cls.family == dialect.sockets, name


def test_the_table_names_each_vendor_module_once() -> None:
    modules = [module for module, _cls in FAMILIES.values()]
    assert sorted(modules) == sorted(p.stem for p in PACKAGE.glob("*.py")
                                     if p.stem not in ("__init__", "base"))
    assert stack_class("no-such-family") is None


def test_a_modem_loads_only_its_own_family() -> None:
    code = """
import sys
from me_lib.sim.modem import SimModem
SimModem.from_scenario("default")
print(sorted(m.rsplit(".", 1)[1] for m in sys.modules
             if m.startswith("me_lib.sim.modem.sockets.")))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    family = DIALECTS[_default_dialect()].sockets
    assert done.stdout.strip() == str(sorted(["base", FAMILIES[family][0]]))


def _default_dialect() -> str:
    from me_lib.sim.modem.scenario import Scenario

    return Scenario.load("default").dialect.name
