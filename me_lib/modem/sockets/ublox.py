"""u-blox SARA-R4/R5: UDNSRN, USOCR/USOST/USORF, USOCO, USOCL, USOER.

Flows (SARA-R4 AT Commands Manual UBX-17003787 §18):

- resolve: `AT+UDNSRN=0,"<host>"` -> `+UDNSRN: "<ip>"` OK               1 round trip
- udp_request: `AT+UDCONF=1,1` (HEX mode, once per adapter and modem boot),
  `AT+USOCR=17` -> `+USOCR: <s>`; `AT+USOST=<s>,"<ip>",<port>,<len>` -> `@`
  prompt, binary payload -> `+USOST: <s>,<len>`; `+UUSORF: <s>,<len>`;
  `AT+USORF=<s>,<len>` -> `+USORF: <s>,"<ip>",<port>,<len>,"<hex>"`; `AT+USOCL=<s>`
                                                 4 round trips (+1 the first time)
- tcp_probe: USOCR=6, `AT+USOCO=<s>,"<ip>",<port>`, USOCL  3 round trips
  (+1 `AT+USOER` on a failed connect, for the socket errno)

Why HEX mode: USORF returns the datagram between quotes, and a datagram may
hold CR, LF or quotes that no line parser can delimit; in HEX mode the data is
a hex string (§18.13.2). Sending uses the binary `@` syntax, which HEX mode
does not affect (§18.11.4). A firmware that ignores HEX mode still works as
long as the datagram is line-safe: the data field is then taken as raw bytes.

SARA-R4 sockets use the active default context; `cid` is not selectable per
socket on this module (R5's +UPSD profile mapping is the dialect's business).
"""

from me_lib.at import AtChannel, Urc, build_command
from me_lib.at.fields import split_fields, to_int
from me_lib.at.timeouts import timeout_for
from me_lib.errors import (
    AtCommandError,
    AtError,
    CmeError,
    ConnectFailed,
    DecodeError,
    ModemRebooted,
    NameNotResolved,
)
from me_lib.modem.sockets.base import (
    AdapterBase,
    is_ip,
    urc_values,
)

# BSD errno values +USOER reports (SARA-R4 manual, appendix "Internet suite error classes").
ERRNO = {
    1: "operation not permitted",
    11: "resource temporarily unavailable",
    101: "network unreachable",
    104: "connection reset by peer",
    110: "connection timed out",
    111: "connection refused",
    113: "no route to host",
}

_MAX_READ = 1024


def parse_usorf(line: str) -> bytes:
    """Data of a `+USORF: <s>,"<ip>",<port>,<len>,"<data>"` line, hex or raw.

    The data is located by position (after the fourth top-level comma), not by
    splitting, since raw data may itself hold commas.
    """
    body = line.split(":", 1)[1] if ":" in line else line
    head = split_fields(body)
    if len(head) < 5:
        raise DecodeError("+USORF", "expected 5 fields, got %r" % line)
    length = to_int(head[3])
    if length is None or length < 0:
        raise DecodeError("+USORF", "bad length field %r" % head[3])
    commas = 0
    quoted = False
    start = -1
    for i, c in enumerate(body):
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            commas += 1
            if commas == 4:
                start = i + 1
                break
    text = body[start:].strip() if start >= 0 else ""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    if len(text) == 2 * length:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    if len(text) == length:
        return bytes([ord(c) for c in text])  # one byte per char (latin-1 on any interpreter)
    raise DecodeError("+USORF", "announced %d bytes, the data field has %d characters; "
                      "without HEX mode (AT+UDCONF=1,1) NUL, CR and LF bytes of the "
                      "datagram are lost on the line" % (length, len(text)))


