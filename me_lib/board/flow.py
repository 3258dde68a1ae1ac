"""The board core's provisioning flow: the full library's steps, for a board's heap.

Same steps and same AT lines as `me_lib.provision.flow` on a module that
behaves (start, SIM, card, plan, APN0, registration, APN0 up, DM probe,
services), read from the same tables: the dialect row
(`me_lib.modem.dialects`), the activation methods (`me_lib.modem.activation`)
and the timeouts (`me_lib.at.timeouts`, through the link). What it leaves to
the full library: other profile sources than EF.DMCFG and its last good copy,
the dry run, on-demand services, context release, PCO, +CGATT on 2G/3G, and
recovery inside a run (a refused activation is retried by the RetryPolicy
there; here it fails the context, and the board's `main()` runs the flow
again later). Everything that reaches a command line comes from the card
decoder, which validates it as the full library's Profile does.

The state (`state.load()`/`state.save(doc)`, one JSON document on flash)
keeps the module's identity (so a re-run skips +CGMM/+CGMR/+CGDCONT=?), the
last good profile per card and the contexts this flow defined (so a re-run
changes nothing that is already right and never takes a context it did not
create).
"""

import sys

from me_lib.board.link import number
from me_lib.errors import (
    AtCommandError,
    AtError,
    CmeError,
    ProvisionError,
)
from me_lib.modem.activation import (
    AUTH_NUMBERS,
    CNCFG_NUMBERS,
    CNCFG_TYPES,
    METHODS,
    QICSGP_TYPES,
    N,
)
from me_lib.modem.dialects import GENERIC

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

FORMAT = 1
#: registration: how long, and the first poll after the radio was switched on
REGISTER_S = 300.0
FIRST_POLL_S = 10.0
POLL_S = 5.0
#: after a +CGREG registration, how long the +CEREG of the same burst may take
EPS_GRACE_S = 0.3
#: +CEREG/+CGREG <stat> values that are a registration (home, roaming)
REGISTERED = ("1", "5")
#: cids taken from a +CGDCONT=? range at most (a module offers 1-15 or 1-24)
MAX_CIDS = 32
#: the DM probe: per attempt
PROBE_S = 10.0
#: the identity the state keeps (start.start writes it), each a string
_IDENT = ("imei", "manufacturer", "model", "revision")


def _fields(line: str) -> "list[str]":
    """The comma-separated values after `+X: `, quotes dropped (no quoted commas here)."""
    body = line[line.find(":") + 1:].strip() if ":" in line else line
    out = []
    for value in body.split(","):
        value = value.strip()
        if len(value) > 1 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        out.append(value)
    return out


def _contexts(link: "Any") -> "dict[int, list[str]]":
    """+CGDCONT?: cid -> [pdp type, apn]; where the service contexts live in a vendor
    table (SIM7080 +CNCFG), its entries after the default bearer's, numbered after it."""
    d = link.dialect
    out = {}
    for line in link.cmd("AT+CGDCONT?", "+CGDCONT:"):
        values = _fields(line)
        if len(values) > 2 and number(values[0]) >= 0:
            out[number(values[0])] = [values[1], values[2]]
    table = METHODS[d.service_activation]["table"]
    if table:
        out = {d.default_cid: out[d.default_cid]} if d.default_cid in out else {}
        for line in link.cmd("AT%s?" % table, table + ":"):
            values = _fields(line)
            if len(values) > 2 and number(values[0]) > 0 and values[2]:
                out[number(values[0]) + d.default_cid] = [CNCFG_TYPES.get(values[1], "IP"),
                                                          values[2]]
    return out


def _active(link: "Any", how: str) -> "list[int]":
    """The module's own numbers of what is up, by an activation method's query."""
    row = METHODS[how]
    try:
        lines = link.cmd("AT%s?" % row["query"], row["query"] + ":")
    except (AtCommandError, CmeError):
        if row["query_refusal_is_none"]:
            return []
        raise
    out = []
    for line in lines:
        values = _fields(line)
        if len(values) > 1 and number(values[0]) >= 0 and values[1] == "1":
            out.append(number(values[0]))
    return out


