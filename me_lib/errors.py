"""The one error hierarchy of me_lib.

Every failure a user can meet (a modem that answers badly, a card that refuses,
a profile that does not validate, a network that rejects an APN) is raised as a
subclass of `MeLibError`, never as a bare ValueError/IndexError/KeyError, so a
product can catch one type and still tell the cases apart.

Each message says what was attempted, what came back and what to do about it.

This module is portable: it runs unmodified on MicroPython (no dataclasses,
no enum, no typing at run time), because the AT engine imports it.

Classes are data (issue 15): one `__init__` on `MeLibError` builds every
error from its class's row `_d` (arguments, message pieces, fixed attributes:
see `_init`) and `_h`, the hint when none is given, because on a board each
function loaded from .mpy costs about 300 B of heap and a row string about a
third of that. The typed signatures mypy and readers see are in `if
TYPE_CHECKING:` blocks, which MicroPython's compiler drops (`TYPE_CHECKING` is
a `const`); tests/test_errors_rows.py checks each against its row.

Classes cost a board heap even as data (about 350 B each from .mpy), so the
ones no board core module imports at load time (`CmsError`, `PortUnavailable`,
`InvalidAtParameter`, the status words other than 6A82 ...) and the channel's
plain-ERROR hints live in `me_lib._errors_rare`, which the module
`__getattr__` at the end imports on first use (PEP 562, MicroPython too).
They are still this module's names for every caller, pickle and mypy;
tests/test_errors_on_demand.py pins which stay and that a board never loads
the rest on its happy path.
"""

try:
    from micropython import const  # type: ignore[import-not-found]
except ImportError:  # CPython: const() is the identity
    const = int

TYPE_CHECKING = const(0)
if TYPE_CHECKING:
    from typing import Any


def _init(self: "MeLibError", *args: "Any", **kw: "Any") -> None:
    """Build an error from its class's row `_d` and default hint `_h`.

    The row is `|`-separated: the argument names in order (space-separated),
    how many are required, fixed attributes (`name=value`, empty value: None),
    then the message pieces. A piece is `template` or `conditions>template`,
    added (`template % arguments`) only when each space-separated condition
    holds: `?name` (not None), `+name` (truthy), `-name` (falsy). Every argument
    and fixed attribute becomes an attribute of the same name; `command` is
    kept redacted and `lines` as redacted lines, wherever they appear. The hint,
    given or `_h`, is appended in parentheses; `message` and `hint` keep the
    final text, which is also the exception's only argument.
    """
    row = self._d.split("|")
    names = row[0].split()
    what = type(self).__name__
    if len(args) > len(names):
        raise TypeError("%s() takes at most %d arguments" % (what, len(names)))
    v: dict[str, Any] = {}
    for pair in row[2].split():
        name, value = pair.split("=")
        v[name] = value or None
    for i in range(len(names)):
        name = names[i]
        if i < len(args):
            v[name] = args[i]
        elif name in kw:
            v[name] = kw.pop(name)
        elif i < int(row[1]):
            raise TypeError("%s() missing argument %r" % (what, name))
        else:
            v[name] = None
    if kw:
        raise TypeError("%s() got unexpected arguments %r" % (what, sorted(kw)))
    if "command" in v:
        v["command"] = redacted(v["command"])
    if "lines" in v:
        v["lines"] = [redacted(x) or "" for x in v["lines"] or []]
    text = ""
    for piece in row[3:]:
        if ">" in piece:
            conditions, piece = piece.split(">", 1)
            for c in conditions.split():
                x = v.get(c[1:])
                if x is None if c[0] == "?" else (not x) if c[0] == "+" else bool(x):
                    break
            else:
                text += piece % v
        else:
            text += piece % v
    hint = v.get("hint") or self._h
    if hint:
        text += " (" + hint + ")"
    super(MeLibError, self).__init__(text)
    for name in v:
        setattr(self, name, v[name])
    self.message = text
    self.hint = hint


class MeLibError(Exception):
    """Root of every error me_lib raises on purpose."""

    _d = "message hint|1||%(message)s"
    _h: "str | None" = None
    if TYPE_CHECKING:
        message: str
        hint: str | None

        def __init__(self, message: str, hint: str | None = None) -> None: ...
    else:
        __init__ = _init

    def __reduce__(self) -> "Any":
        """Pickle and copy rebuild the error as it is, not by calling the class again:
        `args` holds only the finished message, which no row takes back (CPython)."""
        import copyreg

        state = dict(self.__dict__)
        state["args"] = self.args
        return copyreg.__newobj__, (type(self),), state  # type: ignore[attr-defined]


