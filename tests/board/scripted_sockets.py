"""The five DM dialogues against a scripted port, runnable on MicroPython and CPython.

`me_lib.board.sockets` must run on a board, where `bytes.decode` knows UTF-8
only and there is no `typing`: this script drives `resolve` + `ping` of every
family over a fake port that answers as the vendor manuals show (prompts,
payload echo, binary answers on the header's line or the next, hex text), for
message ids whose bytes are >= 0x80 or CR LF. It prints one line per run;
tests/board/test_sockets_portable.py runs it on both interpreters and compares.

No annotations, no typing import: the unix port runs this file as it is.
"""

import sys

from me_lib.board import sockets
from me_lib.board.link import Link

OK = b"\r\nOK\r\n"
CID = {"quectel": 1, "ublox": 1, "simcom": 0, "telit": 1, "nrf91": 0}


class Dialect:
    timeouts = {}
    boot_banners = ()


class FakePort:
    """Answers each expected write with its scripted bytes; time moves on idle reads."""

    def __init__(self, script):
        self.script = list(script)
        self.out = b""
        self.t = 0.0
        self.timeout = 0.0
        self.clock = self
        self.bad = None

    def monotonic(self):
        return self.t

    @property
    def in_waiting(self):
        return len(self.out)

    def write(self, data):
        data = bytes(data)
        expect, reply = self.script[0] if self.script else (b"", b"")
        if data == expect or (expect.endswith(b"*") and data.startswith(expect[:-1])):
            self.script.pop(0)
            self.out += reply
        elif self.bad is None:
            self.bad = data
            self.out += b"\r\nERROR\r\n"
        return len(data)

    def read(self, n=1):
        if not self.out:
            self.t += self.timeout
            return b""
        data = self.out[:n]
        self.out = self.out[n:]
        self.t += 0.001
        return data


def script(family, mid):
    ping = bytes([0x40, 0, mid >> 8, mid & 0xFF])
    rst = bytes([0x70, 0, mid >> 8, mid & 0xFF])
    if family == "quectel":
        return [
            (b'AT+QIDNSGIP=1,"dm.example.net"\r', OK + b'\r\n+QIURC: "dnsgip",0,1,600\r\n'
             b'\r\n+QIURC: "dnsgip","127.0.0.1"\r\n'),
            (b'AT+QIOPEN=1,0,"UDP","127.0.0.1",5683,0,0\r', OK + b"\r\n+QIOPEN: 0,0\r\n"),
            (b"AT+QISEND=0,4\r", b"\r\n> "),
            (ping, ping + b'\r\nSEND OK\r\n\r\n+QIURC: "recv",0\r\n'),  # AT+QISDE=1: echoed
            (b"AT+QIRD=0,1500\r", b"\r\n+QIRD: 4\r\n" + rst + b"\r\n" + OK),
            (b"AT+QICLOSE=0\r", OK)]
    if family == "ublox":
        return [
            (b'AT+UDNSRN=0,"dm.example.net"\r', b'\r\n+UDNSRN: "127.0.0.1"\r\n' + OK),
            (b"AT+UDCONF=1,1\r", OK),
            (b"AT+USOCR=17\r", b"\r\n+USOCR: 0\r\n" + OK),
            (b'AT+USOST=0,"127.0.0.1",5683,4\r', b"@"),
            (ping, b"\r\n+USOST: 0,4\r\n" + OK + b"\r\n+UUSORF: 0,4\r\n"),
            (b"AT+USORF=0,4\r", b'\r\n+USORF: 0,"127.0.0.1",5683,4,"' + rst.hex().upper().encode()
             + b'"\r\n' + OK),
            (b"AT+USOCL=0\r", OK)]
    if family == "simcom":
        return [
            (b'AT+CDNSGIP="dm.example.net"\r', OK + b'\r\n+CDNSGIP: 1,"dm.example.net",'
             b'"127.0.0.1"\r\n'),
            (b'AT+CAOPEN=0,0,"UDP","127.0.0.1",5683\r', b"\r\n+CAOPEN: 0,0\r\n" + OK),
            (b"AT+CASEND=0,4\r", b"\r\n>"),
            (ping, OK + b"\r\n+CADATAIND: 0\r\n"),
            (b"AT+CARECV=0,1460\r", b"\r\n+CARECV: 4," + rst + b"\r\n" + OK),
            (b"AT+CACLOSE=0\r", OK)]
    if family == "telit":
        return [
            (b'AT#QDNS="dm.example.net"\r', b'\r\n#QDNS: "dm.example.net","127.0.0.1"\r\n' + OK),
            (b'AT#SD=1,1,5683,"127.0.0.1",0,0,1\r', OK),
            (b"AT#SSENDEXT=1,4\r", b"\r\n> "),
            (ping, OK + b"\r\nSRING: 1\r\n"),
            (b"AT#SRECV=1,1500\r", b"\r\n#SRECV: 1,4\r\n" + rst + b"\r\n" + OK),
            (b"AT#SH=1\r", OK)]
    return [
        (b'AT#XGETADDRINFO="dm.example.net"\r', b'\r\n#XGETADDRINFO: "127.0.0.1"\r\n' + OK),
        (b"AT#XSOCKET=1,2,0\r", b"\r\n#XSOCKET: 0,2,17\r\n" + OK),
        (b'AT#XSENDTO="127.0.0.1",5683\r', b""),
        (ping, b""),
        (b"+++", OK),
        (b"AT#XRECVFROM=*", b'\r\n#XRECVFROM: 4,"127.0.0.1",5683\r\n' + rst + b"\r\n" + OK),
        (b"AT#XSOCKET=0\r", b'\r\n#XSOCKET: 0,"closed"\r\n' + OK)]


def run():
    for family in ("quectel", "ublox", "simcom", "telit", "nrf91"):
        for mid in (0xCBCD, 0x0D0A):
            port = FakePort(script(family, mid))
            link = Link(port, Dialect())
            ip = sockets.resolve(link, family, "dm.example.net", CID[family])
            rtt = sockets.ping(link, family, ip, 5683, CID[family], mid, 10.0)
            print("%s %04x %s rtt=%s left=%d bad=%r urcs=%d" % (
                family, mid, ip, rtt >= 0, len(port.script), port.bad, len(link.urcs)))
    print("mid", sockets.message_id(None) <= 0xFFFF)


if __name__ == "__main__":
    run()
    sys.exit(0)
