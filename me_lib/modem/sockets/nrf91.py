"""Nordic nRF91 with the Serial LTE Modem application (SLM, NCS 2.x): #X socket commands.

The nRF91 modem firmware has no socket AT commands; the SLM application on the
same chip offers them (sdk-nrf `applications/serial_lte_modem/doc/
SOCKET_AT_commands.rst` and `slm_data_mode.rst`). Flows:

- resolve: `AT#XGETADDRINFO="<host>"` -> `#XGETADDRINFO: "<ip>"` OK   1 round trip
- udp_request: `AT#XSOCKET=1,2,0[,<cid>]` -> `#XSOCKET: <h>,2,17`;
  `AT#XSENDTO="<ip>",<port>,"<text>"` -> `#XSENDTO: <n>` when the payload is
  plain text, else SLM data mode (below); `AT#XRECVFROM=<s>` -> `#XRECVFROM:
  <n>,"<ip>",<port>` + n raw bytes (ERROR when nothing came within <s>);
  `AT#XSOCKET=0`                                                 4 round trips
- tcp_probe: `AT#XSOCKET=1,1,0[,<cid>]`, `AT#XCONNECT="<ip>",<port>` ->
  `#XCONNECT: 1`, `AT#XSOCKET=0`                                 3 round trips

Binary payloads (a CoAP ping holds 0x00) cannot travel in the string
parameter; SLM 2.x takes them in data mode: `AT#XSENDTO="<ip>",<port>` with no
data switches to data mode without an OK, the raw bytes follow, then the
terminator (`+++` by default, CONFIG_SLM_DATAMODE_TERMINATOR) after a quiet
time; SLM sends and answers `OK` (or `ERROR`). The channel does that itself
(`command(payload_after=...)`): it writes the data a quiet time after the line
only while no final has come, and the terminator a quiet time later, in the
caller's thread, so this works without threads (MicroPython). The NCS 3.1+
"Serial Modem" changed every socket command (handles, hex mode); it is a
different dialect.

`cid` selects the PDN (0 = default bearer); it is sent only when not 0 so that
SLM builds without the parameter keep working.
"""

import math

from me_lib.at import AtChannel, RawSpec, build_command
from me_lib.at.fields import to_int
from me_lib.at.timeouts import timeout_for
from me_lib.errors import (
    AtCommandError,
    CmeError,
    ConnectFailed,
    NameNotResolved,
    NoAnswer,
)
from me_lib.modem.sockets.base import (
    AdapterBase,
    is_ip,
)

TERMINATOR = b"+++"
_TEXT_UNSAFE = b'",;\\'   # bytes: `in` tests a byte; frozenset is optional on boards


def is_text_payload(payload: bytes) -> bool:
    """Can the payload ride in `#XSENDTO`'s string parameter (printable, no , " ; \\)?"""
    return bool(payload) and all(0x20 <= b <= 0x7E and b not in _TEXT_UNSAFE
                                 for b in payload)


