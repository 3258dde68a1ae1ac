"""The board core build (issue 15, boards without PSRAM) on MicroPython.

`deploy --core` ships `firmware_shim/core_manifest.txt` (`me_lib.board` and the
tables it reads) and, with `--main`, `core_main.py` as the board's main.py. Here:

- the manifest is exactly what the core's sources import (statically, error
  paths included), and the happy path loads none of the error-path modules;
- the core tree provisions the BG96 scenario on the unix port over a real pty,
  writing the same AT lines as the same core on CPython and as the full library
  on CPython (polls collapsed: their count depends on timing);
- the whole flow fits CORE_HEAP_BUDGET_KIB of heap (64-bit unix port), its .mpy
  stays in CORE_MPY_BUDGET_BYTES, and its 32-bit code heap (WebAssembly build)
  is measured the way test_mp_heap32.py measures the full build's.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mp_e2e import (
    MICROPYTHON,
    ROOT,
    collapse,
    command_lines,
    cpython_flow,
    deploy,
    differences,
    micropython_flow,
    outcome,
    sim_pty,
)
from mp_support import import_closure, manifest

from bench.bench_micropython import DIALECT, WASM_EXEC, code_heap, module_name
from firmware_shim import core_main
from firmware_shim.power import ModemPower, PowerError
from me_lib.board.link import Link
from me_lib.errors import AtTimeout
from me_lib.modem.dialects import by_name
from me_lib.sim.dm_server import DmServer

CORE_MANIFEST = ROOT / "firmware_shim" / "core_manifest.txt"
#: the shim modules a board imports next to the core (core_main.py is /main.py)
SHIM = ["firmware_shim/__init__.py", "firmware_shim/uart.py", "firmware_shim/power.py",
        "firmware_shim/store.py"]
#: shipped for the error paths only: the happy path must not load them
ERROR_PATH = ("me_lib/at/cme", "me_lib/card/sw", "me_lib/at/redact", "me_lib/card/atport",
              "me_lib/_errors_rare", "me_lib/board/card_rare")
# Issue 15's goal: the whole flow in -X heapsize=96k on the 64-bit unix port, .mpy loaded
# as the flow imports it. Not met: measured minimum 2026-12-05 (BG96 scenario, bench
# core_figures) 127 KiB (128 after the red-team checks), with the one-row dialect
# table, the on-demand error classes, board.card's rare paths in board.card_rare and
# the step modules (start, card, sockets) dropped after their steps (166 KiB before).
# The pass/fail edge is noisy (the pty's chunking changes the fragmentation): 126 KiB
# passed 1 run of 5, 129 5/5, 132 4/5, 138 and 142 10/10. The budget sits above that band, so growth
# fails here and noise does not; lower it as the core shrinks.
CORE_HEAP_GOAL_KIB = 96
CORE_HEAP_BUDGET_KIB = 142
# Issue 15's goal: the .mpy a board gets (bytes; the test stand-in and main.py not
# counted) <= 64 KiB. Not met: 72,834 B measured 2026-12-05 (71,158 before the boot
# loop moved from main.py into the shipped firmware_shim/boot.py and the red-team
# checks; about 3.7 KB less with --no-lines); the error paths' modules (at.cme,
# card.sw, board.card_rare, errors' rare classes, at.redact, card.atport, log) are
# about 22 KB of it. The budget is a little above the figure, so growth fails here.
CORE_MPY_GOAL_BYTES = 64 * 1024
CORE_MPY_BUDGET_BYTES = 72 * 1024


def core_roots() -> list[str]:
    """The core's own modules, the shim a board needs, and its main.py."""
    board = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "me_lib" / "board").glob("*.py"))
    return board + SHIM + ["firmware_shim/core_main.py"]


@pytest.fixture(scope="module")
def core_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`deploy --core --unix --main --dialect quectel-bg96`: what the e2e runs load."""
    out = tmp_path_factory.mktemp("core") / "tree"
    deploy(out, "--core", "--unix", "--main", "--dialect", DIALECT)
    return out


@pytest.fixture(scope="module")
def core_board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`deploy --core --dialect quectel-bg96`: exactly what a board gets (no main.py)."""
    out = tmp_path_factory.mktemp("coreboard") / "board"
    deploy(out, "--core", "--dialect", DIALECT)
    return out


