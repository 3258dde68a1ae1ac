"""`me-lib provision`: read the profile, then make the modem match it."""

import argparse
import random
import sys
from collections.abc import Callable
from typing import Any

from me_lib.commands import exit_codes, json_doc
from me_lib.commands.output import StepPrinter, profile_table, result_table
from me_lib.commands.secrets import pin_from
from me_lib.commands.session import add_device_arguments, open_modem, state_dir


def register(sub: Any) -> None:
    p = sub.add_parser("provision", help="provision the modem from the USIM profile")
    add_device_arguments(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (what would be written) and change nothing")
    p.add_argument("--services", choices=("eager", "on-demand"), default=None,
                   help="activate service contexts now, or only define them "
                   "(default eager; with replay:// the recorded one)")
    p.add_argument("--watch", action="store_true",
                   help="keep running: re-provision on REFRESH, profile switch, "
                   "deactivation, coverage loss and reboots")
    p.add_argument("--watch-for", type=float, default=None, metavar="SECONDS",
                   help="stop watching after this many seconds (modem clock)")
    p.add_argument("--probe-seed", type=int, default=None, metavar="N",
                   help="seed for the DM probe's CoAP message ids (reproducible traces)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.modem and str(args.modem).startswith("replay://") and not args.dry_run:
        # the recorded run's seed, options and starting state (me_lib/sim/replay.py)
        from me_lib.sim.replay import replay_setup

        replay_setup(args, state_dir(args))
    if args.services is None:
        args.services = "eager"
    if getattr(args, "record", None) and not args.dry_run and not args.watch:
        return _run_recorded(args)
    return _run(args)


def _run_recorded(args: argparse.Namespace) -> int:
    """`--record`: the run, then an end record that makes the trace a regression case.

    See me_lib/commands/trace_end.py for the end record; the probe's message ids
    come from a recorded seed so that a replay sends the same bytes. Recording
    imports nothing of the simulator (tests/test_import_rules.py).
    """
    import time
    from pathlib import Path

    from me_lib.at.trace import append_end
    from me_lib.commands.trace_end import deterministic, error_dict, snapshot_state
    from me_lib.errors import MeLibError

    seed = args.probe_seed if args.probe_seed is not None else random.randrange(1 << 32)
    end: dict[str, Any] = {
        "command": "provision",
        # wall time of the snapshot: a replay moves known.json's "DM last reached" by
        # the time since, so the re-probe policy sees the recorded age
        "recorded_at": round(time.time(), 3),
        "args": {"services": args.services, "reach_dm": True, "dialect": args.dialect,
                 "pin": pin_from(args) is not None, "seed": seed,
                 "config": str(args.config) if args.config is not None else None},
        "state": snapshot_state(state_dir(args))}
    results: list[Any] = []
    try:
        args.probe_seed = seed
        rc = _run(args, on_result=results.append)
    except MeLibError as exc:
        end["error"] = error_dict(exc)
        if Path(args.record).exists():
            append_end(args.record, end)
        raise
    end["result"] = deterministic(results[0].to_dict()) if results else None
    if Path(args.record).exists():
        append_end(args.record, end)
    return rc


def _run(args: argparse.Namespace, on_result: Callable[[Any], None] | None = None) -> int:
    from me_lib.provision import make_plan, provision
    from me_lib.provision.ownership import Ownership
    from me_lib.sources import read_profile

    out = sys.stdout
    sdir = state_dir(args)
    modem = open_modem(args)
    printer = None if args.json else StepPrinter(out, modem.channel.clock)
    try:
        profile = read_profile(modem, config=args.config, cache=sdir / "profile-cache.json")
        if not args.json:
            out.write("profile:\n")
            profile_table(profile, out)
        ownership = Ownership(sdir / "contexts.json")
        if args.dry_run:
            def planned() -> Any:
                modem.ready()       # again, after a reboot
                return make_plan(modem, profile, ownership)

            the_plan = modem.restarting(planned, "planning")
            if args.json:
                json_doc.emit(out, "provision", True, {"dry_run": True,
                                                       "profile": profile.to_dict(),
                                                       "plan": the_plan.to_dict()})
            else:
                out.write("plan (%d write(s)):\n" % the_plan.writes)
                for item in the_plan.items:
                    out.write("  %-12s cid %-3d %-7s %s\n" % (item.name, item.cid, item.action,
                                                             item.reason))
                for cid in the_plan.release:
                    out.write("  release cid %d (ours, no longer in the profile)\n" % cid)
                for cid, why in the_plan.forget:
                    out.write("  forget cid %d: %s\n" % (cid, why))
            return 0
        if printer is not None:
            out.write("provisioning:\n")
        rng = random.Random(args.probe_seed) if args.probe_seed is not None else None
        result = provision(modem, profile, pin=pin_from(args), ownership=ownership,
                           probe_rng=rng,
                           services=args.services, progress=printer)
        if on_result is not None:
            on_result(result)
        if args.json:   # with --watch, JSON Lines: this result is the first line
            json_doc.emit(out, "provision", result.ok, result.to_dict(), one_line=args.watch)
        else:
            result_table(result, out)
        if args.watch:
            from me_lib.provision.watch import WatchEvent, watch

            def show(event: WatchEvent) -> None:
                if args.json:
                    json_doc.emit(out, "provision", event.result is not None
                                  and event.result.ok, {
                                      "event": event.kind, "detail": event.detail,
                                      "event_error": event.error,
                                      "result": event.result.to_dict()
                                      if event.result else None}, one_line=True)
                else:
                    out.write("watch: %s\n" % event.describe())
                    out.flush()

            if not args.json:
                out.write("watching (Ctrl-C to stop)...\n")
            watch(modem, profile_reader=lambda: read_profile(
                modem, config=args.config, cache=sdir / "profile-cache.json"),
                profile=profile, ownership=ownership, pin=pin_from(args),
                duration=args.watch_for, on_event=show)
        return exit_code(result)
    finally:
        modem.close()


def exit_code(result: Any) -> int:
    """FAILED for a failed result; STATE for a good one whose record was not saved."""
    if not result.ok:
        return exit_codes.FAILED
    return exit_codes.OK if result.state_saved else exit_codes.STATE