# --- AT layer ---------------------------------------------------------------


def redacted(command: str | None) -> str | None:
    """The command as errors show and keep it: PINs, PUKs and passwords masked.

    Exceptions travel far (logs, `--json`, bug reports), so an error never holds
    a secret, not even in an attribute. Imported late: `me_lib.at` imports this
    module.
    """
    if command is None:
        return None
    from me_lib.at.redact import redact

    return redact(command)


class AtError(MeLibError):
    """The modem did not complete an AT command the way we asked.

    `command` is the command as sent with its secrets masked (`redacted`).
    """

    _d = "message command hint|1|command=|%(message)s"
    if TYPE_CHECKING:
        command: str | None

        def __init__(self, message: str, command: str | None = None,
                     hint: str | None = None) -> None: ...


class AtTimeout(AtError):
    """No final result code arrived within the command's timeout."""

    _d = "command timeout lines|2||no final result for %(command)s within %(timeout).1f s"
    _h = ("check the port, baud rate and modem power; a command that takes longer "
          "needs a larger timeout")
    if TYPE_CHECKING:
        timeout: float
        lines: list[str]

        def __init__(self, command: str | None, timeout: float,
                     lines: list[str] | None = None) -> None: ...


class AtCommandError(AtError):
    """A plain error final: ERROR, NO CARRIER, BUSY, COMMAND NOT SUPPORT ..."""

    _d = "command final hint|2||%(command)s answered %(final)s"
    #: with +CMEE never asked; `plain_error_hint` gives it for the module's +CMEE state
    _h = "the modem rejected the command; AT+CMEE=1 gives a numeric cause"
    if TYPE_CHECKING:
        final: str

        def __init__(self, command: str | None, final: str,
                     hint: str | None = None) -> None: ...


class CmeError(AtError):
    """`+CME ERROR: <n>|<text>`, mapped to the 27.007 §9.2 name."""

    _d = "command code name hint|3||%(command)s failed: +CME ERROR |?code>%(code)d |%(name)s"
    if TYPE_CHECKING:
        code: int | None
        name: str

        def __init__(self, command: str | None, code: int | None, name: str,
                     hint: str | None = None) -> None: ...


class ModemRebooted(AtError):
    """A boot banner arrived: the modem restarted and lost its volatile state."""

    _d = ("banner command|1||modem rebooted (%(banner)r seen "
          "|+command>while %(command)s was in flight|-command>between commands|)")
    _h = "re-run the session from sync: echo, CMEE and contexts are reset"
    if TYPE_CHECKING:
        banner: str

        def __init__(self, banner: str, command: str | None = None) -> None: ...


PORT_LOST_HINT = ("check the cable and that the device is powered, then reopen the port; "
                  "for socket:// or rfc2217:// check that the server is still up")


class PortClosed(AtError):
    """The byte port went away (USB unplugged, pty closed, TCP peer gone).

    `AtChannel` raises it for every failure of the port itself, whatever type
    the back end used (pyserial, OSError, termios.error ...), so a caller that
    catches this one type handles every way a device can vanish.
    """

    _d = "detail command hint|1||port closed: %(detail)s"
    _h = PORT_LOST_HINT
    if TYPE_CHECKING:
        def __init__(self, detail: str, command: str | None = None,
                     hint: str | None = None) -> None: ...


class AtProtocolError(AtError):
    """The modem's answer broke the protocol (an absurd announced length, an endless
    answer, a value outside 27.007): garbled bytes, never taken as a value."""

    _d = "command detail|2||%(command)s: unreadable answer: %(detail)s"
    _h = ("line noise or a wrong baud rate; retry, and check the port settings if it "
          "persists")
    if TYPE_CHECKING:
        detail: str

        def __init__(self, command: str | None, detail: str) -> None: ...


# --- codecs -----------------------------------------------------------------


class DecodeError(MeLibError):
    """Bytes from a card or a file do not follow their format.

    `offset` is the index of the first byte found wrong (None when the whole
    input is at fault, e.g. too short).
    """

    _d = "what message offset hint|2||%(what)s: %(message)s|?offset> at byte %(offset)d"
    if TYPE_CHECKING:
        what: str
        offset: int | None

        def __init__(self, what: str, message: str, offset: int | None = None,
                     hint: str | None = None) -> None: ...


