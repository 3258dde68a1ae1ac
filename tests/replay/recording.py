"""Recording a simulator session through the CLI, as a user would (`--record`)."""

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

from me_lib.cli import main
from me_lib.sim.dm_server import DmServer
from me_lib.sim.scenario_files import derive

# Virtual time runs this many times faster than real time while recording. Kept
# low on purpose: the recorded times include the host's own computing (1 ms of
# CPU is SPEED ms of modem time), which the replay must absorb (its slack).
SPEED = 10
# The simulator paces its output at the URL's baud rate; at 115200 a burst of
# URCs arrives in pieces, and whether the flow decides on the first piece or
# after the last is a race the bytes alone cannot settle (see README). Fast
# output keeps the recorded decisions unambiguous.
BAUD = 10_000_000


@contextlib.contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    old = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def record(scenario: str, out: Path, workdir: Path, pin: str | None = None) -> int:
    """`me-lib provision --modem sim://<derived scenario> --record out --json`; returns rc.

    The DM server runs on a free loopback port for the recording only: the
    replay never touches the network, the port is in the recorded bytes.
    """
    with DmServer() as dm, _env("ME_LIB_PIN", pin), \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        path = derive(workdir / "world", scenario, dm_port=dm.port)
        return main(["provision", "--modem", "sim://%s?speed=%d&baud=%d" % (path, SPEED, BAUD),
                     "--record", str(out), "--json", "--state-dir", str(workdir / "state")])


if __name__ == "__main__":  # refresh a shipped trace: python -m tests.replay.recording NAME OUT
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rc = record(sys.argv[1], Path(sys.argv[2]), Path(tmp), os.environ.get("ME_LIB_PIN"))
    sys.exit(0 if rc in (0, 1) else rc)
