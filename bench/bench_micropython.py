"""MicroPython figures (issue 6): heap, flash size and AT round trips of a board's flow.

Runs the deployed .mpy tree (`python -m firmware_shim.deploy --out`) on the
MicroPython unix port over a real pty to the simulator (the same harness as
tests/micropython/test_mp_e2e.py), scenario quectel-bg96:

- heap high-water: gc.mem_alloc() after gc.collect() at every AT exchange
  of a full provision (imported code, profile, result: everything live;
  .mpy bytecode imported from a file system lives in the heap, on a board
  too, unless frozen into the firmware), and the same minus the heap after
  the imports (`mp_flow_heap_bytes`: what the flow itself holds);
- the smallest `-X heapsize` (KiB, bisected) with which the flow still
  succeeds: what a board must leave free for me_lib;
- the deployed .mpy bytes a board gets (manifest only: no main.py), for a
  BG96 board (`--dialect`: one socket adapter) and with all five adapters;
- the AT round trips, and whether the command lines equal a CPython run of
  the same scenario over the same kind of pty (they must);
- the heap the imported code alone holds (`code_heap`): gc.mem_alloc() after
  gc.collect() once every module of the BG96 board tree (.mpy only) is
  imported, minus the same before the first import. Measured on the official
  WebAssembly build under node (`mp32_code_heap_bytes`: a 32-bit interpreter,
  4-byte pointers and 16-byte GC blocks like ESP32/RP2040/STM32) and on the
  64-bit unix port (`mp64_code_heap_bytes`, 8-byte pointers, 32-byte blocks),
  with the very same script. Modules are imported one at a time, dependencies
  first (order from the sources' module-level imports), so an import's delta
  is that module's own cost, or that of the few it loads with it where a
  package's __init__ imports its submodules (`python -m
  bench.bench_micropython --code-heap` prints the table). No smallest-heap
  figure on the WebAssembly build: its GC heap grows on demand (split heap),
  so the `heapsize` option is only the first chunk (all modules import with
  heapsize=1024) and a bisection would find nothing.
- frozen into a 32-bit build (`mp32_frozen_*`), only when MICROPYTHON_SRC names
  a MicroPython source tree (its mpy-cross and a unix port with me_lib frozen
  are built there, in build directories of their own, with `-m32`: the host
  needs gcc-multilib; never in CI), else "not measured" (value None). The
  same flow on that build from a tree holding only main.py: the heap the
  imports build (module-level objects: functions, classes, tables; bytecode
  and constants stay in the firmware image), the flow's peak above nothing
  (imports + data: the 32 KiB goal) and the smallest -X heapsize.
- the board core (`deploy --core`, issue 15) the same ways, next to the full
  build's figures (`mp_core_*`, `mp32_core_*`, `mp64_core_*`,
  `mp32_core_frozen_*` from its own frozen build, BUILD=build-core32), and
  whether its AT lines equal the same core's on CPython and the full
  library's (repeated ATE0 / AT+CPIN? polls counted once).

Every heap figure's unit says what it holds: code (what the imported modules
hold), data (the flow's own objects above the code) or peak (both, at the
flow's high-water mark).
"""

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "micropython"))

from mp_e2e import (  # noqa: E402
    HERE,
    MICROPYTHON,
    collapse,
    command_lines,
    cpython_flow,
    deploy,
    micropython_flow,
    sim_pty,
)

from me_lib.sim.dm_server import DmServer  # noqa: E402

DIALECT = "quectel-bg96"  # the scenario's modem: a board ships its own adapter only
HEAP_GOAL = 32 * 1024  # frozen into a 32-bit build, peak of the whole flow (issue 15)
MIN_HEAP_GOAL_KIB = 96  # .mpy loaded from a file system, 64-bit unix port (issue 15)
FLASH_GOAL = 64 * 1024


