"""The flow is a table of steps (`flow.STEPS`) run by one runner.

Pinned here: the order the steps run in, that each step's round trips and
writes are what went over the wire while it ran (writes: the channel's
idempotence table, counted only in the steps that configure the module), and
that the DM probe's socket commands and the PIN are not writes.
"""

from me_lib.at.idempotent import is_idempotent
from me_lib.modem import Modem
from me_lib.provision import provision
from me_lib.provision.flow import STEPS
from me_lib.sim.scenario_files import derive
from me_lib.sources import read_profile


def test_steps_run_in_table_order_and_count_what_they_sent(tmp_path, dm_server):
    scenario = derive(tmp_path / "w", "quectel-bg96", dm_port=dm_server.port)
    modem = Modem.open("sim://%s" % scenario)
    try:
        profile = read_profile(modem)
        current = [""]
        sent: dict[str, list[str]] = {}
        send = modem.channel.engine.send

        def spy(command, **kw):
            sent.setdefault(current[0], []).append(command)
            return send(command, **kw)

        def progress(step, status, detail):
            if status == "start":
                current[0] = step
            elif status == "done":
                current[0] = ""

        modem.channel.engine.send = spy
        result = provision(modem, profile, state_dir=tmp_path / "s", progress=progress)
    finally:
        modem.close()
    assert result.ok, result.to_dict()
    names = [row[0] for row in STEPS]
    ran = [s.name for s in result.steps]
    # read_profile started the modem, so "start" is skipped; every other step ran
    assert ran == [n for n in names if n != "start"]
    counted = {row[0]: row[4] for row in STEPS}
    for step in result.steps:
        lines = sent.get(step.name, [])
        assert step.round_trips == len(lines), (step.name, lines)
        writes = [c for c in lines if not is_idempotent(c)]
        assert step.writes == (len(writes) if counted[step.name] else 0), (step.name, lines)
    assert result.writes == sum(s.writes for s in result.steps) == 8
    # the DM probe sent socket commands that are not idempotent, and they are no writes
    dm = next(s for s in result.steps if s.name == "dm")
    assert dm.writes == 0 and any(not is_idempotent(c) for c in sent["dm"])
    assert "" not in sent, sent.get("")          # no command outside a step
