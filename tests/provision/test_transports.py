"""The same flow over a real pty (`me-lib sim --pty` in another process), and over
PC/SC + pty (the card read through the real pcscd, the modem driven over AT)."""

import subprocess
import sys
import time

import pytest

from me_lib.card.files import FileAccess
from me_lib.card.pcsc import PcscLink
from me_lib.card.usim import Usim
from me_lib.modem import Modem
from me_lib.profile import DmServer, Profile
from me_lib.provision import provision
from me_lib.sim.dm_server import DmServer as LoopbackDmServer
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile


@pytest.fixture
def pty_modem(tmp_path, dm_server):
    scenario = derive(tmp_path / "w", "quectel-bg96", dm_port=dm_server.port)
    proc = subprocess.Popen([sys.executable, "-m", "me_lib.cli", "sim", "--pty", "--scenario",
                             scenario, "--speed", "200"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("/dev/"), (line, proc.stderr.read() if proc.poll() else "")
        yield line
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.pty
def test_provision_over_a_real_pty(pty_modem, ownership, dm_server):
    with Modem.open(pty_modem) as modem:
        profile = read_profile(modem)
        result = provision(modem, profile, ownership=ownership)
        assert result.ok, result.to_dict()
        assert result.dm.reachable and dm_server.pings == 1
        again = provision(modem, profile, ownership=ownership)
        assert again.writes == 0 and again.round_trips <= 6


@pytest.mark.pty
@pytest.mark.pcsc
def test_card_over_pcsc_modem_over_pty(pcsc_card, pty_modem, ownership, dm_server):
    with PcscLink("Virtual PCD 00 00") as link:
        usim = Usim(FileAccess(link))
        from_reader = read_profile(usim)
        identity = usim.identity()
    assert from_reader.origins["apn0"] == "usim:EF.DMCFG"
    assert from_reader.iccid == identity.iccid
    with Modem.open(pty_modem) as modem:
        # the modem's own card (the simulator's) holds the same profile content
        from_modem = read_profile(modem)
        assert from_modem.bearers == from_reader.bearers
        # The card in the reader names port 5683; the test's DM server listens on
        # a free port, so the profile is pointed there (the only test-side change).
        server = from_reader.dm
        assert server is not None and server.effective_port == 5683
        profile = Profile([DmServer(server.address, dm_server.port, server.protocol)],
                          from_reader.bearers, from_reader.origins)
        result = provision(modem, profile, ownership=ownership)
        assert result.ok, result.to_dict()
        assert result.dm.reachable and dm_server.pings == 1
        assert [c.apn for c in result.contexts] == [b.apn for b in from_reader.bearers]


def test_loopback_dm_server_answers_coap_ping_and_refuses_other_hosts():
    with LoopbackDmServer(0) as server:
        import socket

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(bytes([0x40, 0, 0x12, 0x34]), ("127.0.0.1", server.port))
        data, _ = s.recvfrom(64)
        s.close()
        assert data == bytes([0x70, 0, 0x12, 0x34])
        deadline = time.monotonic() + 2
        while server.pings != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.pings == 1
    with pytest.raises(ValueError):
        LoopbackDmServer(0, host="0.0.0.0")


@pytest.mark.pcsc
def test_cli_reads_the_profile_through_a_pcsc_reader(pcsc_card, tmp_path, capsys):
    import json

    from me_lib.cli import main

    assert main(["read", "--reader", "0", "--json", "--state-dir", str(tmp_path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["card"]["iccid"] == "89882806660000000010"
    assert doc["profile"]["origins"]["apn0"] == "usim:EF.DMCFG"
    assert doc["profile"]["dm_servers"][0]["host"] == "dm.example.net"
