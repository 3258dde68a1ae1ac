"""AT+CRSM back end: file access where the modem does the SELECTs (TS 27.007 §8.18).

+CRSM is the one SIM command nearly every module has, and the least uniform
one (27.007 §8.18, vendor manuals). This module absorbs the differences:

* `<fileid>` goes in decimal; `<pathid>` is tried as "3F007FFF", then "7FFF",
  then omitted, on 6A82/9404 or a +CME ERROR / ERROR; the form that worked is
  remembered per modem in an injectable cache, and once known it is trusted:
  a file missing with the known-good form is reported missing rather than
  looked up again without a path, where the modem could pick a same-FID file
  in another DF;
* GET RESPONSE is sent plain first, then with P1,P2,P3 = 0,0,255 (Huawei,
  SIMCom, Sierra, ZTE need it); that choice is remembered too;
* answers are parsed tolerantly: quoted or not, spaces, lower case, empty or
  absent `<response>`, and a stray partial `+CRSM: 0` before the real line
  (Telit ME310G1): the first line carrying both SW1 and SW2 wins;
* reads are chunked at 255 bytes using the size from the FCP (tag 80),
  since P3 = 0 means different things on different modems;
* status words are classed by the one table in `sw.py`: 9Fxx/61xx next to
  the data the MT fetched are success (`+CRSM: 159,10,"98..."` from 2G-style
  cards), 6Cxx re-sends with P3 = xx, 6282 keeps the short data, errors
  become typed errors naming the operation.

Portable: this is the card path a MicroPython board uses.
"""

from me_lib.at.command import build_command
from me_lib.card import path as P
from me_lib.card import sw as SW
from me_lib.card.atport import answer_fields, parse_hex, sim_state_error
from me_lib.card.fileinfo import FileInfo, from_fcp, from_gsm_response, read_all_records
from me_lib.errors import (
    AtCommandError,
    CardError,
    CmeError,
    DecodeError,
    FileNotFound,
    StatusWordError,
)
from me_lib.log import get_logger

try:
    from collections.abc import MutableMapping

    from me_lib.card.protocols import AtPort
except ImportError:  # MicroPython: annotations only
    pass

READ_BINARY = 176
READ_RECORD = 178
GET_RESPONSE = 192
UPDATE_BINARY = 214
UPDATE_RECORD = 220
STATUS = 242

CHUNK = 255          # P3 is one byte; 0 is ambiguous across modems
WRITE_CHUNK = 64     # long UPDATE lines overflow some modems' command buffers

FORM_MF = "mf"       # <pathid> with 3F00: "3F007FFF"
FORM_NO_MF = "no_mf"  # <pathid> without 3F00: "7FFF"
FORM_NONE = "none"   # no <pathid>: the MT picks the DF
PATH_FORMS = (FORM_MF, FORM_NO_MF, FORM_NONE)

log = get_logger("me_lib.card")
MAX_RESEND = 2       # 6Cxx answered again to its own Le: give up

GR_PLAIN = "plain"
GR_MAX = "0,0,255"
GR_FORMS = (GR_PLAIN, GR_MAX)

#: Shared by every CrsmAccess that is not given its own cache: one entry per modem id.
DEFAULT_CACHE: dict[str, dict[str, str]] = {}

_HINT_NO_CRSM = ("this firmware may not support +CRSM for this file (Quectel EG916Q, Nokia "
                 "and Pantech lack it); use +CSIM/+CGLA or a PC/SC reader")


def parse_crsm(lines: list[str]) -> tuple[int, bytes]:
    """(sw, response bytes) from the +CRSM lines of one answer."""
    for fields in answer_fields(lines, "+CRSM:"):
        if len(fields) < 2:
            continue  # stray partial line such as "+CRSM: 0"
        try:
            sw1, sw2 = int(fields[0]), int(fields[1])
        except ValueError:
            continue
        if not (0 <= sw1 <= 255 and 0 <= sw2 <= 255):
            continue
        data = parse_hex(fields[2], "+CRSM response") if len(fields) > 2 else b""
        return (sw1 << 8) | sw2, data
    raise CardError("no +CRSM line with both SW1 and SW2 in %r" % (lines,),
                    "the modem answered in an unexpected format")