def _mpy_bytes(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*.mpy") if p.name != "unix_uart.mpy")


# -- the manifest ----------------------------------------------------------------------


def test_core_manifest_is_exactly_what_the_core_imports() -> None:
    wanted = [rel for rel in import_closure(core_roots()) if rel != "firmware_shim/core_main.py"]
    listed = manifest(CORE_MANIFEST)
    assert len(listed) == len(set(listed)), "a module is listed twice"
    assert sorted(listed) == wanted, (
        "missing: %s; not imported: %s" % (sorted(set(wanted) - set(listed)),
                                           sorted(set(listed) - set(wanted))))
    # the point of the core: none of the full build's channel, Modem, flow or sources
    assert not {"me_lib/at/channel.py", "me_lib/at/engine.py", "me_lib/modem/modem.py",
                "me_lib/provision/flow.py", "me_lib/sources/chain.py"} & set(listed)
    assert set(listed) <= set(manifest()) | {
        str(p.relative_to(ROOT)) for p in (ROOT / "me_lib" / "board").glob("*.py")}


def test_deploy_core_is_exactly_the_core_manifest_and_core_main(tmp_path: Path) -> None:
    out = tmp_path / "tree"
    done = deploy(out, "--core", "--main", "--dialect", "ublox-sara-r4")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted([str(Path(rel).with_suffix(".mpy"))
                            for rel in manifest(CORE_MANIFEST)] + ["main.py"])
    assert (out / "main.py").read_text() == (ROOT / "firmware_shim" / "core_main.py").read_text()
    assert "total (%d files; budget 65536)" % len(files) in done.stdout
    # the core has no per-vendor module: every dialect gives the same tree
    other = tmp_path / "other"
    deploy(other, "--core", "--main", "--dialect", "generic")
    assert sorted(str(p.relative_to(other)) for p in other.rglob("*") if p.is_file()) == files
    # an unknown dialect is still refused, and so are the full build's optional sources
    for flags, says in ((("--dialect", "bg96"), "unknown modem dialect 'bg96'"),
                        (("--with", "ursp"), "the board core does not run")):
        with pytest.raises(subprocess.CalledProcessError) as info:
            deploy(tmp_path / "bad", "--core", *flags)
        assert says in info.value.stderr


# -- core_main.py and power.py on CPython (the simulator's sim:// port) -----------------


def _sim_port(scenario: str) -> Any:
    import serial

    import me_lib  # noqa: F401 - registers sim://

    return serial.serial_for_url("sim://%s?speed=1000" % scenario, timeout=0.05)


def test_core_main_loads_neither_the_channel_nor_the_full_flow() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, firmware_shim.core_main, "
                           "firmware_shim.power\nprint(' '.join(sorted(sys.modules)))"],
                          cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    loaded = done.stdout.split()
    assert "me_lib.board.flow" in loaded
    assert not [m for m in loaded if m.startswith(("me_lib.at.channel", "me_lib.at.engine",
                                                   "me_lib.modem.modem", "me_lib.provision",
                                                   "me_lib.sources", "me_lib.sim"))], loaded


class _Pin:
    def __init__(self) -> None:
        self.levels: list[int] = []

    def value(self, level: int) -> None:
        self.levels.append(level)


def test_power_drives_the_core_link_without_the_channel() -> None:
    # ModemPower syncs through whatever has sync(attempts=, timeout=): the core's Link
    key = _Pin()
    power = ModemPower(by_name("quectel-bg96"), key, None, active=1, sleep=lambda s: None)
    writes: list[bytes] = []
    port = _sim_port("quectel-bg96")
    try:
        link = Link(port, by_name("quectel-bg96"),
                    trace=lambda d, data, now: writes.append(data) if d == "tx" else None)
        link.sync(attempts=30)  # the simulated module boots when its port opens
        synced = len(writes)
        assert power.power_on(link) is False  # it already answers: no PWRKEY pulse
        assert key.levels == [0]  # released at construction, never pulsed
        assert writes[synced:] == [b"ATE0\r"]  # one probe, through the link
        # a modem that does not answer: the pulse, then the boot waited for on the link
        link.sync = _never  # type: ignore[method-assign]
        with pytest.raises(PowerError, match="did not answer AT"):
            power.power_on(link)
        assert key.levels == [0, 1, 0]
    finally:
        port.close()
    assert all(w == b"ATE0\r" for w in writes)


def _never(attempts: int = 1, timeout: float = 1.0) -> None:
    raise AtTimeout("ATE0", timeout * attempts, [])


