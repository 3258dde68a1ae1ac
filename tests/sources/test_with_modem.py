"""The chain through the real `me_lib.modem.Modem` on the built-in simulator (sim://)."""

import time
from collections.abc import Iterator

import pytest

from me_lib.errors import MeLibError
from me_lib.modem import Modem
from me_lib.sources import read_profile


@pytest.fixture
def modem() -> Iterator[Modem]:
    with Modem.open("sim://default?speed=1000") as m:
        m.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                if m.sim_state() == "READY":
                    break
            except MeLibError:
                pass
            time.sleep(0.01)
        yield m


def test_default_sim_modem_profile_from_ef_dmcfg(modem: Modem) -> None:
    profile = read_profile(modem)
    assert set(profile.origins.values()) == {"usim:EF.DMCFG"}
    assert profile.apn0.apn == "dm.operator.example"
    assert [b.services for b in profile.service_bearers] == [("telemetry",), ("fota",)]


def test_acl_over_crsm_and_lwm2m_over_a_logical_channel(modem: Modem) -> None:
    profile = read_profile(modem, sources=["lwm2m", "acl"])
    # files over +CRSM, the PKCS#15 application over +CCHO/+CGLA
    assert profile.origins == {"dm_servers": "lwm2m:bootstrap", "apn0": "usim:EF_ACL",
                               "service_bearers": "usim:EF_ACL"}
    assert profile.dm is not None and profile.dm.host == "bootstrap.example.net"