def _flow_ok(tree: Path, work: Path, dm: DmServer, heapsize: int | None,
             heap: bool = False, interpreter: Path = MICROPYTHON,
             frozen: bool = False, label: str = "") -> dict[str, Any] | None:
    """One MicroPython provision on a fresh simulator; its document when it succeeded.

    `label` keeps the work directories of different trees apart (e.g. "core")."""
    tag = "%sh%s%s" % (label, heapsize or "default", "-frozen" if frozen else "")
    with sim_pty(work / ("w-" + tag), dm.port) as pty:
        doc, _proc = micropython_flow(tree, pty, work / ("s-" + tag), heap=heap,
                                      heapsize="%dk" % heapsize if heapsize else None,
                                      interpreter=interpreter, frozen=frozen)
    return doc if doc is not None and doc["result"]["ok"] else None


def min_heapsize(tree: Path, work: Path, dm: DmServer, low: int = 8, high: int = 2048,
                 interpreter: Path = MICROPYTHON, frozen: bool = False,
                 label: str = "") -> int:
    """Smallest heap (KiB) in (low, high] for which the flow succeeds; bisection."""
    if _flow_ok(tree, work, dm, high, interpreter=interpreter, frozen=frozen,
                label=label) is None:
        raise RuntimeError("the flow fails even with a %d KiB heap" % high)
    while high - low > 1:
        mid = (low + high) // 2
        if _flow_ok(tree, work, dm, mid, interpreter=interpreter, frozen=frozen,
                    label=label) is not None:
            high = mid
        else:
            low = mid
    return high


WASM_EXEC = HERE / "wasm_exec.mjs"
# Modules outside the tree that me_lib imports and a firmware may provide. They are
# imported before the measurement starts (where they exist), so the figure is the
# tree's own: the WebAssembly build has a frozen `logging` (about 12 KB of heap once
# imported, with collections and os.path) that the unix port and stock ESP32
# firmware lack, where me_lib.log falls back to print.
PRELOAD = ("binascii", "collections", "errno", "io", "json", "logging", "micropython",
           "os", "os.path", "select", "struct", "time")

# Runs unchanged on both ports. Everything the loop touches exists before `base`,
# so what stays allocated after an import (and a collection) is that import's own:
# module objects, their globals, functions and classes, the bytecode and constants
# loaded from the .mpy, the sys.modules entries.
CODE_HEAP_SCRIPT = """\
import gc
import sys

PRELOAD = %r
NAMES = %r
n = len(NAMES)
deltas = [0] * n
loaded = [0] * n
i = before = count = 0
gc.collect()
start = gc.mem_alloc()
preloaded = []
for name in PRELOAD:
    try:
        __import__(name)
        preloaded.append(name)
    except ImportError:
        pass
present = list(sys.modules)
gc.collect()
base = gc.mem_alloc()
while i < n:
    gc.collect()
    before = gc.mem_alloc()
    count = len(sys.modules)
    __import__(NAMES[i])
    gc.collect()
    deltas[i] = gc.mem_alloc() - before
    loaded[i] = len(sys.modules) - count
    i += 1
gc.collect()
total = gc.mem_alloc() - base

import json

print("CODEHEAP " + json.dumps({
    "base": base, "total": total, "preloaded": preloaded, "preload_bytes": base - start,
    "mpy": sys.implementation._mpy, "maxsize": sys.maxsize,
    "machine": sys.implementation._machine,
    "others": sorted(m for m in sys.modules if m not in present and m not in NAMES),
    "modules": [[NAMES[k], deltas[k], loaded[k], getattr(sys.modules[NAMES[k]], "__file__", "")]
                for k in range(n)]}))
"""


def module_name(rel: str) -> str:
    """`me_lib/at/__init__.mpy` -> `me_lib.at`; `me_lib/at/engine.py` -> `me_lib.at.engine`."""
    name = str(Path(rel).with_suffix("")).replace("/", ".")
    return name[:-len(".__init__")] if name.endswith(".__init__") else name