def test_core_main_run_with_a_sim_pin_prints_and_keeps_no_pin(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pin = "73592468"  # the pin scenario's card (the secrets guard watches it too)
    config = dict(core_main.DEFAULTS, pin=pin, state=str(tmp_path), watch=False)
    port = _sim_port("pin")
    try:
        result = core_main.run(port, config)
    finally:
        port.close()
    out = capsys.readouterr().out
    assert out.startswith("provisioned: ok=") and pin not in out
    assert result["iccid"] and result["contexts"], result
    saved = (tmp_path / "last_result.json").read_text()
    assert json.loads(saved) == result and pin not in saved
    assert pin not in (tmp_path / "state.json").read_text()


LATIN1_CHECK = """
from me_lib.board.link import latin1
data = bytes(range(256)) + b"\\xc3\\xa9OK"
text = latin1(data)
assert len(text) == len(data) and [ord(c) for c in text] == list(data), text
assert latin1(b"AT+CGDCONT?") == "AT+CGDCONT?" and latin1(b"") == ""
print("latin1 ok")
"""


def test_link_keeps_one_character_per_byte_on_micropython_and_cpython(
        core_board: Path, wasm_package: Path, tmp_path: Path) -> None:
    # MicroPython's decode/encode read and write UTF-8 whatever codec they are given (the
    # unix port), or know no latin-1 at all (the WebAssembly build: LookupError)
    exec(LATIN1_CHECK, {})
    done = subprocess.run([str(MICROPYTHON), "-c", LATIN1_CHECK], cwd=core_board,
                          env={"MICROPYPATH": str(core_board)}, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip() == "latin1 ok", done.stdout + done.stderr
    script = tmp_path / "latin1.py"
    script.write_text(LATIN1_CHECK)
    node = shutil.which("node")
    assert node, "node 20 is needed for the WebAssembly build (make mpdeps)"
    done = subprocess.run([node, str(WASM_EXEC), str(core_board), str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert "latin1 ok" in done.stdout, done.stdout + done.stderr


# -- the flow on the unix port ---------------------------------------------------------


#: keys whose values depend on timing (poll counts, durations, the wall clock)
TIMING = {"seconds", "bytes_in", "bytes_out", "round_trips", "rtt_ms", "last_reached", "steps"}


def _shared(core: Any, full: Any, where: str = "") -> list[str]:
    """Where the core's result differs from the full library's on the keys both have
    (the core's document has the full one's keys where it has them), timing aside."""
    if isinstance(core, dict) and isinstance(full, dict):
        out = []
        for key in sorted(set(core) & set(full) - TIMING):
            out += _shared(core[key], full[key], "%s.%s" % (where, key))
        return out
    if isinstance(core, list) and isinstance(full, list) and len(core) == len(full) and \
            all(isinstance(x, dict) for x in core + full):
        out = []
        for i, (a, b) in enumerate(zip(core, full, strict=True)):
            out += _shared(a, b, "%s[%d]" % (where, i))
        return out
    return [] if core == full else ["%s: core %r != full %r" % (where or ".", core, full)]


@pytest.mark.pty
def test_core_flow_on_micropython_says_what_cpython_and_the_full_library_say(
        core_tree: Path, dm_server: DmServer, tmp_path: Path) -> None:
    with sim_pty(tmp_path / "w1", dm_server.port) as pty:
        mp_doc, proc = micropython_flow(core_tree, pty, tmp_path / "mp")
        assert mp_doc is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
        # a reboot of the board: the same flash state, the modem already provisioned
        again, proc = micropython_flow(core_tree, pty, tmp_path / "mp")
    assert again is not None, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert again["result"]["ok"] and again["result"]["writes"] == 0, again["result"]
    result = mp_doc["result"]
    assert result["ok"] and result["dm"]["reachable"], result
    assert result["contexts"] and all(c["state"] == "active" for c in result["contexts"])
    mp_pings = dm_server.pings
    assert mp_pings >= 1
    # from the deployed tree, .mpy only; the error paths' modules stay unloaded
    ours = [f for f in mp_doc["modules"] if f.startswith(str(core_tree))]
    assert ours and all(f.endswith(".mpy") or f.endswith("/main.py") for f in ours), ours
    loaded = {f[len(str(core_tree)) + 1:].rsplit(".", 1)[0] for f in ours}
    assert not loaded & set(ERROR_PATH), sorted(loaded & set(ERROR_PATH))
    assert not any("/at/channel" in f or "/modem/modem" in f for f in mp_doc["modules"])
    assert (tmp_path / "mp" / "last_result.json").read_text().startswith("{")

    with sim_pty(tmp_path / "w2", dm_server.port) as pty:
        core_cp = cpython_flow(pty, tmp_path / "cp", entry="core_main")
    with sim_pty(tmp_path / "w3", dm_server.port) as pty:
        full_cp = cpython_flow(pty, tmp_path / "full")
    assert dm_server.pings == mp_pings + 2
    # the same core on both interpreters: the same lines and the same result
    assert command_lines(mp_doc) == command_lines(core_cp)
    diff = differences(outcome(mp_doc), outcome(core_cp))
    assert not diff, "\n".join(diff)
    assert mp_doc["round_trips"] == core_cp["round_trips"] == result["round_trips"]
    # the core and the full library: the same lines, polls aside, and the same answers
    assert collapse(command_lines(core_cp)) == collapse(command_lines(full_cp))
    assert {"ok", "writes", "dm", "contexts"} <= set(core_cp["result"]) & set(full_cp["result"])
    diff = _shared(core_cp["result"], full_cp["result"])
    assert not diff, "\n".join(diff)


@pytest.mark.pty
def test_core_flow_runs_in_the_heap_budget(core_tree: Path, dm_server: DmServer,
                                           tmp_path: Path) -> None:
    with sim_pty(tmp_path / "w", dm_server.port) as pty:
        doc, proc = micropython_flow(core_tree, pty, tmp_path / "mp",
                                     heapsize="%dk" % CORE_HEAP_BUDGET_KIB)
    assert doc is not None, (
        "the core flow no longer fits %d KiB of heap (MemoryError?): %s %s" % (
            CORE_HEAP_BUDGET_KIB, proc.stdout[-2000:], proc.stderr[-2000:]))
    result = doc["result"]
    assert result["ok"] and result["dm"]["reachable"], result
    assert result["contexts"] and all(c["state"] == "active" for c in result["contexts"])


@pytest.mark.pty
def test_core_flow_in_a_heap_far_below_the_budget_fails_loudly(
        core_tree: Path, dm_server: DmServer, tmp_path: Path) -> None:
    # the cap is real: a MemoryError traceback, not a hang or a half-written document
    with sim_pty(tmp_path / "w", dm_server.port) as pty:
        doc, proc = micropython_flow(core_tree, pty, tmp_path / "mp",
                                     heapsize="%dk" % (CORE_HEAP_BUDGET_KIB // 4))
    assert doc is None
    assert "MemoryError" in proc.stdout + proc.stderr


def test_core_build_stays_in_its_flash_budget(core_board: Path) -> None:
    assert 0 < _mpy_bytes(core_board) <= CORE_MPY_BUDGET_BYTES, _mpy_bytes(core_board)


# -- the code heap, 32-bit (WebAssembly build) and 64-bit ------------------------------


@pytest.fixture(scope="module")
def core_code(core_board: Path, wasm_package: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return code_heap(core_board, "wasm32"), code_heap(core_board, "unix64")


def test_core_code_heap_32_bit_every_module_from_its_mpy(
        core_board: Path, core_code: tuple[dict[str, Any], dict[str, Any]]) -> None:
    c32, c64 = core_code
    deployed = sorted(module_name(str(p.relative_to(core_board)))
                      for p in core_board.rglob("*.mpy"))
    for doc in (c32, c64):
        assert sorted(row[0] for row in doc["modules"]) == deployed
        assert sum(row[2] for row in doc["modules"]) == len(deployed)
        assert doc["others"] == []
        assert all(row[3].endswith(".mpy") for row in doc["modules"]), doc["modules"]
    assert c32["maxsize"] == 2**31 - 1 and c64["maxsize"] == 2**63 - 1
    assert 0 < c32["total"] < c64["total"]


# -- the board edition of the dialect table (deploy --dialect) ------------------------

# A board drives one modem: `deploy --core --dialect quectel-bg96` (what the e2e runs
# above load, and what a board ships) carries that row of me_lib.modem.dialects only.
# Measured 2026-12-05 (64-bit unix port, .mpy, with the me_lib.modem package it
# loads): 18,656 B of heap with every row, 14,176 B with the BG96 row alone; the rest
# is the Dialect class, its methods and the module's strings.
DIALECTS_HEAP_BUDGET_BYTES = 14_600
DIALECTS_HEAP_SAVED_BYTES = 4_000

ONE_ROW_CHECK = """
from me_lib.modem import dialects
from me_lib.errors import MeLibError
print("rows", " ".join([d.name for d in dialects.DIALECTS]))
print("match", dialects.match_dialect("Quectel BG96 Revision: BG96MAR02A07M1G").name,
      dialects.match_dialect("SIMCOM_Ltd SIMCOM_SIM7080G").name)
try:
    dialects.by_name("telit-me910")
except MeLibError as exc:
    print("error", exc)
"""


def test_core_board_carries_only_its_dialect_row_and_says_so(core_board: Path) -> None:
    done = subprocess.run([str(MICROPYTHON), "-c", ONE_ROW_CHECK], cwd=core_board,
                          env={"MICROPYPATH": str(core_board)}, capture_output=True,
                          text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert lines[:2] == ["rows quectel-bg96", "match quectel-bg96 generic"], \
        done.stdout + done.stderr
    assert lines[2].startswith("error this build carries only the quectel-bg96 row, not "
                               "telit-me910 (deploy with --dialect telit-me910"), lines


def test_core_dialect_table_heap_drops_with_one_row(
        core_code: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path) -> None:
    every = tmp_path / "every"
    deploy(every, "--core")  # no --dialect: every row
    full = code_heap(every, "unix64")

    def dialects(doc: dict[str, Any]) -> int:
        return int(sum(row[1] for row in doc["modules"] if row[0] == "me_lib.modem.dialects"))

    one = dialects(core_code[1])
    assert 0 < one <= DIALECTS_HEAP_BUDGET_BYTES, one
    assert dialects(full) - one >= DIALECTS_HEAP_SAVED_BYTES, (dialects(full), one)


# -- the core's watch: an EF.DMCFG updated over the air --------------------------------


@pytest.mark.pty
def test_core_watch_reprovisions_after_an_ota_dmcfg_update(
        core_tree: Path, dm_server: DmServer, tmp_path: Path) -> None:
    from test_mp_watch import WRITE_PREFIXES, ota_while_watching, split_at_refresh

    files = ("last_result.json", "state.json")
    docs = {side: ota_while_watching(side, core_tree, dm_server.port, tmp_path, "core_main",
                                     files) for side in ("mp", "cp")}
    event_lines = {}
    for side, doc in docs.items():
        assert doc["error"] is None and doc["result"]["ok"], (side, doc["error"])
        before = {c["name"]: c for c in doc["result"]["contexts"]}
        events = doc["events"]
        assert [(e["kind"], e["detail"]) for e in events] == [("refresh", "+QUSIM: 1")], events
        result = events[0]["result"]
        assert not events[0]["error"] and result["ok"], events[0]
        after = {c["name"]: c for c in result["contexts"]}
        assert after["telemetry"]["apn"] == "telemetry2.example"
        assert after["telemetry"]["cid"] == before["telemetry"]["cid"]  # redefined in place
        assert after["telemetry"]["state"] == "active" and result["writes"] > 0
        lines = command_lines({"writes": doc["writes"][split_at_refresh(doc):]})
        # the event's run counts its own commands (all after the REFRESH), not the boot's
        assert events[0]["at"] == len(doc["writes"]) and result["round_trips"] == len(lines)
        writes = [x for x in lines if x.startswith(WRITE_PREFIXES) and not x.endswith("=?")]
        cid = str(before["telemetry"]["cid"])
        assert writes and all(x.split("=", 1)[1].split(",", 1)[0] == cid for x in writes), \
            writes
        assert doc["flash"]["last_result.json"] == result
        event_lines[side] = lines
    printed = [x for x in docs["mp"]["stdout"].splitlines() if x.startswith("watch: ")]
    assert len(printed) == 1 and printed[0].startswith("watch: refresh (+QUSIM: 1): ok=True"), \
        docs["mp"]["stdout"]
    assert event_lines["mp"] == event_lines["cp"]
    assert command_lines(docs["mp"]) == command_lines(docs["cp"])


def test_core_frozen_figures_say_not_measured_without_a_micropython_source(
        tmp_path: Path) -> None:
    from bench.bench_micropython import frozen_figures

    figures = frozen_figures(None, tmp_path, None, core=True)  # type: ignore[arg-type]
    assert sorted(figures) == ["mp32_core_frozen_code_heap_bytes",
                               "mp32_core_frozen_flow_heap_bytes",
                               "mp32_core_frozen_min_heapsize_kib",
                               "mp32_core_frozen_peak_heap_bytes"]
    for figure in figures.values():
        assert figure["value"] is None
        assert figure["unit"].startswith("not measured: set MICROPYTHON_SRC")
        assert "the board core frozen" in figure["unit"]
    assert figures["mp32_core_frozen_peak_heap_bytes"]["goal"] == "<= 32768"
    assert not list(tmp_path.iterdir())
