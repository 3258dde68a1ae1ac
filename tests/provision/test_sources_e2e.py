"""Each source of the chain alone, read from the simulated modem and provisioned."""

from me_lib.provision import provision
from me_lib.sources import read_profile

from .conftest import sim_of

APNS = {"dm.operator.example": {}, "telemetry.example": {}, "fota.example": {},
        "iot.file.example": {}, "tele.file.example": {}}


def test_usim_alone(world, ownership):
    modem = world("quectel-bg96")
    profile = read_profile(modem, sources=["usim"])
    assert set(profile.origins.values()) == {"usim:EF.DMCFG"}
    assert provision(modem, profile, ownership=ownership).ok


def test_acl_alone_gives_apns_without_a_dm_server(world, ownership):
    modem = world("quectel-bg96")
    profile = read_profile(modem, sources=["acl"])
    assert profile.origins == {"apn0": "usim:EF_ACL", "service_bearers": "usim:EF_ACL"}
    assert profile.dm is None
    result = provision(modem, profile, ownership=ownership)
    assert result.ok and result.dm is None
    assert [c.apn for c in result.contexts][:3] == ["dm.operator.example",
                                                   "telemetry.example", "fota.example"]


def test_lwm2m_gives_the_dm_server_network_gives_apn0(world, ownership):
    modem = world("quectel-bg96", dns={"bootstrap.example.net": "127.0.0.1"})
    profile = read_profile(modem, sources=["lwm2m", "network"])
    assert profile.origins == {"dm_servers": "lwm2m:bootstrap", "apn0": "network"}
    assert profile.dm.host == "bootstrap.example.net"
    assert profile.apn0.apn == "internet.sim"
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert result.ok
    assert result.contexts[0].action == "keep"     # the network's APN is kept as it is


def test_config_file_alone_for_this_plmn(world, ownership, tmp_path, dm_server):
    config = tmp_path / "device.toml"
    config.write_text(
        '[default]\napn0 = { apn = "wrong.example" }\n'
        '[plmn."00101"]\n'
        'dm = [{ address = "dm.example.net", port = %d, protocol = "coap" }]\n'
        'apn0 = { apn = "iot.file.example" }\n'
        '[[plmn."00101".services]]\nname = "telemetry"\napn = "tele.file.example"\n'
        % dm_server.port)
    modem = world("quectel-bg96", network={"apns": APNS})
    profile = read_profile(modem, sources=["file"], config=config)
    assert set(profile.origins.values()) == {"file:%s" % config}
    result = provision(modem, profile, ownership=ownership)
    assert result.ok and result.dm.reachable
    assert [c.apn for c in result.contexts] == ["iot.file.example", "tele.file.example"]


def test_pco_gives_the_dm_address_on_nrf91(world, ownership):
    modem = world("nordic-nrf91-slm")
    modem.ready()
    provision(modem, read_profile(modem, sources=["usim"]), ownership=ownership,
              reach_dm=False)
    profile = read_profile(modem, sources=["pco", "usim"])
    assert profile.origins["dm_servers"] == "pco"
    assert profile.dm.address == "coap://dm.example.net:5683"
    assert sim_of(modem) is not None
