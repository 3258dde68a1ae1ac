"""REFRESH: the rig changes the card over the air; watch() re-provisions only that service,
then the original file is put back (a real rig is left as it was found)."""

import pytest

from hil.checks import WRITE_HEADS, trace_length, tx_lines
from hil.dut import Dut
from me_lib.codec import dmcfg
from me_lib.codec.dmcfg import DEFAULT_PATH
from me_lib.provision import ProvisionResult
from me_lib.provision.watch import watch
from me_lib.sources import read_profile


def _changed(raw: bytes, service: str, apn: str) -> bytes:
    cfg = dmcfg.decode(raw)
    assert cfg is not None, "EF.DMCFG is not provisioned on this card"
    bearers = [b.replace(apn=apn) if service in b.services else b for b in cfg.bearers]
    assert bearers != list(cfg.bearers), "the card has no %s bearer" % service
    return dmcfg.encode(cfg.replace(bearers=tuple(bearers), sequence=(cfg.sequence or 0) + 1),
                        len(raw))


def _refresh(dut: Dut, data: bytes) -> ProvisionResult:
    modem = dut.ready()
    dut.ota_update(DEFAULT_PATH, data)
    events = watch(modem, lambda: read_profile(modem), profile=dut.profile(),
                   ownership=dut.ownership, pin=dut.pin, max_events=1,
                   duration=dut.spec.ota_change.timeout, reach_dm=False)
    dut.forget_card()
    assert [e.kind for e in events] == ["refresh"], events
    result = events[0].result
    assert result is not None and result.ok, result and result.to_dict()
    assert isinstance(result, ProvisionResult)
    return result


@pytest.mark.hil_needs("ota")
def test_refresh_reprovisions_the_changed_service(dut: Dut, at_trace: str) -> None:
    assert dut.provisioned().ok
    change = dut.spec.ota_change
    usim = dut.ready().usim()
    usim.select_usim()
    original = usim.access.read_binary(DEFAULT_PATH)
    before = {c.name: c for c in dut.provisioned().contexts}
    start = trace_length(at_trace)
    try:
        result = _refresh(dut, _changed(original, change.service, change.apn))
        ctx = result.context(change.service)
        assert ctx is not None and ctx.apn == change.apn and ctx.state == "active"
        assert ctx.cid == before[change.service].cid
        untouched = [b.apn for name, b in before.items() if name != change.service]
        writes = [x for x in tx_lines(at_trace, start) if x.upper().startswith(WRITE_HEADS)]
        assert not [w for w in writes if any(apn in w for apn in untouched)], writes
    finally:
        restored = _refresh(dut, original)
    back = restored.context(change.service)
    assert back is not None and back.apn == before[change.service].apn
    dut.first = restored
