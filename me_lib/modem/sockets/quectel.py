"""Quectel BG95/BG96 (and the BG77/BG600L family): QIDNSGIP, QIOPEN, QISEND, QIRD.

Flows (Quectel BG96 TCP/IP AT Commands Manual):

- resolve: `AT+QIDNSGIP=<ctx>,"<host>"` -> OK, then `+QIURC: "dnsgip",<err>,<n>,<ttl>`
  and n x `+QIURC: "dnsgip","<ip>"`                                   1 round trip
- udp_request: `AT+QIOPEN=<ctx>,<id>,"UDP","<ip>",<port>,0,0` -> OK, `+QIOPEN: <id>,<err>`;
  `AT+QISEND=<id>,<len>` -> `> ` payload -> SEND OK; `+QIURC: "recv",<id>`;
  `AT+QIRD=<id>,1500` -> `+QIRD: <n>` + n raw bytes; `AT+QICLOSE=<id>`   4 round trips
- tcp_probe: QIOPEN "TCP" + `+QIOPEN` result, QICLOSE                  2 round trips

Buffer access mode (0) is used so that received bytes arrive length-announced
in the QIRD answer (binary-safe), never inside a URC. `cid` is the Quectel
`<contextID>` activated with AT+QIACT.
"""

from me_lib.at import AtChannel, RawSpec, Urc, build_command
from me_lib.at.fields import to_int
from me_lib.errors import (
    AtCommandError,
    AtTimeout,
    CmeError,
    ConnectFailed,
    NameNotResolved,
)
from me_lib.modem.sockets.base import (
    AdapterBase,
    is_ip,
    target_of,
    urc_values,
)

# TCP/IP result codes (BG96 TCP/IP AT Commands Manual, chapter "Summary of Error Codes").
QUECTEL_ERRORS = {
    550: "unknown error",
    551: "operation blocked",
    552: "invalid parameters",
    553: "memory not enough",
    554: "create socket failed",
    555: "operation not supported",
    556: "socket bind failed",
    557: "socket listen failed",
    558: "socket write failed",
    559: "socket read failed",
    560: "socket accept failed",
    561: "open PDP context failed",
    562: "close PDP context failed",
    563: "socket identity has been used",
    564: "DNS busy",
    565: "DNS parse failed",
    566: "socket connect failed",
    567: "socket has been closed",
    568: "operation busy",
    569: "operation timeout",
    570: "PDP context broken down",
    571: "cancel send",
    572: "operation not allowed",
    573: "APN not configured",
    574: "port busy",
}

_PDP_CODES = (561, 570, 573)
_PDP_HINT = ("the PDP context is not active: activate it (AT+QIACT=<ctx>) and check the "
             "APN in AT+QICSGP")


def describe(code: int | None) -> str:
    if code is None:
        return "unknown error"
    return "error %d %s" % (code, QUECTEL_ERRORS.get(code, "(not in the manual)"))


