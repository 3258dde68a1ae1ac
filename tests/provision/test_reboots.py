"""A modem reboot at any step (start-up, SIM check, card read, provisioning) starts the
run again from sync, in the library and in the CLI (docs/flow.md, "Failures")."""

import json

import pytest

from me_lib.cli import main
from me_lib.errors import ProvisionError
from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile

from .conftest import SPEED, sim_of

# step -> the command the module reboots on instead of answering (a fault prefix)
BEFORE_PROVISION = {
    "sync (echo off)": "E0",
    "start (identification)": "+CGMM",
    "SIM check": "+CPIN?",
    "card read (EF.DMCFG)": "+CRSM=176",
}
DURING_PROVISION = {
    "plan": "+CGDCONT?",
    "service context": "+CGDCONT=2",
    "addresses": "+CGCONTRDP",
}


@pytest.mark.parametrize("head", list(BEFORE_PROVISION.values()), ids=list(BEFORE_PROVISION))
def test_read_profile_survives_a_reboot_at_each_step(head):
    modem = Modem.open("sim://quectel-bg96?speed=%d" % SPEED)
    try:
        fault = sim_of(modem).add_fault("reboot", head)
        profile = read_profile(modem)
        assert fault.fired == 1 and modem.channel.reboots >= 1
        assert profile.origins["apn0"] == "usim:EF.DMCFG"
        assert profile.dm is not None and profile.dm.host == "dm.example.net"
        # a reboot answering the sync probe (ATE0) is part of syncing: sync probes
        # again; every later step has to start the whole read again from sync
        restarted = any("rebooted" in note and "read again from sync" in note
                        for note in profile.notes)
        assert restarted == (head != "E0"), profile.notes
        assert sim_of(modem).echo is False
    finally:
        modem.close()


def test_a_modem_that_keeps_rebooting_is_a_bounded_typed_error():
    modem = Modem.open("sim://quectel-bg96?speed=%d" % SPEED)
    try:
        fault = sim_of(modem).add_fault("reboot", "+CPIN?", times=None)
        with pytest.raises(ProvisionError) as err:
            read_profile(modem)
        assert err.value.step == "start" and "rebooted 4 times" in str(err.value)
        assert fault.fired == 4
    finally:
        modem.close()


def _url(tmp_path, dm_port, head):
    faults = [{"kind": "reboot", "command": head, "times": 1}]
    return "sim://%s?speed=%d" % (derive(tmp_path / "w", "quectel-bg96", dm_port=dm_port,
                                         faults=faults), SPEED)


@pytest.mark.parametrize("head", list(BEFORE_PROVISION.values()), ids=list(BEFORE_PROVISION))
def test_cli_read_survives_a_reboot_at_each_step(tmp_path, capsys, head):
    url = _url(tmp_path, 5683, head)
    assert main(["read", "--modem", url, "--json", "--state-dir", str(tmp_path / "s")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"]["origins"]["apn0"] == "usim:EF.DMCFG"
    assert doc["card"]["iccid"]


STEPS = dict(BEFORE_PROVISION, **DURING_PROVISION)


@pytest.mark.parametrize("head", list(STEPS.values()), ids=list(STEPS))
def test_cli_provision_survives_a_reboot_at_each_step(tmp_path, capsys, dm_server, head):
    url = _url(tmp_path, dm_server.port, head)
    assert main(["provision", "--modem", url, "--json",
                 "--state-dir", str(tmp_path / "s")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"], doc
    assert [c["state"] for c in doc["contexts"]] == ["active"] * 3


@pytest.mark.parametrize("head", list(DURING_PROVISION.values()), ids=list(DURING_PROVISION))
def test_provision_restarts_from_sync(world, ownership, head):
    modem = world("quectel-bg96")
    profile = read_profile(modem)
    fault = sim_of(modem).add_fault("reboot", head)
    result = provision(modem, profile, ownership=ownership)
    assert fault.fired == 1
    assert result.ok, result.to_dict()
    assert [c.state for c in result.contexts] == ["active"] * 3