# --- card layer -------------------------------------------------------------


class CardError(MeLibError):
    """The UICC could not be reached or refused an operation."""


class StatusWordError(CardError):
    """The card answered with a status word other than success."""

    _d = "sw operation meaning hint|2||%(operation)s failed: SW %(sw)04X|+meaning> (%(meaning)s)"
    if TYPE_CHECKING:
        sw: int
        operation: str

        def __init__(self, sw: int, operation: str, meaning: str = "",
                     hint: str | None = None) -> None: ...


class FileNotFound(StatusWordError):
    """SW 6A82 / 9404: the file or application is not on this card."""


class PinBlocked(CardError):
    """The PIN is blocked, or too few tries are left to risk a VERIFY."""

    _d = "message retries hint|1||%(message)s"
    _h = "unblock the card with its PUK on a trusted tool"
    if TYPE_CHECKING:
        retries: int | None

        def __init__(self, message: str, retries: int | None = None,
                     hint: str | None = None) -> None: ...


class CardRemoved(CardError):
    """The card or the reader disappeared in the middle of an exchange."""


# --- profile ----------------------------------------------------------------


class ProfileError(MeLibError):
    """A provisioning profile value is missing, malformed or unsafe."""


class InvalidApn(ProfileError):
    """An APN breaks TS 23.003 §9.1 (charset, label or total length, NI rules)."""

    _d = "apn reason offset|2||invalid APN %(apn)r: %(reason)s|?offset> at byte %(offset)d"
    _h = "correct the APN in the card profile or device config"
    if TYPE_CHECKING:
        apn: object
        reason: str
        offset: int | None

        def __init__(self, apn: object, reason: str, offset: int | None = None) -> None: ...


class InvalidAddress(ProfileError):
    """A DM server address is not a valid FQDN, IP address or URI."""

    _d = "address reason|2||invalid server address %(address)r: %(reason)s"
    _h = "correct the DM server entry in the profile"
    if TYPE_CHECKING:
        address: object
        reason: str

        def __init__(self, address: object, reason: str) -> None: ...


class ProfileIntegrityError(ProfileError):
    """The stored profile is torn or corrupt (e.g. EF.DMCFG CRC mismatch)."""

    _d = "message offset|1||%(message)s"
    _h = ("the last good profile cached for this ICCID is used; ask the operator to "
          "re-send the OTA update")
    if TYPE_CHECKING:
        offset: int | None

        def __init__(self, message: str, offset: int | None = None) -> None: ...


