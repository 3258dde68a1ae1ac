"""Fixtures of the MicroPython tests: the node package, a deployed tree, a DM server."""

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mp_e2e import HERE, deploy

from me_lib.sim.dm_server import DmServer


@pytest.fixture(scope="session")
def wasm_package() -> Path:
    """The pinned WebAssembly build, installed from the lock file when missing."""
    marker = HERE / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"
    if not marker.exists():
        npm = shutil.which("npm")
        assert npm, "node 20 + npm are needed for the WebAssembly runner (make test installs)"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       capture_output=True, timeout=300)
    return marker


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`deploy --out` of the manifest plus main.py and the unix UART stand-in."""
    out = tmp_path_factory.mktemp("deployed") / "tree"
    deploy(out, "--unix", "--main", "--dialect", "quectel-bg96")
    return out


@pytest.fixture
def dm_server() -> Iterator[DmServer]:
    with DmServer(0, tcp=True) as server:
        yield server
