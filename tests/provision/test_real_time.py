"""The reboot and REFRESH scenarios on a real-time modem (`sim://...?speed=1`).

On the lock-step clock virtual time stands still while the host computes, so the
order in which URCs and answers reach the host is always the same; on a wall
clock, as real modules answer, a URC of the old boot can still sit in the
channel's queue when the module resets, and a registration report can land
between two watch polls. These two runs keep those orders covered in `make test`.
The scenario's boot, SIM and registration delays are cut to a fraction of a
second (virtual seconds are real seconds here) so each run costs a few seconds;
the assertions are about what the library did, never about how long it took.
"""

import pytest

from me_lib.codec import dmcfg
from me_lib.codec.dmcfg import DEFAULT_PATH
from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.provision.watch import watch
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

from .conftest import Trace, sim_of

STAGING = "telemetry-staging.example"
FAST = {"boot": {"time": 0.3, "sim_busy": 0.3},
        "network": {"registration_delay": 1.0, "search_delay": 0.2,
                    "apns": {"dm.operator.example": {}, "telemetry.example": {},
                             "fota.example": {}, STAGING: {}}}}


@pytest.fixture
def realtime(tmp_path, dm_server):
    """A BG96 on the wall clock (speed=1) with short boot and registration delays."""
    path = derive(tmp_path / "rt", "default", dm_port=dm_server.port, **FAST)
    modem = Modem.open("sim://%s?speed=1" % path)
    yield modem
    modem.close()


def _ready(modem):
    modem.start()
    modem.wait_sim_ready()
    return modem


def test_reboot_at_real_time_waits_for_the_new_registration(realtime, ownership):
    modem = _ready(realtime)
    profile = read_profile(modem)
    first = provision(modem, profile, ownership=ownership)
    assert first.ok, first.to_dict()
    # like the HIL rig's reset: the module resets now, the host then starts again
    boots = modem.channel.reboots
    sim_of(modem).reboot()
    modem.reset_session()
    _ready(modem)
    assert modem.channel.reboots > boots       # the new boot's RDY was seen
    after = provision(modem, profile, ownership=ownership)
    # a registration report of the old boot taken for the new one sends every
    # activation into "+CME ERROR: 30" (no network service)
    assert after.ok, after.to_dict()
    assert [(c.name, c.state) for c in after.contexts] == [
        ("APN0", "active"), ("telemetry", "active"), ("fota", "active")]
    assert all(c.addresses for c in after.contexts)


def _changed(raw, service, apn):
    cfg = dmcfg.decode(raw)
    bearers = [b.replace(apn=apn) if service in b.services else b for b in cfg.bearers]
    return dmcfg.encode(cfg.replace(bearers=tuple(bearers), sequence=(cfg.sequence or 0) + 1),
                        len(raw))


def test_refresh_at_real_time_is_handled_as_a_refresh(realtime, ownership):
    modem = _ready(realtime)
    profile = read_profile(modem)
    first = provision(modem, profile, ownership=ownership)
    assert first.ok, first.to_dict()
    usim = modem.usim()
    usim.select_usim()
    original = usim.access.read_binary(DEFAULT_PATH)
    trace = Trace(modem)
    sim_of(modem).ota_update(DEFAULT_PATH, _changed(original, "telemetry", STAGING))
    events = watch(modem, lambda: read_profile(modem), profile=profile, ownership=ownership,
                   max_events=1, duration=60.0, reach_dm=False)
    assert [e.kind for e in events] == ["refresh"], events
    result = events[0].result
    assert result is not None and result.ok, result and result.to_dict()
    ctx = result.context("telemetry")
    assert ctx is not None and ctx.apn == STAGING and ctx.state == "active"
    # only the changed service was touched
    writes = trace.writes()
    assert writes and all("telemetry.example" not in w and "fota" not in w
                          and "dm.operator" not in w for w in writes), writes
