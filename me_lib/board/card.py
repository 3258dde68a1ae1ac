"""The board core's card read: the ICCID and EF.DMCFG over AT+CRSM, the profile as plain lists.

The full library reads the card through `CrsmAccess` + `Usim` + the `usim`
source and its `ProfileCache`, and decodes EF.DMCFG with `codec.dmcfg` (on
`codec.tlv`, `codec.apn`, `codec._common` models) into `Profile` objects: over
60 KB of heap on a board. This module sends the same +CRSM lines and gives the
same values and the same error classes with a handful of functions:

* lines: `AT+CRSM=176,12258,0,0,10,,"3F00"` (EF_ICCID), then either the 9-byte
  head of EF.DMCFG (a re-run on the same card with a cached profile that has a
  sequence number) or GET RESPONSE (plain, or `0,0,255` first where the
  dialect's `crsm_seed` says so, the other form when the first is refused) and
  READ BINARY in 255-byte chunks. `<pathid>` "3F007FFF5F4D" first, then
  "7FFF5F4D", then none, when the modem refuses a form or the card says
  6A82/9404 (what `CrsmAccess` does on a modem it has not learned yet);
* status words: 9000/91xx/61xx/9Fxx pass without a table; any other loads
  `me_lib.card.sw` (only then) for its class and typed error;
* the decoder refuses what `codec.dmcfg.decode` refuses, with the same class
  (DecodeError, ProfileIntegrityError for a bad CRC, InvalidApn), and then
  what the `usim` source's `Profile` validators refuse (ProfileError): the
  board is strict where the source drops one bad bearer or server with a note
  (`tests/board/test_card_decode.py` runs both on the same bytes).

The profile is plain JSON-able data, stored by the flow on flash as it is::

    {"seq": 7 | None,
     "servers": [[kind, address, host, port, protocol, bearer_index], ...],
     "bearers": [[apn, pdp_type, auth, username, password, [services]], ...]}

`kind` is fqdn/ipv4/ipv6/uri, `port` and `protocol` are the effective ones
(the file's, else the URI's, else the protocol's default; coap by default),
`bearer_index` the first bearer with the same APN as the file's (the source's
placement), bearers[0] is APN0, `apn` is in lower case ("" = network-provided),
`pdp_type` is the +CGDCONT name (IP, IPV6, IPV4V6, Non-IP), `auth` none/pap/chap.
The flow stores `{"iccid": iccid, "profile": profile}`: the sequence number in
the profile is what tells an unchanged file on the next run (as the full
library's cache), so no other field is needed.

Portable (MicroPython): no classes, no comprehensions, tables as strings/tuples.
"""

from binascii import crc32

from me_lib.codec import apn_rules, ipaddr
from me_lib.errors import (
    CardError,
    CardRemoved,
    DecodeError,
    FileNotFound,
    InvalidAddress,
    InvalidApn,
    MeLibError,
    ModemRebooted,
    PinBlocked,
    PortClosed,
    ProfileError,
    ProfileIntegrityError,
    ProfileMissing,
    ProfileUnreadable,
    SimNotReady,
)

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

ORIGIN = "usim:EF.DMCFG"
CACHE_ORIGIN = "cache:EF.DMCFG"
WHAT = "EF.DMCFG"
#: (decimal FID, <pathid> forms in CrsmAccess's order): the catalogue's EF_ICCID and
#: EF.DMCFG rows (tests/board/test_card_sim.py keeps them equal)
ICCID_FILE = (12258, ("3F00", None))
DMCFG_FILE = (20225, ("3F007FFF5F4D", "7FFF5F4D", None))
#: bytes read to find the sequence number: 80 01 vv, 81 (1 to 4) ss... (Usim.DMCFG_HEAD)
HEAD = 9
CHUNK = 255
#: the largest EF.DMCFG a board reads (a real one is under 512 bytes)
MAX_SIZE = 4096
#: the pauses (seconds) before asking again a card the modem says is busy (+CME ERROR: 14)
BUSY_WAITS = (0.5, 1.0, 2.0, 4.0)
#: session-wide failures the full chain never turns into a fallback (sources.base.FATAL)
FATAL = (PortClosed, ModemRebooted, CardRemoved, PinBlocked, SimNotReady, ProfileUnreadable)

