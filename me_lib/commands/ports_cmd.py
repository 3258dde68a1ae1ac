"""`me-lib ports`: the serial ports and PC/SC readers a modem or card may be behind.

The first thing to run when `--modem` or `--reader` is not known (the port-open
hints point here): one line per serial port (device, description, hardware id)
and per PC/SC reader, the reader's index being what `--reader N` takes. A PC/SC
stack that is missing or not running is one line, not a failure: the serial
ports are still worth showing, and a machine without pcscd is normal.
"""

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from me_lib.commands import exit_codes


def register(sub: Any) -> None:
    """Add `ports` to the `me-lib` subcommands."""
    p = sub.add_parser("ports", help="list serial ports and PC/SC readers")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def serial_ports(comports: Callable[[], Any] | None = None) -> list[dict[str, str]]:
    """Each serial port pyserial finds: device, description, hwid (sorted by device)."""
    if comports is None:
        from serial.tools import list_ports

        comports = list_ports.comports
    ports = [{"device": str(p.device), "description": str(p.description or ""),
              "hwid": str(p.hwid or "")} for p in comports()]
    return sorted(ports, key=lambda p: p["device"])


def pcsc_readers(readers: Callable[[], Any] | None = None) -> tuple[list[str], str | None]:
    """(reader names, None), or ([], why there are none to list) when PC/SC is not usable."""
    if readers is None:
        try:
            from smartcard import System
        except ImportError:
            return [], "pyscard is not installed (pip install 'me-lib[pcsc]')"
        readers = System.readers
    try:
        found = readers()
    except Exception as exc:  # pyscard raises its own classes (no pcscd, no reader driver)
        return [], ("the PC/SC service is not available (is pcscd running? "
                    "systemctl start pcscd): %s" % (str(exc) or type(exc).__name__))
    return [str(r) for r in found], None


def run(args: argparse.Namespace) -> int:
    """Print the ports and readers; exit code 0 (nothing found is not an error)."""
    ports = serial_ports()
    readers, why = pcsc_readers()
    if args.json:
        json.dump({"serial": ports, "readers": [{"index": i, "name": name}
                                                for i, name in enumerate(readers)],
                   "pcsc_error": why}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return exit_codes.OK
    w = sys.stdout.write
    w("serial ports (--modem DEVICE):\n")
    if not ports:
        w("  none found\n")
    for p in ports:
        w("  %-16s %s  [%s]\n" % (p["device"], p["description"], p["hwid"]))
    w("PC/SC readers (--reader N):\n")
    if why is not None:
        w("  %s\n" % why)
    elif not readers:
        w("  none found\n")
    for i, name in enumerate(readers):
        w("  %d  %s\n" % (i, name))
    return exit_codes.OK
