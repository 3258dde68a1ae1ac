"""Parser throughput of the AT engine (issue 2 §4).

A 10 MB realistic stream: command responses (short answers, multi-line
+CGDCONT?/+COPS=? reads, CRSM hex), URC bursts between commands, echo on for
part of the session and CR CR LF framing on part of it. It is fed in 4 KiB
chunks and in 1-byte chunks (within each segment: the engine must see each
command before its answer), and compared with a plain `bytes.split(b"\\r\\n")`
of the same bytes in the same run, so the figures are ratios that survive a
noisy machine. Goal: >= 5 MB/s with 4 KiB chunks (400x the line rate of
115200 baud), and cost linear in stream length for both chunk sizes (checked
by timing half the stream in the same run).

`channel_cpu()`: the CPU the `AtChannel` costs per `AT` exchange over a real pty
against a peer process that answers `OK` at once, as a ratio to a bare pyserial
`write` + `readline` loop on the same pty in the same run (goal <= 1.5). It is
process CPU time (`time.process_time`: the peer's CPU is not counted), and the
two loops alternate over several rounds, so machine load moves both alike.
"""

import os
import subprocess
import sys
import time

from me_lib.at import AtEngine

BAUD_115200_BYTES_PER_S = 115200 / 10

TRANSACTIONS = [
    ("AT+CSQ", "+CSQ:", b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"),
    ("AT+CGDCONT?", "+CGDCONT:",
     b"".join(b'\r\n+CGDCONT: %d,"IPV4V6","svc%d.mnc001.mcc001.gprs",'
              b'"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0\r\n' % (i, i) for i in range(1, 16))
     + b"\r\nOK\r\n"),
    ("AT+CEREG?", "+CEREG:", b'\r\n+CEREG: 1\r\n\r\n+CEREG: 5,1,"1F00","01A2B3C4",7\r\n\r\nOK\r\n'),
    ("AT+CRSM=176,28503,0,0,128", "+CRSM:",
     b'\r\n+CRSM: 144,0,"' + b"DD" * 128 + b'"\r\n\r\nOK\r\n'),
    ("AT+COPS=?", "+COPS:",
     b'\r\n+COPS: ' + b",".join(b'(1,"Operator %d","Op%d","0010%d",7)' % (i, i, i)
                               for i in range(20)) + b",,(0-4),(0-2)\r\n\r\nOK\r\n"),
    ("AT+CGACT=1,3", None, b"\r\n+CME ERROR: 133\r\n"),
]

URC_BURST = (b'\r\n+CEREG: 2\r\n\r\n+CEREG: 1,"1F00","01A2B3C4",7\r\n\r\n+CGEV: ME PDN ACT 1\r\n'
             b'\r\n+QIURC: "recv",0\r\n\r\nRING\r\n') * 40


def build_segments(total_bytes: int) -> list[tuple[str | None, str | None, bytes]]:
    segs: list[tuple[str | None, str | None, bytes]] = []
    size = 0
    k = 0
    while size < total_bytes:
        cmd, prefix, reply = TRANSACTIONS[k % len(TRANSACTIONS)]
        if k % 3 == 1:
            reply = cmd.encode() + b"\r" + reply          # echo on for a third of them
        if k % 5 == 2:
            reply = reply.replace(b"\r\n", b"\r\r\n")      # BG96-style CR CR LF
        segs.append((cmd, prefix, reply))
        size += len(reply)
        if k % 4 == 0:
            segs.append((None, None, URC_BURST))
            size += len(URC_BURST)
        k += 1
    return segs


def feed_all(segs: list[tuple[str | None, str | None, bytes]], chunk: int) -> tuple[float, int]:
    engine = AtEngine()
    events = 0
    t0 = time.perf_counter()
    for cmd, prefix, data in segs:
        if cmd is not None:
            engine.send(cmd, prefix=prefix, now=0.0)
        for i in range(0, len(data), chunk):
            events += len(engine.feed(data[i:i + chunk], 0.0))
    return time.perf_counter() - t0, events


# The peer: answers every command line (ended by CR) with CR LF OK CR LF.
_OK_PEER = r"""
import os, sys
fd = int(sys.argv[1])
buf = b""
while True:
    try:
        data = os.read(fd, 256)
    except OSError:
        break
    if not data:
        break
    buf += data
    while b"\r" in buf:
        buf = buf[buf.index(b"\r") + 1:]
        os.write(fd, b"\r\nOK\r\n")
"""


def channel_cpu(commands: int = 2000, rounds: int = 5) -> dict[str, dict[str, object]]:
    """CPU per `AT` exchange: `AtChannel.command` vs a bare pyserial loop (ratio)."""
    import tty

    import serial

    from me_lib.at import AtChannel

    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    name = os.ttyname(slave)
    peer = subprocess.Popen([sys.executable, "-c", _OK_PEER, str(master)], pass_fds=[master])
    os.close(master)
    bare_port = serial.Serial(name, 115200, timeout=0.02)
    ch = AtChannel(serial.Serial(name, 115200, timeout=0.02))
    os.close(slave)
    try:
        ch.command("AT")        # first use: imports, logger lookup

        def bare() -> None:
            for _ in range(commands):
                bare_port.write(b"AT\r")
                while bare_port.readline() != b"OK\r\n":
                    pass

        def channel() -> None:
            for _ in range(commands):
                ch.command("AT")

        t_bare = t_channel = 0.0
        for _ in range(rounds):
            t0 = time.process_time()
            bare()
            t_bare += time.process_time() - t0
            t0 = time.process_time()
            channel()
            t_channel += time.process_time() - t0
    finally:
        ch.close()
        bare_port.close()
        peer.kill()
        peer.wait(5)
    n = commands * rounds
    return {
        "at_channel_cpu_ratio": {"value": round(t_channel / t_bare, 2),
                                 "unit": "x the CPU of a bare pyserial write/readline loop",
                                 "goal": "<= 1.5"},
        "at_channel_cpu_us_per_command": {"value": round(t_channel / n * 1e6, 1),
                                          "unit": "us CPU per AT exchange", "goal": None},
        "at_bare_cpu_us_per_command": {"value": round(t_bare / n * 1e6, 1),
                                       "unit": "us CPU per AT exchange", "goal": None},
    }


def run(total_mb: float = 10.0) -> dict[str, dict[str, object]]:
    segs = build_segments(int(total_mb * 1_000_000))
    stream = b"".join(s[2] for s in segs)
    mb = len(stream) / 1e6
    lines = sum(1 for x in stream.replace(b"\r", b"\n").split(b"\n") if x)
    t_split = time.perf_counter()
    stream.split(b"\r\n")
    t_split = time.perf_counter() - t_split
    t4k, ev4k = feed_all(segs, 4096)
    half = segs[: len(segs) // 2]
    half_mb = sum(len(s[2]) for s in half) / 1e6
    t4k_half, _ = feed_all(half, 4096)
    one_mb_segs = build_segments(1_000_000)
    one_mb = sum(len(s[2]) for s in one_mb_segs) / 1e6
    t1, _ = feed_all(one_mb_segs, 1)
    t1_half, _ = feed_all(one_mb_segs[: len(one_mb_segs) // 2], 1)
    half1_mb = sum(len(s[2]) for s in one_mb_segs[: len(one_mb_segs) // 2]) / 1e6
    rate4k = mb / t4k
    return {
        **channel_cpu(),
        "at_stream_mb": {"value": round(mb, 2), "unit": "MB", "goal": 10},
        "at_parse_4k_mb_per_s": {"value": round(rate4k, 2), "unit": "MB/s", "goal": ">= 5"},
        "at_parse_4k_lines_per_s": {"value": round(lines / t4k), "unit": "lines/s",
                                    "goal": None},
        "at_parse_4k_x_line_rate_115200": {"value": round(rate4k * 1e6 / BAUD_115200_BYTES_PER_S),
                                           "unit": "x", "goal": ">= 400"},
        "at_parse_1byte_mb_per_s": {"value": round(one_mb / t1, 3), "unit": "MB/s",
                                    "goal": None},
        "at_parse_4k_vs_bytes_split_ratio": {"value": round(t4k / t_split, 1),
                                             "unit": "x slower than bytes.split",
                                             "goal": None},
        "at_parse_4k_linearity": {"value": round((t4k / mb) / (t4k_half / half_mb), 2),
                                  "unit": "cost/MB full vs half stream", "goal": "~1.0"},
        "at_parse_1byte_linearity": {"value": round((t1 / one_mb) / (t1_half / half1_mb), 2),
                                     "unit": "cost/MB full vs half stream", "goal": "~1.0"},
        "at_events_4k": {"value": ev4k, "unit": "events", "goal": None},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(channel_cpu() if sys.argv[1:] == ["channel"] else run(), indent=1))
