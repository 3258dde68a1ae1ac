"""The board core's DM probe: DNS and a CoAP ping on the modem's own IP stack, as rows.

The full library reaches the DM server through one socket adapter class per
vendor family (`me_lib.modem.sockets`) on the `AtChannel`; on a board each
function of those costs about 430 B of heap. The five dialogues differ only in
their words (command lines, answer and report prefixes, which field holds the
result, how the datagram comes back), so here each family is one row of
templates and two interpreters run them: `resolve` (DNS) and `ping` (the
RFC 7252 §4.3 CoAP ping: an Empty CON, answered by a RST or ACK with the same
message id). The AT lines are the full library's for the same scenario (a
differential test in tests/board compares them), and so are the errors:
`NameNotResolved`, `ConnectFailed`, `NoAnswer` (`ProvisionError`s of step
"dm-reach"); AT-level trouble (a reboot, a lost port) stays an `AtError`.

Row layout (`ROWS[family]`: 23 fields split on "|", numbers as text), templates
filled with `%(name)` from cid, host, ip, port, n (payload length, then the
announced length), s (socket id), pdn (nRF91's ",<cid>" when not 0), secs:

 0 DNS command        1 its result prefix (answer line, or the report after OK)
 2 status field (-1: none) 3 its success value 4 the field with the error code
 5 set-up command once per ping ("" none)   6 cid for which it is skipped
 7 open command       8 its result prefix ("" the command's own, nothing read)
 9 status field (-1: none) 10 its success value 11 socket id field (-1: fixed)
12 send command       13 prompt ("" SLM data mode: payload, quiet, `+++`)
14 extra final of the send ("SEND OK")
15 data report ("" the read waits itself)     16 closed report ("" none)
17 read command       18 its header prefix    19 length field
20 datagram: 0 next line, 1 inline after the length, 2 hex text in the last field
21 close command      22 errno query after a failed send ("" none)

A status that comes in the open command's own answer means nothing was opened
(no close); one that comes as a report (Quectel `+QIOPEN: 0,<err>`) means the
module holds a socket, so it is closed, as the full adapters do.

Portable (MicroPython): five functions, no class, no comprehension or lambda.
"""

import random

from me_lib.at.timeouts import timeout_for
from me_lib.board.link import latin1, number
from me_lib.codec import ipaddr
from me_lib.errors import (
    AtCommandError,
    AtTimeout,
    CmeError,
    ConnectFailed,
    MeLibError,
    NameNotResolved,
    NoAnswer,
    PortClosed,
    ProvisionError,
)

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

STEP = "dm-reach"
#: CoAP retransmissions after a silent attempt (the full `coap_ping`'s default)
RETRIES = 2
#: nRF91 SLM data mode: the terminator and the guard silence around it (the SLM's
#: defaults, CONFIG_SLM_DATAMODE_TERMINATOR; the full adapter's `datamode_silence`)
TERMINATOR = b"+++"
SILENCE = 1.0
#: the largest datagram a u-blox +USORF read asks for (the full adapter's _MAX_READ)
MAX_READ = 1024
#: what an address from the modem's DNS may hold to reach a command line: an IPv6 zone
#: ("fe80::1%<anything>", which ipaddr accepts) could carry a quote or a ";" into it
IP_CHARS = "0123456789abcdefABCDEF.:"

