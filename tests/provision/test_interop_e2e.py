"""Cards and modems we did not write, end to end on the simulator.

Each world is a shipped scenario with one simulator option that mimics
hardware seen in the field (written from TS 51.011 / ISO 7816-4, not from the
driver's tables): a modem reporting +CRSM data with SW 9Fxx, a card answering
SELECT the GSM way (9Fxx) through +CRSM and the APDU paths, a card whose EF_DIR records
are padded with 00/FF. The whole flow (read_profile + provision) must not
notice.
"""

import pytest

from me_lib.card.csim import CsimLink
from me_lib.card.files import FileAccess
from me_lib.provision import provision
from me_lib.sources import read_profile

from .conftest import sim_of


class Received:
    """Every line the modem sent back, from the channel's trace hook."""

    def __init__(self, modem):
        self.lines = []
        modem.channel.trace = self._record

    def _record(self, direction, data, now):
        if direction == "rx":
            self.lines.extend(x.strip() for x in data.decode("latin-1").splitlines())

    def starting(self, prefix):
        return [x for x in self.lines if x.startswith(prefix)]


def _assert_provisioned(modem, profile, ownership):
    assert set(profile.origins.values()) == {"usim:EF.DMCFG"}
    assert profile.apn0.apn == "dm.operator.example"
    result = provision(modem, profile, ownership=ownership)
    assert result.ok, [(c.name, c.error) for c in result.contexts]
    assert [c.apn for c in result.contexts] == ["dm.operator.example", "telemetry.example",
                                               "fota.example"]


@pytest.mark.parametrize("scenario", ["default", "telit-me910", "simcom-sim7080"])
def test_crsm_answers_with_sw_9fxx_are_data(scenario, world, ownership):
    """`+CRSM: 159,<len>,<data>` (2G-style card behind the modem) is success with its data."""
    modem = world(scenario, crsm_sw9f=True)
    modem.start()
    modem.wait_sim_ready()
    rx = Received(modem)
    profile = read_profile(modem)
    assert any(x.startswith("+CRSM: 159,") for x in rx.starting("+CRSM:")), rx.lines
    _assert_provisioned(modem, profile, ownership)


@pytest.mark.parametrize("scenario", ["default", "nordic-nrf91-slm"])
def test_gsm_style_card_answers_select_with_9fxx(scenario, world, ownership):
    """The card answers SELECT with 9Fxx (TS 51.011): the MT resolves it for +CRSM, and
    a modem passing APDUs raw hands it to the host's +CGLA link, which GET RESPONSEs."""
    modem = world(scenario, card={"card": {"sw_style": "gsm"}})
    modem.start()
    modem.wait_sim_ready()
    rx = Received(modem)
    profile = read_profile(modem)
    _assert_provisioned(modem, profile, ownership)
    boot = modem.usim().read_lwm2m_bootstrap()      # PKCS#15 over +CCHO/+CGLA
    assert boot is not None and boot.object(0) is not None
    rx.lines.clear()
    files = FileAccess(CsimLink(modem.channel))     # the same card over +CSIM
    assert files.select("3F002FE2").size == 10
    iccid = sim_of(modem).sim.card.read_file("3F002FE2")
    assert files.read_binary("3F002FE2") == iccid
    raw = sim_of(modem).dialect.csim_raw_61xx
    csim_9f = [x for x in rx.starting("+CSIM:") if x.rstrip('"')[-4:-2] == "9F"]
    assert bool(csim_9f) == raw, rx.starting("+CSIM:")   # raw modems show the host 9Fxx


def test_padded_ef_dir_still_gives_the_lwm2m_application(world, ownership):
    """EF_DIR records with 00/FF padding around and inside the template (ISO 7816-4)."""
    modem = world("default", card={"card": {"efdir_padding": True}},
                  dns={"bootstrap.example.net": "127.0.0.1"})
    record = sim_of(modem).sim.card.read_file("3F002F00")[:4]
    assert record[:2] == b"\x00\x00"            # the simulator really pads the records
    profile = read_profile(modem, sources=["lwm2m", "acl"])
    assert profile.origins == {"dm_servers": "lwm2m:bootstrap", "apn0": "usim:EF_ACL",
                               "service_bearers": "usim:EF_ACL"}
    assert profile.dm is not None and profile.dm.host == "bootstrap.example.net"
    result = provision(modem, profile, ownership=ownership, reach_dm=False)
    assert result.ok