def _imports_at_load(source: Path, name: str) -> set[str]:
    """Dotted names `source` imports when it is loaded (function bodies and `if
    TYPE_CHECKING:` blocks left out: me_lib.errors names its on-demand module there)."""
    package = name if source.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    todo: list[ast.AST] = list(ast.parse(source.read_text()).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = anchor + ("." + base if base else "")
            found.add(base)
            found.update(base + "." + alias.name for alias in node.names)
        todo.extend(ast.iter_child_nodes(node))
    return found


def import_order(tree: Path) -> list[str]:
    """The modules of a deployed tree, each after its parents and load-time imports.

    Depth first over the sources' module-level imports. Where a package's __init__
    imports its own submodules (a cycle: the submodule's import runs the __init__
    first), one import loads several modules and its heap delta covers them all;
    code_heap() reports how many each import loaded.
    """
    names = {module_name(str(p.relative_to(tree))): p.relative_to(tree).with_suffix(".py")
             for p in tree.rglob("*.mpy")}
    deps: dict[str, set[str]] = {}
    for name, rel in names.items():
        wanted = _imports_at_load(ROOT / rel, name)
        parts = name.split(".")
        wanted.update(".".join(parts[:k]) for k in range(1, len(parts)))
        deps[name] = {d for d in wanted if d in names and d != name}
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return  # done, or on the current path (an import cycle: broken here)
        seen.add(name)
        for dep in sorted(deps[name]):
            visit(dep)
        order.append(name)

    for name in sorted(names):
        visit(name)
    return order


def mpy_file_versions(tree: Path) -> list[str]:
    """The .mpy formats in a tree's headers (b"M", version, arch << 2 | sub-version).

    "6" for bytecode only (no arch: the sub-version is 0 and not checked on load, so
    any MicroPython of .mpy version 6 imports it), "6.3/arch N" with native code.
    """
    found = set()
    for p in tree.rglob("*.mpy"):
        head = p.read_bytes()[:3]
        if len(head) < 3 or head[:1] != b"M":
            raise RuntimeError("%s is not a .mpy file" % p)
        arch = head[2] >> 2
        found.add("%d.%d/arch %d" % (head[1], head[2] & 3, arch) if arch else str(head[1]))
    return sorted(found)


def code_heap(tree: Path, interpreter: str) -> dict[str, Any]:
    """Heap held by importing every module of `tree` (.mpy); `interpreter`: wasm32 or unix64.

    Returns CODE_HEAP_SCRIPT's document: `total` (bytes), `base` (before any import of
    the tree, after PRELOAD: `preloaded` those that exist, costing `preload_bytes`),
    `modules` ([name, bytes, modules loaded by that import, __file__] in import order),
    `others` (modules outside the tree and PRELOAD the imports loaded: none expected),
    `mpy` (the interpreter's sys.implementation._mpy), `maxsize`, `machine`; plus
    `interpreter_mpy` ("6.3") and `mpy_files` (the versions in the tree's headers).
    """
    names = import_order(tree)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "code_heap.py"
        script.write_text(CODE_HEAP_SCRIPT % (PRELOAD, names))
        env = None
        if interpreter == "wasm32":
            node = shutil.which("node")
            if node is None:
                raise RuntimeError("node 20 is needed for the WebAssembly build (make mpdeps)")
            cmd = [node, str(WASM_EXEC), str(tree), str(script)]
        elif interpreter == "unix64":
            cmd = [str(MICROPYTHON), str(script)]
            env = {"MICROPYPATH": str(tree)}
        else:
            raise ValueError("interpreter: wasm32 or unix64, not %r" % interpreter)
        done = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                              timeout=120)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("CODEHEAP ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError("code heap on %s failed (exit %d): %s" % (
            interpreter, done.returncode, (done.stdout + done.stderr)[-2000:]))
    doc: dict[str, Any] = json.loads(lines[-1][len("CODEHEAP "):])
    doc["interpreter_mpy"] = "%d.%d" % (doc["mpy"] & 0xFF, (doc["mpy"] >> 8) & 3)
    doc["mpy_files"] = mpy_file_versions(tree)
    return doc


