"""Fixtures: one session-scoped `hil_target` per rig modem, and the per-test `dut`.

`hil_target` is parametrized over the rig's modems (by name) with session scope,
so each modem is stood up once per session (per xdist worker: one worker per
modem with `-n`, see xdist_sched.py). Simulated modems are brought up here: their
scenario is derived so the card names this session's loopback DM server, then
served in-process, on a pty (`me-lib sim --pty`) or behind ser2net (RFC 2217);
with `simulate.pcsc` the same card file is also served to pcscd through vpcd.
"""

import re
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from hil.dut import Dut
from hil.procs import Ser2net, SimPty
from hil.rig import VPCD_READER, ModemSpec
from hil.state import SPECS, pin_from_env, trace_dir
from me_lib.sim.card import VirtualCard
from me_lib.sim.dm_server import DmServer
from me_lib.sim.scenario_files import derive

TRACE_KEY = pytest.StashKey[str]()

# The APNs the shipped scenarios' networks accept, plus the REFRESH test's new one.
BASE_APNS = ("dm.operator.example", "telemetry.example", "fota.example")


@pytest.fixture(scope="session")
def hil_dm_server() -> Iterator[DmServer]:
    """The loopback CoAP/TCP DM server simulated cards point at (one per session/worker)."""
    with DmServer(0, tcp=True) as server:
        yield server


def _card_file(scenario_path: str) -> Path:
    with open(scenario_path, "rb") as fh:
        return Path(tomllib.load(fh)["card"])


def _stand_up(spec: ModemSpec, request: pytest.FixtureRequest, workdir: Path,
              stack: ExitStack) -> tuple[ModemSpec, str, DmServer]:
    """Bring a simulated modem up; returns (spec with the card's facts, URL, DM server)."""
    sim = spec.simulate
    assert sim is not None
    dm: DmServer = request.getfixturevalue("hil_dm_server")
    apns: dict[str, dict[str, str]] = {apn: {} for apn in (*BASE_APNS, spec.ota_change.apn)}
    scenario = derive(workdir, sim.scenario, dm_port=dm.port, network={"apns": apns})
    card_file = _card_file(scenario)
    card = VirtualCard.from_profile(card_file)
    expect = replace(spec.expect, iccid=spec.expect.iccid or card.iccid,
                     imsi=spec.expect.imsi or card.imsi, dm_port=dm.port)
    spec = replace(spec, expect=expect)
    if sim.via == "sim":
        url = "sim://%s?speed=%g" % (scenario, sim.speed)
    else:
        pty = SimPty(scenario, sim.speed, workdir)
        stack.callback(pty.stop)
        url = pty.start()
        if sim.via == "rfc2217":
            exporter = Ser2net(url, workdir, spec.name)
            stack.callback(exporter.stop)
            url = exporter.start()
    if sim.pcsc:
        from pcsc_fixtures import SLOTS, CardProcess  # type: ignore[import-not-found]

        assert SLOTS[0][0] == VPCD_READER == spec.pcsc_reader
        reader_card = CardProcess(request.getfixturevalue("pcscd"), 0, card_file,
                                  workdir / "reader-card.log")
        reader_card.start()
        stack.callback(reader_card.stop)
    return spec, url, dm


@pytest.fixture(scope="session")
def hil_target(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dut]:
    """The modem named by this test's parameter, stood up once for the session."""
    spec: ModemSpec = request.config.stash[SPECS][request.param]
    workdir = tmp_path_factory.mktemp("hil-" + re.sub(r"[^\w.-]", "_", spec.name))
    with ExitStack() as stack:
        dm_server = None
        if spec.simulate is not None:
            spec, url, dm_server = _stand_up(spec, request, workdir, stack)
        else:
            assert spec.port is not None
            url = spec.port
        dut = Dut(spec, url, pin_from_env(request.config), workdir / "state", dm_server)
        stack.callback(dut.close)
        yield dut


def trace_name(nodeid: str) -> str:
    """`hil/test_30_provision.py::test_rerun[bg96]@bg96` -> `test_30_provision.test_rerun-bg96`."""
    nodeid = nodeid.split("@", 1)[0]            # xdist loadgroup suffix
    module, _, test = nodeid.rpartition("::")
    stem = Path(module).stem
    test = test.replace("[", "-").rstrip("]")
    return re.sub(r"[^\w.-]+", "_", "%s.%s" % (stem, test))


@pytest.fixture
def dut(hil_target: Dut, request: pytest.FixtureRequest) -> Iterator[Dut]:
    """The modem for this test, with the test's byte-exact AT trace being recorded.

    The trace path and the port go into the test's JUnit properties (written with
    `-o junit_family=xunit1`; pytest's default xunit2 schema has no per-test properties).
    """
    path = trace_dir(request.config) / (trace_name(request.node.nodeid) + ".jsonl")
    previous = hil_target.modem.channel.trace
    recorder = hil_target.record(path)
    request.node.user_properties.append(("at_trace", str(path)))
    request.node.user_properties.append(("modem_url", hil_target.url))
    request.node.stash[TRACE_KEY] = str(path)
    try:
        yield hil_target
    finally:
        hil_target.stop_recording(recorder, previous)


@pytest.fixture
def at_trace(dut: Dut, request: pytest.FixtureRequest) -> str:
    """Path of this test's AT trace (flushed per record, so a test can read what it sent)."""
    path: str = request.node.stash[TRACE_KEY]
    return path