ROWS = {  # one string per family (fields split on "|" when used): ~1 KB of heap, not ~5
    "quectel": (
        'AT+QIDNSGIP=%(cid)d,"%(host)s"|+QIURC: "dnsgip",|0|0|0|'
        "|-1|"
        'AT+QIOPEN=%(cid)d,0,"UDP","%(ip)s",%(port)d,0,0|+QIOPEN: 0,|0|0|-1|'
        "AT+QISEND=0,%(n)d|> |SEND OK|"
        '+QIURC: "recv",0|+QIURC: "closed",0|'
        "AT+QIRD=0,1500|+QIRD:|0|0|"
        "AT+QICLOSE=0|"),
    "ublox": (
        'AT+UDNSRN=0,"%(host)s"|+UDNSRN:|-1||0|'
        "AT+UDCONF=1,1|-1|"
        "AT+USOCR=17|+USOCR:|-1||0|"
        'AT+USOST=%(s)s,"%(ip)s",%(port)d,%(n)d|@||'
        "+UUSORF: %(s)s,||"
        "AT+USORF=%(s)s,%(n)d|+USORF:|3|2|"
        "AT+USOCL=%(s)s|AT+USOER"),
    "simcom": (
        'AT+CDNSGIP="%(host)s"|+CDNSGIP:|0|1|1|'
        "|-1|"
        'AT+CAOPEN=0,%(cid)d,"UDP","%(ip)s",%(port)d|+CAOPEN: 0,|0|0|-1|'
        "AT+CASEND=0,%(n)d|>||"
        "+CADATAIND: 0||"
        "AT+CARECV=0,1460|+CARECV:|0|1|"
        "AT+CACLOSE=0|"),
    "telit": (
        'AT#QDNS="%(host)s"|#QDNS:|-1||0|'
        "AT#SCFG=1,%(cid)d,300,90,600,50|1|"
        'AT#SD=1,1,%(port)d,"%(ip)s",0,0,1||-1||-1|'
        "AT#SSENDEXT=1,%(n)d|> ||"
        "SRING: 1||"
        "AT#SRECV=1,1500|#SRECV:|1|0|"
        "AT#SH=1|"),
    "nrf91": (
        'AT#XGETADDRINFO="%(host)s"|#XGETADDRINFO:|-1||0|'
        "|-1|"
        "AT#XSOCKET=1,2,0%(pdn)s|#XSOCKET:|-1||0|"
        'AT#XSENDTO="%(ip)s",%(port)d|||'
        "||"
        "AT#XRECVFROM=%(secs)d|#XRECVFROM:|0|0|"
        "AT#XSOCKET=0|"),
}


def _fields(text: str, prefix: str) -> "list[str]":
    """The comma-separated values after `prefix`, unquoted (an IP list may share a quote)."""
    out = []
    for value in text[len(prefix):].split(","):
        out.append(value.strip(' "'))
    return out


def message_id(seed: "int | None" = None) -> int:
    """The CoAP message id (0..65535) the full library draws for `--probe-seed seed`.

    CPython: `random.Random(seed).randrange(0x10000)`, so a board run under test
    sends the same 4 bytes as the full library. MicroPython has no `Random`
    class: the module generator is seeded and gives 16 bits (another value, the
    same on every run). None: 16 fresh random bits.
    """
    make = getattr(random, "Random", None)
    if seed is not None and make is not None:
        mid: int = make(seed).randrange(0x10000)
        return mid
    if seed is not None:
        random.seed(seed)
    bits: int = random.getrandbits(16)
    return bits


def resolve(link: "Any", family: str, host: str, cid: int) -> str:
    """The first address of `host` from the modem's DNS (an IP literal is returned as is).

    The answer comes in the command's own lines or, after its OK, as reports
    (Quectel: a status report, then one per address), waited for as long as the
    tables give the command. Raises NameNotResolved (a DNS error or no address),
    NoAnswer (no result report).
    """
    if ipaddr.version(host):
        return host
    row = ROWS[family].split("|")
    status = int(row[2])
    line = row[0] % {"cid": cid, "host": host}
    prefix = row[1]
    for text in link.urcs[:]:  # a result of an earlier, abandoned query is not this one's
        if text.startswith(prefix):
            link.urcs.remove(text)
    try:
        lines = link.cmd(line, prefix)
    except (CmeError, AtCommandError) as exc:
        raise NameNotResolved(host, str(exc), getattr(exc, "code", None)) from exc
    wait = timeout_for(line, link.dialect.timeouts)
    for _ in range(4):  # bounded: a status line, then an address line (Quectel)
        text = lines.pop(0) if lines else link.wait((prefix,), wait)
        if text is None:
            raise NoAnswer(host, "no DNS result", wait)
        fields = _fields(text, prefix)
        for value in fields:
            if ipaddr.version(value) and not value.strip(IP_CHARS):
                return value
        if status < 0:
            break
        if len(fields) <= status or fields[status] != row[3]:
            code = fields[int(row[4])] if len(fields) > int(row[4]) else "?"
            raise NameNotResolved(host, "DNS error %s" % code,
                                  number(code) if number(code) >= 0 else None)
    raise NameNotResolved(host, "the answer held no address: %r" % text[:60])


