"""Parsers for the 27.007 packet-data answers, tolerant of what real modems print.

Every parser takes the information lines of a response and returns plain
objects; a line it cannot read is skipped rather than raised, because one odd
context (an operator's IMS entry with twenty trailing fields, a dotted IPv6
zero address, an unquoted APN) must not stop provisioning of the others.

Portable (MicroPython).
"""

from me_lib.at.fields import line_values, split_fields, to_int, unquote


class PdpContext:
    """One `+CGDCONT?` entry joined with its `+CGACT?` state."""

    def __init__(self, cid: int, pdp_type: str, apn: str, address: str = "",
                 active: bool = False) -> None:
        self.cid = cid
        self.pdp_type = pdp_type
        self.apn = apn
        self.address = address
        self.active = active

    def __repr__(self) -> str:
        return "PdpContext(%d, %s, %r%s)" % (self.cid, self.pdp_type, self.apn,
                                             ", active" if self.active else "")


class ContextInfo:
    """Dynamic parameters of an active context (`+CGCONTRDP`, `+CGPADDR`)."""

    def __init__(self, cid: int, apn: str = "", addresses: list[str] | None = None,
                 dns: list[str] | None = None, gateway: str = "") -> None:
        self.cid = cid
        self.apn = apn
        self.addresses = addresses or []
        self.dns = dns or []
        self.gateway = gateway

    def __repr__(self) -> str:
        return "ContextInfo(%d, %r, ip=%r, dns=%r)" % (self.cid, self.apn, self.addresses,
                                                       self.dns)


def parse_cgdcont(lines: list[str]) -> list[PdpContext]:
    out = []
    for line in lines:
        if not line.upper().startswith("+CGDCONT:"):
            continue
        values = line_values(line, "+CGDCONT:")
        if not values:
            continue
        cid = to_int(values[0])
        if cid is None:
            continue
        pdp_type = values[1] if len(values) > 1 else ""
        apn = values[2] if len(values) > 2 else ""
        addr = values[3] if len(values) > 3 else ""
        out.append(PdpContext(cid, pdp_type, apn, addr))
    return out


def parse_cgact(lines: list[str]) -> dict[int, bool]:
    states = {}
    for line in lines:
        if not line.upper().startswith("+CGACT:"):
            continue
        values = line_values(line, "+CGACT:")
        if len(values) >= 2:
            cid = to_int(values[0])
            state = to_int(values[1])
            if cid is not None and state is not None:
                states[cid] = state == 1
    return states


def parse_ranges(text: str) -> list[int]:
    """`(1-15)`, `(1-17,101-116)`, `( 1 )`, `0-10` -> sorted list of integers."""
    body = text.strip().strip("()").strip()
    out: list[int] = []
    for part in body.split(","):
        part = part.strip().strip("()").strip()
        if not part:
            continue
        if "-" in part:
            lo_text, hi_text = part.split("-", 1)   # not partition: optional on boards
            lo, hi = to_int(lo_text), to_int(hi_text)
            if lo is None or hi is None or hi < lo or hi - lo > 1000:
                continue
            out.extend(range(lo, hi + 1))
        else:
            v = to_int(part)
            if v is not None:
                out.append(v)
    return sorted(set(out))


def parse_cgdcont_test(lines: list[str], pdp_type: str = "IP") -> list[int]:
    """cids allowed for `pdp_type` (or for any type when no line names it)."""
    any_cids: list[int] = []
    for line in lines:
        if not line.upper().startswith("+CGDCONT:"):
            continue
        fields = split_fields(line[len("+CGDCONT:"):])
        if not fields:
            continue
        cids = parse_ranges(fields[0])
        kind = unquote(fields[1]) if len(fields) > 1 else ""
        if kind.upper() == pdp_type.upper():
            return cids
        for c in cids:
            if c not in any_cids:
                any_cids.append(c)
    return sorted(any_cids)


def _split_addr_mask(text: str) -> tuple[str, str]:
    """27.007 v9.4+ puts address and mask in one dotted field; split it."""
    parts = text.split(".")
    if len(parts) == 8:
        return ".".join(parts[:4]), ".".join(parts[4:])
    if len(parts) == 32:
        return _dotted_v6(parts[:16]), _dotted_v6(parts[16:])
    if len(parts) == 16:
        return _dotted_v6(parts), ""
    return text, ""


def _dotted_v6(parts: list[str]) -> str:
    try:
        raw = bytes([int(p) for p in parts])
    except ValueError:
        return ".".join(parts)
    groups = ["%x" % ((raw[i] << 8) | raw[i + 1]) for i in range(0, 16, 2)]
    return ":".join(groups)


def _is_ip(text: str) -> bool:
    if not text:
        return False
    if ":" in text:
        return True
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        v = to_int(p)
        if v is None or v > 255:
            return False
    return True