class ProfileMissing(ProfileError):
    """No source in the chain had the value the flow needs.

    `notes` says what each source tried and why it gave nothing; they are also
    attached with `add_note` (`__notes__` on MicroPython, which has no
    add_note), so a traceback and the CLI show them with the error.
    """

    def __init__(self, message: str, hint: str | None = None,
                 notes: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.notes: list[str] = []
        self.attach(notes or [])

    def attach(self, notes: list[str]) -> None:
        """Add notes (in order) to `notes` and to the exception's own `__notes__`."""
        self.notes.extend(notes)
        if hasattr(self, "add_note"):
            for note in notes:
                self.add_note(note)
        else:  # MicroPython: no add_note, the same list under the same name
            self.__notes__ = list(self.notes)


class ProfileUnreadable(ProfileMissing):
    """The card's profile file could not be read for a reason that may pass.

    A timeout, a busy SIM, a reboot or a card that stops answering, with no
    good copy cached for the card: the lower-priority sources are not asked,
    because they may name another DM server than the card does.
    """


# --- provisioning -----------------------------------------------------------


class ProvisionError(MeLibError):
    """A provisioning step failed; `step` names it, `cause`/`cause_name` give the 3GPP cause."""

    _d = ("step message cause cause_name hint|2||%(step)s: %(message)s"
          "|?cause> (cause #%(cause)d |?cause ?cause_name>%(cause_name)s|?cause>)")
    if TYPE_CHECKING:
        step: str
        cause: int | None
        cause_name: str | None

        def __init__(self, step: str, message: str, cause: int | None = None,
                     cause_name: str | None = None, hint: str | None = None) -> None: ...


class SimNotReady(ProvisionError):
    """The SIM cannot be used: it asks for a PIN we lack or refused ours, or stays busy.

    Every source and every step needs a ready SIM, so the sources chain stops
    at this error instead of asking the next source (which would wait for a
    registration that cannot come).
    """

    _d = "message hint|1|step=sim cause= cause_name=|%(step)s: %(message)s"
    if TYPE_CHECKING:
        def __init__(self, message: str, hint: str | None = None) -> None: ...

# DM server reachability (step "dm-reach"), raised by the vendor socket adapters.



class NameNotResolved(ProvisionError):
    """The modem's DNS query for the DM server name failed or gave no address."""

    _d = ("host detail code|2|step=dm-reach cause= cause_name="
          "|%(step)s: cannot resolve %(host)r through the modem: %(detail)s")
    _h = ("check the DM server name in the profile, and that the PDP context is active and "
          "got DNS servers from the network (+CGCONTRDP)")
    if TYPE_CHECKING:
        host: str
        code: int | None

        def __init__(self, host: str, detail: str, code: int | None = None) -> None: ...


class ConnectFailed(ProvisionError):
    """The modem could not open a socket to the DM server (refused, unreachable, no PDP)."""

    _d = ("target detail code hint|2|step=dm-reach cause= cause_name="
          "|%(step)s: cannot open a socket to %(target)s: %(detail)s")
    _h = "check the DM server address and port, and that the APN routes to the DM platform"
    if TYPE_CHECKING:
        target: str
        code: int | None

        def __init__(self, target: str, detail: str, code: int | None = None,
                     hint: str | None = None) -> None: ...


class NoAnswer(ProvisionError):
    """Nothing came back within the time allowed (typed timeout of the reach step)."""

    _d = ("target detail timeout|3|step=dm-reach cause= cause_name="
          "|%(step)s: no answer from %(target)s within %(timeout).1f s: %(detail)s")
    _h = ("check that the DM server listens on that port and that the APN's firewall lets "
          "the traffic through; retry with a larger timeout on a slow network")
    if TYPE_CHECKING:
        target: str
        timeout: float

        def __init__(self, target: str, detail: str, timeout: float) -> None: ...


# --- on demand: the classes a board rarely meets ------------------------------

#: The names `me_lib._errors_rare` defines (issue 15): classes no board core module
#: imports at load time, and the plain-ERROR hints of the full library's channel.
#: They are `me_lib.errors`'s all the same: `__getattr__` below imports them on
#: first use, and each class's `__module__` is this module.
_RARE = ("CmsError PortUnavailable InvalidAtParameter SecurityStatusNotSatisfied "
         "ExecutionError WrongLength ClassNotSupported CommandNotAllowed WrongParameters "
         "InstructionNotSupported TechnicalProblem PLAIN_ERROR_HINTS plain_error_hint")

if TYPE_CHECKING:  # what mypy and readers see: the names are this module's
    from me_lib._errors_rare import PLAIN_ERROR_HINTS as PLAIN_ERROR_HINTS
    from me_lib._errors_rare import ClassNotSupported as ClassNotSupported
    from me_lib._errors_rare import CmsError as CmsError
    from me_lib._errors_rare import CommandNotAllowed as CommandNotAllowed
    from me_lib._errors_rare import ExecutionError as ExecutionError
    from me_lib._errors_rare import InstructionNotSupported as InstructionNotSupported
    from me_lib._errors_rare import InvalidAtParameter as InvalidAtParameter
    from me_lib._errors_rare import PortUnavailable as PortUnavailable
    from me_lib._errors_rare import SecurityStatusNotSatisfied as SecurityStatusNotSatisfied
    from me_lib._errors_rare import TechnicalProblem as TechnicalProblem
    from me_lib._errors_rare import WrongLength as WrongLength
    from me_lib._errors_rare import WrongParameters as WrongParameters
    from me_lib._errors_rare import plain_error_hint as plain_error_hint
else:  # kept from mypy, which would type every unknown name through it
    def __getattr__(name):
        """A name of `_RARE`, from `me_lib._errors_rare` (imported on the first one)."""
        if name not in _RARE.split():
            raise AttributeError("module 'me_lib.errors' has no attribute %r" % name)
        # not `from me_lib import _errors_rare`: MicroPython would ask `me_lib`'s
        # `__getattr__` for the submodule first, and it knows only the public names
        import me_lib._errors_rare

        return getattr(me_lib._errors_rare, name)

    def __dir__():
        """Every name of the module, the ones not loaded yet too (CPython's dir())."""
        return sorted(set(globals()) | set(_RARE.split()))
