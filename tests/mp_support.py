"""Run code on a real MicroPython: the unix port from the test extras.

`stage()` copies the manifest's modules (firmware_shim/manifest.txt, the same
list the deploy command ships) into a fresh directory, so a test sees exactly
what a board gets: a module missing from the manifest fails the import there
as it would on the board.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MICROPYTHON = Path(sys.executable).parent / "micropython"
MANIFEST = ROOT / "firmware_shim" / "manifest.txt"


def manifest(path: Path = MANIFEST) -> list[str]:
    lines = path.read_text().splitlines()
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


#: the top-level packages of this repository a board tree can hold
OURS = ("me_lib", "firmware_shim")


def _optional(node: ast.AST) -> bool:
    """An import block that is not run on a board: `if TYPE_CHECKING:`, or a `try:`
    whose `except ImportError` makes the imports optional (CPython-only names)."""
    if isinstance(node, ast.If):
        test = node.test
        return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    if isinstance(node, ast.Try):
        for handler in node.handlers:
            kind = handler.type
            names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
            if any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError")
                   for n in names):
                return True
    return False


def _repo_file(dotted: str) -> str | None:
    """The repo-relative source of module `dotted` (a package: its __init__.py)."""
    rel = dotted.replace(".", "/")
    for candidate in (rel + ".py", rel + "/__init__.py"):
        if (ROOT / candidate).is_file():
            return candidate
    return None


def imports_of(rel: str) -> set[str]:
    """The repo modules (repo-relative sources) `rel` imports anywhere, function bodies
    included (an error path's lazy import must be shipped too), optional blocks
    (`_optional`) left out, each with its parent packages' __init__.py."""
    package = rel[:-len("/__init__.py")] if rel.endswith("/__init__.py") else \
        rel.rsplit("/", 1)[0]
    package = package.replace("/", ".")
    names: set[str] = set()
    todo: list[ast.AST] = [ast.parse((ROOT / rel).read_text())]
    while todo:
        node = todo.pop()
        if _optional(node):
            # the body is optional; what follows it (else/finally, orelse) runs
            assert isinstance(node, (ast.If, ast.Try))
            todo.extend(node.orelse)
            if isinstance(node, ast.Try):
                todo.extend(node.finalbody)
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rsplit(".", 1)[0]
                base = anchor + ("." + base if base else "")
            names.add(base)
            names.update(base + "." + alias.name for alias in node.names)
        todo.extend(ast.iter_child_nodes(node))
    found: set[str] = set()
    for name in names:
        if name.split(".")[0] not in OURS:
            continue
        parts = name.split(".")
        for k in range(1, len(parts) + 1):
            source = _repo_file(".".join(parts[:k]))
            if source is not None:
                found.add(source)
    return found


def import_closure(roots: list[str]) -> list[str]:
    """`roots` and every repo module they import, transitively (sorted)."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        todo.extend(imports_of(rel) - seen)
    return sorted(seen)
