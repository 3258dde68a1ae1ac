"""Status words: one table, their meaning, their class, and the exception each one raises.

Every back end (PC/SC, +CSIM, +CGLA, +CRSM) ends up with a 16-bit SW; keeping
the interpretation here means a 6982 reads the same whatever the transport,
and the message names the operation so the user knows what was refused.

Each SW falls in one class (`kind()`), and the class says what a transport does:

* SUCCESS: 9000, 91xx (proactive command of xx bytes pending), 920x (done after
  x internal retries, TS 51.011 §9.4.1);
* GET_RESPONSE: 61xx (T=0, TS 102 221 §10.2.1.1) and 9Fxx (GSM, TS 51.011
  §9.4.1): xx response bytes wait; an APDU link fetches them with GET RESPONSE
  Le=xx, while on +CRSM the MT already did and the data is in the answer;
* RESEND: 6Cxx, wrong Le: re-send the command with Le=xx;
* WARNING: 62xx / 63xx (but 63Cx, "verification failed"): the command ran and
  its data is kept, e.g. 6282 "end of file reached before Le bytes";
* ERROR: 64xx..6Fxx, 9240, 93xx, 94xx, 98xx and anything unknown: a typed
  `StatusWordError` subclass (or `PinBlocked`) naming the meaning.

Sources: TS 102 221 §10.2 (UICC) and TS 51.011 §9.4 (2G SIMs answering
through +CRSM with 94xx/98xx).
Portable (runs on MicroPython).
"""

from me_lib.errors import (
    ClassNotSupported,
    CommandNotAllowed,
    ExecutionError,
    FileNotFound,
    InstructionNotSupported,
    PinBlocked,
    SecurityStatusNotSatisfied,
    StatusWordError,
    TechnicalProblem,
    WrongLength,
    WrongParameters,
)
from me_lib.log import get_logger

log = get_logger("me_lib.card")

SW_OK = 0x9000

# Exact status words. Values: meaning, then what to do (or "").
_EXACT: dict[int, tuple[str, str]] = {
    0x9000: ("normal ending", ""),
    0x9300: ("SIM Application Toolkit busy", "retry later"),
    0x6200: ("warning, no information given; NV memory unchanged", ""),
    0x6281: ("part of the returned data may be corrupted", "re-read the file"),
    0x6282: ("end of file/record reached before reading Le bytes", ""),
    0x6283: ("selected file invalidated", "the operator deactivated this file"),
    0x6284: ("selected file in termination state", ""),
    0x62F1: ("more data available", ""),
    0x62F2: ("more data available and proactive command pending", ""),
    0x62F3: ("response data available", ""),
    0x63F1: ("more data expected", ""),
    0x63F2: ("more data expected and proactive command pending", ""),
    0x6400: ("execution error, NV memory unchanged", "retry once"),
    0x6500: ("execution error, NV memory changed", ""),
    0x6581: ("memory problem", "the card may be worn out"),
    0x6700: ("wrong length", ""),
    0x6800: ("functions in CLA not supported", ""),
    0x6881: ("logical channel not supported", "use the basic channel or +CGLA"),
    0x6882: ("secure messaging not supported", ""),
    0x6900: ("command not allowed, no information given", ""),
    0x6981: ("command incompatible with file structure", "check transparent vs record"),
    0x6982: ("security status not satisfied", "verify the PIN (or ADM) first"),
    0x6983: ("authentication/PIN method blocked", "unblock with the PUK"),
    0x6984: ("referenced data invalidated", ""),
    0x6985: ("conditions of use not satisfied", ""),
    0x6986: ("command not allowed (no EF selected)", "select a file first"),
    0x6A80: ("incorrect parameters in the data field", ""),
    0x6A81: ("function not supported", ""),
    0x6A82: ("file or application not found", "check the path; the profile may lack it"),
    0x6A83: ("record not found", ""),
    0x6A84: ("not enough memory space", ""),
    0x6A86: ("incorrect parameters P1 to P2", ""),
    0x6A87: ("Lc inconsistent with P1 to P2", ""),
    0x6A88: ("referenced data not found", ""),
    0x6B00: ("wrong parameters P1-P2 (offset outside the EF)", ""),
    0x6D00: ("instruction code not supported or invalid", ""),
    0x6E00: ("class not supported", ""),
    0x6F00: ("technical problem, no precise diagnosis", ""),
    0x9850: ("INCREASE cannot be performed, max value reached", ""),
    0x9862: ("authentication error, application specific", ""),
    0x9863: ("security session or association expired", ""),
    0x9864: ("minimum UICC suspension time is too long", ""),
    # Legacy GSM SIM (TS 51.011), may surface through +CRSM from 2G-mode SIMs.
    0x9240: ("memory problem (GSM)", ""),
    0x9400: ("no EF selected (GSM)", ""),
    0x9402: ("out of range / invalid address (GSM)", ""),
    0x9404: ("file ID not found (GSM)", "check the path; the profile may lack it"),
    0x9408: ("file inconsistent with the command (GSM)", ""),
    0x9802: ("no CHV initialised (GSM)", ""),
    0x9804: ("access condition not fulfilled (GSM)", "verify the PIN (or ADM) first"),
    0x9808: ("in contradiction with CHV status (GSM)", ""),
    0x9810: ("in contradiction with invalidation status (GSM)", ""),
    0x9840: ("CHV blocked (GSM)", "unblock with the PUK"),
}

