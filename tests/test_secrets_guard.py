"""The secrets guard of tests/conftest.py sees what it promises, and --record-secrets."""

import logging

import pytest

from me_lib.cli import main
from me_lib.errors import CmeError


def _guard_hits(config: pytest.Config) -> list:
    guard = next(p for p in config.pluginmanager.get_plugins()
                 if hasattr(p, "_secrets_guard") and hasattr(p, "KNOWN_SECRETS"))
    return guard._hits


def test_the_guard_sees_logs_and_exceptions_then_forgets_them(request):
    hits = _guard_hits(request.config)
    logging.getLogger("me_lib.test").debug("VERIFY %s", "3733353932343638")
    CmeError('AT+FOO="86420975"', 16, "incorrect password")   # not a redacted command
    assert {h.split(" holds")[0] for h in hits} == {
        "log record me_lib.test", "CmeError text", "CmeError.command"}
    hits.clear()                    # this test leaked on purpose


def test_record_without_the_flag_masks_the_pin(tmp_path, capsys, monkeypatch):
    from tests.provision.test_cli import url_for

    monkeypatch.setenv("ME_LIB_PIN", "73592468")
    out = tmp_path / "t.jsonl"
    assert main(["read", "--modem", url_for(tmp_path, "pin", 5683), "--record", str(out),
                 "--state-dir", str(tmp_path / "s")]) == 0
    assert bytes("AT+CPIN=***", "ascii").hex() in out.read_text()
    assert "warning" not in capsys.readouterr().err


@pytest.mark.secrets_in_clear
def test_record_secrets_warns_and_writes_a_private_file(tmp_path, capsys, monkeypatch):
    from tests.provision.test_cli import url_for

    monkeypatch.setenv("ME_LIB_PIN", "73592468")
    out = tmp_path / "t.jsonl"
    assert main(["read", "--modem", url_for(tmp_path, "pin", 5683), "--record", str(out),
                 "--record-secrets", "--state-dir", str(tmp_path / "s")]) == 0
    assert bytes('AT+CPIN="73592468"', "ascii").hex() in out.read_text()
    assert out.stat().st_mode & 0o777 == 0o600
    err = capsys.readouterr().err
    assert "warning" in err and "in clear" in err and "73592468" not in err


def test_a_password_read_from_the_card_stays_out_of_logs_and_traces(tmp_path, caplog):
    """EF.DMCFG carries the bearer password; it goes through the channel as hex in the
    +CRSM answers before anyone knows it is one: logs show card data by size only, and
    the trace masks the password when it is closed."""
    from me_lib.at.trace import read_trace
    from me_lib.sim.dm_server import DmServer
    from me_lib.sim.scenario_files import derive

    bearers = [{"apn": "dm.operator.example", "pdn_type": "ip"},
               {"apn": "telemetry.example", "pdn_type": "ip", "services": ["telemetry"],
                "auth": "pap", "username": "dev", "password": "pw-Zq7xK9"}]
    trace = tmp_path / "t.jsonl"
    caplog.set_level(logging.DEBUG, logger="me_lib")
    with DmServer(0).start() as server:
        path = derive(tmp_path / "w", "default", card={"dmcfg": {"bearer": bearers}},
                      dm_port=server.port, network={"apns": {"telemetry.example": {
                          "auth": 1, "user": "dev", "password": "pw-Zq7xK9"}}})
        assert main(["-vv", "provision", "--modem", "sim://" + path, "--record", str(trace),
                     "--state-dir", str(tmp_path / "s")]) == 0
    header, _records = read_trace(trace)
    assert header["masked_bytes"] > 0               # the hex of a +CRSM answer...
    assert any("<" in r.message and "bytes>" in r.message for r in caplog.records)
    # ...and the guard of tests/conftest.py has checked the log, the output and the file
