"""Vendor socket facts the driver side found the simulator getting wrong (each names its source).

- u-blox SARA-R4 HEX mode, UBX-17003787 §18.10-§18.13 and §18.16 (+UDCONF=1).
- nRF91 Serial LTE Modem data mode and TCP client, sdk-nrf serial_lte_modem
  doc/SOCKET_AT_commands.rst and doc/slm_data_mode.rst.
- Telit xE910 command-mode socket closed by the peer: unsolicited bare NO CARRIER.
"""

import socket
import time

from me_lib.sim.modem import SimModem

from .sim_modem_util import cmd, info, make, raw, settle, wait_for

PING = b"\x40\x00\x00\x01"     # a CoAP ping: its 0x00 bytes cannot ride in a text field


def seen(m: SimModem, out: bytes, pattern: bytes) -> bytes:
    """`pattern` in what a command printed already (a fast real echo), or wait for it."""
    return out if pattern in out else wait_for(m, pattern)


# --------------------------------------------------------------- u-blox HEX mode


def test_ublox_udconf1_read_form_shows_hex_mode() -> None:
    """§18.16: set AT+UDCONF=1,<hex_mode_disable>, read AT+UDCONF=1 -> +UDCONF: 1,<n>; default 0."""
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    assert info(cmd(m, "AT+UDCONF=1"), "+UDCONF:") == ["+UDCONF: 1,0"]
    assert cmd(m, "AT+UDCONF=1,1") == b"\r\nOK\r\n"
    assert info(cmd(m, "AT+UDCONF=1"), "+UDCONF:") == ["+UDCONF: 1,1"]
    assert cmd(m, "AT+UDCONF=1,0") == b"\r\nOK\r\n"
    assert info(cmd(m, "AT+UDCONF=1"), "+UDCONF:") == ["+UDCONF: 1,0"]
    assert b"ERROR" in cmd(m, "AT+UDCONF=1,2")


def test_ublox_hex_mode_usorf_shows_hex_and_binary_send_stays_binary(udp_echo: int) -> None:
    """§18.13: in HEX mode +USORF data is a hex string, <length> in bytes.

    §18.11.4: the '@' binary syntax takes <length> raw bytes, "Binary syntax is
    not affected by HEX mode option".
    """
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+UDCONF=1,1")
    assert info(cmd(m, "AT+USOCR=17"), "+USOCR:") == ["+USOCR: 0"]
    assert cmd(m, 'AT+USOST=0,"127.0.0.1",%d,4' % udp_echo).endswith(b"@")
    out = raw(m, PING)
    assert b"+USOST: 0,4\r\n\r\nOK\r\n" in out
    seen(m, out, b"+UUSORF: 0,9")
    assert info(cmd(m, "AT+USORF=0,100"), "+USORF:") == [
        '+USORF: 0,"127.0.0.1",%d,9,"%s"' % (udp_echo, (b"echo:" + PING).hex().upper())]


def test_ublox_hex_mode_inline_data_is_2x_length_hex_digits(udp_echo: int) -> None:
    """§18.11.4: base syntax HEX mode, <data> is 0-9/A-F/a-f and exactly 2*<length> long."""
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    cmd(m, "AT+CMEE=1")
    settle(m, 10.0)
    cmd(m, "AT+UDCONF=1,1")
    cmd(m, "AT+USOCR=17")
    out = cmd(m, 'AT+USOST=0,"127.0.0.1",%d,4,"40000001"' % udp_echo)
    assert info(out, "+USOST:") == ["+USOST: 0,4"]          # <length> in bytes, not characters
    seen(m, out, b"+UUSORF: 0,9")
    assert info(cmd(m, "AT+USORF=0,100"), "+USORF:")[0].endswith(
        ',9,"%s"' % (b"echo:" + PING).hex().upper())
    for bad in ('"400000"', '"4000000G"', '"4000000102"'):
        assert b"+CME ERROR" in cmd(m, 'AT+USOST=0,"127.0.0.1",%d,4,%s' % (udp_echo, bad))


