"""Telit ME910/LE910 (and ME310): #QDNS, #SD command mode, #SSENDEXT, #SRECV, #SH.

Flows (Telit ME910C1 / ME310G1-ME910G1 AT Commands Reference Guide):

- resolve: `AT#QDNS="<host>"` -> `#QDNS: "<host>","<ip>"` OK         1 round trip
- udp_request: [`AT#SCFG=<conn>,<cid>,300,90,600,50` when cid is not 1, the
  factory binding], `AT#SD=<conn>,1,<port>,"<ip>",0,0,1` (UDP, command mode) -> OK;
  `AT#SSENDEXT=<conn>,<len>` -> `> ` payload (all octets allowed) -> OK;
  `SRING: <conn>`; `AT#SRECV=<conn>,1500` -> `#SRECV: <conn>,<n>` + n raw bytes;
  `AT#SH=<conn>`                                    4 round trips (+1 for SCFG)
- tcp_probe: #SD with protocol 0 (TCP) in command mode, #SH     2 round trips

`cid` is the PDP context activated with AT#SGACT; Telit binds each socket
connection id to a context with #SCFG (all six to cid 1 out of the factory).
#QDNS resolves on the context that is active, so `cid` is informational there.
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

FACTORY_CID = 1
# #SCFG defaults besides the cid: packet size, inactivity, connect (x100 ms), tx timeout.
_SCFG_REST = (300, 90, 600, 50)


class TelitSockets(AdapterBase):
    """SocketAdapter for Telit xE910/xE310 modules (socket dial in command mode)."""

    family = "telit"

    def __init__(self, channel: AtChannel, conn_id: int = 1) -> None:
        super().__init__(channel)
        self.conn_id = conn_id
        self._bound_cid = FACTORY_CID

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]:
        deadline = self.deadline(timeout)
        try:
            rsp = self.channel.command(build_command("#QDNS", host), prefix="#QDNS:",
                                       timeout=self.budget_for(deadline, "#QDNS"))
        except (CmeError, AtCommandError) as exc:
            raise NameNotResolved(host, str(exc), getattr(exc, "code", None)) from exc
        ips = [v for row in rsp.fields("#QDNS:") for v in row[1:] if is_ip(v)]
        if not ips:
            raise NameNotResolved(host, "the answer held no address: %r" % rsp.lines)
        return ips

    def _bind(self, cid: int, deadline: float) -> None:
        if cid == self._bound_cid:
            return
        self.channel.command(build_command("#SCFG", self.conn_id, cid, *_SCFG_REST),
                             timeout=self.budget_for(deadline, "#SCFG"))
        self._bound_cid = cid

    def _dial(self, proto: int, ip: str, port: int, deadline: float) -> None:
        """#SD in command mode; a refused dial opened nothing, a timed-out one is closed."""
        target = target_of(ip, port)
        try:
            rsp = self.channel.command(
                build_command("#SD", self.conn_id, proto, port, ip, 0, 0, 1),
                timeout=self.budget_for(deadline, "#SD"), check=False)
        except AtTimeout:
            self._close(True)
            raise
        if not rsp.final.ok:
            raise ConnectFailed(target, "%s answered %s" % (
                rsp.command, rsp.final.text or rsp.final.kind), rsp.final.code)

    def _close(self, failing: bool) -> None:
        self.close_quietly(build_command("#SH", self.conn_id), failing)

    def _is_mine(self, urc: Urc) -> bool:
        values = urc_values(urc, urc.prefix)
        return bool(values) and to_int(values[0]) == self.conn_id

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes:
        target, deadline = self.begin(ip, port, timeout)
        self._bind(cid, deadline)
        self.drain("SRING:", self._is_mine)
        self._dial(1, ip, port, deadline)
        failing = True
        try:
            try:
                self.channel.command(build_command("#SSENDEXT", self.conn_id, len(payload)),
                                     payload=payload,
                                     timeout=self.budget_for(deadline, "#SSENDEXT"))
            except (CmeError, AtCommandError) as exc:
                raise ConnectFailed(target, str(exc), getattr(exc, "code", None)) from exc
            self.wait("SRING:", deadline, self._is_mine, target, "no datagram came back",
                      timeout)
            data = self.read_announced(
                build_command("#SRECV", self.conn_id, 1500), RawSpec("#SRECV:", 1), deadline,
                10.0, target, "SRING announced data but #SRECV returned none", timeout)
            failing = False
            return data
        finally:
            self._close(failing)

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None:
        _, deadline = self.begin(ip, port, timeout)
        self._bind(cid, deadline)
        self._dial(0, ip, port, deadline)
        self._close(False)
