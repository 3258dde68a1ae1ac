"""AtChannel over a real pty against a scripted modem in another process."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from me_lib.at import AtChannel
from me_lib.errors import AtTimeout, CmeError, ModemRebooted, PortClosed

HERE = Path(__file__).parent


@pytest.fixture
def peer(tmp_path):
    path_file = tmp_path / "pty"
    proc = subprocess.Popen([sys.executable, str(HERE / "scripted_modem.py"), str(path_file)])
    deadline = time.monotonic() + 10
    while not (path_file.exists() and path_file.read_text()):
        assert time.monotonic() < deadline, "scripted modem did not start"
        assert proc.poll() is None, "scripted modem exited early"
        time.sleep(0.01)
    yield path_file.read_text()
    proc.kill()
    proc.wait(5)


@pytest.mark.pty
def test_channel_gets_every_response_and_urc_right(peer):
    ch = AtChannel(serial.Serial(peer, 115200, timeout=0.02))
    seen = []
    ch.subscribe("+CEREG:", lambda u: seen.append(u.line))
    ch.subscribe("+QIURC:", lambda u: seen.append(u.line))
    reboots = []
    ch.on_reboot(lambda r: reboots.append((r.banner, r.command)))

    ch.sync(attempts=3, timeout=2.0)
    assert ch.command("AT+CGMM", timeout=2).lines == ["BG96"]
    assert ch.engine.echo is True
    ch.command("ATE0", timeout=2)
    assert ch.engine.echo is False
    rsp = ch.command("AT+CGDCONT?", prefix="+CGDCONT:", timeout=2)
    assert rsp.fields("+CGDCONT:") == [["1", "IP", "dm.example"], ["2", "IP", "svc.example"]]
    rsp = ch.command("AT+CEREG?", prefix="+CEREG:", timeout=2)
    assert rsp.lines == ["+CEREG: 2,5"]
    rsp = ch.command("AT+QISEND=0,5", payload=b"hello", finals={"SEND OK": True}, timeout=2)
    assert rsp.final.name == "SEND OK"
    with pytest.raises(CmeError) as err:
        ch.command("AT+CGACT=1,2", timeout=2)
    assert err.value.code == 127 and err.value.name == "missing or unknown APN"
    with pytest.raises(ModemRebooted):
        ch.command("AT+CGACT=1,1", timeout=2)
    assert ch.engine.echo is None
    ch.command("AT", timeout=2)
    deadline = time.monotonic() + 3
    while len(seen) < 3 and time.monotonic() < deadline:
        ch.poll(0.05)
    assert seen == ["+CEREG: 5", "+CEREG: 1", '+QIURC: "pdpdeact",1']
    assert reboots == [("RDY", "AT+CGACT=1,1")]
    assert ch.round_trips == 9
    # the peer closes its end: the channel says so with a typed error
    deadline = time.monotonic() + 5
    closed = None
    while closed is None and time.monotonic() < deadline:
        try:
            ch.command("AT", timeout=0.3)
        except AtTimeout:
            continue
        except PortClosed as exc:
            closed = exc
    assert isinstance(closed, PortClosed)
    ch.close()


@pytest.mark.pty
def test_background_reader_delivers_urcs_in_its_thread(peer):
    ch = AtChannel(serial.Serial(peer, 115200, timeout=0.02))
    got = []
    ch.subscribe("+CEREG:", lambda u: got.append(u.line))
    ch.start_reader(dispatch=True)
    ch.sync(attempts=3, timeout=2.0)
    ch.command("AT+CGMM", timeout=2)
    ch.command("ATE0", timeout=2)
    ch.command("AT+CGDCONT?", prefix="+CGDCONT:", timeout=2)
    deadline = time.monotonic() + 2
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got == ["+CEREG: 5"]
    ch.close()
