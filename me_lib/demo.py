"""`me-lib demo`: the whole flow on the built-in simulator, with a real DM server.

A CoAP server listens on 127.0.0.1 (the simulated network resolves the card's
DM name there), the simulated modem holds the default virtual USIM, and the
library does what it does on a real device: read the profile from the card
over AT+CRSM, plan, attach on APN0, reach the DM server through the modem's
own socket commands, bring up each service APN, then run again to show that a
provisioned modem needs no write.
"""

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from me_lib.commands import json_doc

DEFAULT_DM_PORT = 5683


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="run the whole flow against the built-in simulator")
    p.add_argument("--scenario", default="default",
                   help="simulator scenario (name or path; default %(default)s)")
    p.add_argument("--speed", type=float, default=200.0,
                   help="simulated time runs this many times faster than real time")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from me_lib.commands.output import StepPrinter
    from me_lib.modem import Modem
    from me_lib.provision import provision
    from me_lib.provision.ownership import Ownership
    from me_lib.sim.dm_server import DmServer
    from me_lib.sources import read_profile

    out = sys.stdout
    _check_scenario(args.scenario)
    with tempfile.TemporaryDirectory(prefix="me-lib-demo-") as tmp:
        workdir = Path(tmp)
        scenario = args.scenario
        try:
            server = DmServer(DEFAULT_DM_PORT)
        except OSError:
            from me_lib.sim.scenario_files import derive

            server = DmServer(0)
            scenario = derive(workdir, scenario, dm_port=server.port)
        with server:
            url = "sim://%s?speed=%g" % (scenario, args.speed)
            if not args.json:
                out.write("me_lib demo: simulated modem %s, DM server on udp://127.0.0.1:%d\n"
                          % (url, server.port))
            modem = Modem.open(url)
            try:
                printer = None if args.json else StepPrinter(out, modem.channel.clock)
                first = provision_from_card(modem, workdir, printer, out, args.json)
                if not args.json:
                    out.write("\nsecond run (already provisioned):\n")
                ownership = Ownership(workdir / "contexts.json")
                profile = read_profile(modem, cache=workdir / "profile-cache.json")
                second = provision(modem, profile, ownership=ownership, progress=printer)
            finally:
                modem.close()
        ok = first.ok and second.ok and second.writes == 0
        if args.json:
            json_doc.emit(out, "demo", ok, {"first": first.to_dict(), "second": second.to_dict(),
                                            "dm_server": {"port": server.port,
                                                          "pings": server.pings}})
        else:
            out.write("  second run: %d AT round trips, %d writes; the DM server saw %d "
                      "CoAP ping(s)\n" % (second.round_trips, second.writes, server.pings))
    if not args.json:
        out.write("\ndemo %s\n" % ("OK" if ok else "FAILED"))
    return 0 if ok else 1


def _check_scenario(scenario: str) -> None:
    """An unknown scenario fails as opening `sim://<it>` would, before any server starts
    (the fallback that derives a scenario for a free DM port would fail untyped)."""
    from me_lib.at.port_open import open_error
    from me_lib.sim.modem.scenario import Scenario, ScenarioError

    try:
        Scenario.load(scenario)
    except ScenarioError as exc:
        raise open_error("sim://%s" % scenario, exc) from None


def provision_from_card(modem: Any, workdir: Path, printer: Any, out: Any,
                        as_json: bool) -> Any:
    from me_lib.commands.output import profile_table, result_table
    from me_lib.provision import provision
    from me_lib.provision.ownership import Ownership
    from me_lib.sources import read_profile

    modem.ready()
    profile = read_profile(modem, cache=workdir / "profile-cache.json")
    if not as_json:
        out.write("profile read from the USIM:\n")
        profile_table(profile, out)
        out.write("provisioning:\n")
    result = provision(modem, profile, ownership=Ownership(workdir / "contexts.json"),
                       progress=printer)
    if not as_json:
        result_table(result, out)
    return result
