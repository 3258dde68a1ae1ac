"""27.007 operations and the per-module dialect table."""

from me_lib.modem.dialects import DIALECTS, GENERIC, Dialect, match_dialect
from me_lib.modem.modem import ActivationRejected, Identification, Modem
from me_lib.modem.parsers import ContextInfo, PdpContext
from me_lib.modem.registration import Registration, parse_registration

__all__ = ["DIALECTS", "GENERIC", "ActivationRejected", "ContextInfo", "Dialect",
           "Identification", "Modem", "PdpContext", "Registration", "match_dialect",
           "parse_registration"]
