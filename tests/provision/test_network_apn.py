"""Network-provided APNs (empty in EF.DMCFG: `A1/80` of zero length) keep idempotence.

The library defines such a context with an empty APN and the network fills it in.
Modules differ in what `+CGDCONT?` shows afterwards: the definition (`""`, as
27.007 reads) or the APN the network gave (scenario `cgdcont_network_apn`). Either
way a second run, even by a new process reading the state file again, must find
the context in place: no write command.
"""

import pytest

from me_lib.provision import provision
from me_lib.provision.flow import wait_registered
from me_lib.provision.ownership import Ownership
from me_lib.sim.scenario_files import card_dict
from me_lib.sources import read_profile

from .conftest import Trace

DIALECTS = ["quectel-bg96", "ublox-sara-r4", "nordic-nrf91-slm", "simcom-sim7080"]


def network_provided(world, dialect, empty, shows_network_apn, apn0=None):
    """A modem whose card leaves the bearers at indexes `empty` network-provided."""
    bearers = card_dict("default")["dmcfg"]["bearer"]
    for index in empty:
        bearers[index]["apn"] = ""
    if apn0 is not None:
        bearers[0]["apn"] = apn0
    modem = world(dialect, card={"dmcfg": {"bearer": bearers}},
                  network={"allow_duplicate_apn": True,     # APN0 and telemetry: both the
                           "cgdcont_network_apn": shows_network_apn})  # network's default
    modem.start()
    modem.wait_sim_ready()
    return modem, read_profile(modem)


@pytest.mark.parametrize("shows_network_apn", [True, False], ids=["nw-apn", "defined"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_network_provided_apn0_and_service_rerun_writes_nothing(dialect, shows_network_apn,
                                                                world, tmp_path):
    modem, profile = network_provided(world, dialect, (0, 1), shows_network_apn)
    assert profile.apn0.apn == "" and profile.bearer_for("telemetry").apn == ""
    state = tmp_path / "state" / "contexts.json"
    trace = Trace(modem)
    first = provision(modem, profile, ownership=Ownership(state), reach_dm=False)
    assert first.ok, first.to_dict()
    telemetry = first.context("telemetry")
    assert telemetry.state == "active" and telemetry.action == "define"
    assert [w for w in trace.writes() if "telemetry" in w or '""' in w], trace.writes()
    if dialect != "simcom-sim7080":     # its service contexts have no +CGCONTRDP
        assert telemetry.network_apn.startswith("internet.sim")
    cids = [(c.name, c.cid) for c in first.contexts]
    for run in range(2):    # the same process, then one reading the state file anew
        trace.clear()
        again = provision(modem, profile, ownership=Ownership(state), reach_dm=False)
        assert again.ok, again.to_dict()
        assert trace.writes() == [] and again.writes == 0, (run, trace.writes())
        assert [(c.name, c.cid) for c in again.contexts] == cids
        assert [c.action for c in again.contexts] == ["keep"] * 3
        assert again.notes == []


@pytest.mark.parametrize("dialect", ["quectel-bg96", "ublox-sara-r4"])
def test_network_provided_service_next_to_a_named_apn0(dialect, world, ownership):
    modem, profile = network_provided(world, dialect, (1,), False)
    first = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert first.ok, first.to_dict()
    trace = Trace(modem)
    again = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert again.ok and trace.writes() == [], trace.writes()
    assert [c.cid for c in again.contexts] == [c.cid for c in first.contexts]


@pytest.mark.parametrize("dialect", ["quectel-bg96", "telit-me910"])
def test_apn0_the_network_already_gives_is_not_written(dialect, world, ownership):
    # The card names the network's default APN; the module shows its default bearer
    # as defined (empty) and the network's APN only in +CGCONTRDP: already right.
    modem, profile = network_provided(world, dialect, (), False, apn0="internet.sim")
    wait_registered(modem, 60.0)        # attached: the network has given its APN
    trace = Trace(modem)
    first = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert first.ok, first.to_dict()
    assert first.context("APN0").action == "keep"
    default_cid = modem.default_cid
    assert not [w for w in trace.writes()
                if w.startswith(("AT+CFUN=", "AT+CGDCONT=%d," % default_cid))], trace.writes()
