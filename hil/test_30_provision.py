"""Provision from scratch, re-run with zero writes, DM server reachable, service contexts up."""

import pytest

from hil.checks import WRITE_HEADS, check_contexts, trace_length, tx_lines
from hil.dut import Dut


def test_provision_from_scratch(dut: Dut, request: pytest.FixtureRequest) -> None:
    removed = dut.scrub()
    request.node.user_properties.append(("scrubbed_cids", removed))
    result = dut.provision()
    dut.first = result
    assert result.writes > 0, "nothing written: the modem was not clean"
    check_contexts(result, dut.spec.expect)
    assert result.ok, result.to_dict()


def test_rerun_writes_nothing(dut: Dut, at_trace: str) -> None:
    assert dut.provisioned().ok
    start = trace_length(at_trace)
    again = dut.provision()
    assert again.ok, again.to_dict()
    assert again.writes == 0
    sent = tx_lines(at_trace, start)
    assert [x for x in sent if x.upper().startswith(WRITE_HEADS)] == [], sent
    assert again.round_trips <= 6, sent


@pytest.mark.hil_needs("dm")
def test_dm_server_reachable(dut: Dut) -> None:
    assert dut.provisioned().ok
    pings = dut.dm_server.pings if dut.dm_server is not None else None
    result = dut.provision(recheck_dm=True)
    assert result.dm is not None and result.dm.reachable, result.dm and result.dm.to_dict()
    if dut.spec.expect.dm_host:
        assert result.dm.host == dut.spec.expect.dm_host
    if dut.spec.expect.dm_port:
        assert result.dm.port == dut.spec.expect.dm_port
    if pings is not None:                      # our own server saw the probe
        assert dut.dm_server.pings > pings


def test_service_contexts_up(dut: Dut) -> None:
    result = dut.provisioned()
    check_contexts(result, dut.spec.expect)
    active = dut.ready().active_cids()         # the module's own view, not the result's
    missing = [(c.name, c.cid) for c in result.contexts if c.cid not in active]
    assert not missing, missing
