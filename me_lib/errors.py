"""The one error hierarchy of me_lib.

Every failure a user can meet (a modem that answers badly, a card that refuses,
a profile that does not validate, a network that rejects an APN) is raised as a
subclass of `MeLibError`, never as a bare ValueError/IndexError/KeyError, so a
product can catch one type and still tell the cases apart.

Each message says what was attempted, what came back and what to do about it.

This module is portable: it runs unmodified on MicroPython (no dataclasses,
no enum, no typing at run time), because the AT engine imports it.
"""


class MeLibError(Exception):
    """Root of every error me_lib raises on purpose."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        if hint:
            message = message + " (" + hint + ")"
        super().__init__(message)
        self.message = message
        self.hint = hint


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

    def __init__(self, message: str, command: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.command = redacted(command)


class AtTimeout(AtError):
    """No final result code arrived within the command's timeout."""

    def __init__(self, command: str | None, timeout: float,
                 lines: list[str] | None = None) -> None:
        super().__init__(
            "no final result for %s within %.1f s" % (redacted(command), timeout),
            command,
            "check the port, baud rate and modem power; a command that takes longer "
            "needs a larger timeout")
        self.timeout = timeout
        self.lines = [redacted(x) or "" for x in lines or []]


#: What a plain ERROR means, by what the channel knows of the module's +CMEE:
#: never asked (None), on (True), refused (False). "AT+CMEE=1 gives a numeric
#: cause" is advice only where numeric errors are off and could be switched on.
PLAIN_ERROR_HINTS = (
    (None, "the modem rejected the command; AT+CMEE=1 gives a numeric cause"),
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


class AtCommandError(AtError):
    """A plain error final: ERROR, NO CARRIER, BUSY, COMMAND NOT SUPPORT ..."""

    def __init__(self, command: str | None, final: str,
                 hint: str | None = None) -> None:
        super().__init__(
            "%s answered %s" % (redacted(command), final), command,
            hint or plain_error_hint(None))
        self.final = final


class CmeError(AtError):
    """`+CME ERROR: <n>|<text>`, mapped to the 27.007 §9.2 name."""

    def __init__(self, command: str | None, code: int | None, name: str,
                 hint: str | None = None) -> None:
        label = ("%d %s" % (code, name)) if code is not None else name
        super().__init__("%s failed: +CME ERROR %s" % (redacted(command), label), command,
                         hint)
        self.code = code
        self.name = name


class CmsError(AtError):
    """`+CMS ERROR: <n>|<text>` (27.005 message service errors)."""

    def __init__(self, command: str | None, code: int | None, name: str) -> None:
        label = ("%d %s" % (code, name)) if code is not None else name
        super().__init__("%s failed: +CMS ERROR %s" % (redacted(command), label), command)
        self.code = code
        self.name = name


class ModemRebooted(AtError):
    """A boot banner arrived: the modem restarted and lost its volatile state."""

    def __init__(self, banner: str, command: str | None = None) -> None:
        what = ("while %s was in flight" % redacted(command)) if command else "between commands"
        super().__init__(
            "modem rebooted (%r seen %s)" % (banner, what), command,
            "re-run the session from sync: echo, CMEE and contexts are reset")
        self.banner = banner


PORT_LOST_HINT = ("check the cable and that the device is powered, then reopen the port; "
                  "for socket:// or rfc2217:// check that the server is still up")


class PortClosed(AtError):
    """The byte port went away (USB unplugged, pty closed, TCP peer gone).

    `AtChannel` raises it for every failure of the port itself, whatever type
    the back end used (pyserial, OSError, termios.error ...), so a caller that
    catches this one type handles every way a device can vanish.
    """

    def __init__(self, detail: str, command: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__("port closed: " + detail, command, hint or PORT_LOST_HINT)


class PortUnavailable(PortClosed):
    """The port could not be opened at all (no such device, refused, unknown sim:// scenario).

    A PortClosed, so code that reopens a lost port handles a device that is
    not back yet the same way; `hint` names what to check for this cause.
    """

    def __init__(self, url: str, detail: str, hint: str) -> None:
        AtError.__init__(self, "cannot open %s: %s" % (url, detail), None, hint)
        self.url = url


class InvalidAtParameter(AtError):
    """A value could not be put on an AT command line safely.

    Values come from the card, the network and the user; a CR, a quote or a
    semicolon in them could end our command and start another, so they are
    refused before anything is written.
    """

    def __init__(self, message: str, value: object = None) -> None:
        super().__init__(message, None,
                         "fix the value at its source (card profile, config or argument)")
        self.value = value


class AtProtocolError(AtError):
    """The modem's answer broke the protocol (an absurd announced length, an endless
    answer, a value outside 27.007): garbled bytes, never taken as a value."""

    def __init__(self, command: str | None, detail: str) -> None:
        super().__init__("%s: unreadable answer: %s" % (command, detail), command,
                         "line noise or a wrong baud rate; retry, and check the port "
                         "settings if it persists")
        self.detail = detail


# --- codecs -----------------------------------------------------------------


class DecodeError(MeLibError):
    """Bytes from a card or a file do not follow their format.

    `offset` is the index of the first byte found wrong (None when the whole
    input is at fault, e.g. too short).
    """

    def __init__(self, what: str, message: str, offset: int | None = None,
                 hint: str | None = None) -> None:
        where = (" at byte %d" % offset) if offset is not None else ""
        super().__init__("%s: %s%s" % (what, message, where), hint)
        self.what = what
        self.offset = offset


# --- card layer -------------------------------------------------------------


class CardError(MeLibError):
    """The UICC could not be reached or refused an operation."""


class StatusWordError(CardError):
    """The card answered with a status word other than success."""

    def __init__(self, sw: int, operation: str, meaning: str = "",
                 hint: str | None = None) -> None:
        text = "%s failed: SW %04X" % (operation, sw)
        if meaning:
            text += " (" + meaning + ")"
        super().__init__(text, hint)
        self.sw = sw
        self.operation = operation


class FileNotFound(StatusWordError):
    """SW 6A82 / 9404: the file or application is not on this card."""


class SecurityStatusNotSatisfied(StatusWordError):
    """SW 6982 / 9804: the file needs a PIN (or ADM) first."""


class ExecutionError(StatusWordError):
    """SW 64xx / 65xx / 66xx (and 92 40, 93 00): the card failed while executing."""


class WrongLength(StatusWordError):
    """SW 67xx / 6Cxx (Le still wrong after the re-send): the length field was refused."""


class ClassNotSupported(StatusWordError):
    """SW 68xx / 6Exx: the CLA byte (channel, secure messaging, class) is not supported."""


class CommandNotAllowed(StatusWordError):
    """SW 69xx (other than 6982/6983) and 94xx / 98xx of GSM cards: not allowed now."""


class WrongParameters(StatusWordError):
    """SW 6Axx (other than 6A82) / 6Bxx: P1-P2 or the data field were refused."""


class InstructionNotSupported(StatusWordError):
    """SW 6Dxx: the INS byte is not supported by this card or application."""


class TechnicalProblem(StatusWordError):
    """SW 6Fxx: the card reports a technical problem without a precise diagnosis."""


class PinBlocked(CardError):
    """The PIN is blocked, or too few tries are left to risk a VERIFY."""

    def __init__(self, message: str, retries: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint or "unblock the card with its PUK on a trusted tool")
        self.retries = retries


class CardRemoved(CardError):
    """The card or the reader disappeared in the middle of an exchange."""


# --- profile ----------------------------------------------------------------


class ProfileError(MeLibError):
    """A provisioning profile value is missing, malformed or unsafe."""


class InvalidApn(ProfileError):
    """An APN breaks TS 23.003 §9.1 (charset, label or total length, NI rules)."""

    def __init__(self, apn: object, reason: str, offset: int | None = None) -> None:
        where = (" at byte %d" % offset) if offset is not None else ""
        super().__init__("invalid APN %r: %s%s" % (apn, reason, where),
                         "correct the APN in the card profile or device config")
        self.apn = apn
        self.reason = reason
        self.offset = offset


class InvalidAddress(ProfileError):
    """A DM server address is not a valid FQDN, IP address or URI."""

    def __init__(self, address: object, reason: str) -> None:
        super().__init__("invalid server address %r: %s" % (address, reason),
                         "correct the DM server entry in the profile")
        self.address = address
        self.reason = reason


class ProfileIntegrityError(ProfileError):
    """The stored profile is torn or corrupt (e.g. EF.DMCFG CRC mismatch)."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message, "the last good profile cached for this ICCID is used; "
                         "ask the operator to re-send the OTA update")
        self.offset = offset


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

    def __init__(self, step: str, message: str, cause: int | None = None,
                 cause_name: str | None = None, hint: str | None = None) -> None:
        text = "%s: %s" % (step, message)
        if cause is not None:
            text += " (cause #%d %s)" % (cause, cause_name or "")
        super().__init__(text, hint)
        self.step = step
        self.cause = cause
        self.cause_name = cause_name



class SimNotReady(ProvisionError):
    """The SIM cannot be used: it asks for a PIN we lack or refused ours, or stays busy.

    Every source and every step needs a ready SIM, so the sources chain stops
    at this error instead of asking the next source (which would wait for a
    registration that cannot come).
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__("sim", message, hint=hint)

# DM server reachability (step "dm-reach"), raised by the vendor socket adapters.


class NameNotResolved(ProvisionError):
    """The modem's DNS query for the DM server name failed or gave no address."""

    def __init__(self, host: str, detail: str, code: int | None = None) -> None:
        super().__init__(
            "dm-reach", "cannot resolve %r through the modem: %s" % (host, detail),
            hint="check the DM server name in the profile, and that the PDP context is "
                 "active and got DNS servers from the network (+CGCONTRDP)")
        self.host = host
        self.code = code


class ConnectFailed(ProvisionError):
    """The modem could not open a socket to the DM server (refused, unreachable, no PDP)."""

    def __init__(self, target: str, detail: str, code: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(
            "dm-reach", "cannot open a socket to %s: %s" % (target, detail),
            hint=hint or "check the DM server address and port, and that the APN routes "
                         "to the DM platform")
        self.target = target
        self.code = code


class NoAnswer(ProvisionError):
    """Nothing came back within the time allowed (typed timeout of the reach step)."""

    def __init__(self, target: str, detail: str, timeout: float) -> None:
        super().__init__(
            "dm-reach", "no answer from %s within %.1f s: %s" % (target, timeout, detail),
            hint="check that the DM server listens on that port and that the APN's "
                 "firewall lets the traffic through; retry with a larger timeout on a "
                 "slow network")
        self.target = target
        self.timeout = timeout