# SW1 families where SW2 is a parameter. Values: meaning template (%d = SW2).
_SW1: dict[int, str] = {
    0x61: "%d response bytes still available (T=0)",
    0x6C: "wrong Le; exact length is %d (T=0)",
    0x9F: "%d response bytes available (GSM)",
    0x91: "normal ending, proactive command of %d bytes pending",
    0x92: "normal ending after %d internal retries (GSM)",
    0x67: "wrong length (command-dependent qualifier %d)",
    0x6F: "technical problem (qualifier %d)",
}

NOT_FOUND = (0x6A82, 0x9404)
SECURITY = (0x6982, 0x9804)
BLOCKED = (0x6983, 0x9840)

# --- classes ---------------------------------------------------------------------

SUCCESS = "success"
GET_RESPONSE = "get_response"
RESEND = "resend"
WARNING = "warning"
ERROR = "error"

# Class by SW1; anything absent is an ERROR.
_KIND_SW1: dict[int, str] = {
    0x91: SUCCESS,       # proactive command pending (TS 102 221 §10.2.1.1)
    0x92: SUCCESS,       # 920x: successful after x internal retries (TS 51.011 §9.4.1)
    0x61: GET_RESPONSE,  # T=0 procedure byte
    0x9F: GET_RESPONSE,  # GSM: response data of xx bytes available
    0x6C: RESEND,        # wrong Le, exact length xx
    0x62: WARNING,
    0x63: WARNING,
}
# Exceptions to the SW1 rule.
_KIND_EXACT: dict[int, str] = {
    SW_OK: SUCCESS,
    0x9240: ERROR,       # GSM memory problem, not "done after 0x40 retries"
}

# Typed error by exact SW, then by SW1; anything else is a plain StatusWordError.
_ERROR_EXACT: dict[int, type[StatusWordError]] = {
    0x6A82: FileNotFound,
    0x9404: FileNotFound,
    0x6982: SecurityStatusNotSatisfied,
    0x9804: SecurityStatusNotSatisfied,
    0x9402: WrongParameters,
    0x9240: ExecutionError,
}
_ERROR_SW1: dict[int, type[StatusWordError]] = {
    0x64: ExecutionError,
    0x65: ExecutionError,
    0x66: ExecutionError,
    0x67: WrongLength,
    0x68: ClassNotSupported,
    0x69: CommandNotAllowed,
    0x6A: WrongParameters,
    0x6B: WrongParameters,
    0x6C: WrongLength,
    0x6D: InstructionNotSupported,
    0x6E: ClassNotSupported,
    0x6F: TechnicalProblem,
    0x93: ExecutionError,
    0x94: CommandNotAllowed,
    0x98: CommandNotAllowed,
}


def kind(sw: int) -> str:
    """The class of `sw`: SUCCESS, GET_RESPONSE, RESEND, WARNING or ERROR."""
    exact = _KIND_EXACT.get(sw)
    if exact is not None:
        return exact
    if (sw & 0xFFF0) == 0x63C0:
        return ERROR  # "verification failed, x retries left" is no success with a warning
    return _KIND_SW1.get(sw >> 8, ERROR)


def is_success(sw: int) -> bool:
    """9000, 91xx (proactive command pending) and 920x all mean 'done'."""
    return kind(sw) == SUCCESS


def is_usable(sw: int) -> bool:
    """Success, or a warning whose data is kept (6282: short data at the end of the file)."""
    return kind(sw) in (SUCCESS, WARNING)


def proactive_length(sw: int) -> int:
    """Length of the proactive command a 91xx announces (0 for any other SW)."""
    return sw & 0xFF if sw >> 8 == 0x91 else 0


def crsm_sw(sw: int) -> int:
    """The SW a +CRSM answer means: 61xx/9Fxx are 9000 there.

    The MT runs the T=0 procedure itself; several modems still report the
    card's "xx response bytes available" (9Fxx from 2G-style cards per TS 51.011,
    sometimes 61xx) as SW1/SW2 next to the data they already fetched
    (`+CRSM: 159,10,"98..."`), so the data is the answer.
    """
    return SW_OK if kind(sw) == GET_RESPONSE else sw


def describe(sw: int) -> str:
    """Human meaning of a status word ('' when the card invented one)."""
    entry = _EXACT.get(sw)
    if entry is not None:
        return entry[0]
    if (sw & 0xFFF0) == 0x63C0:
        return "verification failed, %d retries left" % (sw & 0x0F)
    tmpl = _SW1.get(sw >> 8)
    if tmpl is not None:
        return tmpl % (sw & 0xFF)
    return "unknown status word"


def error_for(sw: int, operation: str) -> StatusWordError | PinBlocked:
    """The typed exception for a failing SW; `operation` says what was refused."""
    entry = _EXACT.get(sw)
    hint = entry[1] if entry and entry[1] else None
    meaning = describe(sw)
    if sw in BLOCKED:
        return PinBlocked("%s failed: SW %04X (%s)" % (operation, sw, meaning), 0)
    cls = _ERROR_EXACT.get(sw) or _ERROR_SW1.get(sw >> 8) or StatusWordError
    err: StatusWordError = cls(sw, operation, meaning, hint)
    return err


def check(sw: int, operation: str) -> None:
    """Raise the typed error unless `sw` is a success or a warning (logged, data kept)."""
    k = kind(sw)
    if k == SUCCESS:
        return
    if k == WARNING:
        log.warning("%s: SW %04X (%s); the data returned is kept", operation, sw, describe(sw))
        return
    raise error_for(sw, operation)