def _cids(link: "Any", pdp: str) -> "list[int]":
    """The cids +CGDCONT=? offers for `pdp` (the range on its line)."""
    for line in link.cmd("AT+CGDCONT=?", "+CGDCONT:"):
        values = _fields(line.replace("(", "").replace(")", ""))
        if len(values) > 1 and values[1] == pdp:
            ends = values[0].split("-")
            low, high = number(ends[0]), number(ends[-1])
            if 0 <= low <= high:  # a range of 1-99999 is not a list of 99999 cids
                return list(range(low, min(high, low + MAX_CIDS - 1) + 1))
    return []


def _same(apn: str, have: str) -> bool:
    """The same network: case and the operator suffix (.mncX.mccY.gprs) ignored."""
    from me_lib.codec.apn_rules import same_apn

    return same_apn(apn, have)


def _matches(have: "list[str] | None", bearer: "list[Any]", given: str) -> bool:
    if have is None:
        return False
    if not bearer[0]:
        return True
    if have[0].upper().replace("-", "") != bearer[1].upper().replace("-", ""):
        return False
    return _same(bearer[0], have[1]) or (not have[1] and bool(given) and _same(bearer[0], given))


def _plan(link: "Any", profile: "dict[str, Any]", owned: "dict[str, Any]",
          ident: "dict[str, Any]") -> "tuple[list[list[Any]], dict[int, list[str]], list[int]]":
    """Items [role, name, bearer, cid, action, auth to write] and what the module shows."""
    d = link.dialect
    contexts = _contexts(link)
    up = _active(link, d.activation)
    if d.service_activation != d.activation:
        up = up + _active(link, d.service_activation)
    bearers = profile["bearers"]
    slots = METHODS[d.service_activation]["slots"]
    if slots:
        ident["cids"] = list(range(d.default_cid, d.default_cid + slots))
    elif ident.get("cids") is None:
        ident["cids"] = _cids(link, bearers[0][1])
    given = {}
    empty = [c for c in contexts if not contexts[c][1]]
    for b in bearers:
        if b[0] and empty and not any(_same(b[0], contexts[c][1]) for c in contexts
                                      if contexts[c][1]):
            try:
                for line in link.cmd("AT+CGCONTRDP", "+CGCONTRDP:"):
                    values = _fields(line)
                    if len(values) > 2 and number(values[0]) in empty:
                        given[number(values[0])] = values[2]
            except (AtCommandError, CmeError):
                pass
            break
    dcid = d.default_cid
    apn0 = bearers[0]
    keep = _matches(contexts.get(dcid), apn0, given.get(dcid, ""))
    items = [["apn0", "APN0", apn0, dcid, "keep" if keep else "define",
              _auth(owned, dcid, apn0) if keep else apn0[2] != "none"]]
    taken = [dcid]
    for b in bearers[1:]:
        found: list[Any] | None = None
        for cid in sorted(contexts):
            if cid not in taken and _matches(contexts[cid], b, given.get(cid, "")):
                found = [cid, "keep"]
                break
        for cid in sorted(int(c) for c in owned):
            if found is None and cid not in taken:
                found = [cid, "define"]
        for cid in ident["cids"]:
            if found is None and cid not in taken and cid not in contexts:
                found = [cid, "define"]
        name = b[5][0] if b[5] else b[0]
        if found is None:
            items.append(["service", name, b, -1, "none", False])
            continue
        taken.append(found[0])
        items.append(["service", name, b, found[0], found[1],
                      _auth(owned, found[0], b) if found[1] == "keep" else b[2] != "none"])
    return items, contexts, up


def _auth(owned: "dict[str, Any]", cid: int, bearer: "list[Any]") -> bool:
    entry = owned.get(str(cid))
    key = bearer[2] if bearer[2] == "none" else "%s:%s" % (bearer[2], bearer[3] or "")
    return (entry.get("auth", "none") if entry else "none") != key


def _number(d: "Any", how: str, cid: int) -> int:
    """The module's own number of context `cid` for activation method `how`."""
    return cid - d.default_cid if METHODS[how]["number"] == "index" else cid


