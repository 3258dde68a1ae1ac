"""What every vendor socket adapter shares: the contract, budgets, typed errors.

The DM reachability check runs on the modem's own IP stack, so each vendor
family needs its own AT flow. The flows differ, but the rules
around them do not, and they live here so that each adapter only spells its
commands:

- one overall `timeout` per operation, measured on the channel's clock (the
  simulator's virtual clock in tests), split across the commands and the
  asynchronous results that make up the operation;
- a socket that was opened is closed in `finally`, and a failing close never
  hides the error that made us close;
- stale URCs of an earlier, abandoned operation are dropped before a new one
  starts, so a late `+QIOPEN: 0,0` cannot be taken for this operation's;
- failures reach the caller as `ProvisionError`s of step "dm-reach" that say
  what to check (name, server, PDP context), and AT-level trouble stays an
  `AtError`.

Portable (MicroPython), as are the vendor adapters; only `host` (the PC's
own sockets, for the CLI) is CPython-only and is imported by name when used.
"""

from me_lib.at import AtChannel, RawSpec, Urc
from me_lib.at.fields import line_values
from me_lib.at.timeouts import timeout_for
from me_lib.codec import ipaddr
from me_lib.errors import (
    AtError,
    AtTimeout,
    ConnectFailed,
    MeLibError,
    NoAnswer,
    PortClosed,
)
from me_lib.log import get_logger

try:
    from collections.abc import Callable
    from typing import Protocol
except ImportError:  # MicroPython: the contract below is documentation there
    Protocol = object  # type: ignore[assignment]

log = get_logger("me_lib.modem.sockets")

STEP = "dm-reach"

# A close runs after the budget may be spent; it gets its own short allowance.
CLOSE_TIMEOUT = 10.0
# Least time given to a single command, so a nearly spent budget still lets the
# modem answer instead of failing on a timeout of a few milliseconds.
MIN_COMMAND_TIMEOUT = 1.0


class SocketAdapter(Protocol):
    """The contract of docs/architecture.md ("Modem layer")."""

    family: str

    @property
    def clock(self) -> Callable[[], float]: ...

    def resolve(self, host: str, cid: int, timeout: float) -> list[str]: ...

    def udp_request(self, ip: str, port: int, payload: bytes, cid: int,
                    timeout: float) -> bytes: ...

    def tcp_probe(self, ip: str, port: int, cid: int, timeout: float) -> None: ...


def check_ip(ip: str) -> str:
    """An IP literal (the adapters connect to addresses; `resolve` turns names into them)."""
    if not is_ip(ip):
        raise ConnectFailed(repr(ip), "not an IP address",
                            hint="resolve the name first (adapter.resolve)")
    return ip


def check_port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConnectFailed(repr(port), "port out of range 1..65535",
                            hint="correct the DM server port in the profile")
    return port


def target_of(ip: str, port: int) -> str:
    return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)


def is_ip(text: str) -> bool:
    """An IPv4 or IPv6 literal (what a DNS answer line holds, and what we connect to)."""
    return isinstance(text, str) and ipaddr.version(text) != 0


def urc_values(urc: Urc, prefix: str) -> list[str]:
    """Unquoted fields of a URC after its prefix (tolerant of spaces and quotes)."""
    return line_values(urc.line, prefix)


class AdapterBase:
    """Budget, stale-URC and close helpers over one `AtChannel`."""

    family = "generic"

    def __init__(self, channel: AtChannel) -> None:
        self.channel = channel

    @property
    def clock(self) -> Callable[[], float]:
        """The channel's clock: virtual under the simulator, monotonic on hardware."""
        return self.channel.clock

    # -- time ---------------------------------------------------------------

    def begin(self, ip: str, port: int, timeout: float) -> tuple[str, float]:
        """(target text, deadline) of one exchange with `ip:port`, the arguments checked
        before any AT command is spent on them."""
        check_ip(ip)
        check_port(port)
        return target_of(ip, port), self.deadline(timeout)

    def deadline(self, timeout: float) -> float:
        if timeout <= 0:
            raise NoAnswer("the modem", "timeout must be positive", timeout)
        return self.channel.clock() + timeout

    def left(self, deadline: float) -> float:
        """Seconds left before `deadline` (0 when spent)."""
        return max(0.0, deadline - self.channel.clock())

    def budget(self, deadline: float, cap: float | None = None) -> float:
        """Timeout for one command: what is left, at least MIN_COMMAND_TIMEOUT, at most cap."""
        t = max(self.left(deadline), MIN_COMMAND_TIMEOUT)
        return min(t, cap) if cap is not None else t

    def budget_for(self, deadline: float, command: str) -> float:
        """`budget` capped at what the timeout table allows `command` (a line or a key of
        me_lib/at/timeouts.py): the one place an adapter's command waits come from."""
        return self.budget(deadline, timeout_for(command))

    # -- URCs ---------------------------------------------------------------

    def drain(self, prefix: str, match: Callable[[Urc], bool] | None = None) -> int:
        """Drop queued URCs of an earlier operation; no bytes are exchanged."""
        dropped = 0
        while True:
            try:
                urc = self.channel.wait_urc(prefix, 0.0, match)
            except AtTimeout:
                return dropped
            log.debug("%s: dropping stale URC %r", self.family, urc.line)
            dropped += 1

    def wait(self, prefix: str, deadline: float, match: Callable[[Urc], bool],
             target: str, what: str, timeout: float) -> Urc:
        """The asynchronous result of this operation, or NoAnswer when the budget ends."""
        try:
            return self.channel.wait_urc(prefix, self.left(deadline), match)
        except AtTimeout:
            raise NoAnswer(target, what, timeout) from None

    def read_announced(self, command: str, spec: RawSpec, deadline: float, cap: float,
                       target: str, what: str, timeout: float) -> bytes:
        """Read the datagram a URC announced; NoAnswer (saying `what`) if none comes."""
        rsp = self.channel.command(command, prefix=spec.prefix, raw=[spec],
                                   timeout=self.budget(deadline, cap))
        if not rsp.payloads:
            raise NoAnswer(target, what, timeout)
        return rsp.payloads[0]

    # -- closing ------------------------------------------------------------

    def close_quietly(self, command: str, failing: bool) -> None:
        """Close a socket; errors are logged, and raised only when nothing else failed.

        A close that fails after a successful exchange does not change the
        answer we got, so it is logged rather than raised; one that fails while
        another error propagates must not replace that error. A lost port is
        raised even after a good answer: the session cannot go on.
        """
        try:
            self.channel.command(command, timeout=CLOSE_TIMEOUT)
        except PortClosed as exc:
            if not failing:
                raise
            log.debug("%s: %s failed while handling another error: %s",
                      self.family, command, exc)
        except MeLibError as exc:
            if failing:
                log.debug("%s: %s failed while handling another error: %s",
                          self.family, command, exc)
            else:
                log.warning("%s: %s failed: %s", self.family, command, exc)


def cme_detail(exc: AtError) -> tuple[str, int | None]:
    """Readable detail and numeric code of an AT error final."""
    code = getattr(exc, "code", None)
    return str(exc), code if isinstance(code, int) else None
