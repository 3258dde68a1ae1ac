"""A bearer with PAP/CHAP credentials on the board core: applied, never kept on flash.

The network of the scenario refuses the service APN without the right user and
password, so an activation that comes up proves the credentials reached the
module (Quectel +QICSGP, SIMCom's +CNCFG entry, +CGAUTH elsewhere). The state
document the board keeps on flash must not hold the password (as the full
library's ProfileCache), and the next run, which cannot trust a copy without
it, reads the card whole and changes nothing. The secrets guard of
tests/conftest.py fails the test if the password shows anywhere else.
"""

import json
from pathlib import Path

import pytest
import serial

import me_lib  # noqa: F401  (registers sim://)
from firmware_shim.store import FlashFile
from me_lib.board import flow
from me_lib.board.link import Link
from me_lib.modem.dialects import GENERIC
from me_lib.sim.scenario_files import derive

SECRET = "pw-Zq7xK9"   # the password the secrets guard watches for



@pytest.mark.parametrize("scenario", ["default", "simcom-sim7080", "ublox-sara-r4"])
def test_credentials_reach_the_module_and_never_the_state_file(scenario: str,
                                                               tmp_path: Path) -> None:
    dm = {"apn": "dm.operator.example", "pdn_type": "ip"}
    secure = {"apn": "secure.example", "pdn_type": "ip", "services": ["telemetry"],
              "auth": "chap", "username": "dev", "password": SECRET}
    path = derive(tmp_path, scenario,
                  card={"dmcfg": {"bearer": [dm, secure]},
                        "acl": {"apns": ["dm.operator.example", "secure.example", ""]}},
                  network={"apns": {"secure.example": {"auth": 2, "user": "dev",
                                                       "password": SECRET}}})
    sent: list[str] = []
    port = serial.serial_for_url("sim://" + path)
    state = FlashFile(str(tmp_path / "state.json"))
    try:
        link = Link(port, GENERIC, lambda d, data, t: sent.append(data.decode("latin-1"))
                    if d == "tx" else None)
        first = flow.provision(link, state, seed=1)
        secure_ctx = [c for c in first["contexts"] if c["apn"] == "secure.example"]
        assert first["ok"] and secure_ctx[0]["state"] == "active", first
        assert any(SECRET in line for line in sent)   # it went to the module (only there)
        kept = (tmp_path / "state.json").read_text()
        assert SECRET not in kept and "dev" in kept   # the user name may stay, not the password
        assert json.loads(kept)["profiles"]["last"]["secret"] is True
        sent.clear()
        second = flow.provision(link, state, seed=2)
    finally:
        port.close()
    assert second["ok"] and second["writes"] == 0, second
    reads = [line for line in sent if line.startswith("AT+CRSM=")]
    assert any(",0,255," in line or line.startswith("AT+CRSM=192") for line in reads), reads
    assert SECRET not in (tmp_path / "state.json").read_text()