def ping(link: "Any", family: str, ip: str, port: int, cid: int, mid: int, timeout: float,
         retries: int = RETRIES) -> float:
    """CoAP ping `ip:port` through context `cid`; the round trip in `link.now()` seconds.

    Each attempt opens a socket, sends the Empty CON, waits at most `timeout`
    for the datagram, reads it and closes the socket (in every case, once the
    module holds one). A silent attempt, or a reply that is not the RST/ACK of
    `mid`, is retried with the same message (RFC 7252 §4.2) up to `retries`
    more times, then NoAnswer; a refused socket raises ConnectFailed at once.
    """
    if isinstance(mid, bool) or not isinstance(mid, int) or not 0 <= mid <= 0xFFFF:
        raise ProvisionError(STEP, "CoAP message id %r is not in 0..65535" % (mid,))
    if retries < 0:
        raise ProvisionError(STEP, "retries must be >= 0, got %d" % retries)
    target = ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)
    if not ipaddr.version(ip) or ip.strip(IP_CHARS):
        raise ConnectFailed(repr(ip), "not an IP address without a zone", None,
                            "resolve the name first (board.sockets.resolve)")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConnectFailed(repr(port), "port out of range 1..65535", None,
                            "correct the DM server port in the profile")
    if timeout <= 0:
        raise NoAnswer(target, "timeout must be positive", timeout)
    row = ROWS[family].split("|")
    message = bytes([0x40, 0x00, mid >> 8, mid & 0xFF])  # v1 CON, no token, code 0.00
    if row[5] and cid != int(row[6]):
        link.cmd(row[5] % {"cid": cid})
    last = "no reply"
    for _ in range(retries + 1):
        start = link.now()
        try:
            reply = _exchange(link, row, {"cid": cid, "ip": ip, "port": port, "n": 4, "s": "0",
                                          "pdn": ",%d" % cid if cid else ""},
                              message, start + timeout, target, timeout)
        except NoAnswer:
            last = "no reply"
            continue
        elapsed: float = link.now() - start
        if (len(reply) >= 4 and reply[0] >> 6 == 1 and (reply[2] << 8 | reply[3]) == mid
                and ((reply[0] >> 4) & 3 == 2
                     or ((reply[0] >> 4) & 3 == 3 and reply[1] == 0 and reply[0] & 15 == 0))):
            return elapsed
        part = reply[:16]  # bytes.hex is optional on MicroPython builds
        last = "unexpected reply %s" % (("%02x" * len(part)) % tuple(part))
    raise NoAnswer(target, "no CoAP RST/ACK for message id %d after %d attempt(s), %s"
                   % (mid, retries + 1, last), timeout)


