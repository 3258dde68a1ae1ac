"""AT+CCHO / +CGLA / +CCHC back end: a logical channel owned by the modem (§8.43-8.46).

The modem opens the channel, selects the application and keeps the channel
number to itself: we send CLA bytes with channel bits 0 and the MT patches
them (27.007 §8.45). What +CCHO hands back is a *session id*, only meaningful
to the modem: Sierra returns large hex-looking handles (`00000000038aa32f`),
Fibocom a bare number line. So the id is kept as the exact token the modem
gave and written back verbatim, never turned into a CLA.

Sessions are always closed (context manager): a UICC has only a few logical
channels, and a leaked one survives until the modem resets the card.
Portable: the sessions are `link.AppSession` objects, not contextlib ones.
"""

from me_lib.at.command import Raw, build_command
from me_lib.card.atport import AtPort, card_error, parse_csim
from me_lib.card.link import AppSession, CardLink, LinkStats
from me_lib.errors import AtCommandError, AtError, CardError, CmeError
from me_lib.log import get_logger

log = get_logger("me_lib.card")

_HINT = ("the modem refused the logical channel; some firmware lacks +CCHO/+CGLA "
         "(try +CSIM with MANAGE CHANNEL, or a PC/SC reader)")
_TOKEN = "0123456789abcdefABCDEF"


def parse_ccho(lines: list[str]) -> str:
    """Session id from any +CCHO answer form: `+CCHO: 1`, `1`, `+CCHO: "00000000038aa32f"`."""
    for line in lines:
        s = line.strip()
        if s.upper().startswith("+CCHO:"):
            s = s[6:].strip()
        s = s.strip('"').strip()
        if s and len(s) <= 32 and all(c in _TOKEN for c in s):
            return s
    raise CardError("no session id in the +CCHO answer %r" % (lines,), _HINT)


class CglaLink(CardLink):
    """One open +CCHO session: APDUs go through AT+CGLA, closed with AT+CCHC."""

    max_le = 255

    def __init__(self, at: AtPort, session: str, timeout: float | None = None) -> None:
        super().__init__()
        self.at = at
        self.session = session
        self.timeout = timeout
        self.name = "cgla:" + session
        self._open = True

    def exchange(self, apdu: bytes) -> tuple[bytes, int]:
        if not self._open:
            raise CardError("+CGLA session %s is closed" % self.session)
        text = apdu.hex().upper()
        cmd = build_command("+CGLA", Raw(self.session), len(text), text)
        try:
            rsp = self.at.command(cmd, prefix="+CGLA:", timeout=self.timeout)
        except (CmeError, AtCommandError) as exc:
            raise card_error(exc, "AT+CGLA (APDU %s...)" % text[:8], _HINT) from exc
        return parse_csim(rsp.lines, "+CGLA:")

    def open_app(self, aid: bytes) -> AppSession:
        return open_session(self.at, aid, self.timeout, stats=self.stats)

    def close(self) -> None:
        """AT+CCHC; a failure is logged, not raised: the channel is gone either way."""
        if not self._open:
            return
        self._open = False
        try:
            self.at.command(build_command("+CCHC", Raw(self.session)), timeout=self.timeout)
        except AtError as exc:
            log.warning("AT+CCHC=%s failed: %s", self.session, exc)


def open_session(at: AtPort, aid: bytes, timeout: float | None = None,
                 stats: LinkStats | None = None) -> AppSession:
    """AT+CCHO="<AID>" on entry: a CglaLink on application `aid`, closed (+CCHC) on exit.

    `with open_session(at, aid) as link:`; `stats` makes the session count
    into another link's statistics.
    """

    def ccho(app: bytes) -> CardLink:
        cmd = build_command("+CCHO", app.hex().upper())
        try:
            rsp = at.command(cmd, prefix=("+CCHO:", ""), timeout=timeout)
        except (CmeError, AtCommandError) as exc:
            raise card_error(exc, "AT+CCHO (application %s)" % app.hex().upper(),
                             _HINT) from exc
        return CglaLink(at, parse_ccho(rsp.lines), timeout)

    return AppSession(ccho, aid, stats)


class CglaOpener:
    """Opens applications through +CCHO for a Usim whose file access is +CRSM."""

    def __init__(self, at: AtPort, timeout: float | None = None) -> None:
        self.at = at
        self.timeout = timeout

    def open_app(self, aid: bytes) -> AppSession:
        return open_session(self.at, aid, self.timeout)