def parse_cgcontrdp(lines: list[str], cid: int | None = None) -> ContextInfo | None:
    """`+CGCONTRDP` in its pre- and post-v9.4 forms (and Nordic's).

    Fields: cid, bearer id, APN, local address (+ mask, combined or separate),
    gateway, primary DNS, secondary DNS, ... . Dual stack gives two lines.
    """
    info: ContextInfo | None = None
    for line in lines:
        if not line.upper().startswith("+CGCONTRDP:"):
            continue
        values = line_values(line, "+CGCONTRDP:")
        if not values:
            continue
        line_cid = to_int(values[0])
        if line_cid is None or (cid is not None and line_cid != cid):
            continue
        if info is None:
            info = ContextInfo(line_cid)
        if len(values) > 2 and values[2] and not info.apn:
            info.apn = values[2]
        rest = values[3:]
        if rest and rest[0]:
            addr, mask = _split_addr_mask(rest[0])
            if mask == "" and len(rest) > 1 and _looks_mask(rest[1]):
                rest = rest[:1] + rest[2:]           # pre-v9.4: mask in its own field
            if _is_ip(addr) and addr not in info.addresses:
                info.addresses.append(addr)
        rest = [_v6_if_dotted(v) for v in rest]
        if len(rest) > 1 and _is_ip(rest[1]) and not info.gateway:
            info.gateway = rest[1]
        for dns in rest[2:4]:
            if _is_ip(dns) and dns not in info.dns and not dns.startswith("0.0.0.0"):
                info.dns.append(dns)
    return info


def _v6_if_dotted(text: str) -> str:
    """IPv6 printed as 16 dotted decimals (pre-+CGPIAF form) -> colon form."""
    if text.count(".") == 15:
        return _dotted_v6(text.split("."))
    return text


def _looks_mask(text: str) -> bool:
    return text.startswith("255.") or (text.startswith("0.0.0.0") and text.count(".") == 3)


def parse_cgpaddr(lines: list[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for line in lines:
        if not line.upper().startswith("+CGPADDR:"):
            continue
        values = line_values(line, "+CGPADDR:")
        if not values:
            continue
        cid = to_int(values[0])
        if cid is None:
            continue
        addrs = []
        for v in values[1:]:
            v = _v6_if_dotted(v.strip())
            if _is_ip(v) and v not in ("0.0.0.0",):
                addrs.append(v)
        out[cid] = addrs
    return out


# 27.007 §8.3 +CPIN <code>: the SIM states a read answer may name.
CPIN_STATES = (
    "READY", "SIM PIN", "SIM PUK", "PH-SIM PIN", "PH-FSIM PIN", "PH-FSIM PUK",
    "SIM PIN2", "SIM PUK2", "PH-NET PIN", "PH-NET PUK", "PH-NETSUB PIN", "PH-NETSUB PUK",
    "PH-SP PIN", "PH-SP PUK", "PH-CORP PIN", "PH-CORP PUK",
)
# Outside 27.007 but printed by real modules (SIMCom, Quectel) while the SIM starts
# or when the slot is empty; Modem.wait_sim_ready knows what to do with them.
CPIN_VENDOR_STATES = ("NOT READY", "NOT INSERTED")


def cpin_value(line: str) -> str | None:
    """The state one line names, upper-case; None when it names none we know.

    A line with the `+CPIN:` prefix gives its value; a bare line (modules that
    drop the prefix) counts only when it is itself a known state, so noise
    (garbage bytes, a stray line before the answer) is never taken as a state.
    """
    text = line.strip()
    if text.upper().startswith("+CPIN:"):
        text = text[6:]
    value = unquote(text.strip()).strip().upper()
    if value in CPIN_STATES or value in CPIN_VENDOR_STATES:
        return value
    return None


def parse_cpin(lines: list[str]) -> str | None:
    """The SIM state of a `+CPIN?` answer; None when no line names a known one.

    `+CPIN:` lines are read first, then bare lines; lines naming no 27.007 (or
    known vendor) state are noise and skipped, never taken as a value.
    """
    for prefixed in (True, False):
        for line in lines:
            if line.strip().upper().startswith("+CPIN:") != prefixed:
                continue
            value = cpin_value(line)
            if value is not None:
                return value
    return None


def parse_cgev(line: str) -> tuple[str, int | None]:
    """`+CGEV: NW PDN DEACT 2` -> ("NW PDN DEACT", 2); legacy forms give cid None."""
    text = line.strip()
    if text.upper().startswith("+CGEV:"):
        text = text[6:].strip()
    words = text.replace(",", " ").split()
    event = []
    cid = None
    for w in words:
        v = to_int(w)
        if v is None and cid is None:
            event.append(w.upper())
        elif v is not None and cid is None:
            cid = v
            break
        else:
            break
    return " ".join(event), cid
