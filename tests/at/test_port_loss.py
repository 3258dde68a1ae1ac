"""Every way a port object can fail becomes PortClosed, from every channel entry point.

A fake port answers `AT` lines with OK (and prompts for a payload command);
one of its operations can be armed to raise one of the exception types that
real back ends raise when the device vanishes. The channel must type each of
them the same way, stay closed afterwards, and never raise from `close()`.
"""

import errno
import socket
import termios
import threading

import pytest
import serial

from me_lib.at import AtChannel
from me_lib.at.port_open import open_error
from me_lib.errors import MeLibError, PortClosed, PortUnavailable

# What pyserial, the kernel and Python raise on a port whose device went away.
LOSSES = {
    "SerialException": lambda: serial.SerialException(
        "device reports readiness to read but returned no data"),
    "OSError-EIO": lambda: OSError(errno.EIO, "Input/output error"),
    "termios.error": lambda: termios.error(errno.EIO, "Input/output error"),
    "BrokenPipeError": lambda: BrokenPipeError(errno.EPIPE, "Broken pipe"),
    "ConnectionResetError": lambda: ConnectionResetError(errno.ECONNRESET, "reset by peer"),
    "TypeError": lambda: TypeError("'NoneType' object cannot be interpreted as an integer"),
    "AttributeError": lambda: AttributeError("'NoneType' object has no attribute 'recv'"),
}
OPERATIONS = ("read", "write", "in_waiting", "flush")


class FakePort:
    """Answers AT lines; `arm(op, exc, after)` makes `op` raise after `after` good calls."""

    def __init__(self):
        self.timeout = 0.02
        self._rx = bytearray()
        self._line = bytearray()
        self.calls = {op: 0 for op in OPERATIONS + ("close",)}
        self.armed = {}
        self.closed = 0
        self.payload = None

    def arm(self, op, exc, after=0):
        self.armed[op] = (exc, after)

    def _maybe_fail(self, op):
        self.calls[op] += 1
        if op in self.armed:
            exc, after = self.armed[op]
            if self.calls[op] > after:
                raise exc

    @property
    def in_waiting(self):
        self._maybe_fail("in_waiting")
        return len(self._rx)

    def read(self, n=1):
        self._maybe_fail("read")
        out = bytes(self._rx[:n])
        del self._rx[:n]
        return out

    def write(self, data):
        self._maybe_fail("write")
        if self.payload is not None:        # the bytes after the prompt
            self.payload = None
            self._rx += b"\r\nSEND OK\r\n"
            return len(data)
        for byte in data:
            if byte == 13:
                line = bytes(self._line).decode()
                self._line.clear()
                if line.startswith("AT+SEND"):
                    self.payload = b""
                    self._rx += b"\r\n> "
                elif line.startswith("AT"):
                    self._rx += b"\r\nOK\r\n"
            else:
                self._line.append(byte)
        return len(data)

    def flush(self):
        self._maybe_fail("flush")

    def close(self):
        self.closed += 1
        self._maybe_fail("close")