def _define(link: "Any", item: "list[Any]", how: str, owned: "dict[str, Any]") -> None:
    """+CGDCONT (or the method's table, +CNCFG) and the credentials."""
    d = link.dialect
    b, cid = item[2], item[3]
    table = METHODS[how]["table"]
    if table and item[0] == "service":
        line = 'AT%s=%d,%d,"%s"' % (table, _number(d, how, cid), CNCFG_NUMBERS.get(b[1], 1), b[0])
        if b[2] != "none":
            line += ',"%s","%s",%d' % (b[3] or "", b[4] or "", AUTH_NUMBERS[b[2]])
        link.cmd(line, write=True)
    else:
        link.cmd('AT+CGDCONT=%d,"%s","%s"' % (cid, b[1], b[0]), write=True)
        if item[5]:
            _set_auth(link, cid, b)
    owned[str(cid)] = {"apn": b[0], "pdp_type": b[1], "role": item[0],
                       "auth": b[2] if b[2] == "none" else "%s:%s" % (b[2], b[3] or "")}


def _set_auth(link: "Any", cid: int, b: "list[Any]") -> None:
    """PAP/CHAP credentials: +CGAUTH, else the vendor's own command."""
    user, password, kind = b[3] or "", b[4] or "", AUTH_NUMBERS[b[2]]
    how = link.dialect.auth_command
    if how == "qicsgp":
        line = 'AT+QICSGP=%d,%d,"%s","%s","%s",%d' % (cid, QICSGP_TYPES.get(
            b[1], 1), b[0], user, password, kind)
    elif how == "pdpauth":
        line = 'AT#PDPAUTH=%d,%d,"%s","%s"' % (cid, kind, user, password)
    else:
        line = 'AT+CGAUTH=%d,%d,"%s","%s"' % (cid, kind, user, password)
    link.cmd(line, write=True)


def _activate(link: "Any", item: "list[Any]", how: str) -> None:
    """Bring context `item` up the method's way (and its URC where it has one)."""
    d = link.dialect
    row = METHODS[how]
    n = _number(d, how, item[3])
    if row["table"] and item[0] == "apn0":  # the default bearer's APN goes in the table too
        b = item[2]
        link.cmd('AT%s=%d,%d,"%s"' % (row["table"], n, CNCFG_NUMBERS.get(b[1], 1), b[0]),
                 write=True)
    args = []
    for value in row["up"][1:]:
        args.append(str(n) if value == N else str(value))
    link.cmd("AT%s=%s" % (row["up"][0], ",".join(args)), row["up_prefix"] or None,
             link.dialect.timeout(row["up_timeout"]), write=True)
    if row["up_urc"]:
        prefix = "%s %d," % (row["up_urc"], n)
        text = link.wait((prefix,), link.dialect.timeout(row["up_timeout"]))
        if text is None or text[len(prefix):].strip() != row["up_states"][0]:
            raise ProvisionError("apn0-up" if item[0] == "apn0" else "services",
                                 "%s %d: %s" % (row["up_urc"], n, text or "no report"),
                                 hint="the network refused the context; see +CEER")


def _register(link: "Any") -> str:
    """Registered in a packet domain: by report, polled every 5 s after the first wait."""
    d = link.dialect
    domains = []
    for domain in d.registration_domains:
        if domain != "CREG":
            domains.append("+%s:" % domain)
    deadline = link.now() + REGISTER_S
    poll = link.now() + FIRST_POLL_S
    while True:
        text = link.wait(tuple(domains), max(0.0, min(poll, deadline) - link.now()))
        if text is not None:
            stat = _fields(text)[0]
        elif link.now() < deadline:
            stat = ""
            for domain in domains:
                for line in link.cmd("AT%s?" % domain[:-1], domain):
                    values = _fields(line)
                    stat = values[1] if len(values) > 1 else ""
                if stat in REGISTERED:
                    text = domain
                    break
            poll = link.now() + POLL_S
        else:
            raise ProvisionError("register", "not registered after %.0f s" % REGISTER_S,
                                 hint="check coverage, antenna and that the SIM's network "
                                 "is available")
        if stat == "3":
            raise ProvisionError("register", "registration denied by the network",
                                 hint="the SIM is not allowed on this network; contact "
                                 "the operator")
        if stat in REGISTERED:
            if text.startswith("+CGREG") and "+CEREG:" in domains:
                eps = link.wait(("+CEREG:",), EPS_GRACE_S)  # the EPS report of the burst
                if eps is not None and _fields(eps)[0] in REGISTERED:
                    text, stat = eps, _fields(eps)[0]
            return "%s %s" % (text[1:text.find(":")] if ":" in text else text,
                              "HOME" if stat == "1" else "ROAMING")