# Names by the file's numbers: PDN type 1-4, authentication 0-2, address kind 0-3,
# protocol 1-8 with its default port (profile.DEFAULT_PORTS).
PDP_TYPES = ("IP", "IPV6", "IPV4V6", "Non-IP")
AUTHS = ("none", "pap", "chap")
KINDS = ("fqdn", "ipv4", "ipv6", "uri")
PROTOCOLS = ("coap", "coaps", "coap+tcp", "coaps+tcp", "oma-dm", "https", "mqtt", "mqtts")
PORTS = (5683, 5684, 5683, 5684, 443, 443, 1883, 8883)
#: URI scheme -> protocol (dmcfg.URI_SCHEMES): "http" means https, the others themselves
SCHEMES = ("coap", "coaps", "coap+tcp", "coaps+tcp", "https", "http", "mqtt", "mqtts")

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_ALNUM = _LOWER + _LOWER.upper() + _DIGITS
_SERVICE = _LOWER + _DIGITS + "._-"
_HEX = "0123456789abcdefABCDEF"
_SERVICE_BYTES = _SERVICE.encode()
_LABEL_BYTES = apn_rules.LABEL_CHARS.encode()
#: what an AT string can carry in a credential: printable ASCII but " ; \ (profile.py)
_PRINTABLE = (" !#$%&'()*+,-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`"
              "abcdefghijklmnopqrstuvwxyz{|}~")

_NO_CRSM = ("this firmware may not support +CRSM for this file; use the full library "
            "(+CSIM/+CGLA) on this module")


# --- the card over +CRSM -------------------------------------------------------------


def crsm(link: "Any", command: int, file: "tuple[int, tuple[str | None, ...]]",
         p123: "tuple[tuple[int, int, int] | None, ...]", op: str,
         ) -> "tuple[int, bytes, str | None]":
    """(SW, data, the <pathid> that reached the file) of one +CRSM command.

    Tries each `<pathid>` form of `file` with each of `p123` (CrsmAccess._run):
    on to the next when the modem refuses the syntax (ERROR, +CME ERROR), when
    the card says the file is not there (6A82/9404: the next form) or, for GET
    RESPONSE, when the answer is not a success with an FCP giving a size. When
    no form reached the file, the typed error of the last answer. A +CME ERROR
    about the SIM's state raises at once: another syntax cannot help.
    """
    from me_lib.errors import AtCommandError, CmeError

    last: Any = None
    for path in file[1]:
        for p in p123:
            line = "AT+CRSM=%d,%d" % (command, file[0])
            line += ",%d,%d,%d" % p if p is not None else ",,," if path else ""
            line += ',,"%s"' % path if path else ""
            try:
                lines = busy_retry(link, line)
            except CmeError as exc:
                from me_lib.card.atport import sim_state_error

                state = sim_state_error(exc, line)
                if state is not None:
                    raise state from exc
                last = exc
                continue
            except AtCommandError as exc:
                last = exc
                continue
            sw, data = parse(lines)
            last = sw
            if sw in (0x6A82, 0x9404):
                break
            if command != 192 or sw in (0x6982, 0x9804) or ((
                    sw == 0x9000 or sw >> 8 in (0x91, 0x92, 0x61, 0x9F)) and size_of(data) >= 0):
                return sw, data, path
    if isinstance(last, int):
        sw_ok(last, op)  # the typed error of an error SW
        raise CardError("%s: the modem answered without a usable FCP" % op, _NO_CRSM)
    raise CardError("%s: every +CRSM form was refused, last: %s" % (op, last), _NO_CRSM)