class UbloxSockets(AdapterBase):
    """SocketAdapter for u-blox SARA-R4/R5 (internal IP stack)."""

    family = "ublox"

    def __init__(self, channel: AtChannel) -> None:
        super().__init__(channel)
        self._hex_mode = False
        channel.on_reboot(lambda _ev: self._forget_hex_mode())

    def _forget_hex_mode(self) -> None:
        self._hex_mode = False

    # -- DNS ----------------------------------------------------------------

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]:
        deadline = self.deadline(timeout)
        try:
            rsp = self.channel.command(build_command("+UDNSRN", 0, host), prefix="+UDNSRN:",
                                       timeout=self.budget_for(deadline, "+UDNSRN"))
        except (CmeError, AtCommandError) as exc:
            raise NameNotResolved(host, str(exc), getattr(exc, "code", None)) from exc
        ips = [v for row in rsp.fields("+UDNSRN:") for v in row if is_ip(v)]
        if not ips:
            raise NameNotResolved(host, "the answer held no address: %r" % rsp.lines)
        return ips

    # -- sockets ------------------------------------------------------------

    def _create(self, protocol: int, deadline: float) -> int:
        rsp = self.channel.command(build_command("+USOCR", protocol), prefix="+USOCR:",
                                   timeout=self.budget_for(deadline, "+USOCR"))
        row = rsp.first("+USOCR:")
        sock = to_int(row[0]) if row else None
        if sock is None:
            raise AtError("AT+USOCR gave no socket id: %r" % rsp.lines, rsp.command)
        return sock

    def _errno(self) -> tuple[str, int | None]:
        """The socket errno behind a failed USOxx (one extra round trip, error path only)."""
        try:
            rsp = self.channel.command("AT+USOER", prefix="+USOER:",
                                       timeout=timeout_for("AT+USOER"))
        except AtError:
            return "no +USOER", None
        row = rsp.first("+USOER:")
        code = to_int(row[0]) if row else None
        if code is None:
            return "no +USOER", None
        return "errno %d %s" % (code, ERRNO.get(code, "")), code

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes:
        target, deadline = self.begin(ip, port, timeout)
        try:
            if not self._hex_mode:
                self.channel.command(build_command("+UDCONF", 1, 1),
                                     timeout=self.budget_for(deadline, "+UDCONF"))
                self._hex_mode = True
            sock = self._create(17, deadline)
        except ModemRebooted:
            self._hex_mode = False
            raise
        match = DataUrcMatch(sock)
        self.drain("+UUSOR", match)
        failing = True
        try:
            rsp = self.channel.command(
                build_command("+USOST", sock, ip, port, len(payload)), prefix="+USOST:",
                payload=payload, timeout=self.budget_for(deadline, "+USOST"), check=False)
            if not rsp.final.ok:
                detail, code = self._errno()
                raise ConnectFailed(target, "USOST answered %s (%s)" % (
                    rsp.final.text or rsp.final.kind, detail), code)
            urc = self.wait("+UUSOR", deadline, match, target, "no datagram came back",
                            timeout)
            values = urc_values(urc, urc.prefix)
            announced = to_int(values[1]) if len(values) > 1 else None
            size = min(max(announced or _MAX_READ, 1), _MAX_READ)
            rd = self.channel.command(build_command("+USORF", sock, size), prefix="+USORF:",
                                      timeout=self.budget_for(deadline, "+USORF"))
            line = next((x for x in rd.lines if x.upper().startswith("+USORF:")), None)
            if line is None:
                raise DecodeError("+USORF", "no +USORF line in %r" % rd.lines)
            data = parse_usorf(line)
            failing = False
            return data
        except ModemRebooted:
            self._hex_mode = False
            raise
        finally:
            self.close_quietly(build_command("+USOCL", sock), failing)

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None:
        target, deadline = self.begin(ip, port, timeout)
        sock = self._create(6, deadline)
        failing = True
        try:
            rsp = self.channel.command(build_command("+USOCO", sock, ip, port),
                                       timeout=self.budget_for(deadline, "+USOCO"), check=False)
            if not rsp.final.ok:
                detail, code = self._errno()
                raise ConnectFailed(target, "%s answered %s (%s)" % (
                    rsp.command, rsp.final.text or rsp.final.kind, detail), code)
            failing = False
        finally:
            self.close_quietly(build_command("+USOCL", sock), failing)


class DataUrcMatch:
    """Matches `+UUSORF: <s>,<len>` / `+UUSORD: <s>,<len>` for one socket."""

    def __init__(self, sock: int) -> None:
        self.sock = sock

    def __call__(self, urc: Urc) -> bool:
        if urc.prefix.upper() not in ("+UUSORF:", "+UUSORD:"):
            return False
        values = urc_values(urc, urc.prefix)
        return bool(values) and to_int(values[0]) == self.sock
