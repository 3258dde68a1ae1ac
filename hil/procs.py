"""Child processes the fixtures own: `me-lib sim --pty` and ser2net.

Both are started with their own files under the session's work directory (never
a system service, never a system config), every wait is bounded, and `stop()`
always reaps the child (SIGTERM, bounded wait, SIGKILL).
"""

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_TIMEOUT = 10.0   # s for a child to print its pty / to listen
STOP_TIMEOUT = 5.0     # s for a child to exit on SIGTERM before SIGKILL
POLL = 0.02            # s between looks at a starting child


class ProcessError(AssertionError):
    """A child did not come up; the message carries its log."""


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log at %s)" % path


def stop_process(proc: "subprocess.Popen[bytes] | None") -> None:
    """SIGTERM, bounded wait, SIGKILL; the child is always reaped."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def me_lib_cli() -> list[str]:
    """The `me-lib` entry point of this interpreter's environment (module form as fallback)."""
    script = Path(sys.executable).with_name("me-lib")
    return [str(script)] if script.exists() else [sys.executable, "-m", "me_lib.cli"]


class SimPty:
    """`me-lib sim --pty --scenario S --speed N`: a simulated modem on a real pty."""

    def __init__(self, scenario: str, speed: float, workdir: Path) -> None:
        self.scenario = scenario
        self.speed = speed
        self.log = workdir / "sim-pty.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.path = ""

    def start(self) -> str:
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [*me_lib_cli(), "sim", "--pty", "--scenario", self.scenario,
                 "--speed", "%g" % self.speed],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                start_new_session=True)
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + START_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise ProcessError("me-lib sim --pty printed no pty path within %.0f s "
                                   "(got %r):\n%s" % (START_TIMEOUT, line, _tail(self.log)))
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 256)
                if not chunk:
                    continue
                line += chunk
        self.path = line.decode().strip()
        if not self.path.startswith("/dev/"):
            self.stop()
            raise ProcessError("me-lib sim --pty printed %r, not a device" % self.path)
        return self.path

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


def free_port() -> int:
    """A loopback TCP port free right now (ser2net binds it a moment later; retried on loss)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    """Is something listening on 127.0.0.1:port? Read from /proc, so no probe connection
    makes ser2net open the device before the test does."""
    want = ":%04X" % port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 3 and cols[1].endswith(want) and cols[3] == "0A":
                return True
    return False


SER2NET_CONFIG = """%YAML 1.1
---
# Written by the hil fixtures for one session; not the system ser2net.
connection: &{name}
  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}
  connector: serialdev,{device},115200n81,local
  options:
    kickolduser: true
"""


class Ser2net:
    """ser2net 4.x exporting one serial device as RFC 2217 on 127.0.0.1 (its own config)."""

    def __init__(self, device: str, workdir: Path, name: str = "hil") -> None:
        self.device = device
        self.workdir = workdir
        self.name = "".join(c if c.isalnum() else "_" for c in name)
        self.log = workdir / "ser2net.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The pyserial URL. A pty has no modem-control lines, so ser2net never
        acknowledges DTR/RTS changes: `ign_set_control` stops pyserial waiting for it."""
        return "rfc2217://127.0.0.1:%d?ign_set_control&timeout=5" % self.port

    def start(self, attempts: int = 3) -> str:
        binary = shutil.which("ser2net") or "/usr/sbin/ser2net"
        if not os.access(binary, os.X_OK):
            raise ProcessError("ser2net is missing: install the Debian package ser2net "
                               "(make sysdeps)")
        for _ in range(attempts):
            self.port = free_port()
            config = self.workdir / "ser2net.yaml"
            config.write_text(SER2NET_CONFIG.format(name=self.name, port=self.port,
                                                    device=self.device))
            with self.log.open("ab") as out:
                self.proc = subprocess.Popen(
                    [binary, "-n", "-c", str(config), "-P", str(self.workdir / "ser2net.pid")],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                if listening(self.port):
                    return self.url
                time.sleep(POLL)
            self.stop()     # port taken in between, or ser2net failed: try another port
        raise ProcessError("ser2net did not listen on 127.0.0.1 after %d attempts:\n%s"
                           % (attempts, _tail(self.log)))

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