class Nrf91Sockets(AdapterBase):
    """SocketAdapter for nRF91 running the Serial LTE Modem application (NCS 2.x)."""

    family = "nrf91"

    def __init__(self, channel: AtChannel, terminator: bytes = TERMINATOR,
                 datamode_silence: float = 1.0) -> None:
        super().__init__(channel)
        self.terminator = terminator
        self.datamode_silence = datamode_silence

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]:
        deadline = self.deadline(timeout)
        try:
            rsp = self.channel.command(build_command("#XGETADDRINFO", host),
                                       prefix="#XGETADDRINFO:",
                                       timeout=self.budget_for(deadline, "#XGETADDRINFO"))
        except (CmeError, AtCommandError) as exc:
            raise NameNotResolved(host, str(exc), getattr(exc, "code", None)) from exc
        ips: list[str] = []
        for row in rsp.fields("#XGETADDRINFO:"):
            for value in row:
                ips.extend(v for v in value.replace(",", " ").split() if is_ip(v))
        if not ips:
            raise NameNotResolved(host, "the answer held no address: %r" % rsp.lines)
        return ips

    # -- sockets ------------------------------------------------------------

    def _socket(self, sock_type: int, cid: int, deadline: float) -> int:
        rsp = self.channel.command(
            build_command("#XSOCKET", 1, sock_type, 0, cid if cid else None),
            prefix="#XSOCKET:", timeout=self.budget_for(deadline, "#XSOCKET"), check=False)
        row = rsp.first("#XSOCKET:")
        handle = to_int(row[0]) if row else None
        if not rsp.final.ok or handle is None or handle < 0:
            raise ConnectFailed("a new socket", "%s answered %s %s" % (
                rsp.command, rsp.lines, rsp.final.text or rsp.final.kind),
                handle if handle is not None and handle < 0 else rsp.final.code,
                hint="the SLM has no free socket or the PDN is down (AT+CGACT?)")
        return handle

    def _close(self, failing: bool) -> None:
        self.close_quietly(build_command("#XSOCKET", 0), failing)

    def _send_datamode(self, line: str, payload: bytes, target: str,
                       deadline: float) -> None:
        """One `#XSENDTO` in SLM data mode: command, raw bytes, terminator, final.

        A module that rejects the command answers at once, before the quiet
        time is over; the channel then writes nothing, so the bytes are never
        read as commands.
        """
        # the exchange itself takes two guard silences (before and after the
        # terminator); a shorter budget would time out while the SLM waits out the
        # second one, and our next command would then be taken for payload
        timeout = max(self.budget_for(deadline, "#XSENDTO"),
                      2 * self.datamode_silence + timeout_for("#XSENDTO DATAMODE"))
        rsp = self.channel.command(line, timeout=timeout, check=False, payload=payload,
                                   payload_end=self.terminator,
                                   payload_after=self.datamode_silence)
        if not rsp.final.ok:
            raise ConnectFailed(target, "%s in data mode answered %s" % (
                line, rsp.final.text or rsp.final.kind), rsp.final.code,
                hint="this SLM build may lack data mode for #XSENDTO")

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes:
        target, deadline = self.begin(ip, port, timeout)
        self._socket(2, cid, deadline)
        failing = True
        try:
            if is_text_payload(payload):
                try:
                    self.channel.command(
                        build_command("#XSENDTO", ip, port, payload.decode("ascii")),
                        prefix="#XSENDTO:", timeout=self.budget_for(deadline, "#XSENDTO"))
                except (CmeError, AtCommandError) as exc:
                    raise ConnectFailed(target, str(exc), getattr(exc, "code", None)) from exc
            else:
                self._send_datamode(build_command("#XSENDTO", ip, port), payload, target,
                                    deadline)
            secs = max(1, math.ceil(self.left(deadline)))
            rsp = self.channel.command(build_command("#XRECVFROM", secs),
                                       prefix="#XRECVFROM:",
                                       raw=[RawSpec("#XRECVFROM:", 0)],
                                       timeout=secs + timeout_for("#XRECVFROM MARGIN"),
                                       check=False)
            if not rsp.final.ok or not rsp.payloads:
                raise NoAnswer(target, "#XRECVFROM answered %s" % (
                    rsp.final.text or rsp.final.kind), timeout)
            failing = False
            return rsp.payloads[0]
        finally:
            self._close(failing)

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None:
        target, deadline = self.begin(ip, port, timeout)
        self._socket(1, cid, deadline)
        failing = True
        try:
            rsp = self.channel.command(build_command("#XCONNECT", ip, port),
                                       prefix="#XCONNECT:",
                                       timeout=self.budget_for(deadline, "#XCONNECT"), check=False)
            row = rsp.first("#XCONNECT:")
            if not rsp.final.ok or not row or to_int(row[0]) != 1:
                raise ConnectFailed(target, "%s answered %s %s" % (
                    rsp.command, rsp.lines, rsp.final.text or rsp.final.kind),
                    rsp.final.code)
            failing = False
        finally:
            self._close(failing)
