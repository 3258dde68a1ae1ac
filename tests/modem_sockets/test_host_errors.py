"""The host-IP-stack adapter: its socket errors are the DM server's, always typed.

They are not a lost modem port (no PortClosed), but nothing untyped may escape:
refused, silent, reset, and bad addresses or ports all come out as the
dm-reach errors the vendor adapters raise.
"""

import socket

import pytest

from me_lib.errors import ConnectFailed, NameNotResolved, NoAnswer, PortClosed, ProvisionError
from me_lib.modem.sockets.host import HostSockets


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tcp_refused_is_connect_failed():
    with pytest.raises(ConnectFailed) as err:
        HostSockets().tcp_probe("127.0.0.1", free_port(), 1, 2.0)
    assert "ConnectionRefusedError" in str(err.value)
    assert not isinstance(err.value, PortClosed)


def test_udp_silence_is_no_answer():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as quiet:
        quiet.bind(("127.0.0.1", 0))
        with pytest.raises(NoAnswer):
            HostSockets().udp_request("127.0.0.1", quiet.getsockname()[1], b"\x40\0\0\1", 1,
                                      0.2)


@pytest.mark.parametrize("ip, port", [("127.0.0.1", 70000), ("127.0.0.1", -1),
                                      ("not an ip", 5683), ("::1%nope", 5683),
                                      ("127.0.0.1", "5683")])
@pytest.mark.parametrize("op", ["udp", "tcp"])
def test_bad_address_or_port_is_typed(op, ip, port):
    adapter = HostSockets()
    with pytest.raises(ProvisionError) as err:
        if op == "udp":
            adapter.udp_request(ip, port, b"\x40\0\0\1", 1, 0.5)
        else:
            adapter.tcp_probe(ip, port, 1, 0.5)
    assert isinstance(err.value, (ConnectFailed, NoAnswer))
    assert err.value.step == "dm-reach"


def test_unknown_name_is_name_not_resolved():
    with pytest.raises(NameNotResolved):
        HostSockets().resolve("name.invalid", 1, 1.0)