def busy_retry(link: "Any", line: str) -> "list[str]":
    """`line`'s +CRSM answer; while the modem says the SIM is busy (+CME ERROR: 14,
    a card still initialising after +CPIN: READY), asked again after BUSY_WAITS."""
    from me_lib.errors import CmeError

    for pause in BUSY_WAITS:
        try:
            return link.cmd(line, "+CRSM:")  # type: ignore[no-any-return]
        except CmeError as exc:
            if exc.code != 14:
                raise
        link.wait(link.dialect.sim_ready_urcs, pause)
    return link.cmd(line, "+CRSM:")  # type: ignore[no-any-return]


def parse(lines: "list[str]") -> "tuple[int, bytes]":
    """(SW, bytes) of the first +CRSM line with SW1 and SW2 (crsm.parse_crsm's tolerance:
    quotes, spaces, either case, a stray partial `+CRSM: 0` line first)."""
    for line in lines:
        s = line.strip()
        if s[:6].upper() != "+CRSM:":
            continue
        fields = s[6:].split(",")
        if len(fields) < 2:
            continue
        a = fields[0].strip().strip('"').strip()
        b = fields[1].strip().strip('"').strip()
        if not a.isdigit() or not b.isdigit() or int(a) > 255 or int(b) > 255:
            continue
        text = "".join(fields[2].split()).strip('"') if len(fields) > 2 else ""
        text = "".join(text.split())
        if len(text) % 2 or text.strip(_HEX):
            raise CardError("+CRSM response: %r is not a hex string" % fields[2][:40],
                            "the modem answered in an unexpected format")
        return int(a) << 8 | int(b), bytes.fromhex(text)
    raise CardError("no +CRSM line with both SW1 and SW2 in %r" % (lines[:4],),
                    "the modem answered in an unexpected format")


def sw_ok(sw: int, op: str) -> bool:
    """True for a success or a warning whose data is kept (6282), False for 6Cxx (re-send
    with P3 = xx); raises the typed error (`me_lib.card.sw`'s table, loaded only for an
    unusual SW) otherwise."""
    if sw == 0x9000 or sw >> 8 in (0x91, 0x61, 0x9F):
        return True
    from me_lib.card import sw as SW

    kind = SW.kind(sw)
    if kind == SW.RESEND and sw & 0xFF:
        return False
    if kind in (SW.SUCCESS, SW.WARNING, SW.GET_RESPONSE):
        return True
    raise SW.error_for(sw, op)


def size_of(fcp: bytes) -> int:
    """The EF size in an FCP (62 .. 80 xx xx) or a 2G GET RESPONSE (bytes 2-3), -1 without."""
    if len(fcp) >= 14 and fcp[0] != 0x62 and fcp[6] == 0x04:
        return fcp[2] << 8 | fcp[3]
    at = 2 + (fcp[1] == 0x81) if len(fcp) > 2 and fcp[0] == 0x62 else len(fcp)
    while at + 2 <= len(fcp):
        if fcp[at] == 0x80 and 1 <= fcp[at + 1] <= 4 and at + 2 + fcp[at + 1] <= len(fcp):
            return int.from_bytes(fcp[at + 2:at + 2 + fcp[at + 1]], "big")
        at += 2 + fcp[at + 1]
    return -1


