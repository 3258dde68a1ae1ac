"""A scripted modem peer for channel tests: runs as its own process on a pty.

It answers a fixed script of (expected command, reply bytes) and misbehaves on
purpose: echo on, URCs in the middle of a response, garbage before the first
OK, a reboot banner mid-command, a payload prompt. Run as
`python scripted_modem.py <fd-less pty path file>`: it opens a pty, writes the
slave path to the given file and serves until the script ends.
"""

import os
import sys
import time
import tty

SCRIPT = [
    # (command the host must send, reply)
    ("AT", b"\x00\xff\x13garbage\r\nAT\r\r\nOK\r\n"),
    ("AT+CGMM", b"AT+CGMM\r\r\nBG96\r\n\r\nOK\r\n"),
    ("ATE0", b"ATE0\r\r\nOK\r\n"),
    ("AT+CGDCONT?", b'\r\n+CGDCONT: 1,"IP","dm.example"\r\n\r\n+CEREG: 5\r\n'
                    b'\r\n+CGDCONT: 2,"IP","svc.example"\r\n\r\nOK\r\n'),
    ("AT+CEREG?", b"\r\n+CEREG: 1\r\n\r\n+CEREG: 2,5\r\n\r\nOK\r\n"),
    ("AT+QISEND=0,5", b"\r\n> "),
    (b"hello", b"\r\nSEND OK\r\n"),
    ("AT+CGACT=1,2", b"\r\n+CME ERROR: 127\r\n"),
    ("AT+CGACT=1,1", b"\r\nRDY\r\n"),
    ("AT", b"AT\r\r\nOK\r\n\r\n+QIURC: \"pdpdeact\",1\r\n"),
]


def main() -> int:
    master, slave = os.openpty()
    tty.setraw(slave)
    with open(sys.argv[1], "w") as f:
        f.write(os.ttyname(slave))
    buf = b""
    deadline = time.monotonic() + 20
    for expected, reply in SCRIPT:
        want = expected if isinstance(expected, bytes) else expected.encode() + b"\r"
        while want not in buf:
            if time.monotonic() > deadline:
                return 3
            buf += os.read(master, 256)
        buf = buf[buf.index(want) + len(want):]
        # reply in small pieces, the way a UART delivers it
        for i in range(0, len(reply), 7):
            os.write(master, reply[i:i + 7])
            time.sleep(0.001)
    time.sleep(0.5)
    os.close(master)
    os.close(slave)
    return 0


if __name__ == "__main__":
    sys.exit(main())
