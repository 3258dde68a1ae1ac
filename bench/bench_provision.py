"""AT round trips, bytes and simulated time of the provisioning flow (issue 5 §7).

Measured on the `default` scenario (Quectel BG96, the default card, a real CoAP
DM server on loopback), after the module has booted, at 115200 baud with the
simulator's latency model. Round trips and bytes are deterministic counts;
the time is the modem's (virtual) clock, so a noisy machine does not move it.

The minimum a fresh provision needs on this module, counted by hand:

    start      AT (sync), ATE0, AT+CMEE=1, +CGMM (identify),
               +CEREG=n, +CGEREP=1 (the URCs the flow waits on)         6
    SIM        +CPIN?                                                   1
    profile    EF.DMCFG: GET RESPONSE + 2 READ BINARY (256 bytes > 255),
               EF_ICCID (the cache key, profile-switch detection)       4
    plan       +CGDCONT?, +QIACT? (what is up), +CGDCONT=? (free cids)  3
    APN0       +CFUN?, +CFUN=4, +CGDCONT=1,..., +CFUN=1                 4
    register   one +CEREG? (the rest comes by URC)                       1
    APN0 up    +QIACT=1                                                 1
    DM server  +QIDNSGIP, +QIOPEN, +QISEND, +QIRD, +QICLOSE             5
    services   +CGDCONT + +QIACT for each of the two                    4
    addresses  one bare +CGCONTRDP for every context                    1
                                                                     ----
                                                                       30

A re-run on the provisioned modem needs: +CPIN?, +CGDCONT?, +QIACT?,
+CEREG?, +CGCONTRDP = 5, and no write.
Goals: fresh <= 1.2 x 30; re-run <= 6 round trips and 0 writes.
"""

import tempfile
import time
from pathlib import Path

from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.provision.ownership import Ownership
from me_lib.sim.dm_server import DmServer
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

MINIMUM_FRESH = 30
SPEED = 50.0


def _wait_booted(modem: Modem) -> None:
    """Let the simulated module finish booting, so sync costs one AT as on a powered modem."""
    sim = modem.channel.port.modem
    deadline = time.monotonic() + 10
    while modem.channel.clock() < 6.0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim is not None


def run() -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp, DmServer(0) as server:
        scenario = derive(Path(tmp), "default", dm_port=server.port)
        modem = Modem.open("sim://%s?speed=%g" % (scenario, SPEED))
        try:
            _wait_booted(modem)
            ch = modem.channel
            rt0, out0, in0, t0 = ch.round_trips, ch.bytes_out, ch.bytes_in, ch.clock()
            profile = read_profile(modem)
            ownership = Ownership(Path(tmp) / "contexts.json")
            first = provision(modem, profile, ownership=ownership)
            fresh_rt = ch.round_trips - rt0
            fresh_bytes = (ch.bytes_out - out0) + (ch.bytes_in - in0)
            dm_step = next(s for s in first.steps if s.name == "dm")
            until_dm = sum(s.seconds for s in first.steps[:first.steps.index(dm_step) + 1])
            read_seconds = first.seconds and (ch.clock() - t0 - first.seconds)
            second = provision(modem, profile, ownership=ownership)
        finally:
            modem.close()
    assert first.ok and second.ok, (first.to_dict(), second.to_dict())
    return {
        "provision_fresh_round_trips": {"value": fresh_rt, "unit": "AT round trips",
                                        "goal": "<= %d (1.2 x %d)" % (
                                            int(1.2 * MINIMUM_FRESH), MINIMUM_FRESH)},
        "provision_fresh_vs_minimum": {"value": round(fresh_rt / MINIMUM_FRESH, 2),
                                       "unit": "x minimum", "goal": "<= 1.2"},
        "provision_fresh_bytes": {"value": fresh_bytes, "unit": "bytes on the wire",
                                  "goal": None},
        "provision_fresh_writes": {"value": first.writes, "unit": "write commands",
                                   "goal": None},
        "provision_rerun_round_trips": {"value": second.round_trips,
                                        "unit": "AT round trips", "goal": "<= 6"},
        "provision_rerun_writes": {"value": second.writes, "unit": "write commands",
                                   "goal": 0},
        "provision_rerun_bytes": {"value": second.bytes_out + second.bytes_in,
                                  "unit": "bytes on the wire", "goal": None},
        "provision_time_to_dm_reachable": {"value": round(read_seconds + until_dm, 2),
                                           "unit": "s (simulated, 115200 baud)",
                                           "goal": None},
        "provision_dm_probe_rtt": {"value": round((first.dm.rtt or 0) * 1000, 1)
                                   if first.dm else None,
                                   "unit": "ms (simulated)", "goal": None},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