def read(link: "Any", file: "tuple[int, tuple[str | None, ...]]", length: "int | None",
         ) -> bytes:
    """READ BINARY of `length` bytes (None: the size GET RESPONSE gives) in 255-byte chunks.

    Once a form reached the file the later commands use it alone (CrsmAccess
    trusts the form it learned). 6Cxx re-sends with P3 = xx, twice at most; 6282
    keeps the short data and ends the file there.
    """
    name = "3F00" if file[0] == ICCID_FILE[0] else WHAT
    if length is None:
        seed = getattr(link.dialect, "crsm_seed", None) or {}
        order: tuple[tuple[int, int, int] | None, ...] = (None, (0, 0, 255))
        if seed.get("get_response") == "0,0,255":
            order = ((0, 0, 255), None)
        op = "GET RESPONSE %s" % name
        sw, fcp, path = crsm(link, 192, file, order, op)
        if sw in (0x6982, 0x9804):
            sw_ok(sw, op)
        length = size_of(fcp)
        if length > MAX_SIZE:
            raise CardError("%s: the file holds %d bytes, more than the %d a board reads"
                            % (op, length, MAX_SIZE),
                            "check the card profile: EF.DMCFG is a few hundred bytes")
        file = (file[0], (path,))
    out = b""
    while len(out) < length:
        pos = len(out)
        n = min(CHUNK, length - pos)
        op = "READ BINARY %s at %d" % (name, pos)
        sw, data, path = crsm(link, 176, file, ((pos >> 8, pos & 0xFF, n),), op)
        file = (file[0], (path,))
        for attempt in range(3):
            if sw_ok(sw, op):
                break
            if attempt == 2:  # a third 6Cxx: give up with its typed error (WrongLength)
                from me_lib.card import sw as SW

                raise SW.error_for(sw, op)
            sw, data, path = crsm(link, 176, file, ((pos >> 8, pos & 0xFF, sw & 0xFF),), op)
        if not data:
            raise CardError("%s returned no data" % op, "the modem dropped the response")
        out += data
        if sw >> 8 in (0x62, 0x63) and len(data) < n:
            break  # 6282: the file ends before the size the FCP gave
    return out[:length]


