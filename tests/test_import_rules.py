"""Import rules between the library and its test world (docs/architecture.md).

The simulator (`me_lib/sim/`) may import the runtime; the runtime does not
import the simulator, except at the few doors listed in `DOORS`, each one a
user asking for the simulator (a `sim://`/`replay://` URL, `me-lib demo`, the
`me-lib sim-*` commands). Recording a trace (`provision --record`) is runtime:
it must not need the simulator. Read with `ast`, so imports inside functions
and module names handed to `importlib` count too.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "me_lib"
SIM = PACKAGE / "sim"

# (file, module it may name) -> why: the only places the runtime reaches the simulator
DOORS = {
    ("me_lib/__init__.py", "me_lib.sim"):
        "registers the package with pyserial so sim:// and replay:// URLs open",
    ("me_lib/cli.py", "me_lib.sim.card_cli"): "the `me-lib` sim card commands",
    ("me_lib/cli.py", "me_lib.sim.modem_cli"): "the `me-lib` sim modem commands",
    ("me_lib/demo.py", "me_lib.sim.dm_server"): "`me-lib demo` runs on the simulator",
    ("me_lib/demo.py", "me_lib.sim.scenario_files"): "`me-lib demo` runs on the simulator",
    ("me_lib/demo.py", "me_lib.sim.modem.scenario"): "`me-lib demo` checks its scenario",
    ("me_lib/at/port_open.py", "me_lib.sim.modem.scenario"):
        "a sim:// URL that does not open lists the scenario names",
    ("me_lib/commands/provision_cmd.py", "me_lib.sim.replay"):
        "`provision --modem replay://FILE` takes its options from the trace",
}

_MODULE_NAME = re.compile(r"^me_lib\.sim(\.[A-Za-z_]\w*)*$")


def sim_names(source: str) -> list[str]:
    """The simulator modules a source names: imports anywhere in it (the module
    itself for `from me_lib.sim.x import y`, `me_lib.sim.y` for `from me_lib.sim
    import y`, `me_lib.sim` for `from me_lib import sim`) and string constants that
    are a simulator module's name (what `importlib` or pyserial load)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if _MODULE_NAME.match(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if _MODULE_NAME.match(node.module):
                found.append(node.module)
            elif node.module == "me_lib":
                found += ["me_lib.sim" for a in node.names if a.name == "sim"]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and _MODULE_NAME.match(node.value):
            found.append(node.value)
    return found


def runtime_sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if SIM not in p.parents)


def test_the_runtime_reaches_the_simulator_only_through_its_doors() -> None:
    used: set[tuple[str, str]] = set()
    for path in runtime_sources():
        rel = path.relative_to(ROOT).as_posix()
        used |= {(rel, name) for name in sim_names(path.read_text(encoding="utf-8"))}
    assert sorted(used - set(DOORS)) == []
    assert sorted(set(DOORS) - used) == [], "a door no longer used: drop it from DOORS"


def test_the_trace_format_and_the_end_record_are_runtime() -> None:
    """`provision --record` reads and writes traces without the simulator."""
    for rel in ("me_lib/at/trace.py", "me_lib/commands/trace_end.py"):
        assert sim_names((ROOT / rel).read_text(encoding="utf-8")) == [], rel


def test_the_scanner_sees_every_form_of_import() -> None:
    source = """
import me_lib.sim.card
from me_lib.sim.modem import core
from me_lib import sim, errors
import me_lib.simulated
def late():
    from me_lib.sim.replay import replay_setup
    return "me_lib.sim.modem_cli", "me_lib.sim is the simulator"
"""
    # ast.walk goes breadth first: compare as sorted lists
    assert sorted(sim_names(source)) == ["me_lib.sim", "me_lib.sim.card", "me_lib.sim.modem",
                                         "me_lib.sim.modem_cli", "me_lib.sim.replay"]
