"""Assertions shared by the HIL tests: what "agrees with the rig file" means."""

from typing import Any

from hil.rig import Expect
from me_lib.at.trace import read_trace
from me_lib.card.usim import DMCFG_PATH, Usim
from me_lib.provision import ProvisionResult
from me_lib.sources import read_profile

# Command heads that change the modem's configuration or state: a re-run on a
# provisioned modem must send none of them (same list as tests/provision).
WRITE_HEADS = ("AT+CGDCONT=", "AT+CGAUTH=", "AT+CFUN=", "AT+CGACT=1", "AT+CGATT=1",
               "AT+QIACT=", "AT+QICSGP=", "AT+CNACT=", "AT+CNCFG=", "AT#SGACT=",
               "AT+UPSD")


def card_snapshot(usim: Usim) -> dict[str, Any]:
    """What one access path reads from the card: identity, raw EF.DMCFG, decoded profile."""
    identity = usim.identity()
    usim.select_usim()
    raw = usim.access.read_binary(DMCFG_PATH)
    profile = read_profile(usim)
    return {"iccid": identity.iccid, "imsi": identity.imsi, "dmcfg": raw.hex(),
            "servers": [s.__dict__ if hasattr(s, "__dict__") else s
                        for s in profile.to_dict()["dm_servers"]],
            "bearers": profile.to_dict()["bearers"]}


def check_expected(snapshot: dict[str, Any], expect: Expect) -> None:
    """The card holds the SIM the rig file says is in this modem."""
    if expect.iccid:
        assert snapshot["iccid"] == expect.iccid, "wrong SIM in the modem"
    if expect.imsi:
        assert snapshot["imsi"] == expect.imsi
    server = snapshot["servers"][0] if snapshot["servers"] else {}
    if expect.dm_host:
        assert server.get("host") == expect.dm_host
    if expect.dm_port:
        assert server.get("port") == expect.dm_port
    bearers = snapshot["bearers"]
    if expect.apn0:
        assert bearers and bearers[0]["apn"] == expect.apn0
    for service, apn in expect.services.items():
        named = [b["apn"] for b in bearers if service in b["services"]]
        assert named == [apn], "service %s: card names %s, rig expects %s" % (
            service, named, apn)


def check_contexts(result: ProvisionResult, expect: Expect) -> None:
    """Every context the profile asks for is active with an address (and the rig's APNs)."""
    bad = [(c.name, c.state, c.error) for c in result.contexts
           if c.state != "active" or not c.addresses]
    assert not bad, bad
    if expect.apn0:
        assert result.contexts[0].apn == expect.apn0
    for service, apn in expect.services.items():
        ctx = result.context(service)
        assert ctx is not None, "no context for service %s" % service
        assert ctx.apn == apn


def tx_lines(trace_path: str, start: int = 0) -> list[str]:
    """Command lines the host wrote, from this test's own AT trace (records from `start`)."""
    _header, records = read_trace(trace_path)
    return [data[:-1].decode("latin-1") for _t, d, data in records[start:]
            if d == "tx" and data.endswith(b"\r")]


def trace_length(trace_path: str) -> int:
    return len(read_trace(trace_path)[1])