def read_iccid(link: "Any") -> str:
    """The card's ICCID: `AT+CRSM=176,12258,0,0,10,,"3F00"`, swapped BCD, F padding dropped."""
    data = read(link, ICCID_FILE, 10)
    if len(data) != 10:
        raise DecodeError("EF_ICCID", "expected 10 bytes, got %d" % len(data))
    digits = ""
    for i in range(20):
        nibble = data[i // 2] >> 4 if i % 2 else data[i // 2] & 0x0F
        if nibble <= 9:
            if len(digits) < i:
                raise DecodeError("EF_ICCID", "digit after the F padding", i // 2)
            digits += chr(0x30 + nibble)
        elif nibble != 0x0F:
            raise DecodeError("EF_ICCID", "nibble %X is not a BCD digit" % nibble, i // 2)
    if len(digits) < 19:
        raise DecodeError("EF_ICCID", "only %d digits (19 or 20 expected)" % len(digits))
    return digits


def read_profile(link: "Any", cached: "dict[str, Any] | None",
                 ) -> "tuple[str | None, dict[str, Any], str]":
    """(ICCID, profile, origin) as the full library's `usim` source with its cache gives them.

    `cached` is the document the flow stored after the last good read
    (`{"iccid": ..., "profile": ...}`), or None. The same card with a cached
    profile holding a sequence number: the file's 9-byte head only, and the
    cached profile when the sequence is the same (origin "usim:EF.DMCFG", as
    the full library says). A file that is torn or does not decode, or that
    could not be read (timeout, busy SIM, access): the cached profile of this
    card (origin "cache:EF.DMCFG"), else the decoder's error, or
    ProfileUnreadable for a read. No file (6A82) or an unprovisioned one (all
    FF): ProfileMissing, never the cache (the full chain does not use it there).
    The flow stores `{"iccid": iccid, "profile": profile}` for the next run when
    the ICCID is not None (unreadable: the full chain then reads without cache).
    """
    try:
        iccid: str | None = read_iccid(link)
    except FATAL:
        raise
    except MeLibError:
        iccid = None  # the full chain notes it and reads without its cache
    old = None
    if isinstance(cached, dict) and iccid is not None and cached.get("iccid") == iccid:
        try:
            old = check(cached.get("profile"))
        except (ProfileError, TypeError, ValueError, KeyError, IndexError, AttributeError):
            old = None  # an unusable entry is ignored, as ProfileCache.get does
    try:
        if old is not None and old["seq"] is not None and not locked(old):
            try:
                head = read(link, DMCFG_FILE, HEAD)
            except FileNotFound:
                head = b""  # the full read says the file is absent
            at = 0
            seq = None
            while at + 2 <= len(head) and head[at + 1] < 0x80 and head[at] in (0x80, 0x81):
                if at + 2 + head[at + 1] > len(head):
                    break
                if head[at] == 0x81:
                    seq = int.from_bytes(head[at + 2:at + 2 + head[at + 1]], "big")
                    break
                at += 2 + head[at + 1]
            if seq == old["seq"]:
                return iccid, old, ORIGIN
        data = read(link, DMCFG_FILE, None)
    except FileNotFound:
        raise ProfileMissing("no APN0: the card has no EF.DMCFG (3F007FFF5F4D4F01)",
                             "the card has no EF.DMCFG: have the operator provision it") from None
    except FATAL:
        raise
    except MeLibError as exc:
        if old is not None:
            return iccid, old, CACHE_ORIGIN
        raise ProfileUnreadable(
            "EF.DMCFG could not be read (%s) and no good profile is cached for this card"
            % exc, "retry once the modem and the card answer again; if it persists, check "
            "the card is seated and the modem reads it (AT+CRSM)") from exc
    try:
        profile = decode(data)
    except (DecodeError, ProfileError):
        if old is not None:
            return iccid, old, CACHE_ORIGIN
        raise
    if profile is None:
        raise ProfileMissing("no APN0: EF.DMCFG is not provisioned (all FF)",
                             "EF.DMCFG is there but not provisioned: have the operator "
                             "write the profile to it (OTA)")
    return iccid, profile, ORIGIN


def locked(profile: "dict[str, Any]") -> bool:
    """Whether a bearer needs a password the cached profile lacks (then the full file is read,
    as the full library does when its cache kept no password)."""
    for bearer in profile["bearers"]:  # noqa: SIM110 - any() over a generator costs heap
        if bearer[2] != "none" and bearer[4] is None:
            return True
    return False


# --- EF.DMCFG --------------------------------------------------------------------------


def tlv(data: bytes, start: int, end: int, top: bool) -> "list[tuple[int, int, int, int]]":
    """(tag, value start, value end, offset) of the BER-TLV objects in data[start:end]
    (codec.tlv.decode: 1-2 byte tags, lengths xx/81 xx/82 xxxx; at the top level FF
    padding ends the data and nothing else may follow it)."""
    items = []
    pos = start
    while pos < end:
        if top and data[pos] == 0xFF:
            for i in range(pos, end):
                if data[i] != 0xFF:
                    raise DecodeError(WHAT, "byte %02X after the FF padding" % data[i], i)
            break
        tag = data[pos]
        p = pos + 1
        if tag & 0x1F == 0x1F:
            if p >= end or data[p] & 0x80:
                raise DecodeError(WHAT, "two-byte tag %02X cut short or too long" % tag, p)
            tag = tag << 8 | data[p]
            p += 1
        if p >= end:
            raise DecodeError(WHAT, "tag %X has no length byte" % tag, pos)
        size = data[p]
        p += 1
        if size in (0x81, 0x82):
            if p + size - 0x80 > end:
                raise DecodeError(WHAT, "length of tag %X cut short" % tag, p - 1)
            p, size = p + size - 0x80, int.from_bytes(data[p:p + size - 0x80], "big")
        elif size >= 0x80:
            raise DecodeError(WHAT, "length byte %02X not supported" % size, p - 1)
        if p + size > end:
            raise DecodeError(WHAT, "tag %X says %d bytes but only %d follow"
                              % (tag, size, end - p), pos)
        items.append((tag, p, p + size, pos))
        pos = p + size
    return items


def decode(data: bytes) -> "dict[str, Any] | None":
    """The profile in EF.DMCFG (None: not provisioned, empty or all FF).

    First what `codec.dmcfg.decode` checks, in its order (DecodeError,
    ProfileIntegrityError, InvalidApn), then what the `usim` source's `Profile`
    validators check (ProfileError), via `check`.
    """
    data = bytes(data)
    if not data.strip(b"\xff"):
        return None
    items = tlv(data, 0, len(data), True)
    for n in range(len(items)):
        tag, start, end, at = items[n]
        if tag != 0x8F:
            continue
        if n != len(items) - 1:
            raise DecodeError(WHAT, "data object after the CRC (8F must be last)",
                              items[n + 1][3])
        if end - start != 4:
            raise DecodeError(WHAT, "CRC of %d bytes (4 expected)" % (end - start), at)
        if int.from_bytes(data[start:end], "big") != crc32(data[:at]) & 0xFFFFFFFF:
            raise ProfileIntegrityError("EF.DMCFG CRC mismatch over bytes 0-%d: a torn or "
                                        "corrupt update" % (at - 1), start)
    seen = []
    for tag, _s, _e, at in items:
        if tag in (0x80, 0x81):
            if tag in seen:
                raise DecodeError(WHAT, "tag %X appears twice" % tag, at)
            seen.append(tag)
    version = seq = None
    servers: list[list[Any]] = []
    bearers: list[list[Any]] = []
    for tag, start, end, at in items:
        if tag == 0x80 or tag == 0x81:
            if not (end - start == 1 if tag == 0x80 else 1 <= end - start <= 4):
                raise DecodeError(WHAT, "tag %X of %d bytes" % (tag, end - start), at)
            if tag == 0x81:
                seq = int.from_bytes(data[start:end], "big")
            elif data[start] != 1:
                raise DecodeError(WHAT, "format version %d not supported (this reader knows "
                                  "1)" % data[start], start)
            else:
                version = 1
        elif tag == 0xA0 or tag == 0xA1:
            (servers if tag == 0xA0 else bearers).append(template(data, tag, start, end, at))
    if version is None or not servers or not bearers:
        raise DecodeError(WHAT, "no format version (80), DM server (A0) or bearer (A1)")
    for server in servers:
        if server[5] >= len(bearers):
            raise DecodeError(WHAT, "DM server uses bearer %d but the file has %d"
                              % (server[5], len(bearers)))
        # the source places a server on the first bearer with its bearer's APN
        apn = bearers[server[5]][0] if server[5] else None
        server[5] = 0
        while apn is not None and not apn_rules.same_apn(bearers[server[5]][0], apn):
            server[5] += 1
    return check({"seq": seq, "servers": servers, "bearers": bearers})


def template(data: bytes, outer: int, start: int, end: int, at: int) -> "list[Any]":
    """One server (A0) or bearer (A1) template in the profile's list form, as the codec
    reads it: numbers and the file's text, named and checked later by `check`."""
    items = tlv(data, start, end, False)
    server = outer == 0xA0
    seen = []
    for item in items:  # codec: each single tag once, checked before any value
        if item[0] in (0x80, 0x81, 0x82, 0x83, 0x84)[:4 if server else 5]:
            if item[0] in seen:
                raise DecodeError(WHAT, "tag %X appears twice" % item[0], item[3])
            seen.append(item[0])
    # server: kind, address, host, port, protocol, bearer; bearer: APN, PDN type, auth,
    # user name, password, services. Number tags: (tag, size, column).
    numbers = ((0x81, 2, 3), (0x82, 1, 4), (0x83, 1, 5)) if server else \
        ((0x81, 1, 1), (0x82, 1, 2))
    row: list[Any] = [None, None, None, None, None, 0 if server else []]
    for tag, s, e, a in items:
        value = data[s:e]
        for number in numbers:
            if tag == number[0]:
                if e - s != number[1]:
                    raise DecodeError(WHAT, "tag %X in a template has %d bytes, %d expected"
                                      % (tag, e - s, number[1]), a)
                row[number[2]] = int.from_bytes(value, "big")
                if server and tag == 0x81 and not row[3]:
                    raise DecodeError(WHAT, "port 0", s)
        if tag == 0x80 and server:
            kind = value[0] if value else 9
            try:
                if kind == 1 or kind == 2:
                    if len(value) != (0, 5, 17)[kind]:
                        raise DecodeError(WHAT, "IP address of %d bytes" % (len(value) - 1), s)
                    text = ipaddr.unpack(value[1:])
                elif kind == 0 or kind == 3:
                    text = str(value[1:], "utf-8")
                    address(kind, text)
                else:
                    raise DecodeError(WHAT, "empty server address or unknown address type "
                                      "(00 FQDN, 01 IPv4, 02 IPv6, 03 URI)", s)
            except (InvalidAddress, UnicodeError) as exc:
                raise DecodeError(WHAT, "server address: %s" % getattr(
                    exc, "reason", "not UTF-8"), s + 1) from None
            row[0] = kind
            row[1] = text
        elif tag == 0x80:
            row[0] = apn(value, s)
        elif tag in (0x83, 0x84) and not server:
            try:
                text = str(value, "utf-8")
            except UnicodeError:
                raise DecodeError(WHAT, "text is not valid UTF-8", s) from None
            for ch in text:
                if ch < " " or ch == "\x7f":
                    raise DecodeError(WHAT, "control character in the user name or "
                                      "password", s)
            row[tag - 0x80] = text
        elif tag == 0x86 and not server:
            if not 1 <= len(value) <= 32 or value.strip(_SERVICE_BYTES):
                raise DecodeError(WHAT, "service name is not [a-z0-9._-]{1,32}", a)
            row[5].append(value.decode())
    if row[0] is None:
        raise DecodeError(WHAT, "template without an address or APN (80)", at)
    return row


def apn(value: bytes, base: int) -> str:
    """The dotted text of a label-encoded APN (codec.apn.decode: InvalidApn, case kept)."""
    labels: list[str] = []
    pos = 0
    while pos < len(value):
        size = value[pos]
        label = value[pos + 1:pos + 1 + size]
        if not size or pos + 1 + size > len(value) or label.strip(_LABEL_BYTES):
            raise InvalidApn(".".join(labels), "label empty, cut short or not letters, "
                             "digits and hyphens", base + pos)
        labels.append(label.decode())
        pos += 1 + size
    text = ".".join(labels)
    apn_rules.validate(text)
    return text


def address(kind: int, text: str) -> "tuple[str, int | None, str | None]":
    """(host, URI port, URI scheme's protocol) of a DM server address of `kind` (0 FQDN,
    1 IPv4, 2 IPv6, 3 URI), or InvalidAddress: dmcfg.validate_address and split_uri's rules
    (RFC 1123 labels; a URI in printable ASCII with a known scheme, no user information,
    an FQDN or IP host, a port 1..65535)."""
    host = text
    port = scheme = None
    if kind == 3:
        end = text.find("://")
        if end < 1 or text[0] not in _ALNUM[:52] or text[1:end].strip(_ALNUM + "+.-"):
            raise InvalidAddress(text, "a URI needs a scheme, e.g. coaps://host:5684")
        rest = text[end + 3:]
        stop = len(rest)
        for ch in "/?#":
            if 0 <= rest.find(ch) < stop:
                stop = rest.find(ch)
        host = rest[:stop]
        scheme = text[:end].lower()
        for ch in text:
            if ch <= " " or ch > "~" or ch == '"':
                raise InvalidAddress("-", "not printable ASCII")
        if len(text) > 255 or not rest or "@" in host or scheme not in SCHEMES:
            raise InvalidAddress("-", "too long, empty, user information or unknown scheme")
        if host[:1] == "[":
            stop = host.find("]")
            tail = host[stop + 1:] if stop > 0 else "x"
            host = host[1:stop]
            if ipaddr.version(host) != 6 or "%" in host or (tail and tail[0] != ":"):
                raise InvalidAddress(text, "an IPv6 host is written [address]:port")
        else:
            stop = host.find(":")
            tail = host[stop:] if stop >= 0 else ""
            host = host[:stop] if stop >= 0 else host
            if "[" in host + tail or "]" in host + tail:
                raise InvalidAddress(text, "unbalanced brackets in the host")
        tail = tail[1:]
        if tail:
            if not tail.isdigit() or not 0 < int(tail) < 65536:
                raise InvalidAddress(text, "bad port %r (1..65535)" % tail)
            port = int(tail)
        host = host.lower()
        scheme = "https" if scheme == "http" else scheme
        if ipaddr.version(host):
            return host, port, scheme
    if kind == 1 or kind == 2:
        if "%" in text or ipaddr.version(text) != (0, 4, 6)[kind]:
            raise InvalidAddress(text, "not an IPv%d address" % (0, 4, 6)[kind])
        return ipaddr.unpack(ipaddr.pack(text)), None, None
    if not host or len(host) > 253:
        raise InvalidAddress(text, "an FQDN has 1 to 253 characters")
    for label in host.split("."):
        if not 0 < len(label) < 64 or label[0] == "-" or label[-1] == "-" or label.strip(
                _ALNUM + "-"):
            raise InvalidAddress(text, "label %r is not letters, digits and inner hyphens "
                                 "of at most 63 characters" % label)
    return host, port, scheme


def check(profile: "Any") -> "dict[str, Any]":
    """`profile` with every value through the full library's `Profile` validators
    (DmServer, Bearer, `_check_credential`, one bearer per service), names and defaults
    resolved; ProfileError (InvalidApn, InvalidAddress) for the first value refused.

    Decoded rows carry the file's numbers; a stored profile its names: both
    come out as names (a stored profile is checked again before its values
    reach an AT line, as ProfileCache restores through the validators).
    """
    bearers = profile["bearers"]
    if profile["seq"] is not None and not isinstance(profile["seq"], int):
        raise ProfileError("sequence number %r is not a number" % (profile["seq"],))
    services: list[str] = []
    out_bearers = []
    for row in bearers:
        pdp, auth = row[1], row[2]
        pdp = PDP_TYPES[pdp - 1] if isinstance(pdp, int) and 0 < pdp < 5 else \
            "IP" if pdp is None else pdp
        auth = AUTHS[auth] if isinstance(auth, int) and 0 <= auth < 3 else \
            "none" if auth is None else auth
        if pdp not in PDP_TYPES or auth not in AUTHS or not isinstance(row[5], list):
            raise ProfileError("invalid PDP type or authentication %r/%r" % (pdp, auth),
                               "use IP, IPV6, IPV4V6 or Non-IP, and none, pap or chap")
        for value in (row[3], row[4]):
            if value is not None and (not isinstance(value, str) or len(value) > 64 or
                                      value.strip(_PRINTABLE)):
                raise ProfileError("user name or password is not printable ASCII of at most "
                                   "64 characters", "use printable ASCII without quotes, "
                                   "semicolons or backslashes")
        for name in row[5]:
            if name in services or not isinstance(name, str) or not 0 < len(name) < 33 or \
                    name.strip(_SERVICE):
                raise ProfileError("service %r twice or not [a-z0-9._-]{1,32}" % (name,))
            services.append(name)
        out_bearers.append([apn_rules.validate(row[0]), pdp, auth, row[3], row[4],
                            list(row[5])])
    if not out_bearers:
        raise ProfileMissing("no APN0: no bearer", "provision EF.DMCFG")
    out_servers = []
    for row in profile["servers"]:
        kind = KINDS[row[0]] if isinstance(row[0], int) else row[0]
        protocol = row[4]
        if isinstance(protocol, int):
            protocol = PROTOCOLS[protocol - 1] if 0 < protocol < 9 else "#%d" % protocol
        host, port, scheme = address(KINDS.index(kind), row[1])
        if (kind in ("ipv4", "ipv6") and host != row[1]) or row[2] not in (None, host):
            raise InvalidAddress(row[1], "not in its normal form, or another host")
        protocol = protocol or scheme or "coap"
        if protocol not in PROTOCOLS:
            raise ProfileError("unknown protocol %r" % (protocol,),
                               "use one of " + ", ".join(PROTOCOLS))
        port = row[3] or port or PORTS[PROTOCOLS.index(protocol)]
        if not 0 < port < 65536 or not 0 <= row[5] < len(out_bearers):
            raise ProfileError("DM server %s: port %d or bearer %d out of range"
                               % (host, port, row[5]))
        out_servers.append([kind, row[1], host, port, protocol, row[5]])
    return {"seq": profile["seq"], "servers": out_servers, "bearers": out_bearers}
