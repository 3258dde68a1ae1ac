"""TCP through the vendor socket commands to a real loopback server (and its close)."""

from .sim_modem_util import cmd, info, make, raw, settle, wait_for


def test_quectel_tcp_round_trip_and_peer_close(tcp_echo: int) -> None:
    m = make("quectel-bg96", dns={"dm.example.net": "127.0.0.1"})
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+QIACT=1")
    cmd(m, 'AT+QIOPEN=1,3,"TCP","dm.example.net",%d,0,0' % tcp_echo)
    wait_for(m, b"+QIOPEN: 3,0")
    assert cmd(m, "AT+QISEND=3").endswith(b"> ")           # Ctrl-Z terminated form
    assert b"SEND OK" in raw(m, b"ping\x1a")
    out = wait_for(m, b'+QIURC: "closed",3')
    assert b'+QIURC: "recv",3' in out
    assert b"+QIRD: 9\r\necho:ping" in cmd(m, "AT+QIRD=3,100")


def test_ublox_tcp_round_trip(tcp_echo: int) -> None:
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    settle(m, 10.0)
    assert info(cmd(m, "AT+USOCR=6"), "+USOCR:") == ["+USOCR: 0"]
    assert cmd(m, 'AT+USOCO=0,"127.0.0.1",%d' % tcp_echo) == b"\r\nOK\r\n"
    assert cmd(m, "AT+USOWR=0,4").endswith(b"@")
    assert b"+USOWR: 0,4" in raw(m, b"ping")
    wait_for(m, b"+UUSORD: 0,9")
    assert info(cmd(m, "AT+USORD=0,100"), "+USORD:") == ['+USORD: 0,9,"echo:ping"']


def test_connect_refused_and_non_loopback() -> None:
    m = make("simcom-sim7080", dns={"far.example": "192.0.2.1"})
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+CNACT=0,1")
    settle(m, 2.0)
    assert info(cmd(m, 'AT+CAOPEN=0,0,"TCP","far.example",80'), "+CAOPEN:") == ["+CAOPEN: 0,27"]
    assert info(cmd(m, 'AT+CAOPEN=0,0,"TCP","nx.example",80'), "+CAOPEN:") == ["+CAOPEN: 0,20"]
    assert info(cmd(m, 'AT+CAOPEN=0,0,"TCP","127.0.0.1",1'), "+CAOPEN:") == ["+CAOPEN: 0,27"]


def test_telit_sockets_need_context_and_dns_failure() -> None:
    m = make("telit-me910")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    settle(m, 10.0)
    assert cmd(m, 'AT#QDNS="dm.example.net"') == b"\r\n+CME ERROR: 3\r\n"
    cmd(m, "AT#SGACT=1,1")
    assert cmd(m, 'AT#QDNS="nx.example"') == b"\r\n+CME ERROR: 100\r\n"
    assert cmd(m, "AT#SD=1,0,80,\"127.0.0.1\",0,0,0") == b"\r\n+CME ERROR: 4\r\n"   # online


def test_sends_fail_out_of_coverage(udp_echo: int) -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+QIACT=1")
    cmd(m, 'AT+QIOPEN=1,0,"UDP","127.0.0.1",%d,0,0' % udp_echo)
    wait_for(m, b"+QIOPEN: 0,0")
    m.lose_coverage()
    settle(m, 1.0)
    cmd(m, "AT+QISEND=0,2")
    assert b"SEND FAIL" in raw(m, b"hi")


def test_ublox_psd_profile_activation_and_network_teardown() -> None:
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+UPSD=0,100,1")
    assert info(cmd(m, "AT+UPSD=0,100"), "+UPSD:") == ["+UPSD: 0,100,1"]
    assert cmd(m, "AT+UPSDA=0,3") == b"\r\nOK\r\n"
    assert b'+UUPSDA: 0,"10.64.1.21"' in settle(m, 1.0)
    assert info(cmd(m, "AT+UPSND=0,8"), "+UPSND:") == ["+UPSND: 0,8,1"]
    assert info(cmd(m, "AT+UPSND=0,0"), "+UPSND:") == ['+UPSND: 0,0,"10.64.1.21"']
    m.network_detach(reattach=False)
    assert b"+UUPSDD: 0" in settle(m, 1.0)


def test_quectel_echoes_qisend_payload_unless_qisde_0(udp_echo: int) -> None:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+QIACT=1")
    cmd(m, 'AT+QIOPEN=1,0,"UDP","127.0.0.1",%d,0,0' % udp_echo)
    wait_for(m, b"+QIOPEN: 0,0")
    cmd(m, "AT+QISEND=0,4")
    assert raw(m, b"ping").startswith(b"ping\r\nSEND OK\r\n")   # default AT+QISDE=1
    # the echo's reply comes back whenever the real server answers: take its URC now,
    # so it cannot land before the next SEND OK on a loaded machine
    wait_for(m, b'+QIURC: "recv",0')
    cmd(m, "AT+QISDE=0")                                        # as ewf20-04 does
    cmd(m, "AT+QISEND=0,4")
    assert raw(m, b"pong").startswith(b"\r\nSEND OK\r\n")
