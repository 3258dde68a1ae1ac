"""Default command timeouts by command family.

Most commands answer in well under a second, but network procedures wait for
the network: a PDP activation may take 150 s, an operator scan minutes, and a
socket open on some modules up to 332 s (ubxlib). A single global timeout is
either too short for those or far too long for everything else, so the default
is looked up here by the command's name; the dialect table's row overrides
an entry for its module (`Dialect.timeout`), and that is the only other place
a timeout is written: `Modem`, the socket adapters (`AdapterBase.budget_for`)
and the provisioning flow pass no literal of their own
(tests/at/test_timeouts_table.py scans them for one).

A key is matched against the start of the command line (longest wins), so a
read form (`+CGATT?`: the module answers from its own state) can wait far less
than the procedure it reads. A key with a space (`#SGACT DOWN`) names a use
that its line cannot show (a deactivation whose state argument comes last):
it never matches a line and is looked up by name only.

Portable (MicroPython).
"""

DEFAULT_TIMEOUT = 8.0   # ubxlib's default response wait; generous for local commands

# Longest matching key wins; keys are upper-case command heads after "AT". The table
# is one string of `key|seconds;` rows (adjacent literals: one constant): on a board a
# dict of 75 entries costs about 6 KB of heap, the string its characters.
# `FAMILY_TIMEOUTS`, the same table as a dict, is built on first use (CPython callers).
_TABLE = (
    ";"
    "+CGACT|150;"
    # deactivation: no maximum in 27.007; 40 s as Quectel's +QIDEACT, for every method
    "+CGACT=0|40;"
    "+CGATT|180;"
    "+COPS|180;"
    "+COPS=?|360;"
    "+CFUN|60;"
    # read forms and the format switch answer from the module's own state: 10 s
    # (what the driver has always waited; 27.007 gives no maximum)
    "+CGACT?|10;"
    "+CGATT?|10;"
    "+CFUN?|10;"
    "+COPS?|10;"
    "+COPS=3|10;"
    "+CGDATA|60;"
    "D|60;"
    "+CPIN=|20;"
    "+CRSM|10;"
    "+CSIM|10;"
    "+CGLA|10;"
    "+CCHO|10;"
    "+CCHC|10;"
    # identification and local reads: the module answers from its own state; the
    # values the driver always waited at these call sites (27.007 gives no maximum)
    "I|5;"  # ATI, the fallback identification
    "+CGMI|5;"
    "+CGMM|5;"
    "+CGMR|5;"
    "+CGSN|5;"
    "+CIMI|5;"
    "+CPIN?|10;"
    "+CPINR|10;"
    "+CREG?|10;"
    "+CGREG?|10;"
    "+CEREG?|10;"
    "+C5GREG?|10;"
    "+CEER|10;"
    # context definitions and their reads: local to the module (10 s as always)
    "+CGDCONT|10;"
    "+CGAUTH|10;"
    "#PDPAUTH|10;"  # Telit's own +CGAUTH
    "+QICSGP|10;"  # Quectel's own +CGAUTH (with the APN)
    "+CGCONTRDP|10;"
    "+CGPADDR|10;"
    "+C5GURSPQRY?|10;"  # URSP rules held at the MT, read after registration
    # Quectel BG96 TCP/IP AT Commands Manual: maximum response time 150 s
    # (network dependent) for +QIACT, 40 s for +QIDEACT
    "+QIACT|150;"
    "+QIACT?|10;"
    "+QIDEACT|40;"
    "+QIOPEN|150;"
    "+QICLOSE|10;"
    "+QIDNSGIP|60;"
    "+QISEND|20;"
    "+UPSDA|180;"
    "+USOCO|130;"
    "+UDNSRN|332;"
    "+USOST|20;"
    # u-blox socket housekeeping: local to the module (what the adapter always capped)
    "+USOCR|10;"
    "+USORF|10;"
    "+UDCONF|10;"
    "+USOER|5;"  # the errno of a failed +USOxx: error path only
    # SIM7080 +CNACT: the "+APP PDP" URC is waited for as long as the activation
    "+CNACT|150;"
    "+CNACT?|10;"
    "+CNACT DOWN|40;"  # [U] as +QIDEACT
    "+CNCFG|10;"  # app context table: local, 10 s as the driver always waited
    "+CAOPEN|150;"
    "+CASEND|20;"  # as +QISEND/+USOST: the payload leaves the module
    "+CDNSGIP|60;"
    # Telit ME910C1 AT reference, #SGACT: up to 150 s
    "#SGACT|150;"
    "#SGACT?|10;"
    "#SGACT DOWN|40;"  # [U] as +QIDEACT
    "#SD|140;"
    "#SCFG|10;"  # socket configuration: local
    "#SSENDEXT|20;"  # as +QISEND/+USOST
    "#QDNS|60;"
    "#XGETADDRINFO|60;"
    "#XCONNECT|150;"
    "#XSENDTO|30;"
    # a data-mode #XSENDTO waits out two guard silences (before and after the
    # terminator): its answer gets this margin over them (a name only)
    "#XSENDTO DATAMODE|2;"
    "#XRECVFROM|30;"
    # nRF91 SLM #XRECVFROM=<secs> waits <secs> itself: the answer gets this margin
    # over them (a name only, added to the caller's <secs>)
    "#XRECVFROM MARGIN|10;"
    "#XSOCKET|10;"  # socket creation: local
)

