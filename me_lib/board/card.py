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
  `me_lib.card.sw` (only then, through `card_rare`) for its class and typed error;
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

Heap on a board (issue 15): what only a rare path needs is in
`me_lib.board.card_rare`, imported on that path only: every error's text (a row
there, named here by a `_E_*` const the compiler folds into a number), the URI
rules, the status words beyond 9000, a refused +CRSM form, the 6Cxx re-send.
Names are rows in strings, not tuples of strings (each string object costs
~50 B of heap).

Portable (MicroPython): no classes, no comprehensions, tables as strings/tuples.
"""

from binascii import crc32

from me_lib.codec import apn_rules, ipaddr
from me_lib.errors import (
    CardRemoved,
    DecodeError,
    FileNotFound,
    InvalidAddress,
    MeLibError,
    ModemRebooted,
    PinBlocked,
    PortClosed,
    ProfileError,
    ProfileUnreadable,
    SimNotReady,
)

try:
    from micropython import const  # type: ignore[import-not-found]
except ImportError:  # CPython: const() is the identity
    const = int
_TYPING = const(0)  # the compiler drops `if _TYPING:` blocks (annotations only)
if _TYPING:
    from typing import Any

#: (decimal FID, <pathid> forms in CrsmAccess's order): the catalogue's EF_ICCID and
#: EF.DMCFG rows (tests/board/test_card_sim.py keeps them equal)
ICCID_FILE = (12258, ("3F00", None))
DMCFG_FILE = (20225, ("3F007FFF5F4D", "7FFF5F4D", None))
#: bytes read to find the sequence number: 80 01 vv, 81 (1 to 4) ss... (Usim.DMCFG_HEAD)
_HEAD = const(9)
_CHUNK = const(255)
#: the largest EF.DMCFG a board reads (a real one is under 512 bytes)
_MAX_SIZE = const(4096)
#: the pauses (seconds) before asking again a card the modem says is busy (+CME ERROR: 14)
BUSY_WAITS = (0.5, 1.0, 2.0, 4.0)
#: session-wide failures the full chain never turns into a fallback (sources.base.FATAL)
FATAL = (PortClosed, ModemRebooted, CardRemoved, PinBlocked, SimNotReady, ProfileUnreadable)
#: the profile's names by the file's numbers: PDN type 1-4, authentication 0-2, address
#: kind 0-3, protocol 1-8 with its default port (profile.DEFAULT_PORTS); one string,
#: not tuples of strings (each string object costs ~50 B of heap on a board)
_NAMES = "IP IPV6 IPV4V6 Non-IP|none pap chap|fqdn ipv4 ipv6 uri|coap coaps coap+tcp " \
    "coaps+tcp oma-dm https mqtt mqtts"
PORTS = (5683, 5684, 5683, 5684, 443, 443, 1883, 8883)

# card_rare.ROWS by row: the errors this module raises (tests/board/test_card_rare.py)
_E_HEX = const(0)
_E_NOSW = const(1)
_E_BIG = const(2)
_E_NODATA = const(3)
_E_ICCID_LEN = const(4)
_E_ICCID_PAD = const(5)
_E_ICCID_NIBBLE = const(6)
_E_ICCID_SHORT = const(7)
_E_NO_FILE = const(8)
_E_UNREADABLE = const(9)
_E_BLANK = const(10)
_E_PADDING = const(11)
_E_TAG = const(12)
_E_NO_LENGTH = const(13)
_E_LENGTH_CUT = const(14)
_E_LENGTH_BYTE = const(15)
_E_OVERRUN = const(16)
_E_CRC_LAST = const(17)
_E_CRC_SIZE = const(18)
_E_CRC = const(19)
_E_TWICE = const(20)
_E_SIZE = const(21)
_E_VERSION = const(22)
_E_INCOMPLETE = const(23)
_E_NO_BEARER = const(24)
_E_NUMBER = const(25)
_E_PORT_0 = const(26)
_E_IP_SIZE = const(27)
_E_ADDRESS_TYPE = const(28)
_E_ADDRESS = const(29)
_E_UTF8 = const(30)
_E_CONTROL = const(31)
_E_SERVICE_NAME = const(32)
_E_NO_VALUE = const(33)
_E_LABEL = const(34)
_E_IP = const(35)
_E_FQDN_SIZE = const(36)
_E_FQDN_LABEL = const(37)
_E_SEQUENCE = const(38)
_E_NAMES = const(39)
_E_CREDENTIAL = const(40)
_E_SERVICE = const(41)
_E_NO_APN0 = const(42)
_E_NORMAL = const(43)
_E_PROTOCOL = const(44)
_E_RANGE = const(45)


def fail(n: int, at: "int | None" = None, *values: "Any") -> MeLibError:
    """The error of card_rare.ROWS[n] (`at`: the offset a DecodeError points at), its
    message filled with `values`; the texts load only when something is refused."""
    from me_lib.board import card_rare

    return card_rare.error(n, at, values)


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
    about the SIM's state raises at once: another syntax cannot help. While the
    modem says the SIM is busy (+CME ERROR: 14, a card still initialising after
    +CPIN: READY), a line is asked again after BUSY_WAITS. The answer is the
    first +CRSM line with SW1 and SW2 (crsm.parse_crsm's tolerance: quotes,
    spaces, either case, a stray partial `+CRSM: 0` line first).
    """
    from me_lib.errors import AtCommandError, CmeError

    last: Any = None
    for path in file[1]:
        for p in p123:
            line = "AT+CRSM=%d,%d" % (command, file[0])
            line += ",%d,%d,%d" % p if p is not None else ",,," if path else ""
            line += ',,"%s"' % path if path else ""
            try:
                for pause in BUSY_WAITS + (None,):
                    try:
                        lines = link.cmd(line, "+CRSM:")
                        break
                    except CmeError as exc:
                        if exc.code != 14 or pause is None:
                            raise
                    link.wait(link.dialect.sim_ready_urcs, pause)
            except (CmeError, AtCommandError) as exc:
                from me_lib.board import card_rare

                last = card_rare.refused(exc, line)
                continue
            sw = -1
            for answer in lines:
                s = answer.strip()
                fields = s[6:].split(",")
                if s[:6].upper() != "+CRSM:" or len(fields) < 2:
                    continue
                a = fields[0].strip().strip('"').strip()
                b = fields[1].strip().strip('"').strip()
                if not (0 < len(a) < 4 and 0 < len(b) < 4) or (a + b).strip(
                        "0123456789") or int(a) > 255 or int(b) > 255:  # not "²" (int refuses)
                    continue
                text = "".join(fields[2].split()).strip('"') if len(fields) > 2 else ""
                text = "".join(text.split())
                if len(text) % 2 or text.strip("0123456789abcdefABCDEF"):
                    raise fail(_E_HEX, None, fields[2][:40])
                sw, data = int(a) << 8 | int(b), bytes.fromhex(text)
                break
            if sw < 0:
                raise fail(_E_NOSW, None, lines[:4])
            last = sw
            if sw in (0x6A82, 0x9404):
                break
            if command != 192 or sw in (0x6982, 0x9804) or ((
                    sw == 0x9000 or sw >> 8 in (0x91, 0x92, 0x61, 0x9F)) and size_of(data) >= 0):
                return sw, data, path
    from me_lib.board import card_rare

    raise card_rare.unreached(last, op)


