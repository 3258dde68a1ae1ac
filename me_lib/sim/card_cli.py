"""`me-lib encode PROFILE` and `me-lib card-sim`: the virtual card's commands.

`encode` prints the EF.DMCFG (or, with `--ef ursp`, the EF_URSP) hex a card
vendor personalises (from the same `[dmcfg]`/`[ursp]` section the virtual card
uses); `card-sim` serves the virtual card
to the real pcscd through vpcd until SIGTERM/SIGINT.
"""

import argparse
import logging
import tomllib
from typing import Any

from me_lib.errors import ProfileError

log = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    """Add `encode` and `card-sim` to the me-lib command line."""
    from me_lib.sim import vpcd

    enc = subparsers.add_parser("encode", help="print the EF.DMCFG hex for a card profile TOML")
    enc.add_argument("profile", help="card profile TOML with a [dmcfg] (or [ursp]) section")
    enc.add_argument("--ef", choices=("dmcfg", "ursp"), default=None,
                     help="which file to encode (default: dmcfg, or ursp when the profile "
                          "has only [ursp])")
    enc.set_defaults(func=run_encode)

    sim = subparsers.add_parser(
        "card-sim", help="serve a virtual USIM to pcscd through vpcd (foreground)")
    vpcd.add_arguments(sim)
    sim.set_defaults(func=run_card_sim)


def run_encode(args: argparse.Namespace) -> int:
    """Print the EF.DMCFG content (hex, upper case, FF padding included)."""
    from me_lib.sim.card_dmcfg import encode_section

    path = args.profile
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ProfileError("cannot read %s: %s" % (path, exc.strerror)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError("%s is not valid TOML: %s" % (path, exc)) from None
    except UnicodeDecodeError as exc:
        # the position only: a card profile holds PINs and keys
        raise ProfileError("%s is not UTF-8 text (byte %d cannot be decoded)"
                           % (path, exc.start), "give a card profile TOML saved as UTF-8"
                           ) from None
    which = getattr(args, "ef", None) or ("ursp" if "ursp" in data and "dmcfg" not in data
                                          else "dmcfg")
    if which == "ursp":
        from me_lib.sim.card_ursp import encode_section as encode_ursp

        ursp_section = data.get("ursp")
        if not isinstance(ursp_section, dict):
            raise ProfileError("%s has no [ursp] section" % path,
                               "add [ursp] with [[ursp.plmn]] and [[ursp.plmn.rule]] tables")
        print(encode_ursp(ursp_section, "%s [ursp]" % path).hex().upper())
        return 0
    section = data.get("dmcfg")
    if not isinstance(section, dict):
        raise ProfileError("%s has no [dmcfg] section" % path,
                           "add [dmcfg] with [[dmcfg.server]] and [[dmcfg.bearer]] tables")
    print(encode_section(section, "%s [dmcfg]" % path).hex().upper())
    return 0


def run_card_sim(args: argparse.Namespace) -> int:
    """Serve the card in the foreground; INFO logging even without -v."""
    from me_lib.sim import vpcd

    root = logging.getLogger()
    if root.getEffectiveLevel() > logging.INFO:
        logging.getLogger("me_lib.sim").setLevel(logging.INFO)
        if not root.handlers:
            logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")
    return vpcd.run_args(args)
