"""What `me_lib.board.card` needs only on a rare path: refusals, URIs, unusual status words.

On a board every string constant of a module loaded from .mpy is a heap
object for as long as the module lives (issue 15), and a good read never
raises: so the texts of card.py's errors live here as data rows, loaded with
this module on the first refusal. So do the URI rules (a DM address is an
FQDN or an IP address far more often than a URI), the status words beyond
9000/91xx/61xx/9Fxx (`me_lib.card.sw`'s table) and a refused +CRSM form.

`ROWS`: one row per error card.py raises, `class|message|hint`, each
starting on a line commented `# NAME`: row n is card.py's `_E_NAME =
const(n)` (tests/board/test_card_rare.py keeps them in step; a name in a
comment costs a board nothing). The class letter gives the error and how the
values fill it:

* D / J: DecodeError("EF.DMCFG" / "EF_ICCID", message % values, offset)
* I: ProfileIntegrityError(message % values, offset)
* N: InvalidApn(values[0], message % values[1:], offset)
* A: InvalidAddress(values[0], message % values[1:])
* P / C / M / U: ProfileError / CardError / ProfileMissing / ProfileUnreadable
  (message % values, hint)

Portable (MicroPython), as card.py.
"""

from me_lib.codec import ipaddr
from me_lib.errors import (
    CardError,
    DecodeError,
    InvalidAddress,
    InvalidApn,
    MeLibError,
    ProfileError,
    ProfileIntegrityError,
    ProfileMissing,
    ProfileUnreadable,
)

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

ROWS = (
    "C|+CRSM response: %r is not a hex string|the modem answered in an unexpected format\n"  # HEX
    "C|no +CRSM line with both SW1 and SW2 in %r|the modem answered in an unexpected "  # NOSW
    "format\n"
    "C|%s: the file holds %d bytes, more than the %d a board reads|check the card profile: "  # BIG
    "EF.DMCFG is a few hundred bytes\n"
    "C|%s returned no data|the modem dropped the response\n"  # NODATA
    "J|expected 10 bytes, got %d|\n"  # ICCID_LEN
    "J|digit after the F padding|\n"  # ICCID_PAD
    "J|nibble %X is not a BCD digit|\n"  # ICCID_NIBBLE
    "J|only %d digits (19 or 20 expected)|\n"  # ICCID_SHORT
    "M|no APN0: the card has no EF.DMCFG (3F007FFF5F4D4F01)|the card has no EF.DMCFG: "  # NO_FILE
    "have the operator provision it\n"
    "U|EF.DMCFG could not be read (%s) and no good profile is cached for this "  # UNREADABLE
    "card|retry once the modem and the card answer again; if it persists, check the card "
    "is seated and the modem reads it (AT+CRSM)\n"
    "M|no APN0: EF.DMCFG is not provisioned (all FF)|EF.DMCFG is there but not "  # BLANK
    "provisioned: have the operator write the profile to it (OTA)\n"
    "D|byte %02X after the FF padding|\n"  # PADDING
    "D|two-byte tag %02X cut short or too long|\n"  # TAG
    "D|tag %X has no length byte|\n"  # NO_LENGTH
    "D|length of tag %X cut short|\n"  # LENGTH_CUT
    "D|length byte %02X not supported|\n"  # LENGTH_BYTE
    "D|tag %X says %d bytes but only %d follow|\n"  # OVERRUN
    "D|data object after the CRC (8F must be last)|\n"  # CRC_LAST
    "D|CRC of %d bytes (4 expected)|\n"  # CRC_SIZE
    "I|EF.DMCFG CRC mismatch over bytes 0-%d: a torn or corrupt update|\n"  # CRC
    "D|tag %X appears twice|\n"  # TWICE
    "D|tag %X of %d bytes|\n"  # SIZE
    "D|format version %d not supported (this reader knows 1)|\n"  # VERSION
    "D|no format version (80), DM server (A0) or bearer (A1)|\n"  # INCOMPLETE
    "D|DM server uses bearer %d but the file has %d|\n"  # NO_BEARER
    "D|tag %X in a template has %d bytes, %d expected|\n"  # NUMBER
    "D|port 0|\n"  # PORT_0
    "D|IP address of %d bytes|\n"  # IP_SIZE
    "D|empty server address or unknown address type (00 FQDN, 01 IPv4, 02 IPv6, 03 "  # ADDRESS_TYPE
    "URI)|\n"
    "D|server address: %s|\n"  # ADDRESS
    "D|text is not valid UTF-8|\n"  # UTF8
    "D|control character in the user name or password|\n"  # CONTROL
    "D|service name is not [a-z0-9._-]{1,32}|\n"  # SERVICE_NAME
    "D|template without an address or APN (80)|\n"  # NO_VALUE
    "N|label empty, cut short or not letters, digits and hyphens|\n"  # LABEL
    "A|not an IPv%d address|\n"  # IP
    "A|an FQDN has 1 to 253 characters|\n"  # FQDN_SIZE
    "A|label %r is not letters, digits and inner hyphens of at most 63 characters|\n"  # FQDN_LABEL
    "P|sequence number %r is not a number|\n"  # SEQUENCE
    "P|invalid PDP type or authentication %r/%r|use IP, IPV6, IPV4V6 or Non-IP, and none, "  # NAMES
    "pap or chap\n"
    "P|user name or password is not printable ASCII of at most 64 characters|use "  # CREDENTIAL
    "printable ASCII without quotes, semicolons or backslashes\n"
    "P|service %r twice or not [a-z0-9._-]{1,32}|\n"  # SERVICE
    "M|no APN0: no bearer|provision EF.DMCFG\n"  # NO_APN0
    "A|not in its normal form, or another host|\n"  # NORMAL
    "P|unknown protocol %r|use one of coap, coaps, coap+tcp, coaps+tcp, oma-dm, https, "  # PROTOCOL
    "mqtt, mqtts\n"
    "P|DM server %s: port %d or bearer %d out of range|")  # RANGE
