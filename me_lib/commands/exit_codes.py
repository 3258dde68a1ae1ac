"""The `me-lib` exit codes, one per cause a script or a test rig must tell apart.

Scripts branch on these (retry on a device that went away, call a human for a
card problem), so they are part of the CLI's contract and documented in the
README. Codes 1 and 2 keep their usual meaning (a failed result, a usage error,
as argparse already exits with 2); 130 is the shell's code for Ctrl-C and 141
the one for a writer whose reader went away (SIGPIPE).
"""

from me_lib.errors import (
    AtError,
    CardError,
    MeLibError,
    ProfileError,
    SimNotReady,
)

OK = 0
FAILED = 1          # the command ran and its result is not ok (e.g. DM server unreachable)
USAGE = 2           # bad arguments or option values
DEVICE = 3          # the modem, port or reader cannot be reached or stopped answering
CARD = 4            # the SIM card or its PIN: not ready, PIN needed or refused, blocked
PROFILE = 5         # no usable profile: missing, invalid or corrupt
STATE = 6           # the run succeeded but its state could not be saved
ERROR = 7           # any other me_lib error (a provisioning step the network refused ...)
INTERRUPTED = 130   # Ctrl-C
BROKEN_PIPE = 141   # stdout closed before the output was written (`| head`): 128 + SIGPIPE

# (error class, code), first match wins: subclasses before their bases.
_BY_ERROR: tuple[tuple[type[MeLibError], int], ...] = (
    (SimNotReady, CARD),
    (CardError, CARD),
    (ProfileError, PROFILE),
    (AtError, DEVICE),
)


def for_error(exc: BaseException) -> int:
    """The exit code for an error that ended a command."""
    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED
    for cls, code in _BY_ERROR:
        if isinstance(exc, cls):
            return code
    return ERROR
