"""Bring a simulated modem to "PDP context active" with plain AT commands.

Socket tests need an attached modem with the vendor's socket context up; the
library's own flow is another engineer's module, so this helper drives the
minimum by hand: sync, ATE0, CMEE=1 (SIM-busy tolerant), CFUN=1, CEREG?
polling, then the vendor activation.
"""

from me_lib.at import AtChannel
from me_lib.errors import CmeError, ModemRebooted

# speed: virtual seconds per real second. Loopback replies cross the simulator's
# socket bridge in a few real milliseconds, i.e. seconds of virtual time at
# speed 1000; 200 keeps that well inside the virtual timeouts the tests use.
SPEED = 200

SCENARIOS = {
    "quectel": "quectel-bg96",
    "ublox": "ublox-sara-r4",
    "simcom": "simcom-sim7080",
    "telit": "telit-me910",
    "nrf91": "nordic-nrf91-slm",
}

# The socket context handle each family's adapter takes as `cid`.
SOCKET_CID = {"quectel": 1, "ublox": 1, "simcom": 0, "telit": 1, "nrf91": 0}


def _retry_busy(ch: AtChannel, command: str, attempts: int = 20) -> None:
    for _ in range(attempts):
        try:
            ch.command(command)
            return
        except CmeError as exc:
            if exc.code != 14:  # SIM busy right after boot
                raise
            ch.poll(0.5)
    raise AssertionError("%s still SIM busy" % command)


def wait_registered(ch: AtChannel, limit: float = 120.0) -> None:
    deadline = ch.clock() + limit
    while ch.clock() < deadline:
        rsp = ch.command("AT+CEREG?", prefix="+CEREG:")
        rows = rsp.fields("+CEREG:")
        if rows and len(rows[0]) > 1 and rows[0][1] in ("1", "5"):
            return
        ch.poll(1.0)
    raise AssertionError("not registered after %.0f s" % limit)


def activate(ch: AtChannel, family: str) -> None:
    if family == "quectel":
        ch.command("AT+QIACT=1")
    elif family == "ublox":
        ch.command("AT+CGACT=1,1")
    elif family == "simcom":
        ch.command("AT+CNACT=0,1")
        ch.wait_urc("+APP PDP:", 30.0, lambda u: "ACTIVE" in u.line.upper()
                    and "DEACTIVE" not in u.line.upper())
    elif family == "telit":
        ch.command("AT#SGACT=1,1", prefix="#SGACT:")
    elif family == "nrf91":
        rsp = ch.command("AT+CGACT?", prefix="+CGACT:")
        if ["0", "1"] not in rsp.fields("+CGACT:"):
            ch.command("AT+CGACT=1,0")
    else:
        raise ValueError(family)


def _setup(ch: AtChannel, family: str) -> None:
    ch.sync(attempts=30)
    ch.poll(0.2)          # deliver the boot banners queued by sync
    _retry_busy(ch, "ATE0")
    _retry_busy(ch, "AT+CMEE=1")
    _retry_busy(ch, "AT+CFUN=1")
    wait_registered(ch)
    activate(ch, family)
    ch.poll(0.1)


def bring_up(family: str, attempts: int = 3) -> AtChannel:
    """Open `sim://<scenario>`, attach and activate; the caller closes the channel.

    A late boot banner (`SMS Ready` after `RDY`) while a set-up command is in
    flight reads as a reboot; the set-up then simply starts again.
    """
    ch = AtChannel.open("sim://%s?speed=%d" % (SCENARIOS[family], SPEED))
    try:
        for attempt in range(attempts):
            try:
                _setup(ch, family)
                return ch
            except ModemRebooted:
                if attempt == attempts - 1:
                    raise
                ch.poll(1.0)
    except BaseException:
        ch.close()
        raise
    raise AssertionError("unreachable")
