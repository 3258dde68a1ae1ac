"""`me-lib provision`: read the profile, then make the modem match it."""

import argparse
import json
import sys
from typing import Any

from me_lib.commands.output import StepPrinter, profile_table, result_table
from me_lib.commands.secrets import pin_from
from me_lib.commands.session import add_device_arguments, open_modem, state_dir


def register(sub: Any) -> None:
    p = sub.add_parser("provision", help="provision the modem from the USIM profile")
    add_device_arguments(p)
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (what would be written) and change nothing")
    p.add_argument("--services", choices=("eager", "on-demand"), default="eager",
                   help="activate service contexts now, or only define them")
    p.add_argument("--watch", action="store_true",
                   help="keep running: re-provision on REFRESH, profile switch, "
                   "deactivation, coverage loss and reboots")
    p.add_argument("--watch-for", type=float, default=None, metavar="SECONDS",
                   help="stop watching after this many seconds (modem clock)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
            the_plan = make_plan(modem, profile, ownership)
            if args.json:
                json.dump({"profile": profile.to_dict(), "plan": the_plan.to_dict()}, out,
                          indent=1)
                out.write("\n")
            else:
                out.write("plan (%d write(s)):\n" % the_plan.writes)
                for item in the_plan.items:
                    out.write("  %-12s cid %-3d %-7s %s\n" % (item.name, item.cid, item.action,
                                                             item.reason))
                for cid in the_plan.release:
                    out.write("  release cid %d (ours, no longer in the profile)\n" % cid)
            return 0
        if printer is not None:
            out.write("provisioning:\n")
        result = provision(modem, profile, pin=pin_from(args), ownership=ownership,
                           services=args.services, progress=printer)
        if args.json:
            json.dump(result.to_dict(), out, indent=1)
            out.write("\n")
        else:
            result_table(result, out)
        if args.watch:
            from me_lib.provision.watch import WatchEvent, watch

            def show(event: WatchEvent) -> None:
                if args.json:
                    json.dump({"event": event.kind, "detail": event.detail,
                               "error": event.error, "result": event.result.to_dict()
                               if event.result else None}, out)
                else:
                    out.write("watch: %s" % event.describe())
                out.write("\n")
                out.flush()

            if not args.json:
                out.write("watching (Ctrl-C to stop)...\n")
            watch(modem, profile_reader=lambda: read_profile(
                modem, config=args.config, cache=sdir / "profile-cache.json"),
                profile=profile, ownership=ownership, pin=pin_from(args),
                duration=args.watch_for, on_event=show)
        return 0 if result.ok else 1
    finally:
        modem.close()
