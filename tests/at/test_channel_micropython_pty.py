"""AtChannel on the MicroPython unix port, over a real pty, against the scripted modem.

The same script runs on MicroPython and on CPython, each against its own
scripted-modem process (tests/at/scripted_modem.py: garbage before the first
OK, echo on, URCs inside responses, a payload prompt, a CME error, a reboot
banner mid-command, then the peer hangs up). The script brings its own small
termios/select byte port (the channel's port interface), so this tests the
channel, not firmware_shim's adapter. Both interpreters must print the same
transcript.
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.mp_support import MICROPYTHON, run_micropython, stage

HERE = Path(__file__).parent

SCRIPT = r'''
import select
import sys
import termios

from me_lib.at import AtChannel
from me_lib.clock import monotonic
from me_lib.errors import AtTimeout, CmeError, ModemRebooted, PortClosed

try:
    setraw = termios.setraw
except AttributeError:  # CPython keeps it in tty
    from tty import setraw


class PtyPort:
    """The channel's byte port over a tty: read waits up to .timeout for a first byte."""

    def __init__(self, path):
        self.file = open(path, "r+b", buffering=0)
        fd = self.file.fileno()
        setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[6][6] = 0     # VMIN: reads never block; poll does the waiting
        attrs[6][5] = 0     # VTIME
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        self.poller = select.poll()
        self.poller.register(fd, select.POLLIN)
        self.timeout = 0.02
        self.buf = b""

    def _fill(self, wait_ms):
        if self.poller.poll(wait_ms):
            data = self.file.read(256)      # EIO (OSError) once the peer hung up
            if not data:
                raise OSError("the peer hung up")
            self.buf += data

    @property
    def in_waiting(self):
        if not self.buf:
            self._fill(0)
        return len(self.buf)

    def read(self, n=1):
        if not self.buf:
            self._fill(int((self.timeout or 0) * 1000))
        data = self.buf[:n]
        self.buf = self.buf[n:]
        return data

    def write(self, data):
        self.file.write(data)

    def close(self):
        self.file.close()


ch = AtChannel(PtyPort(sys.argv[1]))
seen = []
ch.subscribe("+CEREG:", lambda u: seen.append(u.line))
ch.subscribe("+QIURC:", lambda u: seen.append(u.line))
reboots = []
ch.on_reboot(lambda r: reboots.append((r.banner, r.command)))

ch.sync(attempts=3, timeout=2.0)
print("CGMM", ch.command("AT+CGMM", timeout=2).lines, ch.engine.echo)
ch.command("ATE0", timeout=2)
print("echo", ch.engine.echo)
print("CGDCONT", ch.command("AT+CGDCONT?", prefix="+CGDCONT:", timeout=2).fields("+CGDCONT:"))
print("CEREG", ch.command("AT+CEREG?", prefix="+CEREG:", timeout=2).lines)
rsp = ch.command("AT+QISEND=0,5", payload=b"hello", finals={"SEND OK": True}, timeout=2)
print("QISEND", rsp.final.kind, rsp.final.name)
try:
    ch.command("AT+CGACT=1,2", timeout=2)
except CmeError as exc:
    print("CME", exc.code, exc.name)
try:
    ch.command("AT+CGACT=1,1", timeout=2)
except ModemRebooted as exc:
    print("rebooted", type(exc).__name__, ch.engine.echo)
ch.command("AT", timeout=2)
deadline = monotonic() + 3
while len(seen) < 3 and monotonic() < deadline:
    ch.poll(0.05)
print("urcs", seen)
print("reboots", reboots)
print("round trips", ch.round_trips)
closed = None
deadline = monotonic() + 5
while closed is None and monotonic() < deadline:
    try:
        ch.command("AT", timeout=0.3)
    except AtTimeout:
        continue
    except PortClosed as exc:
        closed = exc
print("closed", type(closed).__name__)
ch.close()
'''


def start_peer(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    path_file = tmp / "pty"
    proc = subprocess.Popen([sys.executable, str(HERE / "scripted_modem.py"), str(path_file)])
    deadline = time.monotonic() + 10
    while not (path_file.exists() and path_file.read_text()):
        assert time.monotonic() < deadline, "scripted modem did not start"
        assert proc.poll() is None, "scripted modem exited early"
        time.sleep(0.01)
    return proc, path_file.read_text()


def run_on(interpreter: str, tmp: Path, staged: Path) -> str:
    peer_dir = tmp / interpreter
    peer_dir.mkdir()
    proc, pty_path = start_peer(peer_dir)
    try:
        if interpreter == "micropython":
            out = run_micropython(SCRIPT, staged, args=[pty_path], timeout=60)
        else:   # the library as installed, not the staged board
            script = peer_dir / "main.py"
            script.write_text(SCRIPT)
            out = subprocess.run([sys.executable, str(script), pty_path], cwd=peer_dir,
                                 capture_output=True, text=True, timeout=60)
    finally:
        proc.kill()
        proc.wait(5)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.pty
def test_channel_on_micropython_over_a_pty_matches_cpython(tmp_path: Path) -> None:
    assert MICROPYTHON.exists(), "the test extras install the micropython unix port"
    staged = stage(tmp_path / "board")     # exactly the manifest: what a board gets
    micropython = run_on("micropython", tmp_path, staged)
    cpython = run_on("cpython", tmp_path, staged)
    assert "CME 127 missing or unknown APN" in micropython
    assert "QISEND EXTRA SEND OK" in micropython
    assert "urcs ['+CEREG: 5', '+CEREG: 1', '+QIURC: \"pdpdeact\",1']" in micropython
    assert "reboots [('RDY', 'AT+CGACT=1,1')]" in micropython
    assert "round trips 9" in micropython
    assert "closed PortClosed" in micropython
    assert micropython == cpython