#: The longest key of the table: a command head longer than this cannot match.
_LONGEST_KEY = 0
for _row in _TABLE.split(";"):
    _LONGEST_KEY = max(_LONGEST_KEY, _row.find("|"))

TYPE_CHECKING = False
if TYPE_CHECKING:
    #: The table as a dict (key -> seconds), built from `_TABLE` on first use.
    FAMILY_TIMEOUTS: dict[str, float]


def __getattr__(name: str) -> "dict[str, float]":
    """`FAMILY_TIMEOUTS`, built once when first asked for (PEP 562): a board never does."""
    if name != "FAMILY_TIMEOUTS":
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    table = {}
    for row in _TABLE.split(";"):
        if row:
            key, value = row.split("|")
            table[key] = float(value)
    globals()["FAMILY_TIMEOUTS"] = table
    return table


# Command lines already looked up without overrides (what the channel asks for every
# command it sends): a session repeats the same few lines (`AT`, `AT+CEREG?`, card
# reads). Bounded: cleared when full, so a stream of distinct lines cannot grow it.
_CACHE: dict[str, float] = {}
_CACHE_MAX = 64


def _longest(cmd: str, table: "dict[str, float] | None", longest: int
             ) -> "tuple[int, float | None]":
    """(length, value) of the longest key that starts `cmd`: of `table`, or of the
    `_TABLE` string when None; (0, None): none."""
    for n in range(min(len(cmd), longest), 0, -1):
        if table is not None:
            hit = table.get(cmd[:n])
            if hit is not None:
                return n, hit
            continue
        at = _TABLE.find(";" + cmd[:n] + "|")
        if at >= 0:
            start = at + n + 2
            return n, float(_TABLE[start:_TABLE.index(";", start)])
    return 0, None


def timeout_for(command: str, overrides: "dict[str, float] | None" = None) -> float:
    """Timeout in seconds for a command line such as `AT+CGACT=1,1` (or a key).

    The longest key of the table (`FAMILY_TIMEOUTS`) or of `overrides` (a dialect's own, which
    win on the same key) that starts the command; `DEFAULT_TIMEOUT` if none.
    """
    if not overrides:
        found = _CACHE.get(command)
        if found is not None:
            return found
    cmd = command.strip().upper()
    if cmd.startswith("AT"):
        cmd = cmd[2:]
    n, value = _longest(cmd, None, _LONGEST_KEY)
    if overrides:
        m, mine = _longest(cmd, overrides, max([len(k) for k in overrides]))
        if mine is not None and m >= n:
            return mine
        return DEFAULT_TIMEOUT if value is None else value
    if value is None:
        value = DEFAULT_TIMEOUT
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[command] = value
    return value
