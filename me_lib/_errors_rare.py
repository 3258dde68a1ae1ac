"""The classes of `me_lib.errors` a board rarely meets, loaded on their first use.

Import them from `me_lib.errors`, never from here: its module `__getattr__`
(PEP 562, which MicroPython has too) imports this module the first time one
of these names is asked for, and each class says it is `me_lib.errors`'s
(`__module__`), so `from me_lib.errors import WrongLength`, isinstance,
except, pickle and repr see one home. Why a second module (issue 15): on a
board each class costs about 350 B of heap from .mpy however it is written,
and the board core (`me_lib.board`, firmware_shim) imports none of these at
load time, so its happy path never pays for them. The error paths that raise
them (`me_lib.card.sw`, the full library's channel and port opener) load them.

What stays in `me_lib.errors`: the hierarchy roots and every class a board
core module imports at load time (tests/test_errors_on_demand.py pins both
lists). Portable, like `me_lib.errors`; the rows (`_d`, `_h`) are read by its
`_init` (see its docstring).
"""

try:
    from micropython import const  # type: ignore[import-not-found]
except ImportError:  # CPython: const() is the identity
    const = int

from me_lib.errors import AtCommandError, AtError, PortClosed, StatusWordError

TYPE_CHECKING = const(0)

# --- AT layer ---------------------------------------------------------------

#: What a plain ERROR means, by what the channel knows of the module's +CMEE:
#: never asked (None), on (True), refused (False). "AT+CMEE=1 gives a numeric
#: cause" is advice only where numeric errors are off and could be switched on
#: (the first is `AtCommandError`'s default hint).
PLAIN_ERROR_HINTS = (
    (None, str(AtCommandError._h)),
    (True, "the modem rejected the command without a cause although numeric errors "
           "(+CMEE=1) are on: the command or a parameter is likely not supported by this "
           "module; check its AT manual"),
    (False, "the modem rejected the command; this module refused AT+CMEE=1, so it never "
            "says why: check the command and its parameters against its AT manual"),
)


def plain_error_hint(cmee: bool | None) -> str:
    """The hint of an `AtCommandError`, given the module's +CMEE state (see above)."""
    for state, hint in PLAIN_ERROR_HINTS:
        if state is cmee:
            return hint
    return PLAIN_ERROR_HINTS[0][1]


class CmsError(AtError):
    """`+CMS ERROR: <n>|<text>` (27.005 message service errors)."""

    __module__ = "me_lib.errors"
    _d = "command code name|3||%(command)s failed: +CMS ERROR |?code>%(code)d |%(name)s"
    if TYPE_CHECKING:
        code: int | None
        name: str

        def __init__(self, command: str | None, code: int | None, name: str) -> None: ...


class PortUnavailable(PortClosed):
    """The port could not be opened at all (no such device, refused, unknown sim:// scenario).

    A PortClosed, so code that reopens a lost port handles a device that is
    not back yet the same way; `hint` names what to check for this cause.
    """

    __module__ = "me_lib.errors"
    _d = "url detail hint|3|command=|cannot open %(url)s: %(detail)s"
    _h = ""  # hint is required: no default
    if TYPE_CHECKING:
        url: str

        def __init__(self, url: str, detail: str, hint: str) -> None: ...


class InvalidAtParameter(AtError):
    """A value could not be put on an AT command line safely.

    Values come from the card, the network and the user; a CR, a quote or a
    semicolon in them could end our command and start another, so they are
    refused before anything is written.
    """

    __module__ = "me_lib.errors"
    _d = "message value|1|command=|%(message)s"
    _h = "fix the value at its source (card profile, config or argument)"
    if TYPE_CHECKING:
        value: object

        def __init__(self, message: str, value: object = None) -> None: ...


# --- card layer: the status words other than 6A82 (me_lib.card.sw) ------------


class SecurityStatusNotSatisfied(StatusWordError):
    """SW 6982 / 9804: the file needs a PIN (or ADM) first."""

    __module__ = "me_lib.errors"


class ExecutionError(StatusWordError):
    """SW 64xx / 65xx / 66xx (and 92 40, 93 00): the card failed while executing."""

    __module__ = "me_lib.errors"


class WrongLength(StatusWordError):
    """SW 67xx / 6Cxx (Le still wrong after the re-send): the length field was refused."""

    __module__ = "me_lib.errors"


class ClassNotSupported(StatusWordError):
    """SW 68xx / 6Exx: the CLA byte (channel, secure messaging, class) is not supported."""

    __module__ = "me_lib.errors"


class CommandNotAllowed(StatusWordError):
    """SW 69xx (other than 6982/6983) and 94xx / 98xx of GSM cards: not allowed now."""

    __module__ = "me_lib.errors"


class WrongParameters(StatusWordError):
    """SW 6Axx (other than 6A82) / 6Bxx: P1-P2 or the data field were refused."""

    __module__ = "me_lib.errors"


class InstructionNotSupported(StatusWordError):
    """SW 6Dxx: the INS byte is not supported by this card or application."""

    __module__ = "me_lib.errors"


class TechnicalProblem(StatusWordError):
    """SW 6Fxx: the card reports a technical problem without a precise diagnosis."""

    __module__ = "me_lib.errors"