def _infos(link: "Any", up: "list[int]", result: "dict[str, Any]") -> None:
    """Addresses, DNS and the network's APN of the contexts that came up: one bare
    +CGCONTRDP; a vendor table's contexts (SIM7080 +CNCFG) from the activation's
    own query, which shows their addresses; a bare +CGPADDR for what is missing."""
    d = link.dialect
    row = METHODS[d.service_activation]
    vendor = []
    for cid in up:
        if cid != d.default_cid and row["table"]:
            vendor.append(cid)
    try:
        lines = link.cmd("AT+CGCONTRDP", "+CGCONTRDP:")
    except (AtCommandError, CmeError):
        lines = []
    found: dict[int, dict[str, Any]] = {}
    dns: list[str] = []
    for line in lines:
        v = _fields(line)
        if len(v) > 3 and number(v[0]) in up and number(v[0]) not in vendor:
            entry = found.setdefault(number(v[0]), {"ip": [], "dns": [], "apn": v[2]})
            _add(entry["ip"], _address(v[3]))
            for server in v[5:7]:
                _add(entry["dns"], server)
            dns = dns or entry["dns"]
    if vendor:
        for line in link.cmd("AT%s?" % row["query"], row["query"] + ":"):
            v = _fields(line)
            cid = number(v[0]) + d.default_cid if number(v[0]) >= 0 else -1
            if cid in vendor and len(v) > row["address_field"] and v[1] == "1":
                found[cid] = {"ip": [v[row["address_field"]]], "dns": dns, "apn": ""}
    missing = False
    for cid in up:
        missing = missing or not found.get(cid, {}).get("ip")
    if missing:
        try:
            lines = link.cmd("AT+CGPADDR", "+CGPADDR:")
        except (AtCommandError, CmeError):
            lines = []
        for line in lines:
            v = _fields(line)
            if len(v) > 1 and number(v[0]) in up:
                entry = found.setdefault(number(v[0]), {"ip": [], "dns": [], "apn": ""})
                if not entry["ip"]:
                    for address in v[1:]:
                        _add(entry["ip"], _address(address))
    for ctx in result["contexts"]:
        info = found.get(ctx["cid"])
        if info is not None and ctx["state"] == "active":
            ctx["ip"] = info["ip"]
            ctx["dns"] = info["dns"]
            ctx["network_apn"] = info["apn"]


def _add(values: "list[str]", value: str) -> None:
    if value and value not in values:
        values.append(value)


def _address(text: str) -> str:
    """An address of +CGCONTRDP: 27.007 v9.4+ prints it with its mask in one dotted
    field, and IPv6 as 16 dotted decimals (colon form as the full library's parser)."""
    parts = text.split(".")
    if len(parts) == 8:
        return ".".join(parts[:4])
    if len(parts) in (16, 32):
        groups = []
        for i in range(0, 16, 2):
            high, low = number(parts[i]), number(parts[i + 1])
            if not (0 <= high < 256 and 0 <= low < 256):
                return text
            groups.append("%x" % ((high << 8) | low))
        return ":".join(groups)
    return text