def sw_ok(sw: int, op: str) -> bool:
    """True for a success or a warning whose data is kept (6282), False for 6Cxx (re-send
    with P3 = xx); raises the typed error (`me_lib.card.sw`'s table, loaded only for an
    unusual SW) otherwise."""
    if sw == 0x9000 or sw >> 8 in (0x91, 0x61, 0x9F):
        return True
    from me_lib.board import card_rare

    return card_rare.sw_ok(sw, op)


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
    name = "3F00" if file[0] == ICCID_FILE[0] else "EF.DMCFG"
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
        if length > _MAX_SIZE:
            raise fail(_E_BIG, None, op, length, _MAX_SIZE)
        file = (file[0], (path,))
    out = b""
    while len(out) < length:
        pos = len(out)
        n = min(_CHUNK, length - pos)
        op = "READ BINARY %s at %d" % (name, pos)
        sw, data, path = crsm(link, 176, file, ((pos >> 8, pos & 0xFF, n),), op)
        file = (file[0], (path,))
        if not sw_ok(sw, op):  # 6Cxx
            from me_lib.board import card_rare

            sw, data, path = card_rare.resend(link, file, pos, sw, op)
        if not data:
            raise fail(_E_NODATA, None, op)
        out += data
        if sw >> 8 in (0x62, 0x63) and len(data) < n:
            break  # 6282: the file ends before the size the FCP gave
    return out[:length]


