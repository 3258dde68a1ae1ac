"""The portable modules run unmodified on a real MicroPython (the unix port from the
test extras) and give the same events as on CPython."""

import subprocess
import sys
from pathlib import Path

from tests.mp_support import MICROPYTHON, ROOT, stage

SCRIPT = r'''
import sys
sys.path.insert(0, ROOT)
from me_lib.at import AtEngine, RawSpec, build_command
from me_lib.at.redact import redact, redact_text
from me_lib.modem.registration import parse_registration

def show(events):
    for ev in events:
        name = type(ev).__name__
        if name == "Response":
            print(name, ev.command, ev.lines, ev.final.kind, ev.final.ok, ev.final.code,
                  ev.final.name, [p.hex() for p in ev.payloads])
        elif name == "Urc":
            print(name, ev.line)
        else:
            print(name, repr(ev))

e = AtEngine()
steps = [
    ("AT", None, {}, b"\x00\xffAT\r\r\nOK\r\n"),
    ("AT+CGDCONT?", "+CGDCONT:", {},
     b'\r\n+CGDCONT: 1,"IP","a.mnc001.mcc001.gprs"\r\n\r\n+CEREG: 1\r\n\r\nOK\r\n'),
    ("AT+CEREG?", "+CEREG:", {}, b"\r\n+CEREG: 5\r\n\r\n+CEREG: 0,1\r\n\r\nOK\r\n"),
    ("AT+QISEND=0,4", None, {"payload": b"ping", "finals": {"SEND OK": True}},
     b"\r\n> \r\nSEND OK\r\n"),
    # the prompt's tail (line end, space) cut by the reads, then the payload's echo
    ('AT+USOST=0,"1.2.3.4",5683,4', "+USOST:", {"payload": b"ping"},
     b"\r\n@\r\nping\r\n+USOST: 0,4\r\n\r\nOK\r\n"),
    ("AT+QISEND=0,4", None, {"payload": b"ping", "finals": {"SEND OK": True}},
     b"\r\n> ping\r\nSEND OK\r\n"),
    ("AT+QIRD=0,64", "+QIRD:", {"raw": [RawSpec("+QIRD:", 0)]},
     b"\r\n+QIRD: 4\r\nO\r\nK\r\n\r\nOK\r\n"),
    ("AT+CGACT=1,2", None, {}, b"\r\n+CME ERROR: 127\r\n"),
    ("AT+CGMM", None, {}, b"\r\nRDY\r\n"),
]
for cmd, prefix, kw, reply in steps:
    e.send(cmd, prefix=prefix, now=0.0, **kw)
    for i in range(0, len(reply), 3):
        show(e.feed(reply[i:i + 3], 0.0))
# an inline header already past its comma when its command is sent
show(e.feed(b"\r\n+CARECV: 5,he", 0.0))
e.send("AT+CARECV=0,5", prefix="+CARECV:", raw=[RawSpec("+CARECV:", 0, inline=True)], now=0.0)
show(e.feed(b"llo\r\n\r\nOK\r\n", 0.0))
e.send("AT+COPS=?", timeout=2.0, now=10.0)
show(e.tick(12.0))
print(build_command("+CGDCONT", 1, "IP", "internet"))
for bad in ('a";+CFUN=0', "a\r\nb"):
    try:
        build_command("+CGDCONT", 1, "IP", bad)
    except Exception as exc:
        print(type(exc).__name__)
print(redact('AT+CGAUTH=1,1,"u","secret"'))
for line in ('AT+CPIN="12345678","4321"', 'AT+UPSD=0,3,"pw"', 'AT+UPSD=0,1,"apn"',
             'AT+CSIM=26,"0020000108313233FFFFFFFFFF"', 'AT+CLCK="SC",1,"4321"'):
    print(redact(line))
print(repr(redact_text('\r\nAT+CPIN="4321"\r\r\nOK\r\n')))
from me_lib.errors import CmeError
exc = CmeError('AT+CPIN="4321"', 16, "incorrect password")
print(exc.command, str(exc))
for line in ('+CREG: 2,1,"8BE3","00002B5D",3', '+CEREG: 1, 1F00, 20 ,79D903 ,7'):
    r = parse_registration(line)
    print(r.state, r.lac, r.ci, r.act_name)
'''


def run(interpreter, root, tmp):
    """Run SCRIPT with `root` first on the import path (a staged board, or the checkout)."""
    script = tmp / ("script_%s.py" % Path(str(interpreter)).name)
    script.write_text(SCRIPT.replace("ROOT", repr(str(root))))
    out = subprocess.run([str(interpreter), str(script)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_engine_gives_the_same_events_on_micropython(tmp_path):
    assert MICROPYTHON.exists(), "the test extras install the micropython unix port"
    # MicroPython gets exactly what a board gets (firmware_shim/manifest.txt);
    # CPython the library as installed
    board = stage(tmp_path / "board")
    cpython = run(sys.executable, ROOT, tmp_path)
    micropython = run(MICROPYTHON, board, tmp_path)
    assert "Response AT+CGDCONT?" in cpython and "Rebooted" in cpython
    assert "Response AT+CARECV=0,5 ['+CARECV: 5'] OK True None None ['68656c6c6f']" in cpython
    assert "Response AT+USOST=0,\"1.2.3.4\",5683,4 ['+USOST: 0,4'] OK" in cpython
    assert "Response AT+QISEND=0,4 [] EXTRA True" in cpython
    assert micropython == cpython