def armed_channel(op, loss, after=0):
    port = FakePort()
    ch = AtChannel(port, name="fake")
    ch.command("AT", timeout=1)                 # a healthy start
    port.calls = {k: 0 for k in port.calls}
    port.arm(op, LOSSES[loss](), after)
    return ch, port


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("op", OPERATIONS)
def test_a_failing_port_operation_is_port_closed(op, loss):
    ch, port = armed_channel(op, loss)
    with pytest.raises(PortClosed) as err:
        ch.command("AT+CGMM", timeout=1)
    text = str(err.value)
    assert "check the cable" in text and "reopen" in text
    assert type(LOSSES[loss]()).__name__ in text     # the back end's own words are kept
    # sticky: the dead port is not touched again, every entry point says so at once
    before = dict(port.calls)
    for call in (lambda: ch.command("AT", timeout=1), lambda: ch.sync(attempts=2),
                 lambda: ch.poll(0.1), lambda: ch.wait_urc("+CEREG:", 1.0),
                 lambda: ch.write_raw(b"+++")):
        with pytest.raises(PortClosed):
            call()
    assert port.calls == before
    ch.close()                                   # never raises
    assert port.closed == 1


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_closing_a_dead_port_does_not_raise(loss):
    port = FakePort()
    ch = AtChannel(port)
    port.arm("close", LOSSES[loss]())
    ch.close()
    ch.close()                                   # twice: still quiet
    assert port.closed == 2


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_port_lost_while_writing_a_payload_at_the_prompt(loss):
    """The payload is written with the channel's I/O lock held: the loss must still be
    typed (not a deadlock on that lock)."""
    ch, _port = armed_channel("write", loss, after=1)     # the command line goes out
    done = {}

    def target():
        try:
            ch.command("AT+SEND=4", payload=b"ping", finals={"SEND OK": True}, timeout=2)
        except BaseException as exc:
            done["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the channel deadlocked on a failed payload write"
    assert isinstance(done.get("error"), PortClosed), done


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_sync_on_a_port_that_fails_at_once(loss):
    port = FakePort()
    port.arm("write", LOSSES[loss]())
    ch = AtChannel(port)
    with pytest.raises(PortClosed):
        ch.sync(attempts=3, timeout=0.2)


@pytest.mark.parametrize("op", ("read", "in_waiting"))
def test_poll_and_wait_urc_report_the_loss(op):
    port = FakePort()
    ch = AtChannel(port)
    port.arm(op, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(PortClosed):
        ch.poll(0.2)
    port = FakePort()
    ch = AtChannel(port)
    port.arm(op, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(PortClosed):
        ch.wait_urc("+CEREG:", 1.0)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_reader_thread_reports_the_loss_to_callers(loss):
    port = FakePort()
    ch = AtChannel(port)
    ch.start_reader()
    ch.command("AT", timeout=1)
    port.arm("read", LOSSES[loss]())
    port.arm("in_waiting", LOSSES[loss]())
    with pytest.raises(PortClosed):
        ch.poll(5.0)       # the reader meets the loss; poll says so instead of waiting
    with pytest.raises(PortClosed):
        ch.command("AT", timeout=1)
    ch.close()


def test_reader_thread_that_fails_unexpectedly_does_not_leave_callers_waiting():
    ch = AtChannel(FakePort())

    def broken(wait):
        raise RuntimeError("engine bug")

    ch._pump = broken
    ch.start_reader()
    with pytest.raises(PortClosed) as err:
        ch.poll(5.0)
    assert "reader thread stopped" in str(err.value) and "RuntimeError" in str(err.value)
    ch.close()


def test_a_melib_error_from_the_port_is_not_rewritten():
    """A port that already says what is wrong in our terms (replay:// mismatch) keeps it."""
    port = FakePort()
    ch = AtChannel(port)
    port.arm("read", MeLibError("replay mismatch", "re-record the trace"))
    with pytest.raises(MeLibError) as err:
        ch.command("AT", timeout=1)
    assert not isinstance(err.value, PortClosed)


# -- opening ------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# "{free}" is a port nobody listens on, chosen when the test runs: a number chosen at
# collection would make each pytest-xdist worker collect a different test id
@pytest.mark.parametrize("url, hint", [
    ("/dev/ttyME_LIB_NO_SUCH", "me-lib ports"),
    ("socket://127.0.0.1:{free}", "connection refused"),
    ("sim://no-such-scenario", "quectel-bg96"),
    ("/dev/null", "not a serial port"),
    ("socket://name.invalid:7", "cannot resolve"),
], ids=["no-device", "refused", "unknown-scenario", "not-serial", "unresolvable"])
def test_opening_fails_with_a_hint_per_cause(url, hint):
    url = url.format(free=_free_port())
    with pytest.raises(PortUnavailable) as err:
        AtChannel.open(url)
    assert isinstance(err.value, PortClosed)
    assert url in str(err.value) and hint in str(err.value)


def test_open_error_reads_the_errno_of_the_cause():
    try:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        except OSError as exc:
            raise serial.SerialException("Could not open port: %s" % exc) from None
    except serial.SerialException as outer:
        # `from None` hides the cause from tracebacks, not from __context__
        assert "connection refused" in str(open_error("socket://h:1", outer))
    assert "check the URL" in str(open_error("socket://h", ValueError("bad port")))
    assert "permission denied" in str(open_error(
        "/dev/ttyACM0", serial.SerialException(errno.EACCES, "could not open port")))
