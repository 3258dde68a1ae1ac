"""`me-lib read`: the profile the sources chain finds, and where each value came from."""

import argparse
import sys
from typing import Any

from me_lib.commands import json_doc
from me_lib.commands.output import profile_table
from me_lib.commands.session import add_device_arguments, open_modem, state_dir


def register(sub: Any) -> None:
    p = sub.add_parser("read", help="read the provisioning profile (USIM first) and show it")
    add_device_arguments(p, reader=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from me_lib.errors import MeLibError
    from me_lib.sources import read_profile

    cache = state_dir(args) / "profile-cache.json"
    if getattr(args, "reader", None) is not None:
        from me_lib.card.files import FileAccess
        from me_lib.card.pcsc import PcscLink
        from me_lib.card.usim import Usim

        reader: int | str = int(args.reader) if str(args.reader).isdigit() else args.reader
        link = PcscLink(reader)
        try:
            usim = Usim(FileAccess(link))
            pin = None
            from me_lib.commands.secrets import pin_from

            pin = pin_from(args)
            if pin is not None:
                usim.verify_pin(pin)
            identity = usim.identity()
            profile = read_profile(usim, config=args.config, cache=cache)
        finally:
            link.close()
        ident: dict[str, Any] = {"reader": str(args.reader)}
    else:
        if not args.modem:
            raise MeLibError("give --modem URL or --reader N")
        modem = open_modem(args)
        try:
            identity = modem.restarting(modem.identity, "reading the card's identity")
            profile = read_profile(modem, config=args.config, cache=cache)
            ident = dict(modem.ident.to_dict() if modem.ident else {},
                         dialect=modem.dialect.name)
        finally:
            modem.close()
    card = {"iccid": identity.iccid, "imsi": identity.imsi, "mcc": identity.mcc,
            "mnc": identity.mnc}
    if args.json:
        json_doc.emit(sys.stdout, "read", True, {"device": ident, "card": card,
                                                 "profile": profile.to_dict()})
        return 0
    out = sys.stdout
    out.write("card ICCID %s, IMSI %s (PLMN %s-%s)\n" % (card["iccid"], card["imsi"],
                                                         card["mcc"], card["mnc"]))
    profile_table(profile, out)
    return 0
