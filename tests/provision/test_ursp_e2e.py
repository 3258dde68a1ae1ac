"""End to end on the 5G simulator (quectel-rm500q): a card with EF_URSP and no EF.DMCFG
provisions its service contexts from the rules; the network's rules (+C5GURSPQRY) are a
source too, and watch() re-provisions when they change."""

import subprocess
import sys

from me_lib.codec import apn_rules, ursp
from me_lib.provision import provision
from me_lib.provision.watch import watch
from me_lib.sim.card_profile import PROFILES_DIR
from me_lib.sources import read_profile

from .conftest import sim_of


def _started(world):
    modem = world("quectel-rm500q")
    modem.start()
    modem.wait_sim_ready()
    return modem


def test_ef_ursp_card_provisions_its_service_contexts(world, ownership):
    modem = _started(world)
    assert modem.dialect.name == "quectel-rm500q"
    profile = read_profile(modem)
    assert profile.origins["apn0"] == "usim:EF_URSP"
    assert profile.origins["service_bearers"] == "usim:EF_URSP"
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert result.ok, result.to_dict()
    apns = {apn_rules.strip_operator_id(c.apn) for c in modem.contexts()}
    assert {"internet.example", "iot.example", "dm.operator.example"} <= apns
    assert result.context("com.example.iot").state == "active"


def test_network_rules_are_read_after_registration(world):
    modem = _started(world)
    found = modem.ursp_rules()
    # TS 27.007 §10.1.75 read form: one line per route, 2 + 20 traffic + 9 route fields
    assert found is not None and [len(row) for row in found] == [31, 31]
    assert (found[0][1], found[0][2], found[0][22], found[0][25]) == (
        "1", "com.example.iot", "1", "iot5g.example")
    assert found[1][1] == "255" and not any(found[1][2:22])  # match-all: no traffic field
    rules = ursp.rules_from_query(found)
    assert [r.routes[0].dnn for r in rules] == ["iot5g.example", "internet.example"]
    profile = read_profile(modem, sources=["ursp-network"])
    assert profile.origins["service_bearers"] == "network:URSP"
    assert profile.bearer_for("com.example.iot").apn == "iot5g.example"
    assert modem.registered_plmn() == "00101"


def test_watch_reprovisions_when_the_network_rules_change(world, ownership):
    modem = _started(world)

    def reader():
        return read_profile(modem, sources=["ursp-network"])

    profile = reader()
    assert provision(modem, profile, ownership=ownership, reach_dm=False).ok
    sim = sim_of(modem)
    new = [ursp.UrspRule(1, (ursp.TrafficComponent(ursp.TD_OS_APP_ID, "com.example.iot"),),
                         (ursp.RouteDescriptor(1, (ursp.RouteComponent(ursp.RSD_DNN,
                                                                       "iot.example"),)),)),
           ursp.UrspRule(255, (ursp.TrafficComponent(ursp.TD_MATCH_ALL),),
                         (ursp.RouteDescriptor(1, (ursp.RouteComponent(
                             ursp.RSD_DNN, "internet.example"),)),))]

    def new_policy():
        sim.net.cfg.ursp = ursp.encode(new)
        sim.send_urc("+CEREG: 1")       # a registration update: the rules are read again

    sim.after(30.0, new_policy)
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=600, reach_dm=False)
    assert [e.kind for e in events] == ["ursp"], events
    assert events[0].profile.bearer_for("com.example.iot").apn == "iot.example"
    assert events[0].result.ok
    assert "iot.example" in {apn_rules.strip_operator_id(c.apn) for c in modem.contexts()}


def test_registration_without_a_change_is_no_event(world, ownership):
    modem = _started(world)

    def reader():
        return read_profile(modem, sources=["ursp-network"])

    profile = reader()
    sim = sim_of(modem)
    sim.after(30.0, lambda: sim.send_urc("+CEREG: 1"))
    events = watch(modem, reader, profile=profile, ownership=ownership, max_events=1,
                   duration=120, reach_dm=False)
    assert events == []


def test_me_lib_encode_writes_ef_ursp():
    out = subprocess.run([sys.executable, "-m", "me_lib.cli", "encode", "--ef", "ursp",
                          str(PROFILES_DIR / "ursp.toml")], capture_output=True, text=True,
                         check=True).stdout.strip()
    image = ursp.decode_file(bytes.fromhex(out))
    assert image is not None and len(out) == 512
    assert [r.precedence for r in image.rules_for("00101") or ()] == [1, 2, 255]