def read_iccid(link: "Any") -> str:
    """The card's ICCID: `AT+CRSM=176,12258,0,0,10,,"3F00"`, swapped BCD, F padding dropped."""
    data = read(link, ICCID_FILE, 10)
    if len(data) != 10:
        raise fail(_E_ICCID_LEN, None, len(data))
    digits = ""
    for i in range(20):
        nibble = data[i // 2] >> 4 if i % 2 else data[i // 2] & 0x0F
        if nibble <= 9:
            if len(digits) < i:
                raise fail(_E_ICCID_PAD, i // 2)
            digits += chr(0x30 + nibble)
        elif nibble != 0x0F:
            raise fail(_E_ICCID_NIBBLE, i // 2, nibble)
    if len(digits) < 19:
        raise fail(_E_ICCID_SHORT, None, len(digits))
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
    A cached profile whose bearer needs a password it lacks is read in full (as
    the full library does when its cache kept no password).
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
    seq = old["seq"] if old is not None else None
    for bearer in old["bearers"] if seq is not None else ():  # type: ignore[index]
        if bearer[2] != "none" and bearer[4] is None:
            seq = None  # locked: no password cached
    try:
        if seq is not None:
            try:
                head = read(link, DMCFG_FILE, _HEAD)
            except FileNotFound:
                head = b""  # the full read says the file is absent
            at = 0
            while at + 2 <= len(head) and head[at + 1] < 0x80 and head[at] in (0x80, 0x81):
                if at + 2 + head[at + 1] > len(head):
                    break
                if head[at] == 0x81:
                    if seq == int.from_bytes(head[at + 2:at + 2 + head[at + 1]], "big"):
                        return iccid, old, "usim:EF.DMCFG"  # type: ignore[return-value]
                    break
                at += 2 + head[at + 1]
        data = read(link, DMCFG_FILE, None)
    except FileNotFound:
        raise fail(_E_NO_FILE) from None
    except FATAL:
        raise
    except MeLibError as exc:
        if old is not None:
            return iccid, old, "cache:EF.DMCFG"
        raise fail(_E_UNREADABLE, None, exc) from exc
    try:
        profile = decode(data)
    except (DecodeError, ProfileError):
        if old is not None:
            return iccid, old, "cache:EF.DMCFG"
        raise
    if profile is None:
        raise fail(_E_BLANK)
    return iccid, profile, "usim:EF.DMCFG"


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
                    raise fail(_E_PADDING, i, data[i])
            break
        tag = data[pos]
        p = pos + 1
        if tag & 0x1F == 0x1F:
            if p >= end or data[p] & 0x80:
                raise fail(_E_TAG, p, tag)
            tag = tag << 8 | data[p]
            p += 1
        if p >= end:
            raise fail(_E_NO_LENGTH, pos, tag)
        size = data[p]
        p += 1
        if size in (0x81, 0x82):
            if p + size - 0x80 > end:
                raise fail(_E_LENGTH_CUT, p - 1, tag)
            p, size = p + size - 0x80, int.from_bytes(data[p:p + size - 0x80], "big")
        elif size >= 0x80:
            raise fail(_E_LENGTH_BYTE, p - 1, size)
        if p + size > end:
            raise fail(_E_OVERRUN, pos, tag, size, end - p)
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
            raise fail(_E_CRC_LAST, items[n + 1][3])
        if end - start != 4:
            raise fail(_E_CRC_SIZE, at, end - start)
        if int.from_bytes(data[start:end], "big") != crc32(data[:at]) & 0xFFFFFFFF:
            raise fail(_E_CRC, start, at - 1)
    seen = []
    for tag, _s, _e, at in items:
        if tag in (0x80, 0x81):
            if tag in seen:
                raise fail(_E_TWICE, at, tag)
            seen.append(tag)
    version = seq = None
    servers: list[list[Any]] = []
    bearers: list[list[Any]] = []
    for tag, start, end, at in items:
        if tag == 0x80 or tag == 0x81:
            if not (end - start == 1 if tag == 0x80 else 1 <= end - start <= 4):
                raise fail(_E_SIZE, at, tag, end - start)
            if tag == 0x81:
                seq = int.from_bytes(data[start:end], "big")
            elif data[start] != 1:
                raise fail(_E_VERSION, start, data[start])
            else:
                version = 1
        elif tag == 0xA0 or tag == 0xA1:
            (servers if tag == 0xA0 else bearers).append(template(data, tag, start, end, at))
    if version is None or not servers or not bearers:
        raise fail(_E_INCOMPLETE)
    for server in servers:
        if server[5] >= len(bearers):
            raise fail(_E_NO_BEARER, None, server[5], len(bearers))
        # the source places a server on the first bearer with its bearer's APN
        apn = bearers[server[5]][0] if server[5] else None
        server[5] = 0
        while apn is not None and not apn_rules.same_apn(bearers[server[5]][0], apn):
            server[5] += 1
    return check({"seq": seq, "servers": servers, "bearers": bearers})


def template(data: bytes, outer: int, start: int, end: int, at: int) -> "list[Any]":
    """One server (A0) or bearer (A1) template in the profile's list form, as the codec
    reads it: numbers and the file's text, named and checked later by `check`. A bearer's
    APN is label-encoded (codec.apn.decode: InvalidApn, case kept)."""
    items = tlv(data, start, end, False)
    server = outer == 0xA0
    seen = []
    for item in items:  # codec: each single tag once, checked before any value
        if item[0] in (0x80, 0x81, 0x82, 0x83, 0x84)[:4 if server else 5]:
            if item[0] in seen:
                raise fail(_E_TWICE, item[3], item[0])
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
                    raise fail(_E_NUMBER, a, tag, e - s, number[1])
                row[number[2]] = int.from_bytes(value, "big")
                if server and tag == 0x81 and not row[3]:
                    raise fail(_E_PORT_0, s)
        if tag == 0x80 and server:
            kind = value[0] if value else 9
            try:
                if kind == 1 or kind == 2:
                    if len(value) != (0, 5, 17)[kind]:
                        raise fail(_E_IP_SIZE, s, len(value) - 1)
                    text = ipaddr.unpack(value[1:])
                elif kind == 0 or kind == 3:
                    text = str(value[1:], "utf-8")
                    address(kind, text)
                else:
                    raise fail(_E_ADDRESS_TYPE, s)
            except (InvalidAddress, UnicodeError) as exc:
                raise fail(_E_ADDRESS, s + 1, getattr(exc, "reason", "not UTF-8")) from None
            row[0] = kind
            row[1] = text
        elif tag == 0x80:
            labels: list[str] = []
            pos = 0
            while pos < len(value):
                size = value[pos]
                label = value[pos + 1:pos + 1 + size]
                if not size or pos + 1 + size > len(value) or label.strip(
                        apn_rules.LABEL_CHARS.encode()):
                    raise fail(_E_LABEL, s + pos, ".".join(labels))
                labels.append(label.decode())
                pos += 1 + size
            row[0] = ".".join(labels)
            apn_rules.validate(row[0])
        elif tag in (0x83, 0x84, 0x86) and not server:
            if tag == 0x86 and (not 0 < len(value) < 33 or value.strip(
                    b"abcdefghijklmnopqrstuvwxyz0123456789._-")):
                raise fail(_E_SERVICE_NAME, a)
            try:
                text = str(value, "utf-8")
            except UnicodeError:
                raise fail(_E_UTF8, s) from None
            if tag == 0x86:
                row[5].append(text)
                continue
            for ch in text:
                if ch < " " or ch == "\x7f":
                    raise fail(_E_CONTROL, s)
            row[tag - 0x80] = text
    if row[0] is None:
        raise fail(_E_NO_VALUE, at)
    return row


def address(kind: int, text: str) -> "tuple[str, int | None, str | None]":
    """(host, URI port, URI scheme's protocol) of a DM server address of `kind` (0 FQDN,
    1 IPv4, 2 IPv6, 3 URI), or InvalidAddress: dmcfg.validate_address and split_uri's rules
    (RFC 1123 labels; a URI as `card_rare.uri` reads it, with an FQDN or IP host)."""
    host = text
    port = scheme = None
    if kind == 3:
        from me_lib.board import card_rare

        host, port, scheme = card_rare.uri(text)
        if ipaddr.version(host):
            return host, port, scheme
    if kind == 1 or kind == 2:
        if "%" in text or ipaddr.version(text) != (0, 4, 6)[kind]:
            raise fail(_E_IP, None, text, (0, 4, 6)[kind])
        return ipaddr.unpack(ipaddr.pack(text)), None, None
    if not host or len(host) > 253:
        raise fail(_E_FQDN_SIZE, None, text)
    for label in host.split("."):
        if not 0 < len(label) < 64 or label[0] == "-" or label[-1] == "-" or label.strip(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"):
            raise fail(_E_FQDN_LABEL, None, text, label)
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
        raise fail(_E_SEQUENCE, None, profile["seq"])
    names = _NAMES.split("|")
    pdps = names[0].split()
    auths = names[1].split()
    services: list[str] = []
    out_bearers = []
    for row in bearers:
        pdp, auth = row[1], row[2]
        pdp = pdps[pdp - 1] if isinstance(pdp, int) and 0 < pdp < 5 else \
            "IP" if pdp is None else pdp
        auth = auths[auth] if isinstance(auth, int) and 0 <= auth < 3 else \
            "none" if auth is None else auth
        if pdp not in pdps or auth not in auths or not isinstance(row[5], list):
            raise fail(_E_NAMES, None, pdp, auth)
        for value in (row[3], row[4]):  # printable ASCII but " ; \ (profile.py)
            if value is not None and (not isinstance(value, str) or len(value) > 64):
                raise fail(_E_CREDENTIAL)
            for ch in value or "":
                if not " " <= ch <= "~" or ch in '";\\':
                    raise fail(_E_CREDENTIAL)
        for name in row[5]:
            if name in services or not isinstance(name, str) or not 0 < len(name) < 33 or \
                    name.strip("abcdefghijklmnopqrstuvwxyz0123456789._-"):
                raise fail(_E_SERVICE, None, name)
            services.append(name)
        out_bearers.append([apn_rules.validate(row[0]), pdp, auth, row[3], row[4],
                            list(row[5])])
    if not out_bearers:
        raise fail(_E_NO_APN0)
    kinds = names[2].split()
    protocols = names[3].split()
    out_servers = []
    for row in profile["servers"]:
        kind = kinds[row[0]] if isinstance(row[0], int) else row[0]
        protocol = row[4]
        if isinstance(protocol, int):
            protocol = protocols[protocol - 1] if 0 < protocol < 9 else "#%d" % protocol
        host, port, scheme = address(kinds.index(kind), row[1])
        if (kind in ("ipv4", "ipv6") and host != row[1]) or row[2] not in (None, host):
            raise fail(_E_NORMAL, None, row[1])
        protocol = protocol or scheme or "coap"
        if protocol not in protocols:
            raise fail(_E_PROTOCOL, None, protocol)
        port = row[3] or port or PORTS[protocols.index(protocol)]
        if not 0 < port < 65536 or not 0 <= row[5] < len(out_bearers):
            raise fail(_E_RANGE, None, host, port, row[5])
        out_servers.append([kind, row[1], host, port, protocol, row[5]])
    return {"seq": profile["seq"], "servers": out_servers, "bearers": out_bearers}