class QuectelSockets(AdapterBase):
    """SocketAdapter for Quectel BG9x modules (internal TCP/IP stack, buffer access mode)."""

    family = "quectel"

    def __init__(self, channel: AtChannel, conn_id: int = 0) -> None:
        super().__init__(channel)
        self.conn_id = conn_id

    # -- DNS ----------------------------------------------------------------

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]:
        deadline = self.deadline(timeout)
        self.drain("+QIURC:", _dnsgip)
        try:
            self.channel.command(build_command("+QIDNSGIP", cid, host),
                                 timeout=self.budget_for(deadline, "+QIDNSGIP"))
        except CmeError as exc:
            raise NameNotResolved(host, describe(exc.code), exc.code) from exc
        except AtCommandError as exc:
            raise NameNotResolved(host, str(exc)) from exc
        head = self.wait("+QIURC:", deadline, _dnsgip_head, host, "no DNS result", timeout)
        values = urc_values(head, "+QIURC:")
        err = to_int(values[1]) if len(values) > 1 else None
        if err != 0:
            raise NameNotResolved(host, describe(err), err)
        count = to_int(values[2]) if len(values) > 2 else None
        ips: list[str] = []
        for _ in range(count or 0):
            urc = self.wait("+QIURC:", deadline, _dnsgip_ip, host,
                            "DNS answer announced %s addresses, got %d" % (count, len(ips)),
                            timeout)
            ip = urc_values(urc, "+QIURC:")[1]
            if is_ip(ip):
                ips.append(ip)
        if not ips:
            raise NameNotResolved(host, "the DNS answer held no address")
        return ips

    # -- sockets ------------------------------------------------------------

    def _open(self, kind: str, ip: str, port: int, cid: int, deadline: float) -> None:
        """QIOPEN; a rejected command opened nothing, so it raises before any close.

        A QIOPEN that times out may still open the socket later, so that case
        closes before the timeout propagates.
        """
        try:
            rc = self.channel.command(
                build_command("+QIOPEN", cid, self.conn_id, kind, ip, port, 0, 0),
                timeout=self.budget_for(deadline, "+QIOPEN"), check=False)
        except AtTimeout:
            self._close(True)
            raise
        if not rc.final.ok:
            code = rc.final.code
            raise ConnectFailed(target_of(ip, port), "%s was refused: %s" % (
                rc.command, describe(code) if code is not None else rc.final.text),
                code, _PDP_HINT if code in _PDP_CODES else None)

    def _opened(self, target: str, deadline: float, timeout: float) -> None:
        """The asynchronous `+QIOPEN: <id>,<err>`; after it the socket must be closed."""
        urc = self.wait("+QIOPEN:", deadline, self._is_mine, target,
                        "no +QIOPEN result", timeout)
        values = urc_values(urc, "+QIOPEN:")
        err = to_int(values[1]) if len(values) > 1 else None
        if err != 0:
            raise ConnectFailed(target, describe(err), err,
                                _PDP_HINT if err in _PDP_CODES else None)

    def _is_mine(self, urc: Urc) -> bool:
        values = urc_values(urc, urc.prefix)
        return bool(values) and to_int(values[0]) == self.conn_id

    def _socket_event(self, urc: Urc) -> bool:
        values = urc_values(urc, "+QIURC:")
        return (len(values) >= 2 and values[0] in ("recv", "closed")
                and to_int(values[1]) == self.conn_id)

    def _drain_socket(self) -> None:
        self.drain("+QIOPEN:", self._is_mine)
        self.drain("+QIURC:", self._socket_event)

    def _close(self, failing: bool) -> None:
        # The manual asks for QICLOSE even after +QIOPEN reported an error.
        self.close_quietly(build_command("+QICLOSE", self.conn_id), failing)

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes:
        target, deadline = self.begin(ip, port, timeout)
        self._drain_socket()
        self._open("UDP", ip, port, cid, deadline)
        failing = True
        try:
            self._opened(target, deadline, timeout)
            rsp = self.channel.command(
                build_command("+QISEND", self.conn_id, len(payload)), payload=payload,
                finals={"SEND OK": True, "SEND FAIL": False},
                timeout=self.budget_for(deadline, "+QISEND"), check=False)
            if not rsp.final.ok:
                raise ConnectFailed(target, "QISEND answered %s" % (
                    rsp.final.text or rsp.final.kind), rsp.final.code)
            urc = self.wait("+QIURC:", deadline, self._socket_event, target,
                            "no datagram came back", timeout)
            if urc_values(urc, "+QIURC:")[0] == "closed":
                raise ConnectFailed(target, "the modem closed the socket before an answer")
            data = self.read_announced(
                build_command("+QIRD", self.conn_id, 1500), RawSpec("+QIRD:", 0), deadline,
                20.0, target, "+QIURC announced data but QIRD returned none", timeout)
            failing = False
            return data
        finally:
            self._close(failing)

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None:
        target, deadline = self.begin(ip, port, timeout)
        self._drain_socket()
        self._open("TCP", ip, port, cid, deadline)
        failing = True
        try:
            self._opened(target, deadline, timeout)
            failing = False
        finally:
            self._close(failing)


def _dnsgip(urc: Urc) -> bool:
    values = urc_values(urc, "+QIURC:")
    return bool(values) and values[0] == "dnsgip"


def _dnsgip_head(urc: Urc) -> bool:
    values = urc_values(urc, "+QIURC:")
    return len(values) >= 2 and values[0] == "dnsgip" and to_int(values[1]) is not None


def _dnsgip_ip(urc: Urc) -> bool:
    values = urc_values(urc, "+QIURC:")
    return len(values) >= 2 and values[0] == "dnsgip" and to_int(values[1]) is None
