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

# --- classes ---------------------------------------------------------------------

SUCCESS = "success"
GET_RESPONSE = "get_response"
RESEND = "resend"
WARNING = "warning"
ERROR = "error"

# The tables are strings, not dicts (issue 15): on a board loaded from .mpy a dict
# row costs a table slot, a tuple and a string object each, a string row only its
# characters. Rows are found by searching "\n<key> ".
#
# Column letters: the class (S SUCCESS, G GET_RESPONSE, R RESEND, W WARNING,
# E ERROR, . from the SW1 row) and the typed error (an index into _ERRORS; . from
# the SW1 row).
_KINDS = {"S": SUCCESS, "G": GET_RESPONSE, "R": RESEND, "W": WARNING, "E": ERROR}
_ERRORS: "tuple[type[StatusWordError], ...]" = (
    StatusWordError, FileNotFound, SecurityStatusNotSatisfied, ExecutionError, WrongLength,
    ClassNotSupported, CommandNotAllowed, WrongParameters, InstructionNotSupported,
    TechnicalProblem)

# Exact status words: SW, class, error, meaning, then "|what to do" where there is advice.
_EXACT = """
9000 S . normal ending
9300 . . SIM Application Toolkit busy|retry later
6200 . . warning, no information given; NV memory unchanged
6281 . . part of the returned data may be corrupted|re-read the file
6282 . . end of file/record reached before reading Le bytes
6283 . . selected file invalidated|the operator deactivated this file
6284 . . selected file in termination state
62F1 . . more data available
62F2 . . more data available and proactive command pending
62F3 . . response data available
63F1 . . more data expected
63F2 . . more data expected and proactive command pending
6400 . . execution error, NV memory unchanged|retry once
6500 . . execution error, NV memory changed
6581 . . memory problem|the card may be worn out
6700 . . wrong length
6800 . . functions in CLA not supported
6881 . . logical channel not supported|use the basic channel or +CGLA
6882 . . secure messaging not supported
6900 . . command not allowed, no information given
6981 . . command incompatible with file structure|check transparent vs record
6982 . 2 security status not satisfied|verify the PIN (or ADM) first
6983 . . authentication/PIN method blocked|unblock with the PUK
6984 . . referenced data invalidated
6985 . . conditions of use not satisfied
6986 . . command not allowed (no EF selected)|select a file first
6A80 . . incorrect parameters in the data field
6A81 . . function not supported
6A82 . 1 file or application not found|check the path; the profile may lack it
6A83 . . record not found
6A84 . . not enough memory space
6A86 . . incorrect parameters P1 to P2
6A87 . . Lc inconsistent with P1 to P2
6A88 . . referenced data not found
6B00 . . wrong parameters P1-P2 (offset outside the EF)
6D00 . . instruction code not supported or invalid
6E00 . . class not supported
6F00 . . technical problem, no precise diagnosis
9850 . . INCREASE cannot be performed, max value reached
9862 . . authentication error, application specific
9863 . . security session or association expired
9864 . . minimum UICC suspension time is too long
9240 E 3 memory problem (GSM)
9400 . . no EF selected (GSM)
9402 . 7 out of range / invalid address (GSM)
9404 . 1 file ID not found (GSM)|check the path; the profile may lack it
9408 . . file inconsistent with the command (GSM)
9802 . . no CHV initialised (GSM)
9804 . 2 access condition not fulfilled (GSM)|verify the PIN (or ADM) first
9808 . . in contradiction with CHV status (GSM)
9810 . . in contradiction with invalidation status (GSM)
9840 . . CHV blocked (GSM)|unblock with the PUK
"""
# 9240 is "memory problem" of a GSM SIM (TS 51.011), not "done after 0x40 retries";
# 94xx/98xx: legacy GSM SIMs, which may answer through +CRSM in 2G mode.

# SW1 families: SW1, class, error, then the meaning with %d for SW2 where SW2 is a
# parameter. A SW1 absent here is an ERROR raising a plain StatusWordError.
_SW1 = """
61 G . %d response bytes still available (T=0)
62 W .
63 W .
64 . 3
65 . 3
66 . 3
67 . 4 wrong length (command-dependent qualifier %d)
68 . 5
69 . 6
6A . 7
6B . 7
6C R 4 wrong Le; exact length is %d (T=0)
6D . 8
6E . 5
6F . 9 technical problem (qualifier %d)
91 S . normal ending, proactive command of %d bytes pending
92 S . normal ending after %d internal retries (GSM)
93 . 3
94 . 6
98 . 6
9F G . %d response bytes available (GSM)
"""

NOT_FOUND = (0x6A82, 0x9404)
SECURITY = (0x6982, 0x9804)
BLOCKED = (0x6983, 0x9840)


def _row(table: str, key: str) -> "list[str] | None":
    """The fields of `key`'s row in `table`: [class, error, text]; None without a row."""
    at = table.find("\n" + key + " ")
    if at < 0:
        return None
    start = at + len(key) + 2
    fields = table[start:table.find("\n", start)].split(" ", 2)
    if len(fields) < 3:
        fields.append("")
    return fields


def _exact(sw: int) -> "list[str] | None":
    return _row(_EXACT, "%04X" % sw)


def _family(sw: int) -> "list[str]":
    return _row(_SW1, "%02X" % (sw >> 8)) or ["E", ".", ""]


def kind(sw: int) -> str:
    """The class of `sw`: SUCCESS, GET_RESPONSE, RESEND, WARNING or ERROR."""
    exact = _exact(sw)
    if exact is not None and exact[0] != ".":
        return _KINDS[exact[0]]
    if (sw & 0xFFF0) == 0x63C0:
        return ERROR  # "verification failed, x retries left" is no success with a warning
    family = _family(sw)[0]
    return ERROR if family == "." else _KINDS[family]


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
    exact = _exact(sw)
    if exact is not None:
        return exact[2].split("|")[0]
    if (sw & 0xFFF0) == 0x63C0:
        return "verification failed, %d retries left" % (sw & 0x0F)
    tmpl = _family(sw)[2]
    if tmpl:
        return tmpl % (sw & 0xFF)
    return "unknown status word"


def error_for(sw: int, operation: str) -> StatusWordError | PinBlocked:
    """The typed exception for a failing SW; `operation` says what was refused."""
    exact = _exact(sw)
    advice = exact[2].split("|") if exact else []
    hint = advice[1] if len(advice) > 1 else None
    meaning = describe(sw)
    if sw in BLOCKED:
        return PinBlocked("%s failed: SW %04X (%s)" % (operation, sw, meaning), 0)
    index = exact[1] if exact is not None and exact[1] != "." else _family(sw)[1]
    cls = _ERRORS[0 if index == "." else int(index)]
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
