"""Default command timeouts by command family.

Most commands answer in well under a second, but network procedures wait for
the network: a PDP activation may take 150 s, an operator scan minutes, and a
socket open on some modules up to 332 s (ubxlib). A single global timeout is
either too short for those or far too long for everything else, so the default
is looked up here by the command's name; callers and the dialect table can
still pass their own.

Portable (MicroPython).
"""

DEFAULT_TIMEOUT = 8.0   # ubxlib's default response wait; generous for local commands

# Longest matching key wins; keys are upper-case command heads after "AT".
FAMILY_TIMEOUTS = {
    "+CGACT": 150.0,
    "+CGATT": 180.0,
    "+COPS": 180.0,
    "+COPS=?": 360.0,
    "+CFUN": 60.0,
    "+CGDATA": 60.0,
    "D": 60.0,
    "+CPIN=": 20.0,
    "+CRSM": 10.0,
    "+CSIM": 10.0,
    "+CGLA": 10.0,
    "+CCHO": 10.0,
    "+CCHC": 10.0,
    "+QIACT": 150.0,
    "+QIDEACT": 40.0,
    "+QIOPEN": 150.0,
    "+QICLOSE": 10.0,
    "+QIDNSGIP": 60.0,
    "+QISEND": 20.0,
    "+UPSDA": 180.0,
    "+USOCO": 130.0,
    "+UDNSRN": 332.0,
    "+USOST": 20.0,
    "+CNACT": 150.0,
    "+CAOPEN": 150.0,
    "+CDNSGIP": 60.0,
    "#SGACT": 150.0,
    "#SD": 140.0,
    "#QDNS": 60.0,
    "#XGETADDRINFO": 60.0,
    "#XCONNECT": 150.0,
    "#XSENDTO": 30.0,
    "#XRECVFROM": 30.0,
}


#: The longest key of FAMILY_TIMEOUTS: a command head longer than this cannot match.
_LONGEST_KEY = max([len(k) for k in FAMILY_TIMEOUTS])

# Command lines already looked up: a session repeats the same few lines (`AT`,
# `AT+CEREG?`, card reads), and this runs for every command sent. Bounded: cleared
# when full, so a stream of distinct lines (socket sends) cannot grow it.
_CACHE: dict[str, float] = {}
_CACHE_MAX = 64


def timeout_for(command: str) -> float:
    """Default timeout in seconds for a command line such as `AT+CGACT=1,1`."""
    found = _CACHE.get(command)
    if found is not None:
        return found
    cmd = command.strip().upper()
    if cmd.startswith("AT"):
        cmd = cmd[2:]
    value = DEFAULT_TIMEOUT
    # longest matching key wins: try the heads of the line from the longest down
    for n in range(min(len(cmd), _LONGEST_KEY), 0, -1):
        hit = FAMILY_TIMEOUTS.get(cmd[:n])
        if hit is not None:
            value = hit
            break
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[command] = value
    return value
