"""`import me_lib` and `import me_lib.at` stay light: the heavy parts load on first use.

Each case runs in a fresh interpreter and lists what the import left in
`sys.modules`; the public names must still resolve (lazily) to the real objects.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# modules (or package prefixes) a light import must not load, and why they are heavy
HEAVY = {
    "me_lib.provision.flow": "the provisioning flow (and through it the modem layer)",
    "me_lib.provision": "the provisioning package",
    "me_lib.sources": "the sources chain (config_file needs tomllib)",
    "me_lib.sim": "the simulator",
    "me_lib.modem": "the modem layer",
    "me_lib.card": "the card layer",
    "me_lib.codec": "the decoders",
    "construct": "construct (which loads pdb through construct.debug)",
    "pdb": "pdb",
    "tomllib": "tomllib",
    "logging": "logging: imported at the first log call",
}


def loaded_after(statement: str) -> list[str]:
    code = "import sys, json; %s; print(json.dumps(sorted(sys.modules)))" % statement
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return list(json.loads(done.stdout))


def heavy_in(modules: list[str]) -> list[str]:
    return [m for m in modules
            if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("statement", ["import me_lib", "import me_lib.at",
                                       "import me_lib.errors",
                                       "from me_lib import MeLibError, __version__"])
def test_light_import_loads_nothing_heavy(statement: str) -> None:
    assert heavy_in(loaded_after(statement)) == []


def test_import_me_lib_loads_exactly_the_package_and_its_errors() -> None:
    """Pinned exactly, not just "nothing heavy": a new eager import in
    `me_lib/__init__.py` (the flow, a source, the simulator, the modem layer or
    any other module) shows here and must be argued for."""
    for statement in ("import me_lib", "from me_lib import MeLibError, __version__"):
        mine = [m for m in loaded_after(statement) if m == "me_lib" or m.startswith("me_lib.")]
        assert mine == ["me_lib", "me_lib.errors"], statement


def test_the_checker_sees_a_heavy_import() -> None:
    """The check above can fail: asking for `me_lib.provision` loads the flow."""
    found = heavy_in(loaded_after("import me_lib; me_lib.provision"))
    assert "me_lib.provision.flow" in found


def test_lazy_names_resolve_to_the_real_objects() -> None:
    code = """
import me_lib
from me_lib.modem.modem import Modem
from me_lib.provision.flow import provision
from me_lib.sources.chain import read_profile
from me_lib.provision.watch import watch
from me_lib.profile import Profile
from me_lib.sources.dm_platform import apply_service_apns
import me_lib.provision.plan  # loads the subpackage: me_lib.provision stays the function
assert me_lib.provision is provision, me_lib.provision
from me_lib import provision as p2
assert p2 is provision
assert me_lib.Modem is Modem and me_lib.read_profile is read_profile
assert me_lib.watch is watch and me_lib.Profile is Profile
assert me_lib.apply_service_apns is apply_service_apns
from me_lib.provision import ProvisionResult, make_plan
from me_lib.sources import ProfileCache, SourceContext
from me_lib.sim import VirtualCard
try:
    me_lib.nothing
except AttributeError as exc:
    assert "nothing" in str(exc)
else:
    raise AssertionError("me_lib.nothing resolved")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_sim_urls_work_without_importing_the_simulator_first() -> None:
    """`import me_lib` registers `sim://` with pyserial; the simulator loads on open."""
    code = """
import sys
import me_lib
assert "me_lib.sim.protocol_sim" not in sys.modules
import serial
port = serial.serial_for_url("sim://default", timeout=1)
assert "me_lib.sim.protocol_sim" in sys.modules
port.close()
with me_lib.Modem.open("sim://default") as modem:
    assert modem.start().manufacturer
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
