"""Cross-check: the card back ends against the library's own virtual modem (`sim://`).

The simulator was written from the standards and transcripts independently of
this layer, with each module family's +CRSM/+CSIM/+CCHO quirks in its dialect
table, so reading the same card through every dialect checks both sides.
"""


import pytest

from me_lib.at import AtChannel
from me_lib.card import CglaOpener, CrsmAccess, CsimLink, FileAccess, Usim
from me_lib.codec import lwm2m
from me_lib.modem.modem import Modem

DIALECTS = ["generic", "quectel-bg96", "ublox-sara-r4", "simcom-sim7080", "telit-me910",
            "nordic-nrf91-slm"]


def _ready(ch: AtChannel, dialect: str) -> None:
    Modem(ch, dialect).wait_sim_ready()   # backs off while busy; "NOT READY" is not ready


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_reads_the_same_card(dialect: str) -> None:
    cache: dict[str, dict[str, str]] = {}
    with AtChannel.open("sim://%s?speed=1000" % dialect) as ch:
        ch.sync()
        ch.command("AT+CMEE=1")
        _ready(ch, dialect)
        usim = Usim(CrsmAccess(ch, dialect, cache))
        ident = usim.identity()
        assert (ident.mcc, ident.mnc) == ("001", "01") and len(ident.iccid) in (19, 20)
        cfg = usim.read_dmcfg()
        assert cfg is not None and cfg.servers[0].address == "dm.example.net"
        acl = usim.read_acl()
        assert acl.acl is not None and "" in acl.acl.apns
        assert cache[dialect]["pathid"] in ("mf", "no_mf", "none")
        apdu = Usim(FileAccess(CsimLink(ch, logical_channels="cgla")), apps=CglaOpener(ch))
        assert apdu.identity() == ident
        boot = apdu.read_lwm2m_bootstrap()
        assert isinstance(boot, lwm2m.BootstrapFile)
        assert apdu.pin_status().retries is not None or apdu.pin_status().verified