def code_heap_figures(c32: dict[str, Any], c64: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The bench figures of the two code_heap() documents (same tree)."""
    what = "heap held by the imported --dialect %s .mpy tree (modules loaded from a file " \
        "system; frozen into firmware, bytecode and constants stay in flash but the " \
        "module-level objects are still built in RAM: not measured here)" % DIALECT
    return {
        "mp32_code_heap_bytes": {
            "value": c32["total"], "goal": None,
            "unit": "bytes, 32-bit MicroPython (WebAssembly build, 4-byte pointers as on "
                    "ESP32/RP2040/STM32): " + what + "; counts against the %d-byte heap "
                    "goal together with the flow's own heap" % HEAP_GOAL},
        "mp64_code_heap_bytes": {
            "value": c64["total"], "goal": None,
            "unit": "bytes, 64-bit MicroPython (unix port, 8-byte pointers): " + what},
        "mp_code_heap_32_vs_64_ratio": {
            "value": round(c32["total"] / c64["total"], 3), "goal": None,
            "unit": "mp32_code_heap_bytes / mp64_code_heap_bytes"},
    }


FROZEN_BUILD = "build-me-lib-frozen32"  # in MICROPYTHON_SRC/ports/unix (outside this repo)
FROZEN_PROG = "micropython-me-lib-frozen32"
# The board core's frozen build (firmware_shim/freeze/core_manifest.py): a build
# directory of its own, so the two builds never share objects.
CORE_FROZEN_BUILD = "build-core32"
CORE_FROZEN_PROG = "micropython-me-lib-core32"
# The unix port's optional libraries are off: none is needed, and their 32-bit
# builds would need more multilib packages.
FROZEN_MAKE = ("MICROPY_PY_FFI=0", "MICROPY_PY_SSL=0", "MICROPY_PY_BTREE=0",
               "MICROPY_USE_READLINE=0", "CFLAGS_EXTRA=-m32", "LDFLAGS_EXTRA=-m32")


def frozen_build(src: Path, core: bool = False) -> Path:
    """The 32-bit unix port of MicroPython source tree `src` with the board frozen in.

    Freezes firmware_shim/freeze/manifest.py (what a board's firmware gets; with
    `core`, freeze/core_manifest.py: the board core, in a build directory of its
    own) plus the unix port's UART stand-in (tests only), through a manifest
    written next to the build directory. make rebuilds only what changed.
    """
    build, program = (CORE_FROZEN_BUILD, CORE_FROZEN_PROG) if core else (
        FROZEN_BUILD, FROZEN_PROG)
    freeze = "core_manifest.py" if core else "manifest.py"
    port = src / "ports" / "unix"
    if not (port / "Makefile").is_file() or not (src / "mpy-cross").is_dir():
        raise RuntimeError("MICROPYTHON_SRC=%s is not a MicroPython source tree "
                           "(no ports/unix/Makefile)" % src)
    listing = port / (build + ".manifest.py")
    listing.write_text('include(%r)\nmodule("firmware_shim/unix_uart.py", base_path=%r)\n'
                       % (str(ROOT / "firmware_shim" / "freeze" / freeze), str(ROOT)))
    extra = []
    if not (src / "lib" / "micropython-lib" / "README.md").is_file():
        # The build refuses to freeze without the micropython-lib submodule, though
        # this manifest require()s nothing from it: an empty stand-in (no network).
        stand_in = port / (FROZEN_BUILD + ".no-micropython-lib")
        stand_in.mkdir(exist_ok=True)
        (stand_in / "README.md").write_text("empty: me_lib's frozen build needs no package\n")
        extra.append("MPY_LIB_DIR=" + str(stand_in))
    for cmd in (["make", "-C", str(src / "mpy-cross"), "-j2"],
                ["make", "-C", str(port), "-j2", "BUILD=" + build, "PROG=" + program,
                 "FROZEN_MANIFEST=" + str(listing), *FROZEN_MAKE, *extra]):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (" ".join(cmd), done.stderr[-3000:]))
    prog = port / build / program
    check = subprocess.run([str(prog), "-c", "import sys, me_lib.errors; print(sys.maxsize,"
                            " me_lib.errors.__file__)"], capture_output=True, text=True,
                           timeout=60, env={"MICROPYPATH": ".frozen"})
    # frozen modules name their source path relative to the manifest's base, no file
    if check.stdout.split() != [str(2**31 - 1), "me_lib/errors.py"]:
        raise RuntimeError("%s is not a 32-bit build with me_lib frozen: %r" % (
            prog, check.stdout + check.stderr))
    return prog


def frozen_figures(src: Path | None, work: Path, dm: DmServer,
                   core: bool = False) -> dict[str, dict[str, Any]]:
    """The mp32_frozen_* figures; "not measured" (value None) without a source tree.

    With `core`: the board core's (`mp32_core_frozen_*`, core_manifest.py frozen,
    core_main.py as main.py), the same measurements."""
    goal = "<= %d" % HEAP_GOAL
    names = {"mp32_frozen_code_heap_bytes": ("code", "the heap the imports of main.py and "
                                             "me_lib built (module-level objects)", None),
             "mp32_frozen_peak_heap_bytes": ("peak", "the flow's high-water mark, imports "
                                             "included", goal),
             "mp32_frozen_flow_heap_bytes": ("data", "the flow's own objects above the "
                                             "imports", None),
             "mp32_frozen_min_heapsize_kib": ("peak", "smallest -X heapsize (KiB) the whole "
                                              "flow runs in", "<= %d" % (HEAP_GOAL // 1024))}
    if core:
        names = {name.replace("mp32_frozen_", "mp32_core_frozen_"): (
            what, text.replace("me_lib", "the board core"), g)
            for name, (what, text, g) in names.items()}
    build = "the board core" if core else "me_lib"
    if src is None:
        return {name: {"value": None, "goal": g, "unit": "not measured: set MICROPYTHON_SRC to "
                       "a MicroPython source tree (32-bit unix port with %s frozen; %s: %s)"
                       % (build, what, text)} for name, (what, text, g) in names.items()}
    prog = frozen_build(src, core=core)
    label = "core-" if core else ""
    tree = work / (label + "frozen")
    tree.mkdir()
    shutil.copyfile(ROOT / "firmware_shim" / ("core_main.py" if core else "main.py"),
                    tree / "main.py")
    with sim_pty(work / ("w-%sfrozen" % label), dm.port) as pty:
        doc, proc = micropython_flow(tree, pty, work / ("s-%sfrozen" % label), heap=True,
                                     interpreter=prog, frozen=True)
    if doc is None or not doc["result"]["ok"]:
        raise RuntimeError("the flow failed on the frozen build: %s" % (
            proc.stdout[-2000:] + proc.stderr[-2000:]))
    if any(f.endswith(".mpy") or (f.startswith("/") and not f.endswith("/main.py"))
           for f in doc["modules"]):
        raise RuntimeError("the frozen build loaded modules from files: %r" % doc["modules"])
    smallest = min_heapsize(tree, work, dm, 4, 512, interpreter=prog, frozen=True,
                            label=label)
    values = {"code_heap_bytes": doc["heap_base"] - doc["heap_start"],
              "peak_heap_bytes": doc["heap_peak"] - doc["heap_start"],
              "flow_heap_bytes": doc["heap_peak"] - doc["heap_base"],
              "min_heapsize_kib": smallest}
    return {name: {"value": values[name.split("frozen_", 1)[1]], "goal": g,
                   "unit": "%s, 32-bit unix port with %s frozen (%s): %s" % (
                       "KiB" if name.endswith("kib") else "bytes", build, what, text)}
            for name, (what, text, g) in names.items()}


def core_figures(work: Path, dm: DmServer, full_ref: dict[str, Any]
                 ) -> dict[str, dict[str, Any]]:
    """The board core's figures (`deploy --core`, issue 15) next to the full build's.

    `full_ref`: the full library's CPython run of the scenario (its AT lines are
    compared, repeated polls collapsed: their count depends on timing)."""
    board = work / "core-board"
    deploy(board, "--core", "--dialect", DIALECT)
    flash = sum(p.stat().st_size for p in board.rglob("*.mpy"))
    c32, c64 = code_heap(board, "wasm32"), code_heap(board, "unix64")
    tree = work / "core-tree"
    deploy(tree, "--core", "--unix", "--main", "--dialect", DIALECT)
    doc = _flow_ok(tree, work, dm, None, heap=True, label="core-")
    if doc is None:
        raise RuntimeError("the board core's MicroPython flow failed; run pytest "
                           "tests/micropython/test_mp_core.py for the reason")
    with sim_pty(work / "w-core-cpython", dm.port) as pty:
        ref = cpython_flow(pty, work / "s-core-cpython", entry="core_main")
    smallest = min_heapsize(tree, work, dm, 8, 1024, label="core-")
    what = "the board core's .mpy tree (deploy --core --dialect %s)" % DIALECT
    return {
        "mp_core_deployed_mpy_bytes": {"value": flash, "goal": "<= %d" % FLASH_GOAL,
                                       "unit": "bytes, " + what},
        "mp_core_min_heapsize_kib": {
            "value": smallest, "goal": "<= %d" % MIN_HEAP_GOAL_KIB,
            "unit": "KiB (-X heapsize; peak: the core's .mpy loaded as the flow imports "
                    "it + data, 64-bit unix port)"},
        "mp32_core_code_heap_bytes": {
            "value": c32["total"], "goal": None,
            "unit": "bytes, 32-bit MicroPython (WebAssembly build): heap held by " + what
                    + " once every module is imported"},
        "mp64_core_code_heap_bytes": {
            "value": c64["total"], "goal": None,
            "unit": "bytes, 64-bit MicroPython (unix port): heap held by " + what
                    + " once every module is imported"},
        "mp_core_heap_high_water_bytes": {
            "value": doc["heap_peak"], "goal": None,
            "unit": "bytes (peak: the core's loaded .mpy, error-path modules preloaded "
                    "too, + the flow's data, 64-bit)"},
        "mp_core_flow_heap_bytes": {
            "value": doc["heap_peak"] - doc["heap_base"],
            "goal": "<= %d (the flow's data, above the loaded code; 64-bit)" % HEAP_GOAL,
            "unit": "bytes (data: the core flow's own objects, 64-bit)"},
        "mp_core_at_round_trips": {"value": doc["round_trips"], "unit": "AT round trips",
                                   "goal": "== %d (the core on CPython, same scenario)"
                                           % ref["round_trips"]},
        "mp_core_at_commands_equal_cpython": {
            "value": command_lines(doc) == command_lines(ref), "goal": True,
            "unit": "bool: the core's AT lines on MicroPython == the core's on CPython"},
        "mp_core_at_commands_equal_full": {
            "value": collapse(command_lines(ref)) == collapse(command_lines(full_ref)),
            "goal": True,
            "unit": "bool: the core's AT lines == the full library's (CPython, same "
                    "scenario; repeated ATE0 / AT+CPIN? polls counted once)"},
    }


def run() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp, DmServer(0, tcp=True) as dm:
        work = Path(tmp)
        board = work / "board"
        deploy(board)
        flash_all = sum(p.stat().st_size for p in board.rglob("*.mpy"))
        deploy(board, "--dialect", DIALECT)
        flash = sum(p.stat().st_size for p in board.rglob("*.mpy"))
        code = code_heap_figures(code_heap(board, "wasm32"), code_heap(board, "unix64"))
        tree = work / "tree"
        deploy(tree, "--unix", "--main", "--dialect", DIALECT)
        doc = _flow_ok(tree, work, dm, None, heap=True)
        if doc is None:
            raise RuntimeError("the MicroPython flow failed; run "
                               "pytest tests/micropython/test_mp_e2e.py for the reason")
        with sim_pty(work / "w-cpython", dm.port) as pty:
            ref = cpython_flow(pty, work / "s-cpython")
        smallest = min_heapsize(tree, work, dm)
        core = core_figures(work, dm, ref)
        src = os.environ.get("MICROPYTHON_SRC")
        frozen = frozen_figures(Path(src) if src else None, work, dm)
        # one frozen build at a time (the source tree's builds are shared)
        frozen.update(frozen_figures(Path(src) if src else None, work, dm, core=True))
    same = command_lines(doc) == command_lines(ref)
    return {
        "mp_heap_high_water_bytes": {"value": doc["heap_peak"],
                                     "unit": "bytes (peak: loaded .mpy code + the flow's "
                                             "data, 64-bit)",
                                     "goal": "<= %d" % HEAP_GOAL},
        "mp_flow_heap_bytes": {"value": doc["heap_peak"] - doc["heap_base"],
                               "unit": "bytes (data: the flow's own objects, 64-bit)",
                               "goal": "<= %d (the flow's data, above the loaded code; "
                                       "64-bit)" % HEAP_GOAL},
        "mp_min_heapsize_kib": {"value": smallest,
                                "unit": "KiB (-X heapsize; peak: .mpy code loaded + data, "
                                        "64-bit unix port)",
                                "goal": "<= %d" % MIN_HEAP_GOAL_KIB},
        "mp_deployed_mpy_bytes": {"value": flash, "unit": "bytes (--dialect %s)" % DIALECT,
                                  "goal": "<= %d" % FLASH_GOAL},
        "mp_deployed_mpy_all_dialects_bytes": {"value": flash_all, "unit": "bytes",
                                               "goal": None},
        "mp_at_round_trips": {"value": doc["round_trips"], "unit": "AT round trips",
                              "goal": "== %d (CPython, same scenario)" % ref["round_trips"]},
        "mp_at_commands_equal_cpython": {"value": same, "unit": "bool", "goal": True},
        **code,
        **frozen,
        **core,
    }


def print_code_heap(top: int = 10) -> None:
    """The two code-heap documents side by side, the `top` costliest imports first."""
    with tempfile.TemporaryDirectory() as tmp:
        board = Path(tmp) / "board"
        deploy(board, "--dialect", DIALECT)
        c32, c64 = code_heap(board, "wasm32"), code_heap(board, "unix64")
    print(json.dumps(code_heap_figures(c32, c64), indent=1, sort_keys=True))
    print("mpy files %s; wasm32 loads %s, unix64 %s" % (
        c32["mpy_files"], c32["interpreter_mpy"], c64["interpreter_mpy"]))
    b64 = {row[0]: row[1] for row in c64["modules"]}
    print("%8s %8s  module (+N: other modules of the tree its import loaded)" % (
        "32-bit", "64-bit"))
    for name, size, loaded, _file in sorted(c32["modules"], key=lambda r: -r[1])[:top]:
        extra = " +%d" % (loaded - 1) if loaded != 1 else ""
        print("%8d %8d  %s%s" % (size, b64[name], name, extra))


if __name__ == "__main__":
    if sys.argv[1:] == ["--code-heap"]:
        print_code_heap()
    else:
        print(json.dumps(run(), indent=1, sort_keys=True))
