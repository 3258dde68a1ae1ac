"""AT+CSIM back end: whole APDUs through the modem (TS 27.007 §8.17).

Rules learned from real modules (27.007 §8.17, vendor manuals): the hex goes
in upper case (Sierra EM7565 answers ERROR to lower case), `<length>` counts
hex characters in both directions, and raw 61xx/6Cxx come back on some
firmware, which the shared T=0 procedure in `CardLink.transmit` resolves.
Telit modules can lock the TTY during CSIM sequences unless they are wrapped
in `AT+CSIM=1` ... `AT+CSIM=0`; `lock=True` does that for the link's life.
"""

from me_lib.at.command import build_command
from me_lib.card.atport import card_error, parse_csim
from me_lib.card.link import AppSession, CardLink
from me_lib.errors import AtCommandError, CardError, CmeError

try:
    from me_lib.card.protocols import AtPort
except ImportError:  # MicroPython: annotations only
    pass

__all__ = ["CsimLink", "parse_csim"]  # parse_csim lives in atport, shared with +CGLA

_HINT = ("this modem may not pass APDUs through +CSIM (or the SIM is not ready); "
         "try +CGLA for logical channels or +CRSM for file access")


class CsimLink(CardLink):
    """APDUs on the basic channel through AT+CSIM.

    `logical_channels="cgla"` makes `open_app()` use AT+CCHO/+CGLA instead of
    MANAGE CHANNEL over +CSIM, which several modules break.
    """

    name = "csim"
    max_le = 255

    def __init__(self, at: AtPort, lock: bool = False, timeout: float | None = None,
                 logical_channels: str = "manage") -> None:
        super().__init__()
        if logical_channels not in ("manage", "cgla"):
            raise CardError("logical_channels must be 'manage' or 'cgla', not %r"
                            % logical_channels)
        self.at = at
        self.timeout = timeout
        self.logical_channels = logical_channels
        self._locked = False
        if lock:
            self._set_lock(1)
            self._locked = True

    def _set_lock(self, on: int) -> None:
        try:
            self.at.command(build_command("+CSIM", on), timeout=self.timeout)
        except (CmeError, AtCommandError) as exc:
            raise card_error(exc, "AT+CSIM=%d (interface lock)" % on, _HINT) from exc

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        text = apdu.hex().upper()
        cmd = build_command("+CSIM", len(text), text)
        try:
            rsp = self.at.command(cmd, prefix="+CSIM:", timeout=self.timeout)
        except (CmeError, AtCommandError) as exc:
            raise card_error(exc, "AT+CSIM (APDU %s...)" % text[:8], _HINT) from exc
        return parse_csim(rsp.lines, "+CSIM:")

    def open_app(self, aid: bytes) -> AppSession:
        if self.logical_channels == "manage":
            return super().open_app(aid)
        from me_lib.card.cgla import open_session

        return open_session(self.at, aid, self.timeout, stats=self.stats)

    def close(self) -> None:
        if self._locked:
            self._locked = False
            self._set_lock(0)