def test_ublox_binary_mode_default_unchanged(udp_echo: int) -> None:
    """UDCONF=1,0 (factory default): base syntax <data> is <length> characters, +USORF raw."""
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+USOCR=17")
    out = cmd(m, 'AT+USOST=0,"127.0.0.1",%d,8,"40000001"' % udp_echo)
    assert info(out, "+USOST:") == ["+USOST: 0,8"]
    seen(m, out, b"+UUSORF: 0,13")
    assert info(cmd(m, "AT+USORF=0,100"), "+USORF:") == [
        '+USORF: 0,"127.0.0.1",%d,13,"echo:40000001"' % udp_echo]
    assert b"ERROR" in cmd(m, 'AT+USOST=0,"127.0.0.1",%d,4,"40000001"' % udp_echo)


def test_ublox_hex_mode_usord_on_tcp(tcp_echo: int) -> None:
    """§18.12: +USORD data in HEX mode is a hex string too."""
    m = make("ublox-sara-r4")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT+UDCONF=1,1")
    cmd(m, "AT+USOCR=6")
    cmd(m, 'AT+USOCO=0,"127.0.0.1",%d' % tcp_echo)
    out = cmd(m, 'AT+USOWR=0,4,"70696E67"')
    assert info(out, "+USOWR:") == ["+USOWR: 0,4"]
    seen(m, out, b"+UUSORD: 0,9")
    assert info(cmd(m, "AT+USORD=0,100"), "+USORD:") == [
        '+USORD: 0,9,"%s"' % b"echo:ping".hex().upper()]


# ------------------------------------------------------------- nRF91 SLM


def slm_up() -> SimModem:
    m = make("nordic-nrf91-slm")
    cmd(m, "ATE0")
    cmd(m, "AT+CFUN=1")
    settle(m, 10.0)
    return m


def recvfrom(m: SimModem) -> bytes:
    time.sleep(0.05)                          # the real echo server answers in real time
    return cmd(m, "AT#XRECVFROM=30", real=1.0)


def test_slm_xsendto_without_data_enters_data_mode(udp_echo: int) -> None:
    """SOCKET_AT_commands.rst: no <data> -> slm_data_mode; slm_data_mode.rst: no OK on entry,
    the terminator with the silence before and after leaves it, then OK."""
    m = slm_up()
    assert info(cmd(m, "AT#XSOCKET=1,2,0"), "#XSOCKET:") == ["#XSOCKET: 0,2,17"]
    m.feed(b'AT#XSENDTO="127.0.0.1",%d\r' % udp_echo, m.clock.now())
    assert settle(m, 1.5) == b""              # no OK, no ERROR: waiting for raw data
    assert raw(m, PING, 1.5) == b""           # sent as it comes, no echo in data mode
    assert raw(m, b"+++", 0.5) == b""         # terminator pending until the trailing silence
    assert settle(m, 1.0) == b"\r\nOK\r\n"
    out = recvfrom(m)
    assert b'#XRECVFROM: 9,"127.0.0.1",%d\r\necho:' % udp_echo + PING in out
    assert out.endswith(b"\r\nOK\r\n")


def test_slm_terminator_needs_silence_both_sides(udp_echo: int) -> None:
    """slm_data_mode.rst: the terminator counts only with CONFIG_SLM_DATAMODE_SILENCE (1 s)
    before and after it; otherwise the bytes are payload."""
    m = slm_up()
    cmd(m, "AT#XSOCKET=1,2,0")
    m.feed(b'AT#XSENDTO="127.0.0.1",%d\r' % udp_echo, m.clock.now())
    settle(m, 1.5)
    assert raw(m, b"a+++b", 1.5) == b""                  # inside data: payload
    assert b"echo:a+++b" in echo_seen(m)
    raw(m, b"+++", 0.3)
    assert raw(m, b"x", 1.5) == b""                      # no trailing silence: payload "+++x"
    assert b"echo:+++x" in echo_seen(m)
    raw(m, b"+++", 0.0)
    assert settle(m, 1.2) == b"\r\nOK\r\n"


def echo_seen(m: SimModem) -> bytes:
    """The echo of a datagram sent while still in data mode (no command can read it yet)."""
    assert m.sock is not None
    sim = m.sock.sockets[0]
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        settle(m, 0.0)
        if sim.rx:
            data, _ = sim.rx.popleft()
            return bytes(data)
        time.sleep(0.005)
    raise AssertionError("no echo")


def test_slm_data_mode_send_failure_exits_with_error(udp_echo: int) -> None:
    """slm_data_mode.rst: "If the current sending function fails, the SLM application exits
    data mode and returns the AT command response ERROR"."""
    m = slm_up()
    cmd(m, "AT#XSOCKET=1,2,0")
    m.feed(b'AT#XSENDTO="127.0.0.1",%d\r' % udp_echo, m.clock.now())
    settle(m, 1.5)
    m.lose_coverage()
    assert b"\r\nERROR\r\n" in raw(m, b"lost", 1.0)
    assert cmd(m, "AT") == b"\r\nOK\r\n"


