"""Which AT commands may be sent again when their answer was lost.

A lost `OK`, a swallowed command or an answer that comes after the timeout is
routine on a real UART (a module busy with its radio, a byte dropped at 115200
baud). Sending the command again is safe only when a second copy cannot change
anything the first one did: a read of a value, a test of a range, a card read,
or a setting that puts one reporting mode to an absolute value. A write that
configures a context, switches the radio, enters a PIN or sends data is never
repeated blindly: its first copy may have been carried out.

The decision is this module's tables, not branches spread over the callers;
`AtChannel.command` asks `is_idempotent(line)` before retrying.

Portable (MicroPython).
"""

from me_lib.at.fields import split_fields, to_int, unquote

#: Heads (upper case, after "AT") whose every form only reads: identification,
#: signal, error report, the addresses of a context, the PIN counters.
READ_HEADS = ("I", "+CGMI", "+CGMM", "+CGMR", "+CGSN", "+GMI", "+GMM", "+GMR", "+GSN",
              "+CIMI", "+CCID", "+QCCID", "+ICCID", "+CICCID", "#CCID", "+CNUM", "+CSQ",
              "+CESQ", "+CEER", "+CPAS", "+CGCONTRDP", "+CGPADDR", "+CPINR", "+QPINC",
              "+CCLK")

#: Set commands that put a reporting mode to an absolute value: the same line
#: twice leaves the same state, and none of them reaches the card or the network.
MODE_SETTINGS = ("E0", "E1", "V1", "+CMEE=", "+CEREG=", "+CGREG=", "+CREG=", "+C5GREG=",
                 "+CGEREP=", "+CNEC=", "%XPCO=")

#: Queries and tests that are slow or costly enough that a timeout is an answer
#: in itself (an operator scan takes minutes).
NOT_REPEATED = ("+COPS=?",)

#: AT+CRSM <command> values that only read (TS 27.007 §8.18): READ BINARY,
#: READ RECORD, GET RESPONSE, STATUS. UPDATE BINARY/RECORD (214/220) write.
CRSM_READS = (176, 178, 192, 242)

#: APDU instruction bytes that leave the card as it was (ISO 7816-4 / TS 102 221):
#: SELECT, READ BINARY, READ RECORD, STATUS, GET RESPONSE, SEARCH RECORD, GET DATA.
APDU_READS = (0xA4, 0xB0, 0xB2, 0xF2, 0xC0, 0xA2, 0xCA)

#: Commands carrying an APDU: the head and the index of its APDU parameter.
APDU_COMMANDS = (("+CSIM=", 1), ("+CGLA=", 2))


def _head_matches(body: str, head: str) -> bool:
    """`body` is `head` alone or `head` with parameters (`+CGSN` / `+CGSN=1`)."""
    if not body.startswith(head):
        return False
    rest = body[len(head):]
    return rest == "" or rest[0] == "="


def _apdu_reads(args: str, index: int) -> bool:
    fields = split_fields(args)
    if len(fields) <= index:
        return False
    apdu = unquote(fields[index]).strip()
    if len(apdu) < 8:
        return False
    ins = to_int(apdu[2:4], 16)
    return ins is not None and ins in APDU_READS


def is_idempotent(command: str) -> bool:
    """True when sending `command` a second time cannot change what the first did.

    Queries (`AT+X?`), tests (`AT+X=?`), the read-only heads of `READ_HEADS`,
    `MODE_SETTINGS`, card reads over AT+CRSM (`CRSM_READS`) and AT+CSIM/+CGLA
    carrying a read APDU (`APDU_READS`). Anything else, and any line with
    several commands (`;`), is a write.
    """
    text = command.strip().upper()
    if not text.startswith("AT") or ";" in text:
        return False
    body = text[2:]
    if body in NOT_REPEATED:
        return False
    if body.endswith("?") and (body.endswith("=?") or "=" not in body):
        return True
    if body == "":
        return True                     # plain AT
    for head in READ_HEADS:
        if _head_matches(body, head):
            return True
    for setting in MODE_SETTINGS:
        if body == setting or (setting.endswith("=") and body.startswith(setting)):
            return True
    if body.startswith("+CRSM="):
        fields = split_fields(body[6:])
        return bool(fields) and to_int(fields[0]) in CRSM_READS
    for head, index in APDU_COMMANDS:
        if body.startswith(head):
            return _apdu_reads(body[len(head):], index)
    return False
