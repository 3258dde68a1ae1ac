"""SIMCom SIM7080 (and SIM7000/SIM7070 "CA" stack): CDNSGIP, CAOPEN, CASEND, CARECV.

Flows (SIM7080 Series TCP/IP Application Note; TinyGSM SIM7080):

- resolve: `AT+CDNSGIP="<host>"` -> OK, then `+CDNSGIP: 1,"<host>","<ip1>"[,"<ip2>"]`
  or `+CDNSGIP: 0,<err>`. SIM7600 firmware answers the same line before its final
  (`+CDNSGIP: 0,10` then ERROR, transcript lily90-11); both are read.
                                                                  1 round trip
- udp_request: `AT+CAOPEN=<id>,<pdpidx>,"UDP","<ip>",<port>` -> `+CAOPEN: <id>,<result>`;
  `AT+CASEND=<id>,<len>` -> `>` payload -> OK; `+CADATAIND: <id>`;
  `AT+CARECV=<id>,1460` -> `+CARECV: <n>,<n raw bytes>`; `AT+CACLOSE=<id>`
                                                                  4 round trips
- tcp_probe: CAOPEN "TCP", CACLOSE                   2 round trips (1 when refused)

`cid` is SIMCom's `<pdpidx>` (0-3) activated with AT+CNACT=<pdpidx>,1, which
is not the +CGDCONT cid: on SIM7080, pdpidx 0 is the usual one.
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

# <result> of +CAOPEN (SIM7080 TCP/IP manual).
CAOPEN_RESULTS = {
    0: "success",
    1: "socket error",
    2: "no memory",
    3: "connection limit",
    4: "parameter invalid",
    6: "invalid IP address",
    7: "function not supported",
    12: "cannot bind the port",
    13: "cannot listen on the port",
    20: "cannot resolve the host",
    21: "network not active",
    23: "remote refused",
    24: "certificate expired",
    25: "certificate common name mismatch",
    26: "certificate common name mismatch and expired",
    27: "connect failed",
}

_PDP_HINT = ("the PDP index is not active: activate it with AT+CNACT=<pdpidx>,1 and check "
             "the APN in AT+CNCFG")


class SimcomSockets(AdapterBase):
    """SocketAdapter for SIMCom SIM7080-family modules (the `CA*` socket commands)."""

    family = "simcom"

    def __init__(self, channel: AtChannel, conn_id: int = 0) -> None:
        super().__init__(channel)
        self.conn_id = conn_id

    # -- DNS ----------------------------------------------------------------

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]:
        deadline = self.deadline(timeout)
        self.drain("+CDNSGIP:")
        rsp = self.channel.command(build_command("+CDNSGIP", host), prefix="+CDNSGIP:",
                                   timeout=self.budget_for(deadline, "+CDNSGIP"), check=False)
        line = next((x for x in rsp.lines if x.upper().startswith("+CDNSGIP:")), None)
        if line is None:
            if not rsp.final.ok:
                raise NameNotResolved(host, "%s answered %s" % (
                    rsp.command, rsp.final.text or rsp.final.kind), rsp.final.code)
            line = self.wait("+CDNSGIP:", deadline, lambda _u: True, host, "no DNS result",
                             timeout).line
        values = urc_values(Urc(line, "+CDNSGIP:"), "+CDNSGIP:")
        ok = to_int(values[0]) if values else None
        if ok != 1:
            err = to_int(values[1]) if len(values) > 1 else None
            raise NameNotResolved(host, "DNS error %s" % (err if err is not None else "?"),
                                  err)
        ips = [v for v in values[2:] if is_ip(v)]
        if not ips:
            raise NameNotResolved(host, "the DNS answer held no address: %r" % line)
        return ips

    # -- sockets ------------------------------------------------------------

    def _open(self, kind: str, ip: str, port: int, cid: int, deadline: float) -> None:
        """CAOPEN; raises ConnectFailed when nothing was opened (so nothing to close).

        A CAOPEN that times out may still complete in the module, so that case
        closes before the timeout propagates.
        """
        target = target_of(ip, port)
        try:
            rsp = self.channel.command(
                build_command("+CAOPEN", self.conn_id, cid, kind, ip, port),
                prefix="+CAOPEN:", timeout=self.budget_for(deadline, "+CAOPEN"), check=False)
        except AtTimeout:
            self._close(True)
            raise
        row = rsp.first("+CAOPEN:")
        result = to_int(row[1]) if row and len(row) > 1 else None
        if rsp.final.ok and result == 0:
            return
        if result is None:
            raise ConnectFailed(target, "%s answered %s" % (
                rsp.command, rsp.final.text or rsp.final.kind), rsp.final.code)
        raise ConnectFailed(target, "+CAOPEN result %d %s" % (
            result, CAOPEN_RESULTS.get(result, "(not in the manual)")), result,
            _PDP_HINT if result == 21 else None)

    def _is_mine(self, urc: Urc) -> bool:
        values = urc_values(urc, urc.prefix)
        return bool(values) and to_int(values[0]) == self.conn_id

    def _close(self, failing: bool) -> None:
        self.close_quietly(build_command("+CACLOSE", self.conn_id), failing)

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes:
        target, deadline = self.begin(ip, port, timeout)
        self.drain("+CADATAIND:", self._is_mine)
        self._open("UDP", ip, port, cid, deadline)
        failing = True
        try:
            try:
                self.channel.command(build_command("+CASEND", self.conn_id, len(payload)),
                                     payload=payload, timeout=self.budget_for(deadline, "+CASEND"))
            except (CmeError, AtCommandError) as exc:
                raise ConnectFailed(target, str(exc), getattr(exc, "code", None)) from exc
            self.wait("+CADATAIND:", deadline, self._is_mine, target,
                      "no datagram came back", timeout)
            data = self.read_announced(
                build_command("+CARECV", self.conn_id, 1460),
                RawSpec("+CARECV:", 0, inline=True), deadline, 10.0, target,
                "+CADATAIND announced data but CARECV returned none", timeout)
            failing = False
            return data
        finally:
            self._close(failing)

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None:
        _, deadline = self.begin(ip, port, timeout)
        self._open("TCP", ip, port, cid, deadline)
        self._close(False)
