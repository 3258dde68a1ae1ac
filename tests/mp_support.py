"""Run code on a real MicroPython: the unix port from the test extras.

`stage()` copies the manifest's modules (firmware_shim/manifest.txt, the same
list the deploy command ships) into a fresh directory, so a test sees exactly
what a board gets: a module missing from the manifest fails the import there
as it would on the board.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MICROPYTHON = Path(sys.executable).parent / "micropython"
MANIFEST = ROOT / "firmware_shim" / "manifest.txt"


def manifest() -> list[str]:
    lines = MANIFEST.read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def stage(dest: Path, extra: list[str] | None = None) -> Path:
    """Copy the manifest (plus `extra` repo-relative files) under `dest`; returns `dest`."""
    for rel in manifest() + list(extra or ()):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / rel).read_bytes())
    return dest


def run_micropython(script: str, cwd: Path, args: list[str] | None = None,
                    timeout: float = 120, env: dict[str, str] | None = None,
                    heapsize: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `script` (source text) on the unix port with `cwd` first on the import path."""
    assert MICROPYTHON.exists(), "the test extras install the micropython unix port"
    path = cwd / "_mp_main.py"
    path.write_text(script)
    cmd = [str(MICROPYTHON)]
    if heapsize:
        cmd += ["-X", "heapsize=" + heapsize]
    cmd += [str(path)] + list(args or ())
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)
