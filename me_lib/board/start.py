"""The board core's first steps: sync, identify the module, reports on, SIM ready (PIN).

A module of its own so that a board loading the core from .mpy holds this code
only while it runs (`me_lib.board.flow._drop`): it is done before the card is
read. The same lines as the full library's `Modem.start` and
`Modem.wait_sim_ready` on a module that behaves.
"""

from me_lib.board.flow import _fields
from me_lib.board.link import number
from me_lib.errors import (
    AtCommandError,
    CmeError,
    MeLibError,
    PinBlocked,
    SimNotReady,
)
from me_lib.modem.dialects import VENDORS, match_dialect

try:  # annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass

#: +CPIN? answers that mean "ask again later", and the waits between the asks
SIM_WAIT_S = 60.0


def _text(link: "Any", command: str) -> str:
    """A bare-text answer (identification), "" when refused."""
    try:
        lines = link.cmd(command)
    except (AtCommandError, CmeError):
        return ""
    for line in lines:
        if line.strip():
            return str(line.strip())
    return ""


def start(link: "Any", known: "dict[str, Any]", forced: "str | None") -> "dict[str, Any]":
    """Sync, CMEE, identify (one +CGSN when the module is the one on record), reports on."""
    link.sync()
    link.cmd("AT+CMEE=1")
    ident = None
    if known.get("imei"):
        imei = _text(link, "AT+CGSN")
        if imei == known["imei"]:
            ident = known
    if ident is None:
        model = _text(link, "AT+CGMM")
        vendor = VENDORS.get(match_dialect(model).family, "") if model else ""
        if not vendor:
            vendor = _text(link, "AT+CGMI")
        revision = _text(link, "AT+CGMR")
        ident = {"imei": _text(link, "AT+CGSN"), "manufacturer": vendor, "model": model,
                 "revision": revision, "cids": None}
    if forced is None:
        link.dialect = match_dialect(" ".join((ident["manufacturer"], ident["model"],
                                               ident["revision"])))
    d = link.dialect
    script = []
    for domain in d.registration_domains:
        if domain != "CREG":
            script.append("AT+%s=%d" % (domain, 2 if domain == "CGREG" else 3))
    script.append("AT+CGEREP=1")
    if d.esm_report == "cnec":
        script.append("AT+CNEC=16")
    if d.pco_urc:
        script.append("AT%XPCO=1")
    for line in script + list(d.event_commands):
        try:
            link.cmd(line)
        except (AtCommandError, CmeError):
            pass  # optional reports: the flow polls where a module has none
    return ident


def sim(link: "Any", pin: "str | None") -> None:
    """SIM READY: wait while busy, enter the PIN when asked (never with < 2 tries left)."""
    deadline = link.now() + SIM_WAIT_S
    delay = 0.5
    sent = False
    while True:
        try:
            state = _fields(link.cmd("AT+CPIN?", "+CPIN:")[0])[0]
        except IndexError:
            state = "UNKNOWN"
        except CmeError as exc:
            if exc.code not in (14, 13, 10) or (exc.code == 10 and link.now() >= deadline):
                raise SimNotReady("AT+CPIN? answered %s" % exc.message,
                                  "check the SIM is seated; power-cycle the modem") from exc
            state = "BUSY"
        if state == "READY":
            return
        if state == "SIM PIN":
            if pin is None:
                raise SimNotReady("the SIM asks for its PIN",
                                  "put it in the board's config (\"pin\")")
            if sent:
                raise SimNotReady("the SIM still asks for its PIN after it was sent",
                                  "check the PIN in the board's config")
            if not (isinstance(pin, str) and number(pin) >= 0 and 4 <= len(pin) <= 8):
                raise MeLibError("the PIN must be 4 to 8 digits",  # never echoed
                                 "check the \"pin\" value of the board's config")
            _check_pin_tries(link)
            link.cmd('AT+CPIN="%s"' % pin, write=True)
            sent = True
            continue
        if state in ("SIM PUK", "SIM PUK2"):
            raise PinBlocked("the SIM is blocked and asks for its PUK")
        if state not in ("BUSY", "NOT READY", "UNKNOWN"):
            raise SimNotReady("the SIM is in state %r" % state,
                              "insert a working SIM; other locks need the operator")
        if link.now() >= deadline:
            raise SimNotReady("the SIM stayed busy for %.0f s" % SIM_WAIT_S,
                              "check the SIM is seated; power-cycle the modem")
        link.wait(link.dialect.sim_ready_urcs, delay)
        delay = min(delay * 2, 8.0)


def _check_pin_tries(link: "Any") -> None:
    """Two tries left at least (+CPINR, else the card's VERIFY status through +CSIM)."""
    tries = None
    try:
        for line in link.cmd('AT+CPINR="SIM PIN"', "+CPINR:"):
            values = _fields(line)
            if len(values) > 1 and number(values[1]) >= 0:
                tries = number(values[1])
    except (AtCommandError, CmeError):
        pass
    if tries is None:
        try:
            answer = _fields(link.cmd('AT+CSIM=8,"00200001"', "+CSIM:")[0])
            if len(answer) > 1 and answer[1][:3].upper() == "63C":
                tries = int(answer[1][3], 16)
        except (AtCommandError, CmeError, IndexError, ValueError):
            pass
    if tries is None or tries < 2:
        raise PinBlocked("%s PIN tries left: the PIN is not sent" % (
            "unknown number of" if tries is None else tries), tries,
            "enter it once by hand where the tries can be watched")
