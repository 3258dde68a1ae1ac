"""27.007 operations and the per-module dialect table.

Importing the package loads nothing else: each public name is imported from
its module on first use (PEP 562), so the board core (`me_lib.board`) reads
the dialect rows (`me_lib.modem.dialects`) without loading `Modem`.
"""

from me_lib.lazy import exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from me_lib.modem.dialects import DIALECTS, GENERIC, Dialect, match_dialect
    from me_lib.modem.modem import ActivationRejected, Identification, Modem
    from me_lib.modem.parsers import ContextInfo, PdpContext
    from me_lib.modem.registration import Registration, parse_registration

_WHERE = {
    "DIALECTS": "dialects", "GENERIC": "dialects", "Dialect": "dialects",
    "match_dialect": "dialects", "ActivationRejected": "modem", "Identification": "modem",
    "Modem": "modem", "ContextInfo": "parsers", "PdpContext": "parsers",
    "Registration": "registration", "parse_registration": "registration",
}

__getattr__ = exports(__name__, _WHERE)

__all__ = ["DIALECTS", "GENERIC", "ActivationRejected", "ContextInfo", "Dialect",
           "Identification", "Modem", "PdpContext", "Registration", "match_dialect",
           "parse_registration"]
