"""pytest plugin: a real pcscd with virtual USIMs behind the vpcd reader driver.

Enable with `pytest_plugins = ["pcsc_fixtures"]` in tests/conftest.py (or
`-p pcsc_fixtures` with tests/ on sys.path). The PC/SC tests never skip: the
fixtures start what they need and fail with the pcscd and card logs when the
stack does not come up.

* `pcscd` (session): first takes an exclusive lock (`LOCK_FILE`, bounded
  wait), because pcscd and the vpcd ports are machine-wide: two pytest
  sessions sharing them would see each other's cards. Then `pcscd_action`
  decides from what it observes: reuse a pcscd that lists the vpcd readers,
  wait for one that runs, or start `/usr/sbin/pcscd --foreground`. It stops
  only a pcscd it started and removes only the files that one created.
* `pcsc_card` (session): the default profile on slot 0 ("Virtual PCD 00 00",
  vpcd port 35963), served by `python -m me_lib.sim.vpcd` in a subprocess.
* `pcsc_card2` (session): `pin.toml` on slot 1 ("Virtual PCD 00 01", 35964).
* `pcsc_connection`: a pyscard connection to slot 0, disconnected afterwards.
* `removable_card`: slot 1's card, for "card removed mid-read" tests; the test
  calls `.stop()`, teardown re-inserts it. A card restarted before pcscd's
  next presence poll (~400 ms) wedges the reader ("No smart card inserted"
  until pcscd restarts), so `start()` always waits at least
  `RESTART_GAP` seconds after a `stop()`.

Every wait is bounded.
"""

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from me_lib.codec import ids
from me_lib.errors import MeLibError
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

REPO = Path(__file__).resolve().parents[1]
PCSCD = "/usr/sbin/pcscd"
RUN_DIR = Path("/run/pcscd")
PID_FILE = RUN_DIR / "pcscd.pid"
COMM_SOCKET = RUN_DIR / "pcscd.comm"
SLOTS = (("Virtual PCD 00 00", 35963), ("Virtual PCD 00 01", 35964))
RESTART_GAP = 1.2      # s between a card stop and its restart (see the module docstring)
START_TIMEOUT = 10.0   # s for pcscd or a card to come up
STOP_TIMEOUT = 5.0     # s for a process to exit on SIGTERM before SIGKILL
LOCK_FILE = Path("/tmp/me-lib-pcsc.lock")
OWNED_FILE = Path("/tmp/me-lib-pcsc.owned")  # pids this plugin started, for crash recovery
LOCK_TIMEOUT = 100.0   # s to wait for another session's PC/SC tests (< pytest's timeout)

# GET RESPONSE-aware raw exchanges are the test's business; these helpers only
# need SELECT EF_ICCID (P2=0C, no response data) and READ BINARY.
_SELECT_ICCID = [0x00, 0xA4, 0x08, 0x0C, 0x02, 0x2F, 0xE2]
_READ_ICCID = [0x00, 0xB0, 0x00, 0x00, 0x0A]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log at %s)" % path
    return "\n".join(text.splitlines()[-lines:]) or "(empty log %s)" % path


def _owned() -> set[int]:
    try:
        words = OWNED_FILE.read_bytes()[:4096].split()
    except OSError:
        return set()
    return {pid for pid in (parse_pid(word) for word in words) if pid is not None}


def _set_owned(pid: int, owned: bool) -> None:
    """Record the processes we start, so a session killed before teardown can be cleaned up."""
    pids = _owned()
    if owned:
        pids.add(pid)
    else:
        pids.discard(pid)
    OWNED_FILE.write_text(" ".join(str(p) for p in sorted(pids)))


def _is_ours_and_running(pid: int) -> bool:
    """A live (not zombie) pcscd or card-sim process, as this plugin starts them."""
    try:
        cmdline = Path("/proc/%d/cmdline" % pid).read_bytes()
        state = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and (PCSCD.encode() in cmdline or b"me_lib.sim.vpcd" in cmdline)


