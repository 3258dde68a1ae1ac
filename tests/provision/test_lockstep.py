"""Lock-step simulated time: a run's outcome and its simulated-time figures depend on
what the host did, never on how fast or how loaded the machine running it is."""

import random
import time

import pytest

from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

from .conftest import sim_of


def _run(tmp_path, name, dm_port, stall: float = 0.0):
    """One fresh provision on a new simulated BG96; `stall` real seconds of host work
    at every step (a slow or loaded machine)."""
    path = derive(tmp_path / name, "default", dm_port=dm_port)

    def busy_host(step, status, detail):
        if stall:
            time.sleep(stall)

    with Modem.open("sim://%s" % path) as modem:
        modem.start()
        modem.wait_sim_ready()
        profile = read_profile(modem)
        result = provision(modem, profile, state_dir=tmp_path / name / "state",
                           probe_rng=random.Random(7), progress=busy_host)
        return result, sim_of(modem).clock.now()


def test_simulated_time_does_not_depend_on_the_host_speed(tmp_path, dm_server):
    fast, fast_end = _run(tmp_path, "fast", dm_server.port)
    slow, slow_end = _run(tmp_path, "slow", dm_server.port, stall=0.02)
    assert fast.ok and fast.dm is not None and fast.dm.reachable
    assert fast.to_dict() == slow.to_dict()           # step times, RTT, round trips alike
    assert fast_end == slow_end
    assert dm_server.pings == 2                       # one probe per run, no retry


def test_the_dm_reply_lands_one_network_round_trip_after_the_request(tmp_path, dm_server):
    result, _end = _run(tmp_path, "rtt", dm_server.port)
    assert result.dm is not None and result.dm.rtt is not None
    # the scenario's data_rtt (0.1 virtual s) plus the module's own command latencies
    assert 0.1 <= result.dm.rtt < 1.0


@pytest.mark.parametrize(("url", "wall"), [
    ("sim://default", False), ("sim://default?speed=200", False),
    ("sim://default?speed=1", True), ("sim://default?speed=50&clock=wall", True),
])
def test_sim_urls_pick_lockstep_unless_real_time_is_asked(url, wall):
    with Modem.open(url) as modem:
        clock = sim_of(modem).clock
        assert clock.follows_wall is wall and clock.lockstep is not wall


def test_a_lockstep_clock_stands_still_while_the_host_computes():
    with Modem.open("sim://default") as modem:
        clock = sim_of(modem).clock
        before = clock.now()
        time.sleep(0.01)
        assert clock.now() == before
        for _ in range(20):                            # the host waits: time moves
            modem.channel.poll(30.0)                   # (returns early on each URC)
        assert clock.now() >= before + 30.0
