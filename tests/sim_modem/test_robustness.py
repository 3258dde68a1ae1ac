"""Bad host input and bad scenarios: answered like a modem / a clear error, never a traceback."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from me_lib.sim.modem import Scenario, ScenarioError, SimClock, SimModem

from .sim_modem_util import cmd, make, settle

COMMANDS = ["+CGDCONT", "+CRSM", "+CSIM", "+CGLA", "+CCHO", "+CPIN", "+COPS", "+CFUN", "+CEREG",
            "+CGACT", "+CGPADDR", "+CGCONTRDP", "+QIOPEN", "+QISEND", "+QIRD", "+QICSGP",
            "+CGAUTH", "+CGATT", "+CMEE", "+QIDNSGIP", "+CGEREP", "S3", "E", "&F"]


@pytest.fixture(scope="module")
def modem() -> SimModem:
    m = make("quectel-bg96")
    cmd(m, "ATE0")
    settle(m, 10.0)
    return m


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(COMMANDS), form=st.sampled_from(["", "?", "=?", "="]),
       args=st.text(alphabet='0123456789,"ABCDEFabcdef-().;%\\ ', max_size=40))
def test_any_argument_soup_gets_a_final_result(modem: SimModem, name: str, form: str,
                                               args: str) -> None:
    if name == "E" or name == "S3" or name == "&F":
        return                       # would switch echo / the line terminator
    line = "AT" + name + form + (args if form == "=" else "")
    out = cmd(modem, line.replace("\r", ""), limit=60.0)
    assert out.endswith((b"OK\r\n", b"ERROR\r\n", b"> ")) or b"+CME ERROR: " in out, (line, out)
    if out.endswith(b"> "):
        modem.feed(b"\x1b", modem.clock.now())     # ESC leaves the prompt
        settle(modem, 1.0)
    assert cmd(modem, "AT") == b"\r\nOK\r\n"


@settings(max_examples=60, deadline=None)
@given(noise=st.binary(max_size=200))
def test_random_bytes_never_break_the_modem(noise: bytes) -> None:
    m = make("generic")
    m.feed(noise.replace(b"\x1a", b""), m.clock.now())
    settle(m, 30.0)
    m.feed(b"\r", m.clock.now())
    settle(m, 30.0)
    m.feed(b"\x1b\rATE1V1\r", m.clock.now())
    settle(m, 30.0)
    assert cmd(m, "AT").endswith(b"\r\nOK\r\n")


@pytest.mark.parametrize("raw", [
    {"dialect": "nokia-3310"},
    {"network": {"mcc": "1"}},
    {"network": {"rat": "5g"}},
    {"network": {"registraton_delay": 3}},          # typo
    {"netwrk": {}},
    {"boot": {"time": "soon"}},
    {"network": {"apns": ["a", "b"]}},
    {"faults": [{"kind": "explode"}]},
    {"faults": [{"kind": "delay", "command": "+X", "colour": "red"}]},
    {"events": [{"at": 1, "action": "meteor"}]},
    {"card": "no-such-profile"},
])
def test_bad_scenarios_are_clear_errors(raw: dict[str, Any]) -> None:
    with pytest.raises(ScenarioError):
        SimModem(Scenario.from_dict(raw), SimClock.manual())


def test_every_shipped_scenario_loads() -> None:
    from me_lib.sim.modem.scenario import available

    names = available()
    assert {"default", "pin", "busy-sim", "reject-27", "roaming", "denied", "coverage-loss",
            "generic", "quectel-bg96", "ublox-sara-r4", "simcom-sim7080", "telit-me910",
            "nordic-nrf91-slm"} <= set(names)
    for name in names:
        m = SimModem(Scenario.load(name), SimClock.manual())
        assert m.dialect.name