class CrsmUnusable(CardError):
    """Every +CRSM form was refused, or answered without a usable FCP."""


class _Attempt:
    """Outcome of one +CRSM command: either (sw, data) or the modem's refusal."""

    def __init__(self, sw: int | None, data: bytes, refusal: Exception | None) -> None:
        self.sw = sw
        self.data = data
        self.refusal = refusal


class CrsmAccess:
    """`select`/`read_*`/`update_*`/`file_info` by path over AT+CRSM.

    `modem_id` names the modem model/firmware (e.g. the `AT+CGMM`/`AT+CGMR`
    answers) so the learned `<pathid>` and GET RESPONSE forms can be reused;
    `cache` maps modem id -> {"pathid": form, "pathid_mf": form,
    "get_response": form} and may be any mutable mapping (persist it between
    runs to skip the probing).
    """

    name = "crsm"
    link = None  # no APDU access: PIN status and logical channels need another back end

    def __init__(self, at: AtPort, modem_id: str = "default",
                 cache: MutableMapping[str, dict[str, str]] | None = None,
                 timeout: float | None = None) -> None:
        self.at = at
        self.modem_id = modem_id
        self.cache = DEFAULT_CACHE if cache is None else cache
        self.timeout = timeout
        self.commands = 0
        #: Length of the proactive command the last 91xx announced (0: none).
        self.proactive_pending = 0
        self._info: dict[P.Path, FileInfo] = {}

    # --- learned forms ---------------------------------------------------------

    def _learned(self, key: str) -> str | None:
        entry = self.cache.get(self.modem_id)
        return entry.get(key) if entry else None

    def _learn(self, key: str, value: str) -> None:
        entry = dict(self.cache.get(self.modem_id) or {})
        if entry.get(key) != value:
            entry[key] = value
            self.cache[self.modem_id] = entry

    @staticmethod
    def _pathid(target: P.Path, form: str) -> str | bool | None:
        """`<pathid>` text for `form`, None for no pathid, False if the form does not apply."""
        parents = target[:-1]
        if form == FORM_MF:
            return P.to_hex(parents) if parents else False
        if form == FORM_NO_MF:
            return P.to_hex(parents[1:]) if len(parents) > 1 else False
        return None

    # --- one command -------------------------------------------------------------

    def _send(self, command: int, fid: int, p123: tuple[int, int, int] | None,
              data: bytes | None, pathid: str | None) -> _Attempt:
        params: list[object] = [command, fid]
        if p123 is not None:
            params.extend(p123)
        elif data is not None or pathid is not None:
            params.extend((None, None, None))
        params.append(data.hex().upper() if data is not None else None)
        params.append(pathid)
        line = build_command("+CRSM", *params)
        self.commands += 1
        try:
            rsp = self.at.command(line, prefix="+CRSM:", timeout=self.timeout)
        except CmeError as exc:
            state = sim_state_error(exc, line)
            if state is not None:
                raise state from exc
            return _Attempt(None, b"", exc)
        except AtCommandError as exc:
            return _Attempt(None, b"", exc)
        sw, resp = parse_crsm(rsp.lines)
        if SW.kind(sw) == SW.GET_RESPONSE:
            log.debug("%s: SW %04X (%s) with %d data bytes taken as success", line[:14], sw,
                      SW.describe(sw), len(resp))
        self.proactive_pending = SW.proactive_length(sw)
        return _Attempt(SW.crsm_sw(sw), resp, None)

    def _run(self, command: int, target: P.Path, op: str,
             variants: tuple[tuple[str, tuple[int, int, int] | None], ...],
             data: bytes | None = None, accept: "type[_Accept] | None" = None,
             ) -> tuple[int, bytes]:
        """Send `command` with the <pathid> fallbacks (and parameter `variants`).

        Returns the (sw, data) of the first attempt that reached the file; the
        caller checks the SW. Raises FileNotFound when every form said so.
        """
        # Files right under the MF cannot tell "3F007FFF" from "7FFF" apart, so
        # what they teach is kept under its own key.
        key = "pathid" if len(target) >= 3 else "pathid_mf"
        learned = self._learned(key)
        forms = list(PATH_FORMS)
        if learned in forms:  # the learned form first
            forms.remove(learned)
            forms.insert(0, learned)
        last: _Attempt | None = None
        not_found: int | None = None
        for form in forms:
            pathid = self._pathid(target, form)
            if pathid is False:
                continue
            pid = pathid if isinstance(pathid, str) else None
            for vname, p123 in variants:
                attempt = self._send(command, target[-1], p123, data, pid)
                last = attempt
                if attempt.sw is None:
                    continue  # the modem refused this syntax: next variant / form
                if attempt.sw in SW.NOT_FOUND:
                    not_found = attempt.sw
                    break
                if accept is not None and not accept.ok(attempt):
                    continue
                self._learn(key, form)
                if vname:
                    self._learn("get_response", vname)
                return attempt.sw, attempt.data
            if not_found is not None and form == learned and form != FORM_NONE:
                break  # the known-good path form says missing: believe it
        if not_found is not None:
            raise SW.error_for(not_found, op)
        if last is not None and last.refusal is not None:
            raise CrsmUnusable("%s: every +CRSM form was refused, last: %s"
                               % (op, last.refusal), _HINT_NO_CRSM) from last.refusal
        if last is not None and last.sw is not None and not SW.is_success(last.sw):
            raise SW.error_for(last.sw, op)
        if last is not None:
            raise CrsmUnusable("%s: the modem answered without a usable FCP" % op,
                               _HINT_NO_CRSM)
        raise CardError("%s: no +CRSM form applies to path %s" % (op, P.to_hex(target)))

    # --- file info ---------------------------------------------------------------

    def file_info(self, path: P.PathLike) -> FileInfo:
        """FileInfo from GET RESPONSE (cached per path for this object's life)."""
        target = P.parse(path)
        cached = self._info.get(target)
        if cached is not None:
            return cached
        learned = self._learned("get_response")
        order = list(GR_FORMS)
        if learned in order:  # the learned form first
            order.remove(learned)
            order.insert(0, learned)
        variants = []
        for g in order:
            variants.append((g, None if g == GR_PLAIN else (0, 0, 255)))
        op = "GET RESPONSE %s" % P.to_hex(target)
        sw, data = self._run(GET_RESPONSE, target, op, tuple(variants), accept=_Accept)
        SW.check(sw, op)
        info = _decode_info(data)
        self._info[target] = info
        return info

    def known_info(self, path: P.PathLike) -> FileInfo | None:
        """FileInfo already learned for `path`, without any command."""
        return self._info.get(P.parse(path))

    def select(self, path: P.PathLike) -> FileInfo:
        """+CRSM has no SELECT of its own: the MT selects; this returns the FileInfo."""
        return self.file_info(path)

    def forget(self) -> None:
        self._info.clear()

    # --- reads ---------------------------------------------------------------------

    def read_binary(self, path: P.PathLike, offset: int = 0,
                    length: int | None = None) -> bytes:
        """`length` bytes from `offset` (None: to the end, size from GET RESPONSE)."""
        target = P.parse(path)
        if length is None:
            try:
                info = self.file_info(target)
            except CrsmUnusable as exc:
                # GET RESPONSE unusable on this modem (Option HSO): let the card say
                # where the file ends instead.
                return self._read_blind(target, offset, exc)
            if info.size is None:
                raise CardError("READ BINARY %s: GET RESPONSE gave no file size"
                                % P.to_hex(target), "pass an explicit length")
            length = max(info.size - offset, 0)
        out = bytearray()
        while len(out) < length:
            pos = offset + len(out)
            n = min(CHUNK, length - len(out))
            op = "READ BINARY %s at %d" % (P.to_hex(target), pos)
            sw, data = self._read(READ_BINARY, target, op, pos >> 8, pos & 0xFF, n)
            SW.check(sw, op)
            if not data:
                raise CardError("%s returned no data" % op, "the modem dropped the response")
            out += data
            if SW.kind(sw) == SW.WARNING and len(data) < n:
                break  # 6282: the file ends before the size the FCP gave; keep what came
        return bytes(out[:length])

    def _read(self, command: int, target: P.Path, op: str, p1: int, p2: int,
              p3: int) -> tuple[int, bytes]:
        """One READ BINARY/RECORD, re-sent with the P3 a 6Cxx names (bounded)."""
        sw, data = self._run(command, target, op, (("", (p1, p2, p3)),))
        for _ in range(MAX_RESEND):
            if SW.kind(sw) != SW.RESEND or not sw & 0xFF:
                break  # 6C00 would ask P3 = 0, which modems read differently
            sw, data = self._run(command, target, op, (("", (p1, p2, sw & 0xFF)),))
        return sw, data

    def _read_blind(self, target: P.Path, offset: int, why: CardError) -> bytes:
        """READ BINARY in 255-byte chunks until 6Cxx / 6282 / a short chunk / 6B00."""
        out = bytearray()
        for _ in range(0x8000 // CHUNK + 1):
            pos = offset + len(out)
            op = "READ BINARY %s at %d" % (P.to_hex(target), pos)
            sw, data = self._read(READ_BINARY, target, op, pos >> 8, pos & 0xFF, CHUNK)
            if sw in (0x6B00, 0x6A86) and out:
                break
            if sw == 0x6700:
                raise CardError("%s: the file size is unknown (%s) and the card refuses an "
                                "oversized read" % (op, why.message),
                                "pass an explicit length") from why
            if sw != 0x6282:
                SW.check(sw, op)
            out += data
            if sw == 0x6282 or len(data) < CHUNK:
                break
        return bytes(out)

    def read_record(self, path: P.PathLike, record: int, length: int | None = None) -> bytes:
        target = P.parse(path)
        if length is None:
            info = self.file_info(target)
            if not info.record_length:
                raise CardError("%s is %s, not a record file" % (P.to_hex(target),
                                                                 info.structure))
            length = info.record_length
        op = "READ RECORD %s #%d" % (P.to_hex(target), record)
        sw, data = self._read(READ_RECORD, target, op, record, 4, length)
        SW.check(sw, op)
        return data

    def read_records(self, path: P.PathLike) -> list[bytes]:
        """Every record of a linear fixed / cyclic EF."""
        return read_all_records(self, path)

    # --- writes --------------------------------------------------------------------

    def update_binary(self, path: P.PathLike, data: bytes, offset: int = 0) -> None:
        target = P.parse(path)
        for start in range(0, len(data), WRITE_CHUNK):
            pos = offset + start
            chunk = bytes(data[start:start + WRITE_CHUNK])
            op = "UPDATE BINARY %s at %d" % (P.to_hex(target), pos)
            sw, _ = self._run(UPDATE_BINARY, target, op,
                              (("", (pos >> 8, pos & 0xFF, len(chunk))),), chunk)
            SW.check(sw, op)

    def update_record(self, path: P.PathLike, record: int, data: bytes) -> None:
        target = P.parse(path)
        op = "UPDATE RECORD %s #%d" % (P.to_hex(target), record)
        sw, _ = self._run(UPDATE_RECORD, target, op, (("", (record, 4, len(data))),),
                          bytes(data))
        SW.check(sw, op)


class _Accept:
    """GET RESPONSE counts as working only with a success SW and a decodable FCP."""

    @staticmethod
    def ok(attempt: _Attempt) -> bool:
        if attempt.sw in SW.SECURITY:
            return True  # reached the file; the caller raises the typed error
        if attempt.sw is None or not SW.is_success(attempt.sw) or not attempt.data:
            return False
        try:
            _decode_info(attempt.data)
        except (DecodeError, CardError):
            return False
        return True


def _decode_info(data: bytes) -> FileInfo:
    if data[:1] == b"\x62":
        return from_fcp(data)
    return from_gsm_response(data)


__all__ = ["DEFAULT_CACHE", "CrsmAccess", "CrsmUnusable", "FileNotFound", "StatusWordError",
           "parse_crsm"]