def _stop_leftovers() -> None:
    """Stop what a previous session (now dead: we hold its lock) started and never stopped."""
    for pid in _owned():
        if not _is_ours_and_running(pid):
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _is_ours_and_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _is_ours_and_running(pid):
            os.kill(pid, signal.SIGKILL)
    OWNED_FILE.write_text("")


def _start_process(args: list[str], log: Path, **kwargs: Any) -> "subprocess.Popen[bytes]":
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    _set_owned(proc.pid, True)
    return proc


def _stop_process(proc: "subprocess.Popen[bytes]") -> int:
    """SIGTERM, bounded wait, then SIGKILL; always reaped (no zombie). Returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
    _set_owned(proc.pid, False)
    return proc.returncode


class SessionLock:
    """An flock held for the whole session: one PC/SC test session per machine at a time."""

    def __init__(self, path: Path = LOCK_FILE) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
                    os.close(fd)
                    pytest.fail("another test session (pid %s) holds %s for over %.0f s; "
                                "pcscd and the vpcd ports are machine-wide, so PC/SC tests "
                                "run one session at a time" % (holder or "?", self.path,
                                                               LOCK_TIMEOUT))
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def parse_pid(text: str | bytes) -> int | None:
    """The pid in a pid file's text, or None for anything else.

    pcscd writes `"27330\\n\\x00"`: NULs and whitespace around the number are
    stripped; an empty, negative, non-numeric or absurd value is garbage.
    """
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    digits = text.replace("\x00", " ").strip()
    if not digits or len(digits) > 10 or any(c not in "0123456789" for c in digits):
        return None
    pid = int(digits)
    return pid if 0 < pid < (1 << 22) + 1 else None


def parse_pid_file(path: Path) -> int | None:
    try:
        return parse_pid(path.read_bytes()[:64])
    except OSError:
        return None


def _is_pcscd(pid: int) -> bool:
    """Whether `pid` is a live pcscd (a dead pcscd's pid may belong to another process)."""
    try:
        return Path("/proc/%d/comm" % pid).read_text().strip() == "pcscd"
    except OSError:
        return False


def _listed_readers() -> tuple[bool, set[str]]:
    """(whether a pcscd answers, the readers it lists)."""
    from smartcard.pcsc.PCSCExceptions import BaseSCardException
    from smartcard.System import readers

    try:
        return True, {str(r) for r in readers()}
    except BaseSCardException:
        return False, set()


def pcscd_action(pid: int | None, pid_is_pcscd: bool, answers: bool,
                 listed: set[str]) -> str:
    """What the fixture does with the pcscd it finds, from the observed facts alone.

    "reuse": a pcscd answers and lists the vpcd readers ("Virtual PCD 00 00/01").
    "wait": a pcscd runs (answers, or its pid file names a live pcscd) but does
    not list them yet: never start a second one nor restart it; `wait_readers`
    gives it its bounded time and then fails saying so.
    "start": no pcscd runs (no pid file, garbage, or a dead/reused pid, and
    nothing answers): start our own.
    """
    wanted = {name for name, _port in SLOTS}
    if answers and wanted <= listed:
        return "reuse"
    if answers or (pid is not None and pid_is_pcscd):
        return "wait"
    return "start"


class Pcscd:
    """The pcscd this session talks to; `proc` is None when it was already running."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        #: files our own pcscd created: the only ones `stop()` may remove
        self.created: list[Path] = []

    def start(self) -> None:
        """Reuse a working pcscd, wait for a running one, or start our own (`pcscd_action`).

        Never stops, restarts or deletes the files of a pcscd this session did not
        start: other sessions on the machine may be using it.
        """
        pid = parse_pid_file(PID_FILE)
        answers, listed = _listed_readers()
        action = pcscd_action(pid, pid is not None and _is_pcscd(pid), answers, listed)
        if action != "start":
            self.log.write_text("(%s the pcscd already running%s)\n" % (
                "reusing" if action == "reuse" else "waiting for vpcd's readers in",
                "" if pid is None else " as pid %d" % pid))
            return
        if not os.access(PCSCD, os.X_OK):
            pytest.fail("%s is missing: install the Debian packages pcscd and vsmartcard-vpcd "
                        "(make sysdeps)" % PCSCD)
        # stale /run/pcscd files of a dead pcscd are pcscd's own business (it checks
        # the pid and cleans them up at start); we never delete what we did not create
        self.proc = _start_process([PCSCD, "--foreground", "--info"], self.log)
        deadline = time.monotonic() + START_TIMEOUT
        while parse_pid_file(PID_FILE) != self.proc.pid or not COMM_SOCKET.exists():
            if self.proc.poll() is not None:
                pytest.fail("pcscd exited with %s at start-up:\n%s"
                            % (self.proc.returncode, _tail(self.log)))
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("pcscd did not create %s and %s within %.0f s:\n%s"
                            % (PID_FILE, COMM_SOCKET, START_TIMEOUT, _tail(self.log)))
            time.sleep(0.02)
        # ours now: the pid file names our process
        self.created = [PID_FILE, COMM_SOCKET]

    def wait_readers(self) -> None:
        """Wait (bounded) until pcscd lists both vpcd readers, i.e. vpcd listens.

        Cards must not connect earlier: 35963/35964 are in the ephemeral port
        range, and a connect before vpcd binds can take the port itself.
        """
        from smartcard.pcsc.PCSCExceptions import BaseSCardException
        from smartcard.System import readers

        wanted = {name for name, _port in SLOTS}
        deadline = time.monotonic() + START_TIMEOUT
        listed: set[str] = set()
        while time.monotonic() < deadline:
            try:
                listed = {str(r) for r in readers()}
            except BaseSCardException:
                listed = set()
            if wanted <= listed:
                return
            time.sleep(0.05)
        pytest.fail("pcscd lists readers %s, not %s, after %.0f s (is vsmartcard-vpcd "
                    "installed, are ports 35963/35964 free?):\n%s"
                    % (sorted(listed), sorted(wanted), START_TIMEOUT, self.tail()))

    def stop(self) -> None:
        """Stop the pcscd we started (never another), then remove what it left of its own."""
        if self.proc is None:
            return
        pid = self.proc.pid
        _stop_process(self.proc)
        self.proc = None
        if parse_pid_file(PID_FILE) not in (pid, None):
            self.created = []       # another pcscd took over: its files, not ours
        for path in self.created:
            with contextlib.suppress(FileNotFoundError):   # pcscd removes them on SIGTERM
                path.unlink()
        self.created = []

    def tail(self) -> str:
        return _tail(self.log)


class CardProcess:
    """A virtual card served to one vpcd slot by a `python -m me_lib.sim.vpcd` child."""

    def __init__(self, pcscd: Pcscd, slot: int, profile: Path, log: Path) -> None:
        self.pcscd = pcscd
        self.reader, self.port = SLOTS[slot]
        self.profile = profile
        self.model = VirtualCard.from_profile(profile)  # what the card must answer
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopped_at = 0.0

    @property
    def iccid(self) -> str:
        return self.model.iccid

    def start(self, extra_args: tuple[str, ...] = ()) -> None:
        """Start the card process and wait until pcscd reports the card present."""
        gap = self._stopped_at + RESTART_GAP - time.monotonic()
        if gap > 0:
            time.sleep(gap)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO), *filter(None, [env.get("PYTHONPATH")])])
        self.proc = _start_process(
            [sys.executable, "-m", "me_lib.sim.vpcd", "--profile", str(self.profile),
             "--port", str(self.port), "--connect-timeout", str(START_TIMEOUT), *extra_args],
            self.log, env=env, cwd=str(REPO))
        self.wait_present()

    def stop(self) -> int | None:
        """Pull the card: the process ends, vpcd sees the connection close.

        Returns the card process's exit code (0 = clean SIGTERM handling),
        None when it was not running.
        """
        if self.proc is None:
            return None
        code = _stop_process(self.proc)
        self.proc = None
        self._stopped_at = time.monotonic()
        return code

    def connect(self) -> Any:
        """A connected pyscard connection to this slot (the caller disconnects it)."""
        from smartcard.System import readers

        matches = [r for r in readers() if str(r) == self.reader]
        if not matches:
            raise AssertionError("reader %r not listed by pcscd" % self.reader)
        conn = matches[0].createConnection()
        conn.connect()
        return conn

    def wait_present(self) -> None:
        """Poll pcscd (bounded) until the card answers with the expected ICCID."""
        from smartcard.Exceptions import SmartcardException
        from smartcard.pcsc.PCSCExceptions import BaseSCardException

        deadline = time.monotonic() + START_TIMEOUT
        last = "nothing tried"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                break
            try:
                conn = self.connect()
            except (SmartcardException, BaseSCardException, AssertionError) as exc:
                last = "%s: %s" % (type(exc).__name__, exc)
                time.sleep(0.05)
                continue
            try:
                iccid = self._read_iccid(conn)
            finally:
                conn.disconnect()
                conn.release()
            if iccid == self.iccid:
                return
            self.stop()
            pytest.fail("slot %s answers ICCID %s, not this card's %s: another card process "
                        "is serving vpcd port %d; stop it" % (self.reader, iccid, self.iccid,
                                                              self.port))
        self.stop()
        pytest.fail("card %s (%s) not present in %s within %.0f s (last: %s)\n"
                    "--- card log ---\n%s\n--- pcscd log ---\n%s"
                    % (self.profile.name, self.iccid, self.reader, START_TIMEOUT, last,
                       _tail(self.log), self.pcscd.tail()))

    def _read_iccid(self, conn: Any) -> str:
        conn.transmit(_SELECT_ICCID)
        data, sw1, sw2 = conn.transmit(_READ_ICCID)
        if (sw1, sw2) != (0x90, 0x00):
            return "(SW %02X%02X)" % (sw1, sw2)
        try:
            return str(ids.decode_iccid(bytes(data)))
        except MeLibError:
            return "(undecodable %s)" % bytes(data).hex()


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    lock = SessionLock()
    lock.acquire()
    _stop_leftovers()
    service = Pcscd(tmp_path_factory.mktemp("pcscd") / "pcscd.log")
    try:
        service.start()
        service.wait_readers()
        yield service
    finally:
        service.stop()
        lock.release()


def _session_card(pcscd: Pcscd, tmp_path_factory: pytest.TempPathFactory, slot: int,
                  profile: str) -> Iterator[CardProcess]:
    card = CardProcess(pcscd, slot, PROFILES_DIR / profile,
                       tmp_path_factory.mktemp("card%d" % slot) / "card.log")
    card.start()
    yield card
    card.stop()


@pytest.fixture(scope="session")
def pcsc_card(pcscd: Pcscd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CardProcess]:
    yield from _session_card(pcscd, tmp_path_factory, 0, "default.toml")


@pytest.fixture(scope="session")
def pcsc_card2(pcscd: Pcscd, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CardProcess]:
    yield from _session_card(pcscd, tmp_path_factory, 1, "pin.toml")


@pytest.fixture
def pcsc_connection(pcsc_card: CardProcess) -> Iterator[Any]:
    conn = pcsc_card.connect()
    yield conn
    conn.disconnect()
    conn.release()


@pytest.fixture
def removable_card(pcsc_card2: CardProcess) -> Iterator[CardProcess]:
    """Slot 1's card; the test may `.stop()` it, teardown puts it back (after the gap)."""
    yield pcsc_card2
    if pcsc_card2.proc is None:
        pcsc_card2.start()
