"""The `me-lib` command line.

Each subcommand lives next to the code it drives and registers itself through a
`register(subparsers)` function; this module only assembles them, so adding a
command never means editing a long if/elif here.
"""

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute subcommands, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "me_lib.commands.read_cmd",
    "me_lib.commands.provision_cmd",
    "me_lib.demo",
    "me_lib.sim.card_cli",
    "me_lib.sim.modem_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="me-lib",
        description="Provision a cellular IoT device from its USIM profile over AT commands.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log more (-v info, -vv AT traffic at debug level, secrets redacted)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import logging

    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING
    if args.verbose == 1:
        level = logging.INFO
    elif args.verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from me_lib.commands import exit_codes
    from me_lib.errors import MeLibError

    try:
        rc: int = args.func(args)
    except MeLibError as exc:
        print("me-lib: error: %s" % exc, file=sys.stderr)
        # what each source tried and why it gave nothing (ProfileMissing): the
        # answer to "why no profile" must not need -v
        for note in getattr(exc, "__notes__", None) or ():
            print("me-lib: note: %s" % note, file=sys.stderr)
        return exit_codes.for_error(exc)
    except KeyboardInterrupt:
        return exit_codes.INTERRUPTED
    return rc


if __name__ == "__main__":
    sys.exit(main())
