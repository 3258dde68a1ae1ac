"""Red team: the packed status-word tables answer every SW 0000-FFFF as the dicts did.

`me_lib/card/sw.py` moved its six dicts into two strings behind one row lookup
(issue 15). The dict version (2dfd880) is kept below, verbatim, as the oracle:
for every status word the class, the meaning, the typed error (class, message,
hint, attributes) and `check`'s outcome must be the same.
"""

from typing import Any

from me_lib.card import sw as SW
from me_lib.errors import (
    ClassNotSupported,
    CommandNotAllowed,
    ExecutionError,
    FileNotFound,
    InstructionNotSupported,
    MeLibError,
    PinBlocked,
    SecurityStatusNotSatisfied,
    StatusWordError,
    TechnicalProblem,
    WrongLength,
    WrongParameters,
)

SW_OK = 0x9000
SUCCESS, GET_RESPONSE, RESEND, WARNING, ERROR = SW.SUCCESS, SW.GET_RESPONSE, SW.RESEND, \
    SW.WARNING, SW.ERROR

# --- the oracle: me_lib/card/sw.py at 2dfd880 (tables and lookups) --------------
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



# --- the comparison ------------------------------------------------------------


def _answer(m: Any, sw: int) -> tuple[object, ...]:
    err = m.error_for(sw, "READ BINARY")
    return (m.kind(sw), m.describe(sw), type(err).__name__, str(err), sorted(vars(err).items()),
            m.is_success(sw), m.is_usable(sw), m.proactive_length(sw), m.crsm_sw(sw))


class _Old:
    kind = staticmethod(kind)
    describe = staticmethod(describe)
    error_for = staticmethod(error_for)
    is_success = staticmethod(is_success)
    is_usable = staticmethod(is_usable)
    proactive_length = staticmethod(proactive_length)
    crsm_sw = staticmethod(crsm_sw)


def test_every_status_word_answers_as_the_dict_tables_did() -> None:
    differ = [sw for sw in range(0x10000) if _answer(SW, sw) != _answer(_Old, sw)]
    assert differ == [], ["%04X" % sw for sw in differ[:20]]


def test_check_raises_the_same_typed_error_for_every_status_word() -> None:
    for sw in range(0x10000):
        outcomes: list[object] = []
        for fn in (SW.check, _old_check):
            try:
                fn(sw, "SELECT")
                outcomes.append(None)
            except MeLibError as exc:
                outcomes.append((type(exc).__name__, str(exc)))
        assert outcomes[0] == outcomes[1], "%04X" % sw


def _old_check(sw: int, operation: str) -> None:
    if kind(sw) in (SUCCESS, WARNING):
        return
    raise error_for(sw, operation)
