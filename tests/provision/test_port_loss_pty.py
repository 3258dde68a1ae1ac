"""The pty goes away in the middle of provisioning: always PortClosed, never a hang.

The simulator is served on a real pseudo-terminal (the PtyServer `me-lib sim
--pty` runs); the library opens the slave device with pyserial, as it would a
USB modem. After the Nth AT command line the simulator receives, the device
"is unplugged": the command gets no answer, the server closes both pty ends,
and the host's next read or write fails in the kernel (EIO, or readable with no
data), exactly as when a USB ACM device disappears.

The points are named by the command that starts each
phase (sync, card read, context activation, DM probe, service activation), so
the test follows the flow if its command order changes.
"""

import subprocess
import sys
import threading

import pytest

from me_lib.commands import exit_codes
from me_lib.errors import MeLibError, PortClosed
from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.provision.ownership import Ownership
from me_lib.sim.modem.clock import SimClock
from me_lib.sim.modem.core import SimModem
from me_lib.sim.modem.scenario import Scenario
from me_lib.sim.modem.server import PtyServer
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

SPEED = 200
# a hang guard only: a run that has not ended by then is a hang, whatever the load
HANG_GUARD = 120.0


class Unplug:
    """Serve a SimModem on a pty; unplug it when it receives a line starting with `at`.

    `at` is a command head (one without "+", such as the "ATE0" sync probe, matches
    only the whole line); the matching line is
    never answered. `at=None` serves the whole flow (the calibration run).
    """

    def __init__(self, scenario_path, at=None):
        self.modem = SimModem(Scenario.load(scenario_path), SimClock(SPEED))
        self.at = at
        self.lines = []
        original = self.modem._on_line

        def on_line(text):
            upper = text.upper()
            if "AT" in upper:
                line = upper[upper.find("AT"):]
                self.lines.append(line)
                if self.at is not None and _matches(line, self.at):
                    self.modem.close_port()     # the command is never answered
                    return
            original(text)

        self.modem._on_line = on_line
        self.server = PtyServer(self.modem).start()

    @property
    def path(self):
        return self.server.path

    def stop(self):
        self.server.stop()


def run_flow(path, state, events=None):
    """Read the profile and provision, as `me-lib provision` does; returns (result, error).

    `events`: a list that collects the flow's progress reports (step, status, detail).
    """
    outcome = {}

    def progress(step, status, detail):
        if events is not None:
            events.append((step, status, detail))

    def target():
        try:
            with Modem.open(path) as modem:
                profile = read_profile(modem)
                outcome["result"] = provision(modem, profile,
                                              ownership=Ownership(state / "contexts.json"),
                                              progress=progress)
        except BaseException as exc:  # the test inspects whatever came out
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "the flow hung after the port went away"
    return outcome.get("result"), outcome.get("error")


@pytest.fixture
def scenario(tmp_path, dm_server):
    return derive(tmp_path / "world", "quectel-bg96", dm_port=dm_server.port)


def _matches(line, head):
    return line == head if "+" not in head else line.startswith(head)


# The first command of each phase on the Quectel BG96 world (ordered as the flow runs).
PHASES = {
    "sync": "ATE0",
    "card-read": "AT+CRSM",
    "context-activation": "AT+QIACT=1",
    "dm-probe-resolve": "AT+QIDNSGIP",
    "dm-probe": "AT+QIOPEN",
    "dm-probe-send": "AT+QISEND",
    "dm-probe-read": "AT+QIRD",
    "service-activation": "AT+QIACT=2",
    "after-services": "AT+CGCONTRDP",
}
ACTIVATE = ("AT+CGACT=1,", "AT+QIACT=")


def test_every_phase_is_in_a_clean_run(scenario, tmp_path):
    """The unplug points are real: a run without unplugging sends each of them."""
    plug = Unplug(scenario)
    try:
        result, error = run_flow(plug.path, tmp_path / "calibration")
    finally:
        plug.stop()
    assert error is None and result is not None and result.ok, (error, result)
    firsts = [next(i for i, x in enumerate(plug.lines) if _matches(x, head))
              for head in PHASES.values()]
    assert firsts == sorted(firsts), plug.lines


@pytest.mark.pty
@pytest.mark.parametrize("phase", PHASES)
def test_unplugging_the_pty_mid_flow_ends_in_port_closed(phase, scenario, tmp_path):
    head = PHASES[phase]
    plug = Unplug(scenario, at=head)
    try:
        result, error = run_flow(plug.path, tmp_path / "state")
    finally:
        plug.stop()
    # the unplug happened where we meant, and nothing reached the modem after it
    assert plug.lines[-1].startswith(head), plug.lines
    assert [x for x in plug.lines if x.startswith(head)] == [plug.lines[-1]]
    assert result is None, result.to_dict()
    assert isinstance(error, PortClosed), repr(error)
    assert isinstance(error, MeLibError)
    assert "check the cable" in str(error)


@pytest.mark.pty
def test_port_closed_during_the_dm_probe_is_not_reported_as_an_unreachable_server(
        scenario, tmp_path):
    """The probe's own error handling (socket close, NoAnswer retries) must not turn a
    lost port into "DM server not reached" and go on to the service contexts."""
    plug = Unplug(scenario, at="AT+QISEND")
    events = []
    try:
        result, error = run_flow(plug.path, tmp_path / "state", events)
    finally:
        plug.stop()
    assert result is None and isinstance(error, PortClosed), repr(error)
    # the DM step never finished: the flow did not record the server as unreachable
    # and went on to the next step
    assert [e for e in events if "not reached" in e[2]] == [], events
    started = [e[0] for e in events if e[1] == "start"]
    assert started[-1] == "dm" and events[-1][1] != "done", events
    assert "DM server" not in str(error) and "dm-reach" not in str(error)
    # the flow stopped at the loss: no service context was tried after the probe
    probe = next(i for i, x in enumerate(plug.lines) if x.startswith("AT+QISEND"))
    assert plug.lines[probe + 1:] == []
    assert [x for x in plug.lines if x.startswith(ACTIVATE)] == ["AT+QIACT=1"]


def _cli_world(tmp_path, dm_server, command):
    """`me-lib sim --pty` on a scenario whose modem vanishes at `command`."""
    return derive(tmp_path / "cli", "quectel-bg96", dm_port=dm_server.port,
                  faults=[{"kind": "port_close", "command": command}])


@pytest.mark.pty
@pytest.mark.parametrize("command", ["+CRSM", "+QIACT=1", "+QIOPEN", "+QISEND", "+QIACT=2"])
def test_cli_exits_device_without_traceback_when_the_pty_goes_away(command, tmp_path,
                                                                  dm_server):
    scen = _cli_world(tmp_path, dm_server, command)
    sim = subprocess.Popen([sys.executable, "-m", "me_lib.cli", "sim", "--pty", "--scenario",
                            scen, "--speed", str(SPEED)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        path = sim.stdout.readline().strip()
        assert path.startswith("/dev/"), (path, sim.stderr.read() if sim.poll() else "")
        proc = subprocess.run([sys.executable, "-m", "me_lib.cli", "provision", "--modem", path,
                               "--state-dir", str(tmp_path / "state")],
                              capture_output=True, text=True, timeout=HANG_GUARD)
    finally:
        sim.terminate()
        sim.wait(10)
    assert proc.returncode == exit_codes.DEVICE, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("me-lib: error:")]
    assert len(errors) == 1, proc.stderr
    assert "port closed" in errors[0] and "check the cable" in errors[0]
