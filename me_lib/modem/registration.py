"""Parsing `+CREG`/`+CGREG`/`+CEREG`/`+C5GREG` in every form real modems send.

Read answers carry `<n>` first, URCs do not (the shape rule lives in
`me_lib.at.urc`); location fields come quoted or not, padded or not, with stray
spaces; some firmware inserts an extra field (Novatel/SARA-R4 CEREG). Values
that cannot be read become None instead of an exception: a registration line
must never crash the flow.

Portable (MicroPython).
"""

from me_lib.at.fields import prefix_of, split_fields, to_int, unquote
from me_lib.at.urc import registration_read_shape

# 27.007 <stat> values (+ Nordic 90 = UICC failure), named as ModemManager does.
STAT_NAMES = {
    0: "IDLE",
    1: "HOME",
    2: "SEARCHING",
    3: "DENIED",
    4: "UNKNOWN",
    5: "ROAMING",
    6: "HOME_SMS_ONLY",
    7: "ROAMING_SMS_ONLY",
    8: "EMERGENCY_ONLY",
    9: "HOME_CSFB_NOT_PREFERRED",
    10: "ROAMING_CSFB_NOT_PREFERRED",
    11: "ATTACHED_RLOS",
    90: "UICC_FAILURE",
}

# 27.007 <AcT> (standard numbering; dialects remap e.g. 8 = LTE-M on BG96/ME910).
ACT_NAMES = {
    0: "GSM",
    1: "GSM_COMPACT",
    2: "UMTS",
    3: "EDGE",
    4: "HSDPA",
    5: "HSUPA",
    6: "HSPA",
    7: "LTE",
    8: "EC_GSM_IOT",
    9: "LTE_NB_IOT",
    10: "LTE",
    11: "5GNR",
    12: "5GNR",
    13: "LTE_5GNR",
}

REGISTERED = (1, 5)

# Where <cause_type>,<reject_cause> sit after <stat> (27.007 §7.2, §10.1.20, §10.1.22,
# §10.1.49): +CREG and +CEREG after <AcT>, +CGREG after <AcT>,<rac>, +C5GREG after
# <AcT>,<Allowed_NSSAI_length>,<Allowed_NSSAI>.
CAUSE_FIELD = {"CREG": 3, "CGREG": 4, "CEREG": 3, "C5GREG": 5}

# 27.007 <n> of the read answers: 0..5 (+CEREG), fewer in the other domains.
_MAX_N = 5


class Registration:
    """One registration report (read answer or URC) in a single domain."""

    def __init__(self, domain: str, stat: int, n: int | None = None, lac: int | None = None,
                 ci: int | None = None, act: int | None = None,
                 cause_type: int | None = None, reject_cause: int | None = None,
                 solicited: bool = False) -> None:
        self.domain = domain          # "CREG", "CGREG", "CEREG", "C5GREG"
        self.stat = stat
        self.n = n
        self.lac = lac                # LAC or TAC
        self.ci = ci
        self.act = act
        self.cause_type = cause_type
        self.reject_cause = reject_cause
        self.solicited = solicited

    @property
    def state(self) -> str:
        return STAT_NAMES.get(self.stat, "STAT_%d" % self.stat)

    @property
    def act_name(self) -> str:
        if self.act is None:
            return "UNKNOWN"
        return ACT_NAMES.get(self.act, "ACT_%d" % self.act)

    @property
    def registered(self) -> bool:
        return self.stat in REGISTERED

    @property
    def roaming(self) -> bool:
        return self.stat == 5

    def __repr__(self) -> str:
        return "Registration(%s %s lac=%r ci=%r act=%s cause=%r)" % (
            self.domain, self.state, self.lac, self.ci, self.act_name, self.reject_cause)


def _hex(field: str) -> int | None:
    v = unquote(field).strip()
    if not v:
        return None
    return to_int(v, 16)


def parse_registration(line: str, solicited: bool | None = None) -> Registration | None:
    """A `+CxREG:` line -> Registration; None when it is not one or has no stat.

    `solicited` forces the read (True) or URC (False) form; None decides by shape.
    """
    prefix = prefix_of(line.strip())
    domain = prefix[1:-1].upper()
    cause_at = CAUSE_FIELD.get(domain)
    if cause_at is None:
        return None
    fields = split_fields(line.strip()[len(prefix):])
    if solicited is None:
        solicited = registration_read_shape(fields)
    n = None
    if solicited:
        n = to_int(fields[0]) if fields else None
        if n is None or n < 0 or n > _MAX_N:
            return None         # noise, not a 27.007 <n>
        fields = fields[1:]
    if not fields:
        return None
    stat = to_int(fields[0])
    if stat is None or stat not in STAT_NAMES:
        return None             # outside 27.007 (+ Nordic 90): noise, never a state
    rest = fields[1:]
    if (domain == "CEREG" and len(rest) >= 4 and len(rest[1].strip()) <= 2
            and len(unquote(rest[2]).strip()) >= 4):
        # Novatel / SARA-R4 insert a short field between <tac> and <ci>.
        rest = rest[:1] + rest[2:]
    lac = _hex(rest[0]) if len(rest) > 0 else None
    ci = _hex(rest[1]) if len(rest) > 1 else None
    act = to_int(rest[2]) if len(rest) > 2 else None
    cause_type = None
    reject = None
    if len(rest) > cause_at + 1:
        cause_type = to_int(rest[cause_at])
        reject = to_int(rest[cause_at + 1])
    return Registration(domain, stat, n, lac, ci, act, cause_type, reject, solicited)