def _dm(link: "Any", profile: "dict[str, Any]", cid: int, seed: "int | None"
        ) -> "dict[str, Any] | None":
    """Resolve and CoAP-ping the first DM server through APN0 (UDP protocols only)."""
    if not profile["servers"]:
        return None
    _kind, _address, host, port, protocol, _bearer = profile["servers"][0]
    dm = {"host": host, "ip": None, "port": port, "protocol": protocol,
          "reachable": False, "rtt_ms": None, "probed": False, "error": None}
    family = link.dialect.family
    if not family or protocol not in ("coap", "coaps", None):
        dm["error"] = "not probed: %s" % ("no socket commands known for this module"
                                         if not family else "the board core pings UDP only")
        return dm
    dm["probed"] = True
    sockets = _step_module("sockets")
    try:
        dm["ip"] = sockets.resolve(link, family, host, cid)
        rtt = sockets.ping(link, family, dm["ip"], port, cid, sockets.message_id(seed),
                           PROBE_S)
        dm["reachable"] = True
        dm["rtt_ms"] = round(rtt * 1000.0, 2)
    except ProvisionError as exc:
        dm["error"] = exc.message
    finally:
        sockets = None
        _drop("sockets")
    return dm


def _step_module(name: str) -> "Any":
    """`me_lib.board.<name>`, imported for one step (see `_drop`)."""
    return __import__("me_lib.board." + name, None, None, [name])


def _drop(name: str) -> None:
    """Forget `me_lib.board.<name>` after its step, on MicroPython: loaded from .mpy,
    a module's code is heap, and the start (sync, identification, SIM), the card
    read and the DM probe are never needed at the same time, nor after their
    steps (the next run imports them again). On CPython modules stay (they cost no board
    heap, and tests patch them)."""
    if sys.implementation.name != "micropython":
        return
    sys.modules.pop("me_lib.board." + name, None)
    package = sys.modules.get("me_lib.board")
    if package is not None and name in package.__dict__:
        delattr(package, name)
    import gc

    gc.collect()


def _keepable(iccid: str, profile: "dict[str, Any]") -> "dict[str, Any]":
    """The last good profile as the state keeps it on flash: without credentials.

    A password never goes to a file (as the full library's ProfileCache). A
    profile that had one is marked `secret`: the next run reads the card whole
    instead of trusting the copy, which could not authenticate.
    """
    bearers = []
    secret = False
    for b in profile["bearers"]:
        secret = secret or bool(b[4])
        bearers.append([b[0], b[1], b[2], b[3], None, b[5]])
    return {"iccid": iccid, "secret": secret, "profile": {
        "seq": profile["seq"], "servers": profile["servers"], "bearers": bearers}}


def _load(state: "Any") -> "dict[str, Any]":
    try:
        doc = state.load()
    except (OSError, ValueError, MemoryError):
        doc = None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        doc = {"format": FORMAT}
    for key in ("known", "profiles", "owned"):
        if not isinstance(doc.get(key), dict):
            doc[key] = {}
    # a file this flow did not write as it is (flash damage, a hand edit): what is not
    # the shape written is forgotten, so the module is identified and the contexts
    # are planned again, instead of a TypeError or a value reaching a command line
    known = doc["known"]
    for key in _IDENT:
        if not isinstance(known.get(key), str):
            doc["known"] = {}
    cids = known.get("cids")
    if isinstance(cids, list):
        for cid in cids:
            if type(cid) is not int or not 0 <= cid < 256:
                cids = None
    if cids is not None and not isinstance(cids, list):
        cids = None
    known["cids"] = cids
    for imei in list(doc["owned"]):
        owned = doc["owned"][imei]
        for cid in list(owned) if isinstance(owned, dict) else ():
            entry = owned[cid]
            if number(cid) < 0 or not isinstance(entry, dict) or not isinstance(
                    entry.get("auth", ""), str):
                del owned[cid]
    return doc


