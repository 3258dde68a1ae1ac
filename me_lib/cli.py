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
    "me_lib.commands.ports_cmd",
    "me_lib.demo",
    "me_lib.sim.card_cli",
    "me_lib.sim.modem_cli",
)


VERBOSE_HELP = "log more (-v info, -vv AT traffic at debug level, secrets redacted)"


def version() -> str:
    """The installed distribution's version; `me_lib.__version__` from a bare checkout."""
    from importlib import metadata

    try:
        return metadata.version("me-lib")
    except metadata.PackageNotFoundError:
        import me_lib

        return me_lib.__version__


def build_parser() -> argparse.ArgumentParser:
    """The `me-lib` parser: global options, then one subparser per command module.

    `-v` is accepted before and after the subcommand (`me-lib -v read` and
    `me-lib read -v`), as both are common habits; the counts add up.
    """
    parser = argparse.ArgumentParser(
        prog="me-lib",
        description="Provision a cellular IoT device from its USIM profile over AT commands.",
    )
    parser.add_argument("--version", action="version", version="me-lib " + version())
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for subparser in sub.choices.values():
        subparser.add_argument("-v", "--verbose", dest="sub_verbose", action="count",
                               default=0, help=VERBOSE_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; every way it can end is one stderr line and an exit code.

    Tracebacks are for developers: an unexpected exception prints its type
    and message and asks for `-v`, which shows the traceback.
    """
    from me_lib.commands import exit_codes

    verbose = 0
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        verbose = args.verbose + getattr(args, "sub_verbose", 0)
        _setup_logging(verbose)
        rc: int = args.func(args)
        sys.stdout.flush()      # a closed pipe shows here, not at interpreter exit
        return rc
    except KeyboardInterrupt as exc:
        _error("interrupted")
        _json_error(args, exc, exit_codes.INTERRUPTED)
        return exit_codes.INTERRUPTED
    except BaseException as exc:  # the one place that ends a command
        if isinstance(exc, SystemExit):
            raise               # argparse's --help and usage errors
        rc = _report(exc, verbose)
        if rc != exit_codes.BROKEN_PIPE:
            _json_error(args, exc, rc)
        return rc


def _json_error(args: object, exc: BaseException, code: int) -> None:
    """With --json, a failure is a document on stdout too (me_lib.commands.json_doc)."""
    if args is None or not getattr(args, "json", False):
        return
    from me_lib.commands import json_doc

    try:
        json_doc.emit(sys.stdout, str(getattr(args, "command", "")), False,
                      json_doc.error_body(exc, code), one_line=bool(getattr(args, "watch",
                                                                              False)))
    except (OSError, ValueError):
        pass                    # stdout gone: the exit code and stderr say it


def _setup_logging(verbose: int) -> None:
    import logging

    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def _report(exc: BaseException, verbose: int) -> int:
    """One line for `exc` on stderr; its exit code (see me_lib.commands.exit_codes)."""
    from me_lib.commands import exit_codes
    from me_lib.errors import MeLibError

    if isinstance(exc, MeLibError):
        _error(str(exc))
        # what each source tried and why it gave nothing (ProfileMissing): the
        # answer to "why no profile" must not need -v
        for note in getattr(exc, "__notes__", None) or ():
            _note(note)
        if verbose >= 2:
            _traceback(exc)
        return exit_codes.for_error(exc)
    if isinstance(exc, BrokenPipeError):
        # `me-lib read ... | head -c1`: the reader left. A port or a socket that breaks
        # comes out typed (PortClosed, ConnectFailed), so a bare one is our output.
        _silence_stdout()
        _error("output closed before everything was written (broken pipe)")
        return exit_codes.BROKEN_PIPE
    if isinstance(exc, UnicodeDecodeError):
        # the position and byte value only: the input may hold a secret
        _error("input is not UTF-8 text (byte %d of the input cannot be decoded); "
               "save the file as UTF-8" % exc.start)
        return exit_codes.USAGE
    _error("unexpected %s: %s (re-run with -v for the traceback)"
           % (type(exc).__name__, exc))
    if verbose:
        _traceback(exc)
    return exit_codes.ERROR


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not complain."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _error(text: str) -> None:
    try:
        print("me-lib: error: %s" % text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass                    # stderr gone too: the exit code is all that is left


def _note(text: str) -> None:
    try:
        print("me-lib: note: %s" % text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _traceback(exc: BaseException) -> None:
    import traceback

    try:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