def _exchange(link: "Any", row: "list[str]", v: "dict[str, Any]", message: bytes,
              deadline: float, target: str, timeout: float) -> bytes:
    """One datagram out and one back on a fresh socket, closed before returning."""
    held = False     # does the module hold a socket we must close?
    failing = True
    try:
        for text in link.urcs[:]:  # reports of an earlier, abandoned exchange
            if (row[15] and text.startswith(row[15] % v)) or text.startswith(row[8] or "\0"):
                link.urcs.remove(text)
        line = row[7] % v
        try:
            lines = link.cmd(line, row[8] or line[2:line.find("=")] + ":")
        except AtTimeout:
            held = True      # it may still open: close it
            raise
        except (CmeError, AtCommandError) as exc:
            raise ConnectFailed(target, "%s was refused: %s" % (line, exc),
                                getattr(exc, "code", None)) from exc
        held = True
        if row[8]:
            if lines:
                held = False  # the result came with the answer: a failure opened nothing
                text = lines[0]
            else:
                text = link.wait((row[8],), max(0.0, deadline - link.now()))
                if text is None:
                    raise NoAnswer(target, "no %s result" % row[8].split(":")[0], timeout)
            fields = _fields(text, row[8])
            status = int(row[9])
            if status >= 0 and (len(fields) <= status or fields[status] != row[10]):
                code = fields[status] if len(fields) > status else ""
                raise ConnectFailed(target, "%s answered %s" % (line, text), number(code)
                                    if number(code) >= 0 else None)
            if int(row[11]) >= 0:
                sock = fields[int(row[11])] if len(fields) > int(row[11]) else ""
                if number(sock) < 0:
                    held = False
                    raise ConnectFailed(target, "%s gave no socket: %s" % (line, text))
                v["s"] = sock
            held = True
        line = row[12] % v
        if row[13]:
            try:
                link.cmd(line, line[2:line.find("=")] + ":", data=message,
                         prompt=row[13].encode(), final=row[14])
            except (CmeError, AtCommandError) as exc:
                detail = str(exc)
                if row[22]:  # the socket errno says why (u-blox +USOER)
                    try:
                        detail += " (%s)" % link.cmd(row[22], row[22][2:] + ":")[0]
                    except (MeLibError, IndexError):
                        detail += " (no %s)" % row[22][2:]
                raise ConnectFailed(target, detail, getattr(exc, "code", None)) from exc
            echo = latin1(message)
            for text in link.urcs[:]:  # the payload's echo (Quectel AT+QISDE=1, the default)
                if text in echo:
                    link.urcs.remove(text)
        else:  # SLM data mode: no prompt, the payload after a quiet time, then +++
            link.round_trips += 1
            link.write(line.encode() + b"\r")
            wait = max(timeout_for(line, link.dialect.timeouts),
                       2 * SILENCE + timeout_for("#XSENDTO DATAMODE"))
            end = link.now() + wait
            parts = [message, TERMINATOR]
            due = link.now() + SILENCE
            while True:
                text = link.line(min(due, end) if parts else end)
                if text is None:
                    if parts and link.now() >= due:
                        link.write(parts.pop(0))
                        due = link.now() + SILENCE
                    elif link.now() >= end:
                        raise AtTimeout(line, wait, [])
                elif text == "OK":
                    break
                elif text == "ERROR" or text.startswith("+CME ERROR:"):
                    raise ConnectFailed(target, "%s in data mode answered %s" % (line, text),
                                        None, "this SLM build may lack data mode for #XSENDTO")
                else:
                    link.report(text)
        if row[15]:
            urc = row[15] % v
            text = link.wait((urc, row[16] or urc), max(0.0, deadline - link.now()))
            if text is None:
                raise NoAnswer(target, "no datagram came back", timeout)
            if row[16] and text.startswith(row[16]):
                raise ConnectFailed(target, "the modem closed the socket before an answer")
            size = text[len(urc):].strip()
            if number(size) >= 0:
                v["n"] = min(max(number(size), 1), MAX_READ)
            read = None
        else:  # the read command waits itself, for what is left of the attempt
            left = deadline - link.now()
            v["secs"] = secs = max(1, int(left) + (int(left) < left))
            read = secs + timeout_for(row[17][2:row[17].find("=")] + " MARGIN")
        line = row[17] % v
        form = int(row[20])
        try:
            lines = link.cmd(line, row[18], timeout=read,
                             payload=None if form == 2 else (row[18], int(row[19]), form))
        except (CmeError, AtCommandError):
            if read is None:
                raise
            lines = []  # nothing came within <secs>
        if len(lines) < (1 if form == 2 else 2):
            raise NoAnswer(target, "%s returned no datagram" % line, timeout)
        data = lines[-1]
        if form == 2:
            fields = _fields(data, row[18])
            data = fields[-1]
            buf = bytearray()
            try:  # by hand: bytes.fromhex is optional on MicroPython builds
                if len(data) == 2 * int(fields[int(row[19])]):
                    for i in range(0, len(data), 2):
                        buf.append(int(data[i:i + 2], 16))
                    data = ""
                    raw = bytes(buf)
            except ValueError:  # a module that ignores hex mode: the text is the datagram
                pass
        if data:
            buf = bytearray()
            for c in data:  # the link's latin1() inverted
                buf.append(ord(c))
            raw = bytes(buf)
        failing = False
        return raw
    finally:
        if held:
            try:
                link.cmd(row[21] % v, row[21][2:row[21].find("=")] + ":")
            except PortClosed:
                if not failing:
                    raise
            except MeLibError:
                pass  # a failed close changes no answer, and must not hide the error