def provision(link: "Any", state: "Any", pin: "str | None" = None, seed: "int | None" = None,
              forced: "str | None" = None) -> "dict[str, Any]":
    """The whole flow once; the result document (the full library's keys where they exist).

    A context that fails is reported in the result (`ok` False); what stops the
    flow (no SIM, no profile, no registration, a modem that stopped answering)
    raises its MeLibError. `forced`: the dialect row's name, when the board's
    config names it (the module is still identified, as the full library does).
    """
    rt0, w0 = link.round_trips, link.writes  # this run's own, as the full library counts
    doc = _load(state)
    if forced is not None:
        from me_lib.modem.dialects import by_name

        link.dialect = by_name(forced)
    elif link.dialect is None:
        link.dialect = GENERIC
    start = _step_module("start")
    try:
        ident = start.start(link, doc["known"], forced)
        doc["known"] = ident
        start.sim(link, pin)
    finally:
        start = None
        _drop("start")
    profiles = doc["profiles"]
    last = profiles.get("last")
    if isinstance(last, dict) and last.get("secret"):
        last = None  # its credentials were not kept: read the card whole
    try:
        iccid, profile, origin = _step_module("card").read_profile(link, last)
    finally:
        _drop("card")
    if iccid is not None:  # the last good profile of this card, for its next read
        profiles["last"] = _keepable(iccid, profile)
    key = ident.get("imei") or "modem"
    owned = doc["owned"].get(key)
    if not isinstance(owned, dict):
        owned = doc["owned"][key] = {}
    d = link.dialect
    result = {"ok": False, "dialect": d.name, "iccid": iccid, "origin": origin,
              "registration": None, "dm": None, "contexts": [], "notes": []}
    items, _contexts, up = _plan(link, profile, owned, ident)
    apn0 = items[0]
    radio = False
    if apn0[4] == "define":
        if d.default_apn_change_needs_radio_off:
            link.cmd("AT+CFUN=%d" % d.radio_off_cfun, write=True)
            radio = True
        _define(link, apn0, d.activation, owned)
        if radio:
            link.cmd("AT+CFUN=1", write=True)
            up = []
    elif apn0[5]:
        _set_auth(link, apn0[3], apn0[2])
    if radio or (not up and not _registered_now(link)):
        result["registration"] = _register(link)
        if METHODS[d.activation]["up_with_attach"]:
            up = _active(link, d.activation)
    else:
        result["registration"] = "registered"
    for item in items:
        ctx = {"role": item[0], "name": item[1], "cid": item[3], "apn": item[2][0],
               "pdp_type": item[2][1], "action": item[4], "state": "failed", "ip": [],
               "error": ""}
        result["contexts"].append(ctx)
        how = d.activation if item[0] == "apn0" else d.service_activation
        try:
            if item[3] < 0:
                ctx["error"] = "no free context on this module"
                continue
            if item[0] == "service" and item[4] == "define":
                n = _number(d, how, item[3])
                if n in up:
                    # ours from an earlier profile, still up: an active context cannot be
                    # redefined (+CME ERROR: 3); down first, as the full library does
                    row = METHODS[how]
                    args = []
                    for value in row["down"][1:]:
                        args.append(str(n) if value == N else str(value))
                    link.cmd("AT%s=%s" % (row["down"][0], ",".join(args)),
                             timeout=d.timeout(row["down_timeout"]), write=True)
                    up.remove(n)
                _define(link, item, how, owned)
            elif item[0] == "service" and item[5]:
                _set_auth(link, item[3], item[2])
            if _number(d, how, item[3]) not in up or (item[4] == "define" and item[0] != "apn0"):
                _activate(link, item, how)
                up.append(_number(d, how, item[3]))
            ctx["state"] = "active"
        except (AtError, ProvisionError) as exc:
            if exc.__class__.__name__ in ("ModemRebooted", "PortClosed"):
                raise
            ctx["error"] = exc.message
            if item[0] == "apn0":
                raise
        if item[0] == "apn0":
            result["dm"] = _dm(link, profile, _number(d, how, item[3]), seed)
    _infos(link, [c["cid"] for c in result["contexts"] if c["state"] == "active"], result)
    result["ok"] = all(c["state"] == "active" for c in result["contexts"]) and (
        result["dm"] is None or result["dm"]["reachable"] or not result["dm"]["probed"])
    result["round_trips"] = link.round_trips - rt0
    result["writes"] = link.writes - w0
    try:
        state.save(doc)
    except (OSError, MemoryError) as exc:
        result["notes"].append("state not saved: %s" % type(exc).__name__)
    return result


def _registered_now(link: "Any") -> bool:
    """One read of the first packet domain: already registered (no radio change made)."""
    for domain in link.dialect.registration_domains:
        if domain != "CREG":
            for line in link.cmd("AT+%s?" % domain, "+%s:" % domain):
                values = _fields(line)
                return len(values) > 1 and values[1] in REGISTERED
    return False


__all__ = ["provision"]
