"""What the AT back ends (+CSIM, +CGLA, +CRSM) need from an AtChannel, and shared parsing.

The card layer only needs `command(cmd, prefix, timeout) -> response.lines`
and the typed AT errors, so it is typed against that protocol: tests and the
MicroPython port can hand in anything with the same shape. Portable: the
protocols live in `me_lib.card.protocols`, which a board does not ship.
"""

from me_lib.errors import AtCommandError, CardError, CardRemoved, CmeError

try:  # the protocols (me_lib.card.protocols) only document the shape: CPython only
    from me_lib.card.protocols import AtPort as AtPort
    from me_lib.card.protocols import AtResponse as AtResponse
except ImportError:  # MicroPython: not shipped, nothing checks types there
    pass

# +CME ERROR codes that describe the SIM's state, not our command: retrying
# with another syntax cannot help, the caller must act (insert, PIN, wait).
SIM_STATE_CME = {10: "SIM not inserted", 11: "SIM PIN required", 12: "SIM PUK required",
                 13: "SIM failure", 14: "SIM busy", 15: "SIM wrong",
                 17: "SIM PIN2 required", 18: "SIM PUK2 required"}

_HEXDIGITS = "0123456789abcdefABCDEF"


def parse_hex(text: str, what: str) -> bytes:
    """Hex from a modem answer: quotes, spaces and either case tolerated."""
    clean = "".join(text.split()).strip('"')
    clean = "".join(clean.split())
    if len(clean) % 2 or clean.strip(_HEXDIGITS):  # a character outside the set
        raise CardError("%s: %r is not a hex string" % (what, text),
                        "the modem answered in an unexpected format")
    return bytes.fromhex(clean)


def answer_fields(lines: list[str], prefix: str) -> list[list[str]]:
    """Fields (split on commas, stripped, unquoted) of each line starting with `prefix`."""
    out: list[list[str]] = []
    up = prefix.upper()
    for line in lines:
        s = line.strip()
        if s.upper().startswith(up):
            fields = s[len(prefix):].split(",")
            for i in range(len(fields)):  # a loop, not a comprehension: less heap on a board
                fields[i] = fields[i].strip().strip('"').strip()
            out.append(fields)
    return out


def sim_state_error(exc: CmeError, what: str) -> CardError | None:
    """The CardError for a +CME ERROR about the SIM's state, else None."""
    if exc.code not in SIM_STATE_CME:
        return None
    text = "%s: +CME ERROR %d (%s)" % (what, exc.code, SIM_STATE_CME[exc.code])
    if exc.code == 10:
        return CardRemoved(text, "insert the SIM (and power-cycle the modem), then retry")
    if exc.code == 14:
        return CardError(text, "the SIM is still initialising; retry after a short back-off")
    if exc.code in (11, 12, 17, 18):
        return CardError(text, "enter the PIN (AT+CPIN) before reading the card")
    return CardError(text, "the modem lost the SIM; check the card and its contacts")


def card_error(exc: CmeError | AtCommandError, what: str, hint: str) -> CardError:
    """Wrap a modem refusal as a CardError (callers of the card layer catch one family)."""
    if isinstance(exc, CmeError):
        state = sim_state_error(exc, what)
        if state is not None:
            return state
    return CardError("%s: %s" % (what, exc.message), hint)


def parse_csim(lines: list[str], prefix: str) -> tuple[bytes, int]:
    """(data, sw) from `+CSIM: <len>,"<hex>"` (or `+CGLA:`), tolerant of format quirks.

    Here rather than in csim.py because +CGLA answers the same way, and a
    board that reaches the card over +CRSM/+CGLA does not ship the +CSIM link.
    """
    answers = [f for f in answer_fields(lines, prefix) if f and f[-1]]
    if not answers:
        raise CardError("no %s answer in %r" % (prefix, lines),
                        "the modem answered OK without the response APDU")
    fields = answers[0]
    resp = parse_hex(fields[-1], prefix.rstrip(":"))
    if len(resp) < 2:
        raise CardError("%s answer %r has no status word" % (prefix, fields[-1]))
    return resp[:-2], (resp[-2] << 8) | resp[-1]
