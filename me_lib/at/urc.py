"""What makes a line unsolicited: URC prefixes, shape rules and boot banners.

Kept as data so a dialect can extend them without touching the engine.

The hard case is a prefix that is both a URC and an answer: `+CEREG: 1` is a
URC while `AT+CEREG?` is pending, `+CEREG: 0,1` is its answer, and modules
interleave both (ubxlib documents `+CEREG: 1` arriving between the command and
its response). `SHAPE_RULES` says, per prefix, which rule tells them apart.

Portable (MicroPython).
"""

from me_lib.at.fields import split_fields

# Prefixes that are unsolicited whenever no pending command expects them.
DEFAULT_URC_PREFIXES = (
    "+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:", "+CGEV:", "+CUSATP:", "+CUSATEND",
    "+CIEV:", "+CMTI:", "+CRING:", "+CLIP:", "+CSCON:", "+CPIN:", "+CFUN:", "+CNEC_ESM:",
    "+CNEC_EMM:", "+QIURC:", "+QIOPEN:", "+QUSIM:", "+QIND:", "+UUSORF:", "+UUSORD:",
    "+UUSOCL:", "+UUSOCO:", "+UUPSDA:", "+UUPSDD:", "+UUSIMSTAT:", "+UUDNSRN:",
    "+CADATAIND:", "+CASTATE:", "+APP PDP:", "+CDNSGIP:", "+CPING:", "SRING:", "#SRING:",
    "%XPCO:", "%XSIM:", "%CESQ:", "%USATINFO:", "#XRECV:", "#XPOLL:", "+CMT:", "+CDS:",
)

# Whole lines that are unsolicited (no colon head).
URC_LINES = ("RING", "SMS DONE", "PB DONE", "POWERED DOWN", "NORMAL POWER DOWN",
             "+CUSATEND", "^SHUTDOWN", "SMS READY")

# A module that prints one of these has just started: its volatile state (echo,
# CMEE, PDP contexts, sockets) is gone, and a command in flight will never be
# answered.
BOOT_BANNERS = ("RDY", "APP RDY", "^SYSSTART", "+SYSSTART", "SMS Ready", "Ready",
                "*ATREADY: 1", "#SYSSTART")

# Banners that also come *later in the same boot* (Quectel RDY ... APP RDY, SIMCom
# RDY ... SMS Ready, seconds apart): after another banner they are progress, not a
# second reboot; alone (SIM800 autobauding prints no RDY) they are a reboot.
FOLLOW_UP_BANNERS = ("APP RDY", "SMS Ready")
BOOT_SEQUENCE_SECONDS = 60.0


def _decimal(field: str) -> int | None:
    f = field.strip()
    if not f or len(f) > 4:
        return None
    for c in f:
        if c not in "0123456789":
            return None
    return int(f)


def registration_read_shape(fields: list[str]) -> bool:
    """True when `+CxREG: ...` fields have the read-response shape `<n>,<stat>[,...]`.

    The URC form starts with `<stat>` and follows it with a location field
    (quoted or bare hex, usually 4 digits); the read form starts with `<n>`
    (0..5) and an unquoted decimal `<stat>`. Firmware that zero-pads numbers
    pads both (`002,0011,...`), so a long second field only means "location"
    when the first field is short. Derived from the real vectors in
    ModemManager's test vectors ( CREG/CGREG/CEREG/C5GREG tests).
    """
    if len(fields) < 2 or len(fields) == 3:
        return False
    n = _decimal(fields[0])
    stat = _decimal(fields[1])
    if n is None or stat is None or n > 5 or stat > 99:
        return False
    if len(fields) == 2:
        return True
    f0 = fields[0].strip()
    f1 = fields[1].strip()
    return len(f1) <= 2 or len(f0) >= 3


# prefix -> rule name; the rule decides "response" (True) or "URC" (False) when a
# pending command expects that prefix.
SHAPE_RULES = {
    "+CREG:": "registration",
    "+CGREG:": "registration",
    "+CEREG:": "registration",
    "+C5GREG:": "registration",
}

_RULES = {"registration": registration_read_shape}


def is_response_shape(prefix: str, body: str) -> bool:
    """Does a line with an expected prefix look like the answer (not a URC)?"""
    rule = SHAPE_RULES.get(prefix)
    if rule is None:
        return True
    return _RULES[rule](split_fields(body))