def test_slm_tcp_client_connect_send_recv_close(tcp_echo: int) -> None:
    """SOCKET_AT_commands.rst: AT#XSOCKET=1,1,0 -> #XSOCKET: <h>,1,6; #XCONNECT -> #XCONNECT: 1;
    #XSEND="<data>" -> #XSEND: <n>; #XRECV=<timeout> -> #XRECV: <n> + data; #XSOCKET=0 closes."""
    m = slm_up()
    assert info(cmd(m, "AT#XSOCKET=1,1,0"), "#XSOCKET:") == ["#XSOCKET: 0,1,6"]
    assert info(cmd(m, "AT#XSOCKET?"), "#XSOCKET:") == ["#XSOCKET: 0,1,0,6"]
    assert info(cmd(m, 'AT#XCONNECT="127.0.0.1",%d' % tcp_echo), "#XCONNECT:") == [
        "#XCONNECT: 1"]
    assert info(cmd(m, 'AT#XSEND="ping"'), "#XSEND:") == ["#XSEND: 4"]
    time.sleep(0.05)
    out = cmd(m, "AT#XRECV=30", real=1.0)
    assert b"#XRECV: 9\r\necho:ping\r\n" in out and out.endswith(b"\r\nOK\r\n")
    assert info(cmd(m, "AT#XSOCKET=0"), "#XSOCKET:") == ['#XSOCKET: 0,"closed"']


def test_slm_tcp_connect_refused_is_an_error() -> None:
    """A refused connect() makes #XCONNECT fail (ERROR); only loopback is ever connected."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed_port = probe.getsockname()[1]
    probe.close()
    m = slm_up()
    assert info(cmd(m, "AT#XSOCKET=1,1,0"), "#XSOCKET:") == ["#XSOCKET: 0,1,6"]
    assert cmd(m, 'AT#XCONNECT="127.0.0.1",%d' % closed_port) == b"\r\nERROR\r\n"
    assert cmd(m, 'AT#XCONNECT="192.0.2.1",80') == b"\r\nERROR\r\n"
    assert info(cmd(m, "AT#XSOCKET=0"), "#XSOCKET:") == ['#XSOCKET: 0,"closed"']


def test_slm_xsend_without_data_on_tcp_enters_data_mode(tcp_echo: int) -> None:
    """slm_data_mode.rst: "AT#XSEND makes SLM enter data mode to receive arbitrary data"."""
    m = slm_up()
    cmd(m, "AT#XSOCKET=1,1,0")
    cmd(m, 'AT#XCONNECT="127.0.0.1",%d' % tcp_echo)
    m.feed(b"AT#XSEND\r", m.clock.now())
    assert settle(m, 1.5) == b""
    assert raw(m, PING, 1.5) == b""
    raw(m, b"+++", 0.0)
    assert settle(m, 1.2) == b"\r\nOK\r\n"
    time.sleep(0.05)
    out = cmd(m, "AT#XRECV=30", real=1.0)
    assert b"#XRECV: 9\r\necho:" + PING in out


# ------------------------------------------------------------------ Telit


def test_telit_peer_close_in_command_mode_is_bare_no_carrier_urc(tcp_echo: int) -> None:
    """#SCFGEXT2 <noCarrierMode> default 0: the socket-closed indication is a bare NO CARRIER,
    printed unsolicited (framed like any URC), after the SRING of the data that came first."""
    m = make("telit-me910")
    cmd(m, "ATE0")
    settle(m, 10.0)
    cmd(m, "AT#SGACT=1,1")
    assert cmd(m, 'AT#SD=1,0,%d,"127.0.0.1",0,0,1' % tcp_echo) == b"\r\nOK\r\n"
    cmd(m, "AT#SSENDEXT=1,4")
    out = raw(m, b"ping")
    if b"NO CARRIER\r\n" not in out:
        out += wait_for(m, b"NO CARRIER\r\n")
    assert out.index(b"SRING: 1") < out.index(b"\r\nNO CARRIER\r\n")
    assert b"NO CARRIER:" not in out
    assert cmd(m, "AT") == b"\r\nOK\r\n"           # not a final: the next command gets its own