#: URI scheme -> protocol (dmcfg.URI_SCHEMES): "http" means https, the others themselves
SCHEMES = "coap coaps coap+tcp coaps+tcp https http mqtt mqtts"
_NO_CRSM = ("this firmware may not support +CRSM for this file; use the full library "
            "(+CSIM/+CGLA) on this module")


def error(n: int, at: "int | None", values: "tuple[Any, ...]") -> MeLibError:
    """The typed error of row `n` of ROWS, its message filled with `values`."""
    cls, text, hint = ROWS.split("\n")[n].split("|")
    if cls in "NA":
        first, values = values[0], values[1:]
    text = text % values
    if cls == "D" or cls == "J":
        return DecodeError("EF.DMCFG" if cls == "D" else "EF_ICCID", text, at)
    if cls == "I":
        return ProfileIntegrityError(text, at)
    if cls == "N":
        return InvalidApn(first, text, at)
    if cls == "A":
        return InvalidAddress(first, text)
    for letter, kind in (("C", CardError), ("M", ProfileMissing), ("U", ProfileUnreadable)):
        if cls == letter:
            return kind(text, hint)
    return ProfileError(text, hint or None)


def sw_ok(sw: int, op: str) -> bool:
    """card.sw_ok for a status word other than 9000/91xx/61xx/9Fxx: True for a success or a
    warning whose data is kept (6282), False for 6Cxx (re-send with P3 = xx); raises the
    typed error (`me_lib.card.sw`'s table) otherwise."""
    from me_lib.card import sw as SW

    kind = SW.kind(sw)
    if kind == SW.RESEND and sw & 0xFF:
        return False
    if kind in (SW.SUCCESS, SW.WARNING, SW.GET_RESPONSE):
        return True
    raise SW.error_for(sw, op)


def resend(link: "Any", file: "tuple[int, tuple[str | None, ...]]", pos: int, sw: int,
           op: str) -> "tuple[int, bytes, str | None]":
    """READ BINARY at `pos` again after a 6Cxx with P3 = xx, twice at most; a third 6Cxx
    raises its typed error (WrongLength)."""
    from me_lib.board.card import crsm
    from me_lib.card import sw as SW

    for _ in range(2):
        sw, data, path = crsm(link, 176, file, ((pos >> 8, pos & 0xFF, sw & 0xFF),), op)
        if sw_ok(sw, op):
            return sw, data, path
    raise SW.error_for(sw, op)


def refused(exc: "Any", line: str) -> MeLibError:
    """`exc` (a +CME ERROR or a plain ERROR to a +CRSM form) to remember before the next
    form; a +CME ERROR about the SIM's state raises its CardError at once."""
    from me_lib.errors import CmeError

    if isinstance(exc, CmeError):
        from me_lib.card.atport import sim_state_error

        state = sim_state_error(exc, line)
        if state is not None:
            raise state from exc
    return exc  # type: ignore[no-any-return]


def unreached(last: "Any", op: str) -> MeLibError:
    """The error when no +CRSM form reached the file: the typed error of the last status
    word, else a CardError naming the last refusal."""
    if isinstance(last, int):
        if not (last == 0x9000 or last >> 8 in (0x91, 0x61, 0x9F)):
            sw_ok(last, op)  # the typed error of an error SW
        return CardError("%s: the modem answered without a usable FCP" % op, _NO_CRSM)
    return CardError("%s: every +CRSM form was refused, last: %s" % (op, last), _NO_CRSM)


def uri(text: str) -> "tuple[str, int | None, str]":
    """(host in lower case, port or None, protocol) of a DM server URI, or InvalidAddress:
    dmcfg.validate_address and split_uri's rules (printable ASCII, a known scheme, no user
    information, [IPv6]:port, a port 1..65535). The host's FQDN rules are card.address's."""
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    end = text.find("://")
    if end < 1 or text[0] not in alnum[:52] or text[1:end].strip(alnum + "+.-"):
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
    if len(text) > 255 or not rest or "@" in host or scheme not in SCHEMES.split():
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
    port = None
    if tail:
        if len(tail) > 5 or tail.strip("0123456789") or not 0 < int(tail) < 65536:  # not "²"
            raise InvalidAddress(text, "bad port %r (1..65535)" % tail)
        port = int(tail)
    return host.lower(), port, "https" if scheme == "http" else scheme
