"""Opening a device from command-line arguments: the modem port or a PC/SC reader."""

import argparse
import sys
from pathlib import Path

from me_lib.commands.secrets import add_pin_arguments, pin_from
from me_lib.errors import MeLibError
from me_lib.modem import Modem
from me_lib.store import default_state_dir


def add_device_arguments(parser: argparse.ArgumentParser, reader: bool = False) -> None:
    parser.add_argument("--modem", metavar="URL",
                        help="pyserial URL or device path (/dev/ttyUSB2, socket://h:p, "
                        "rfc2217://h:p, sim://default)")
    if reader:
        parser.add_argument("--reader", metavar="N",
                            help="PC/SC reader index or name (reads the card directly)")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--dialect", help="force a dialect instead of identifying the module")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="device config file (TOML) for the 'file' source")
    parser.add_argument("--state-dir", type=Path, default=None, metavar="DIR",
                        help="where the last good profile and our contexts are kept "
                        "(default $ME_LIB_STATE_DIR or ~/.local/state/me_lib)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--record", metavar="FILE",
                        help="write a trace of the AT session, PINs and passwords masked "
                        "(replay://FILE plays it back)")
    parser.add_argument("--record-secrets", action="store_true",
                        help="with --record: keep PINs and passwords in clear (file mode "
                        "0600; never share it)")
    add_pin_arguments(parser)


def state_dir(args: argparse.Namespace) -> Path:
    return Path(args.state_dir) if args.state_dir is not None else default_state_dir()


def open_modem(args: argparse.Namespace) -> Modem:
    if not args.modem:
        raise MeLibError("no modem given", "pass --modem URL (e.g. --modem sim://default)")
    from me_lib.modem.known import KnownModules

    # what earlier runs learned of the module on this port (identity checked by +CGSN,
    # cid ranges, when the DM server was last reached): fewer round trips next time
    known = KnownModules(state_dir(args) / "known.json")
    modem = Modem.open(args.modem, baudrate=args.baud, dialect=args.dialect,
                       pin=pin_from(args), known=known)
    if getattr(args, "record", None):
        clear = bool(getattr(args, "record_secrets", False))
        if clear:
            print("me-lib: warning: %s holds the SIM PIN and APN passwords in clear "
                  "(--record-secrets); keep it private and delete it after use"
                  % args.record, file=sys.stderr)
        modem.channel.record(args.record, secrets_in_clear=clear)
    try:
        # a reboot during start-up or the SIM check starts it again from sync
        modem.restarting(modem.ready, "starting up and checking the SIM")
    except BaseException:
        modem.close()
        raise
    return modem
