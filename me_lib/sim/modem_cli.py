"""`me-lib sim`: serve the simulated modem on a pty or a loopback TCP port.

    me-lib sim --pty [--scenario default] [--speed 1]    # prints the pty path, serves until SIGTERM
    me-lib sim --tcp 127.0.0.1:7000 [--scenario F]        # loopback only

Another program (minicom, the me_lib driver, a HIL suite) then opens the printed
device or `socket://127.0.0.1:7000` as if a real module were attached.
"""

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from me_lib.sim.modem.clock import SimClock
from me_lib.sim.modem.core import SimModem
from me_lib.sim.modem.scenario import Scenario, ScenarioError, available
from me_lib.sim.modem.server import PtyServer, TcpServer, parse_loopback


def register(subparsers: Any) -> None:
    """Add the `sim` subcommand (called by me_lib.cli)."""
    parser = subparsers.add_parser(
        "sim", help="run the simulated modem on a pty or a loopback TCP port",
        description="Serve a simulated 27.007 modem holding the virtual USIM.")
    _arguments(parser)
    parser.set_defaults(func=run)


def _arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    where.add_argument("--tcp", metavar="127.0.0.1:PORT", help="serve on a loopback TCP port")
    parser.add_argument("--scenario", default="default",
                        help="scenario name (%s) or a .toml path" % ", ".join(available()))
    parser.add_argument("--speed", type=float, default=1.0,
                        help="virtual time runs this many times faster than real time")
    parser.add_argument("--baud", type=int, default=None, help="output pacing (default 115200)")


def run(args: argparse.Namespace) -> int:
    from me_lib.commands.exit_codes import USAGE

    if not 0 < args.speed <= 1e6:
        print("me-lib: error: sim: --speed must be in (0, 1e6]", file=sys.stderr)
        return USAGE
    try:
        modem = SimModem(Scenario.load(args.scenario), SimClock(args.speed), args.baud)
    except ScenarioError as exc:
        print("me-lib: error: sim: %s (scenario names: %s, or a .toml path)"
              % (exc, ", ".join(available())), file=sys.stderr)
        return USAGE
    server: PtyServer | TcpServer
    if args.pty:
        server = PtyServer(modem)
        print(server.path, flush=True)
    else:
        try:
            host, port = parse_loopback(args.tcp)
            server = TcpServer(modem, host, port)
        except (ValueError, OSError) as exc:
            print("me-lib: error: sim: %s (give a free loopback port, e.g. 127.0.0.1:7000)"
                  % exc, file=sys.stderr)
            return USAGE
        print("%s:%d" % (server.address[0], server.address[1]), flush=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.stop_event.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m me_lib.sim.modem_cli --pty` works before the CLI lists this module."""
    parser = argparse.ArgumentParser(prog="me-lib sim")
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
