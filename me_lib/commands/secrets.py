"""PINs and passwords for the CLI: from the environment or a file, never argv.

Command lines end up in shell history, `ps` listings and CI logs; the
environment and a mode-0600 file do not.
"""

import argparse
import os
from pathlib import Path

from me_lib.errors import MeLibError

DEFAULT_PIN_ENV = "ME_LIB_PIN"


def add_pin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pin-env", default=DEFAULT_PIN_ENV, metavar="VAR",
                        help="environment variable holding the SIM PIN (default %(default)s)")
    parser.add_argument("--pin-file", type=Path, metavar="FILE",
                        help="file holding the SIM PIN (first line)")


def pin_from(args: argparse.Namespace) -> str | None:
    """The PIN named by --pin-file or --pin-env, if any; else a replayed trace's own.

    `replayed_pin` is set by me_lib.sim.replay.replay_setup for `replay://`: the
    PIN the recorded host sent (or a stand-in where the trace masked it).
    """
    if args.pin_file is not None:
        try:
            text = args.pin_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise MeLibError("cannot read the PIN file %s: %s" % (args.pin_file, exc.strerror),
                             "check the path and its permissions") from None
        except UnicodeDecodeError as exc:
            # never the bytes themselves: they may be the PIN
            raise MeLibError("the PIN file %s is not UTF-8 text (byte %d cannot be decoded)"
                             % (args.pin_file, exc.start),
                             "write the PIN digits alone on the first line") from None
        pin = text.splitlines()[0].strip() if text.strip() else ""
        if not pin:
            raise MeLibError("the PIN file %s is empty" % args.pin_file)
        return pin
    value = os.environ.get(args.pin_env)
    if value and value.strip():
        return value.strip()
    replayed = getattr(args, "replayed_pin", None)
    return replayed if isinstance(replayed, str) else None
