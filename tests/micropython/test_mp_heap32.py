"""The 32-bit code-heap figure (bench/bench_micropython.py): what it measures holds.

One measurement per interpreter on the BG96 board tree (.mpy only): the
WebAssembly build (32-bit) and the unix port (64-bit). Only deterministic
facts are asserted: every deployed module was imported, from its .mpy, by an
interpreter of the word size claimed, and the 32-bit figure is positive and
below the 64-bit one. No timing.
"""

from pathlib import Path
from typing import Any

import pytest
from mp_e2e import deploy

from bench.bench_micropython import (
    DIALECT,
    code_heap,
    code_heap_figures,
    frozen_build,
    frozen_figures,
    module_name,
)


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory,
             wasm_package: Path) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    board = tmp_path_factory.mktemp("heap32") / "board"
    deploy(board, "--dialect", DIALECT)
    return board, code_heap(board, "wasm32"), code_heap(board, "unix64")


def test_every_deployed_module_is_imported_from_its_mpy(
        measured: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    board, c32, c64 = measured
    assert not list(board.rglob("*.py"))
    deployed = sorted(module_name(str(p.relative_to(board))) for p in board.rglob("*.mpy"))
    for doc in (c32, c64):
        names = [row[0] for row in doc["modules"]]
        assert sorted(names) == deployed
        # the import steps loaded each module of the tree exactly once, and nothing
        # outside it but the firmware modules preloaded before the measurement
        assert sum(row[2] for row in doc["modules"]) == len(deployed)
        assert doc["others"] == []
        assert all(row[3].endswith(".mpy") for row in doc["modules"]), doc["modules"]


def test_word_sizes_and_mpy_versions(
        measured: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    _board, c32, c64 = measured
    assert c32["maxsize"] == 2**31 - 1 and c64["maxsize"] == 2**63 - 1
    # bytecode-only .mpy v6 (no arch, so no sub-version to match) loads on both
    assert c32["mpy_files"] == ["6"]
    assert c32["interpreter_mpy"].startswith("6.") and c64["interpreter_mpy"].startswith("6.")


def test_the_32_bit_code_heap_is_positive_and_below_the_64_bit_one(
        measured: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    _board, c32, c64 = measured
    assert 0 < c32["total"] < c64["total"]
    figures = code_heap_figures(c32, c64)
    assert figures["mp32_code_heap_bytes"]["value"] == c32["total"]
    assert figures["mp64_code_heap_bytes"]["value"] == c64["total"]
    assert 0 < figures["mp_code_heap_32_vs_64_ratio"]["value"] < 1
    assert all(set(f) == {"value", "unit", "goal"} for f in figures.values())


def test_frozen_figures_say_not_measured_without_a_micropython_source(tmp_path: Path) -> None:
    # no MICROPYTHON_SRC: no build is tried, every frozen figure is there, None, and
    # its unit says why and what it would hold (code, peak or data)
    figures = frozen_figures(None, tmp_path, None)  # type: ignore[arg-type]
    assert sorted(figures) == ["mp32_frozen_code_heap_bytes", "mp32_frozen_flow_heap_bytes",
                               "mp32_frozen_min_heapsize_kib", "mp32_frozen_peak_heap_bytes"]
    for figure in figures.values():
        assert figure["value"] is None
        assert figure["unit"].startswith("not measured: set MICROPYTHON_SRC")
    assert "; peak: " in figures["mp32_frozen_peak_heap_bytes"]["unit"]
    assert figures["mp32_frozen_peak_heap_bytes"]["goal"] == "<= 32768"
    assert not list(tmp_path.iterdir())


def test_frozen_build_refuses_a_directory_that_is_not_micropython(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="is not a MicroPython source tree"):
        frozen_build(tmp_path)
