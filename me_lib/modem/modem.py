"""`Modem`: typed 27.007 operations over an `AtChannel`, shaped by a dialect row.

Each method is one short exchange with the modem and returns plain objects;
the decisions (what to define, when to wait, what to retry) belong to
`me_lib.provision`. Values that go onto a command line come from a validated
`Profile` and still pass through `build_command`.

Portable (MicroPython): the card objects of `usim()` and `pin_retries()` are
imported on first use, the PIN comes from `os.getenv` where the port has one.
"""

import os

from me_lib.at import AtChannel, Response, Urc, build_command
from me_lib.at.causes import ESM_CAUSES
from me_lib.at.cme import esm_cause_of_cme
from me_lib.at.fields import line_values, to_int, unquote
from me_lib.at.redact import redact
from me_lib.codec import apn_rules
from me_lib.errors import (
    AtCommandError,
    AtError,
    AtProtocolError,
    CmeError,
    InvalidAtParameter,
    MeLibError,
    ModemRebooted,
    PinBlocked,
    ProvisionError,
    SimNotReady,
)
from me_lib.log import get_logger
from me_lib.modem.activation import (
    AUTH_NUMBERS,
    CNCFG_NUMBERS,
    CNCFG_TYPES,
    QICSGP_TYPES,
    N,
    esm_report,
    method,
)
from me_lib.modem.dialects import GENERIC, VENDORS, Dialect, by_name, match_dialect
from me_lib.modem.parsers import (
    ContextInfo,
    PdpContext,
    parse_cgcontrdp,
    parse_cgdcont,
    parse_cgdcont_test,
    parse_cgpaddr,
    parse_cpin,
)
from me_lib.modem.registration import Registration, parse_registration

try:
    from collections.abc import Callable
    from typing import TYPE_CHECKING, Any
except ImportError:  # MicroPython: the names above only annotate
    TYPE_CHECKING = False  # type: ignore[misc]

if TYPE_CHECKING:
    from me_lib.card.usim import Identity, Usim
    from me_lib.modem.known import KnownModules

log = get_logger("me_lib.modem")

#: How many times `Modem.restarting` starts an action again after a reboot.
MAX_RESTARTS = 3

#: What `start()` sends after the sync probe (`ATE0`): (command, prefix, optional).
#: Numeric errors are asked for, not required: a module without them still works,
#: its errors are a plain ERROR (the channel's hints and `sim_state()` know).
START_SCRIPT = (("AT+CMEE=1", None, True),)
#: The packet-event reports every module is asked for after the registration
#: switches (27.007 +CGEREP: context deactivations by the network); the dialect
#: adds its ESM-cause, PCO and vendor rows (`_event_script`). All optional.
EVENT_SCRIPT = (("AT+CGEREP=1", None, True),)

# The longest user name or password set_auth writes (the profile's own limit).
_CREDENTIAL_MAX = 64
#: +CME ERROR codes that mean "this module has no such command or form"
_UNSUPPORTED_CME = (4,)


class Identification:
    """What the module says it is."""

    def __init__(self, manufacturer: str, model: str, revision: str, imei: str,
                 ati: list[str]) -> None:
        self.manufacturer = manufacturer
        self.model = model
        self.revision = revision
        self.imei = imei
        self.ati = ati

    def to_dict(self) -> dict[str, str]:
        return {"manufacturer": self.manufacturer, "model": self.model,
                "revision": self.revision}

    def __repr__(self) -> str:
        return "Identification(%s %s %s)" % (self.manufacturer, self.model, self.revision)


class Modem:
    """One cellular module reached through an AT channel."""

    def __init__(self, channel: AtChannel, dialect: Dialect | str | None = None,
                 pin: str | None = None, known: "KnownModules | None" = None) -> None:
        self.channel = channel
        #: what earlier runs learned about the module on this port (me_lib.modem.known):
        #: its identification, checked with one +CGSN, and its cid ranges
        self.known = known
        self._known_row: dict[str, Any] | None = None
        #: the channel's counters when this object took it: `provision()` reports what
        #: went over the wire since then (or since the previous provision() returned)
        self.wire_since = (getattr(channel, "round_trips", 0), getattr(channel, "bytes_out", 0),
                           getattr(channel, "bytes_in", 0))
        #: the SIM PIN, when the card needs one: given, or $ME_LIB_PIN (never logged)
        self.pin = pin if pin is not None else _env("ME_LIB_PIN")
        self.dialect: Dialect = by_name(dialect) if isinstance(dialect, str) else (
            dialect or GENERIC)
        self._forced_dialect = dialect is not None
        self.ident: Identification | None = None
        self.crsm_cache: dict[str, dict[str, str]] = {}
        self._usim: Usim | None = None
        self._sockets: Any = None
        self.pco_values: dict[int, str] = {}
        self.esm_causes: dict[int, int] = {}
        #: memo of this session (cid ranges, the DM result); cleared when the modem reboots
        self.session: dict[str, Any] = {}
        self._latest_reg: dict[str, Registration] = {}
        self._started = False

    # -- lifecycle -------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, baudrate: int = 115200, dialect: Dialect | str | None = None,
             pin: str | None = None, known: "KnownModules | None" = None,
             **serial_kwargs: Any) -> "Modem":
        """A `Modem` on the pyserial URL or device path `url`.

        Any pyserial URL works (`sim://`, `socket://`, `rfc2217://`) or a path
        like `/dev/ttyUSB2`.

        `dialect` pins the module's row of the dialect table (default: matched from its
        identification at `start()`); `pin` unlocks the SIM if it asks; `known` is the
        state directory's record of modules per port (fewer round trips on a re-run).
        Use it as a context manager so the port is closed on every path.
        """
        return cls(AtChannel.open(url, baudrate=baudrate, **serial_kwargs), dialect, pin,
                   known)

    def close(self) -> None:
        """Close the port (and stop the URC reader): the modem keeps its state."""
        self.channel.close()

    def __enter__(self) -> "Modem":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, line: str, prefix: str | tuple[str, ...] | None = None,
                timeout: float | None = None, **kw: Any) -> Any:
        """One AT exchange (see AtChannel.command); here so callers need one object."""
        return self.channel.command(line, prefix=prefix, timeout=timeout, **kw)

    def start(self) -> Identification:
        """Sync, echo off, numeric errors, identify the module and pick its dialect."""
        ch = self.channel
        # a (re)start: whatever this object knew about the modem's state is stale
        self.reset_session()
        # echo off is the sync probe: one round trip instead of AT then ATE0
        ch.sync(probe="ATE0")
        # reboots seen before this (re)initialisation are what it answers; URCs queued
        # before the last of them (a "+CEREG: 1" of the old boot, read only now that
        # sync met the new boot's banner) describe a module that no longer exists
        ch.forget_before_reboot()
        ch.cmee = not isinstance(self.run_script(START_SCRIPT)[0], MeLibError)
        ident = self.identify()
        if not self._forced_dialect:
            words = [ident.manufacturer, ident.model, ident.revision]
            words.extend(ident.ati)     # not [*...]: MicroPython cannot compile that
            self.dialect = match_dialect(" ".join(words))
        for banner in self.dialect.boot_banners:
            ch.engine.banners.add(banner)
        ch.subscribe("+CNEC_ESM:", self._on_cnec)
        ch.unsubscribe("+CPIN:", self._on_cpin)     # once, however often it restarts
        ch.subscribe("+CPIN:", self._on_cpin)
        for domain in ("CREG", "CGREG", "CEREG", "C5GREG"):
            ch.subscribe("+%s:" % domain, self._on_registration)
        if self.dialect.pco_urc:
            ch.subscribe(self.dialect.pco_urc, self._on_pco)
        self._started = True
        log.info("modem %s -> dialect %s", ident, self.dialect.name)
        self.enable_events()
        return ident

    def restarting(self, action: Callable[[], Any], what: str,
                   max_restarts: int = MAX_RESTARTS,
                   on_restart: Callable[[ModemRebooted], None] | None = None) -> Any:
        """`action()`, started again from sync each time the modem reboots under it.

        A reboot loses echo, CMEE, the SIM's PIN state and whatever this object
        knew, so nothing of the interrupted attempt is kept: the session is
        reset and `action` (which brings the modem up itself, e.g. through
        `ready()`) runs again, at most `max_restarts` times; then
        `ProvisionError("start")`: a module that keeps rebooting needs a look at
        its power supply, not more tries. `what` says what was being done, for
        the log and the error; `on_restart(exc)` is told of each restart.
        """
        restarts = 0
        while True:
            try:
                return action()
            except ModemRebooted as exc:
                restarts += 1
                self.reset_session()
                if restarts > max_restarts:
                    raise ProvisionError(
                        "start", "the modem rebooted %d times while %s" % (restarts, what),
                        hint="check its power supply and firmware") from exc
                log.warning("modem rebooted while %s (%s); starting again from sync",
                            what, exc.banner)
                if on_restart is not None:
                    on_restart(exc)

    @property
    def started(self) -> bool:
        """Whether `start()` has synced the modem and matched its dialect in this session."""
        return self._started

    def reset_session(self) -> None:
        """The modem rebooted: echo, CMEE, the card's state and our memo are gone."""
        self._started = False
        self.session.clear()
        self.channel.forget_before_reboot()
        self.channel.cmee = None
        self._latest_reg.clear()
        self._sockets = None
        self.forget_card()

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """A value that cannot change while the modem runs (cid ranges), read once."""
        if key not in self.session:
            self.session[key] = compute()
        return self.session[key]

    def latest_registrations(self) -> dict[str, Registration]:
        """The last registration each domain reported by URC (queued URCs delivered first)."""
        self.channel.poll(0.0)
        return dict(self._latest_reg)

    def identify(self) -> Identification:
        """Who the module is, in as few round trips as the port's record allows.

        The dialect is matched on it, and results and traces name the module by it.

        With a record of this port (`self.known`), one `AT+CGSN`: the same IMEI
        means the same module, whose recorded identification is used. Without
        one, `+CGMM` first: a model the dialect table knows needs no `+CGMI`
        (the vendor is the row's); then `+CGMR` and `+CGSN`.
        """
        row = self.known.module(self.channel.name) if self.known is not None else None
        if row is not None:
            imei = self._text("AT+CGSN", "+CGSN:")
            if imei and imei == row.get("imei"):
                ati = row.get("ati")
                self.ident = Identification(
                    _str(row.get("manufacturer")), _str(row.get("model")),
                    _str(row.get("revision")), imei,
                    [_str(x) for x in ati] if isinstance(ati, list) else [])
                self._known_row = row
                return self.ident
            log.info("the module on %s is not the one recorded; identifying it",
                     self.channel.name)
            return self._identify_fully(imei)
        return self._identify_fully(None)

    def _identify_fully(self, imei: str | None) -> Identification:
        model = self._text("AT+CGMM", "+CGMM:")
        vendor = VENDORS.get(match_dialect(model).family, "") if model else ""
        manufacturer = vendor or self._text("AT+CGMI", "+CGMI:")
        revision = self._text("AT+CGMR", "+CGMR:")
        if imei is None:
            imei = self._text("AT+CGSN", "+CGSN:")
        ati: list[str] = []
        if not (manufacturer or model):
            # ATI is the fallback: its layout differs per vendor and nRF91 refuses it
            try:
                ati = self.channel.command("ATI", prefix=None,
                                           timeout=self.dialect.timeout("ATI")).lines
            except (AtCommandError, CmeError):
                ati = []
        self.ident = Identification(manufacturer, model, revision, imei, ati)
        self._known_row = None
        if self.known is not None and imei:
            row = {"imei": imei, "manufacturer": manufacturer, "model": model,
                   "revision": revision, "ati": ati}
            self.known.remember_module(self.channel.name, row)
            self._known_row = row
        return self.ident

    def _text(self, command: str, prefix: str) -> str:
        try:
            rsp = self.channel.command(command, prefix=(prefix, ""),
                                       timeout=self.dialect.timeout(command))
        except (AtCommandError, CmeError):
            return ""
        # noise (a NUL, line garbage after a crash) is no name: the module's identity
        # picks its dialect, so only printable text counts, and only digits are an IMEI
        values = []
        for line in rsp.lines:
            text = line.strip()
            prefixed = text.upper().startswith(prefix)
            value = unquote(text[len(prefix):].strip() if prefixed else text)
            if value and _printable(value) and (command != "AT+CGSN" or _is_imei(value)):
                values.append((prefixed, value))
        # a prefixed line first, then the last one: a module that lags one answer
        # behind prints the tail of the previous answer (the manufacturer) first
        for prefixed, value in reversed(values):
            if prefixed:
                return value
        return values[-1][1] if values else ""

    def enable_events(self) -> None:
        """Registration URCs in all domains, +CGEV packet events, ESM cause reports."""
        packet = False
        # packet domains first; circuit-switched +CREG says nothing about packet data
        # and is switched on only where no packet domain could be (no +CEREG/+CGREG)
        domains = [d for d in self.dialect.registration_domains if d != "CREG"]
        if "CREG" in self.dialect.registration_domains:
            domains.append("CREG")
        for domain in domains:
            if domain == "CREG" and packet:
                continue
            refusal: MeLibError | None = None
            for n in ((3, 2) if domain != "CGREG" else (2,)):
                try:
                    self.channel.command("AT+%s=%d" % (domain, n))
                    packet = packet or domain != "CREG"
                    refusal = None
                    break
                except (AtCommandError, CmeError) as exc:
                    refusal = exc
            if refusal is not None and _unsupported(refusal):
                # no such command here (a module without +CEREG): the next domain
                # reports registration instead, and this one is not asked again
                self._mark_unsupported("+" + domain)
        self.run_script(self._event_script())

    def _event_script(self) -> "tuple[tuple[str, str | None, bool], ...]":
        d = self.dialect
        extra = esm_report(d.esm_report)["enable"] + (("AT%XPCO=1",) if d.pco_urc else ()) \
            + d.event_commands
        return EVENT_SCRIPT + tuple((line, None, True) for line in extra)

    def run_script(self, rows: "tuple[tuple[str, str | None, bool], ...]"
                   ) -> "list[Response | MeLibError]":
        """Send each row's command in order; one answer (or refusal) per row.

        A row is (command, prefix of its answer lines, optional). A refused
        optional row (ERROR, +CME ERROR) is logged and the script goes on; a
        refused required row raises. Timeouts, reboots and a closed port always
        raise: the script cannot go on without the module.
        """
        out: list[Response | MeLibError] = []
        for command, prefix, optional in rows:
            try:
                out.append(self.channel.command(command, prefix=prefix))
            except (AtCommandError, CmeError) as exc:
                if not optional:
                    raise
                log.info("%s refused by %s", redact(command), self.dialect.name)
                out.append(exc)
        return out

    # -- SIM ---------------------------------------------------------------------------

    def sim_state(self) -> str:
        """`READY`, `SIM PIN`, `SIM PUK`, ... or `BUSY` (CME 14) / `NOT INSERTED` (CME 10),
        or `UNKNOWN`: a plain ERROR from a module whose numeric errors are off."""
        try:
            rsp = self.channel.command("AT+CPIN?", prefix=("+CPIN:", ""),
                                       timeout=self.dialect.timeout("AT+CPIN?"),
                                       no_final_grace=2.0)
        except CmeError as exc:
            if exc.code == 14:
                return "BUSY"
            if exc.code == 10:
                return "NOT INSERTED"
            if exc.code == 13:
                return "FAILURE"
            raise
        except AtCommandError:
            if self.channel.cmee is True:
                raise
            # numeric errors off or refused: a plain ERROR is how such a module says
            # "SIM busy" (or not inserted, or failed: it cannot say which), so it is
            # waited out like CME 14, within wait_sim_ready's bound
            return "UNKNOWN"
        state = parse_cpin(rsp.lines)
        if state is None:
            if any(line.strip().upper().startswith("+CPIN:") for line in rsp.lines):
                # a +CPIN: line whose value is outside 27.007: garbled, not a state
                raise AtProtocolError("AT+CPIN?", "no 27.007 SIM state in %r" % (
                    [line[:40] for line in rsp.lines[:4]],))
            raise AtError("AT+CPIN? gave no state", "AT+CPIN?",
                          "the module answered OK without +CPIN:; check the SIM slot")
        return state

    def wait_sim_ready(self, pin: str | None = None, force_pin: bool = False,
                       timeout: float = 60.0) -> None:
        """SIM READY, backing off while it is busy, entering the PIN when one is needed.

        `pin` defaults to the one given to the Modem (or $ME_LIB_PIN). The PIN is
        never sent when fewer than two tries are left, unless `force_pin`.

        READY is remembered for the session: `AT+CPIN?` costs seconds on a slow
        module, and `ready()` then the flow's SIM step would ask twice. What can
        change it ends the memo: a reboot (`reset_session`), a REFRESH or profile
        switch (`forget_card`), a `+CPIN:` URC other than READY.
        """
        if self.session.get("sim_ready"):
            return
        pin = pin if pin is not None else self.pin
        clock = self.channel.clock
        deadline = clock() + timeout
        delay = 0.5
        pin_sent = False
        while True:
            state = self.sim_state()
            if state == "READY":
                self.session["sim_ready"] = True
                return
            if state in ("BUSY", "NOT READY", "UNKNOWN"):
                if clock() >= deadline:
                    if state == "UNKNOWN":
                        raise SimNotReady(
                            "AT+CPIN? kept answering ERROR for %.0f s; the module has no "
                            "numeric errors (+CMEE), so it does not say whether the SIM is "
                            "busy, missing or failed" % timeout,
                            hint="check the SIM is seated; power-cycle the modem")
                    raise SimNotReady("the SIM stayed busy for %.0f s" % timeout,
                                      hint="check the SIM is seated; power-cycle the modem")
                self.channel.poll(delay)
                delay = min(delay * 2, 8.0)
                continue
            if state == "SIM PIN":
                if pin is None:
                    raise SimNotReady("the SIM asks for its PIN",
                                      hint="set it in the environment (ME_LIB_PIN) or a "
                                      "file (--pin-file); it is never taken from argv")
                if pin_sent:
                    # accepted with OK, yet the SIM still asks: a refusal all the same
                    raise self._pin_refused(pin, "the SIM still asks for its PIN after it")
                if self.session.get("pin_refused") == _pin_key(pin):
                    raise SimNotReady("the SIM refused this PIN earlier in this session; it "
                                      "is not sent again", hint=_PIN_HINT)
                retries = self.pin_retries()
                if not force_pin and (retries is None or retries < 2):
                    raise _too_few_tries(retries)
                try:
                    self.enter_pin(pin)
                except CmeError as exc:
                    if exc.code == 14:          # SIM busy: not an answer about the PIN
                        self.channel.poll(delay)
                        continue
                    raise self._pin_refused(pin, "+CME ERROR %s" % exc.name) from exc
                except AtCommandError as exc:   # CMEE off: a refusal is a plain ERROR
                    raise self._pin_refused(pin, exc.final) from exc
                pin_sent = True
                continue
            if state in ("SIM PUK", "SIM PUK2"):
                raise PinBlocked("the SIM is blocked and asks for its PUK")
            raise SimNotReady("the SIM is in state %r" % state,
                              hint="insert a working SIM; other locks need the operator")

    def _pin_refused(self, pin: str, how: str) -> MeLibError:
        """Remember the refusal (a digest, never the PIN) and say how close the PUK is.

        However the module reports it (`+CME ERROR: 16`, a plain `ERROR` with CMEE
        off, or `+CPIN: SIM PIN` after an OK), the same PIN is never sent again in
        this session: each wrong try costs one of the card's three.
        """
        self.session["pin_refused"] = _pin_key(pin)
        retries = self.pin_retries()
        if retries == 0:
            return PinBlocked("the SIM refused the PIN (%s) and is now blocked" % how, 0)
        if retries == 1:
            return SimNotReady(
                "the SIM refused the PIN (%s); 1 try left: the card is not blocked yet, "
                "but the next wrong PIN blocks it and only the PUK unblocks it" % how,
                hint="enter the right PIN by hand (AT+CPIN) or check the PIN source "
                "(ME_LIB_PIN or --pin-file); me_lib does not send a PIN with one try left")
        return SimNotReady("the SIM refused the PIN (%s)%s" % (
            how, "; %d tries left" % retries if retries is not None else ""), hint=_PIN_HINT)

    def ready(self) -> None:
        """Started, events on, SIM READY: what reading the card needs."""
        if not self._started:
            self.start()
        self.wait_sim_ready()       # asks the card once per session (see there)

    def enter_pin(self, pin: str) -> None:
        """Unlock the SIM with `pin` (AT+CPIN); the PIN is masked in errors and traces.

        Raises `MeLibError` before sending anything if it is not 4 to 8 digits, so a
        mistyped value never costs a card retry.
        """
        if not pin.isdigit() or not 4 <= len(pin) <= 8:
            raise MeLibError("the PIN must be 4 to 8 digits",
                             "check the value of the PIN variable or file")
        line = build_command("+CPIN", pin)
        self.channel.command(line, timeout=self.dialect.timeout(line))

    def pin_retries(self) -> int | None:
        """PIN1 tries left without spending one: +CPINR, else VERIFY-without-data via +CSIM."""
        try:
            rsp = self.channel.command('AT+CPINR="SIM PIN"', prefix="+CPINR:",
                                       timeout=self.dialect.timeout("AT+CPINR"))
            for row in rsp.fields("+CPINR:"):
                if len(row) >= 2 and to_int(row[1]) is not None:
                    return to_int(row[1])
        except (AtCommandError, CmeError):
            pass
        from me_lib.card import apdu
        from me_lib.card.csim import CsimLink
        from me_lib.card.usim import KEY_PIN1, pin_state

        try:
            link = CsimLink(self.channel, lock=self.dialect.csim_lock)
            try:
                _, sw = link.transmit(apdu.verify(KEY_PIN1, None))
            finally:
                link.close()
            return pin_state(KEY_PIN1, sw).retries
        except MeLibError:
            return None

    def usim(self) -> "Usim":
        """The card through this modem: files over AT+CRSM (with the dialect's quirks),
        other applications (the LwM2M PKCS#15 one) over AT+CCHO/+CGLA."""
        self.ready()
        if self._usim is None:
            from me_lib.card.crsm import CrsmAccess
            from me_lib.card.usim import Usim

            try:
                from me_lib.card.cgla import CglaOpener
                apps: CglaOpener | None = CglaOpener(self.channel)
            except ImportError:  # a board without the LwM2M (+CGLA) path
                apps = None

            modem_id = "%s/%s" % (self.ident.model if self.ident else "?",
                                  self.ident.revision if self.ident else "?")
            if self.dialect.crsm_seed and modem_id not in self.crsm_cache:
                self.crsm_cache[modem_id] = dict(self.dialect.crsm_seed)
            self._usim = Usim(CrsmAccess(self.channel, modem_id, cache=self.crsm_cache),
                              apps=apps)
        return self._usim

    def forget_card(self) -> None:
        """After REFRESH or a profile switch: nothing read from the card is current,
        not even its PIN state (a REFRESH may re-initialise the application)."""
        self._usim = None
        self.session.pop("sim_ready", None)

    def card_refreshed(self) -> None:
        """The card said its files changed (REFRESH): forget what was read from it, and
        read EF.DMCFG in full once, whatever its sequence number says (an OTA update
        that did not bump it is still an update)."""
        self.forget_card()
        self.session["card_refreshed"] = True

    def identity(self) -> "Identity":
        """ICCID, IMSI and EF_AD of the card, read through the modem (see `usim()`)."""
        return self.usim().identity()

    def imsi(self) -> str:
        """The IMSI as the modem reports it (AT+CIMI), without reading the card's files."""
        rsp = self.channel.command("AT+CIMI", timeout=self.dialect.timeout("AT+CIMI"))
        for line in rsp.lines:
            text = unquote(line.replace("+CIMI:", "").strip())
            if text.isdigit():
                return text
        raise AtError("AT+CIMI gave no IMSI", "AT+CIMI")

    # -- power and registration -----------------------------------------------------------

    def functionality(self) -> int | None:
        """The +CFUN level (1 full, 4 airplane, 0 minimum), None if the modem gives none."""
        rsp = self.channel.command("AT+CFUN?", prefix="+CFUN:",
                                   timeout=self.dialect.timeout("AT+CFUN?"))
        row = rsp.first("+CFUN:")
        return to_int(row[0]) if row else None

    def set_functionality(self, fun: int) -> None:
        """Set +CFUN to `fun`, with the dialect's timeout (radio on/off can take a minute)."""
        line = build_command("+CFUN", fun)
        self.channel.command(line, timeout=self.dialect.timeout(line))

    def registration(self, domain: str = "CEREG") -> Registration | None:
        """The read answer of one domain; None when it has none (or no such command)."""
        prefix = "+%s:" % domain
        if self.lacks("+" + domain):
            return None
        try:
            line = "AT+%s?" % domain
            rsp = self.channel.command(line, prefix=prefix, timeout=self.dialect.timeout(line))
        except (AtCommandError, CmeError) as exc:
            if _unsupported(exc):
                self._mark_unsupported("+" + domain)
            return None
        for line in rsp.lines:
            reg = parse_registration(line, solicited=True)
            if reg is not None:
                return reg
        return None

    def registrations(self) -> dict[str, Registration]:
        """The registration of every domain the dialect reports, by domain name."""
        out = {}
        for domain in self.dialect.registration_domains:
            reg = self.registration(domain)
            if reg is not None:
                out[domain] = reg
        return out

    def attached(self) -> bool:
        """Whether the modem is attached to the packet domain (AT+CGATT?)."""
        rsp = self.channel.command("AT+CGATT?", prefix="+CGATT:",
                                   timeout=self.dialect.timeout("AT+CGATT?"))
        row = rsp.first("+CGATT:")
        return row is not None and bool(row) and to_int(row[0]) == 1

    def attach(self) -> None:
        """Attach to the packet domain (AT+CGATT=1), waiting as long as the dialect allows."""
        self.channel.command("AT+CGATT=1", timeout=self.dialect.timeout("AT+CGATT=1"))

    # -- contexts ------------------------------------------------------------------------

    @property
    def default_cid(self) -> int:
        """The cid of the module's default (attach) bearer: 0 on nRF91, 1 elsewhere."""
        return self.dialect.default_cid

    def contexts(self) -> list[PdpContext]:
        """Defined contexts with their activation state (+CGDCONT? joined with +CGACT?).

        On modules whose service contexts live in a vendor table (SIM7080 +CNCFG),
        that table is read too, its entries numbered after the default bearer.
        """
        defined: list[PdpContext] = []
        if not self.lacks("+CGDCONT?"):
            try:
                defined = parse_cgdcont(self.channel.command(
                    "AT+CGDCONT?", prefix="+CGDCONT:",
                    timeout=self.dialect.timeout("AT+CGDCONT?")).lines)
            except (AtCommandError, CmeError) as exc:
                if not _unsupported(exc):
                    raise
                # the module will not list its contexts: plan with none known
                # (`contexts_unknown` tells the flow to say so) rather than give up
                self._mark_unsupported("+CGDCONT?")
                log.warning("%s: AT+CGDCONT? refused (%s); its contexts are unknown",
                            self.dialect.name, exc)
        blank: list[PdpContext] = []
        table = self._vendor_table()
        if table:
            # SIM7080: the service contexts are the +CNCFG entries after the default bearer's
            defined = [c for c in defined if c.cid == self.default_cid]
            rsp = self.channel.command("AT" + table + "?", prefix=table + ":",
                                       timeout=self.dialect.timeout(table + "?"))
            for row in rsp.fields(table + ":"):
                index = to_int(row[0]) if row else None
                if index is not None and index > 0 and len(row) > 2:
                    ctx = PdpContext(index + 1, CNCFG_TYPES.get(row[1], "IP"), row[2])
                    (defined if row[2] else blank).append(ctx)
        active = self.active_cids()
        # an unused +CNCFG slot reads as an empty APN too: one that is up is in use,
        # with the network-provided APN
        defined.extend(c for c in blank if c.cid in active)
        for ctx in defined:
            ctx.active = ctx.cid in active
        self.session["active"] = active
        return defined

    def context_cids(self, pdp_type: str = "IP") -> list[int]:
        """The cids +CGDCONT accepts for `pdp_type` (from +CGDCONT=?)."""
        slots = method(self.dialect.service_activation)["slots"]
        if slots:
            return [self.default_cid + i for i in range(slots)]
        key = "cids:" + pdp_type
        row = self._known_row
        if row is not None and isinstance(row.get(key), list) and all(
                isinstance(c, int) for c in row[key]) and row[key]:
            return list(row[key])   # this module's answer in an earlier run
        try:
            rsp = self.channel.command("AT+CGDCONT=?", prefix="+CGDCONT:",
                                       timeout=self.dialect.timeout("AT+CGDCONT=?"))
        except (AtCommandError, CmeError):
            return list(range(1, 12))
        cids = parse_cgdcont_test(rsp.lines, pdp_type)
        if cids and row is not None and self.known is not None:
            row[key] = cids
            self.known.remember(self.channel.name, key, cids)
        return cids or list(range(1, 12))

    def define_context(self, cid: int, pdp_type: str, apn: str) -> None:
        """Define PDP context `cid` with `pdp_type` and `apn` (+CGDCONT, or +CNCFG on SIMCom
        app contexts): the one write the plan makes per context that differs.
        """
        table = self._vendor_table()
        if cid != self.default_cid and table:
            line = build_command(table, self.stack_context(cid),
                                 CNCFG_NUMBERS.get(pdp_type, 1), apn)
            self.channel.command(line, timeout=self.dialect.timeout(line))
            return
        line = build_command("+CGDCONT", cid, pdp_type, apn)
        self.channel.command(line, timeout=self.dialect.timeout(line))

    def undefine_context(self, cid: int) -> None:
        """Remove the definition of context `cid`, so a stale APN is not left behind."""
        table = self._vendor_table()
        if cid != self.default_cid and table:
            line = build_command(table, self.stack_context(cid), 1, "")
            self.channel.command(line, timeout=self.dialect.timeout(line))
            return
        line = build_command("+CGDCONT", cid)
        self.channel.command(line, timeout=self.dialect.timeout(line))

    @property
    def contexts_unknown(self) -> bool:
        """True when the module refused `AT+CGDCONT?`: `contexts()` could list none."""
        return self.lacks("+CGDCONT?")

    def lacks(self, what: str) -> bool:
        """Whether this module answered `what` (`+CGAUTH`, `+CEREG`, `+CGDCONT?`) with
        "not supported" earlier in this session (then it is not asked again)."""
        return what in self.session.get("unsupported", ())

    def _mark_unsupported(self, what: str) -> None:
        known = self.session.setdefault("unsupported", [])
        if what not in known:
            known.append(what)
            log.info("%s: %s not supported; using what the module has instead",
                     self.dialect.name, what)

    def set_auth(self, cid: int, auth: str, username: str | None,
                 password: str | None, apn: str = "", pdp_type: str = "IP",
                 name: str = "") -> None:
        """PAP/CHAP credentials of context `cid`: +CGAUTH, else the dialect's own command.

        +CGAUTH is optional in 27.007; a module that lacks it (ERROR, or CME 4
        "operation not supported") gets the dialect's `auth_command` (which may
        need the context's `apn` and `pdp_type` as well). Where there is none,
        credentials cannot be set: `ProvisionError("auth")` naming the module and
        the bearer (`name`, `apn`); clearing them (`auth` "none") is then a no-op.

        SIM7080 service contexts are entries of the vendor table (+CNCFG), whose
        credentials are fields of the entry (+CGAUTH names +CGDCONT cids, not these):
        the entry is written whole, APN and credentials in one set.

        The password goes only on the wire; errors and traces show it masked.
        """
        number = AUTH_NUMBERS[auth]
        _check_credential(username, "user name")
        _check_credential(password, "password")
        table = self._vendor_table()
        if cid != self.default_cid and table:
            line = _table_entry(table, self.stack_context(cid), pdp_type, apn, auth,
                                username, password)
            self.channel.command(line, timeout=self.dialect.timeout(line))
            return
        if not self.lacks("+CGAUTH"):
            if number == 0:
                line = build_command("+CGAUTH", cid, 0)
            else:
                line = build_command("+CGAUTH", cid, number, username or "", password or "")
            try:
                self.channel.command(line, timeout=self.dialect.timeout(line))
                return
            except (AtCommandError, CmeError) as exc:
                if not _unsupported(exc):
                    raise
                self._mark_unsupported("+CGAUTH")
        how = self.dialect.auth_command
        if how == "pdpauth":
            line = build_command("#PDPAUTH", cid, number, username or "", password or "")
        elif how == "qicsgp":
            line = build_command("+QICSGP", cid, QICSGP_TYPES.get(pdp_type, 1), apn,
                                 username or "", password or "", number)
        elif number == 0:
            log.info("%s has no +CGAUTH: nothing to clear on cid %d", self._module(), cid)
            return
        else:
            raise ProvisionError(
                "auth", "%s cannot set %s authentication for %s (APN %r, cid %d): it has no "
                "+CGAUTH and no authentication command of its own is known for it" % (
                    self._module(), auth.upper(), name or "the bearer", apn, cid),
                hint="use an APN without authentication on this module, or set the "
                "credentials with the module's own command and add it to the dialect "
                "table (me_lib/modem/dialects.py, auth_command)")
        self.channel.command(line, timeout=self.dialect.timeout(line))

    def _module(self) -> str:
        """The module as errors name it: its model, or the dialect when unidentified."""
        ident = self.ident
        if ident is not None and (ident.manufacturer or ident.model):
            return ("%s %s" % (ident.manufacturer, ident.model)).strip()
        return "the %s module" % self.dialect.name

    def _method(self, cid: int) -> str:
        """The activation method (a key of activation.METHODS) context `cid` uses."""
        if cid == self.default_cid:
            return self.dialect.activation
        return self.dialect.service_activation

    def activate(self, cid: int, bearer: Any = None) -> None:
        """Bring a context up the way this module's IP stack needs it (its row of
        me_lib.modem.activation.METHODS: the command, its answer, a confirming URC)."""
        row = method(self._method(cid))
        number = self._number(row, cid)
        wait = self.dialect.timeout(row["up_timeout"])
        try:
            table = row["table"]
            # a service context's vendor-table entry is its definition (define_context
            # and set_auth wrote it, or contexts() read it as it is): only the default
            # bearer's entry needs its APN set here, with its credentials, since a
            # +CNCFG set replaces the whole entry (one without them would drop them)
            if table and bearer is not None and cid == self.default_cid:
                line = _table_entry(table, number, bearer.pdp_type, bearer.apn,
                                    bearer.auth, bearer.username, bearer.password)
                self.channel.command(line, timeout=self.dialect.timeout(line))
            urc = row["up_urc"]
            # a report of this number already queued (the DEACTIVE of an earlier
            # deactivation) is not this activation's outcome; `old` keeps those
            # objects alive while the wait looks them up by id (a set, not a scan
            # of them for every new report)
            old = [u for u in self.channel.pending_urcs()
                   if u.line.upper().startswith(urc.upper())] if urc else []
            stale = {id(u) for u in old}
            self.channel.command(_line(row["up"], number), prefix=row["up_prefix"] or None,
                                 timeout=wait)
            if urc:
                states = [x for x in row["up_states"] if x]
                outcome = self.channel.wait_urc(
                    urc, wait, match=lambda u: id(u) not in stale
                    and _stack_state(u, urc, number) in states)
                if _stack_state(outcome, urc, number) != row["up_states"][0]:
                    raise self._rejection(None, cid)
        except (CmeError, AtCommandError) as exc:
            raise self._rejection(exc, cid) from exc

    def stack_context(self, cid: int) -> int:
        """The number the module's socket commands use for context `cid`.

        Quectel, Telit and nRF91 sockets name the PDP context by its cid; SIMCom
        SIM7080 by its +CNACT application index (the row's `number`).
        """
        return self._number(method(self._method(cid)), cid)

    def _number(self, row: "dict[str, Any]", cid: int) -> int:
        """The module's own number of context `cid` under activation method `row`."""
        if row["number"] == "index":
            # app contexts numbered 0..slots-1: the default bearer's is 0, then services
            last: int = row["slots"] - 1
            return max(0, min(last, cid - self.default_cid))
        return cid

    def _vendor_table(self) -> str:
        """The vendor command that defines service contexts instead of +CGDCONT ("" none)."""
        table: str = method(self.dialect.service_activation)["table"]
        return table

    def deactivate(self, cid: int) -> None:
        """Deactivate context `cid` the way the dialect does (+CGACT, +QIDEACT, +CNACT, #SGACT)."""
        row = method(self._method(cid))
        self.channel.command(_line(row["down"], self._number(row, cid)),
                             timeout=self.dialect.timeout(row["down_timeout"]))

    def active_cids(self, default_only: bool = False) -> set[int]:
        """Contexts that are up, each judged by the view its activation method gives.

        The default bearer is judged by the module's IP-stack view (+QIACT?,
        +CNACT?, #SGACT?), service contexts by theirs; one query per view.
        `default_only`: the default bearer's view alone (one query), for when
        no service context can be up.
        """
        views: dict[str, set[int]] = {}
        # a tuple, not a set: the order of the queries on the wire is fixed
        kinds = (self.dialect.activation,) if default_only else (
            self.dialect.activation, self.dialect.service_activation)
        for how in kinds:
            if how not in views:
                views[how] = self._active_view(how)
        cids = {self.default_cid} | views.get(self.dialect.service_activation, set())
        return {c for c in cids if c in views.get(self._method(c), ())}

    def _active_view(self, how: str) -> set[int]:
        """The cids method `how` reports up (its read command); addresses it shows are
        kept in `session["stack_addresses"]`."""
        row = method(how)
        head = row["query"]
        prefix = head + ":"
        try:
            rsp = self.channel.command("AT" + head + "?", prefix=prefix,
                                       timeout=self.dialect.timeout(row["query_timeout"]))
        except (AtCommandError, CmeError):
            if row["query_refusal_is_none"]:
                return set()
            raise
        by_index = row["number"] == "index"
        field = row["address_field"]
        up = set()
        for r in rsp.fields(prefix):
            number = to_int(r[0]) if r else None
            if number is None or len(r) < 2 or to_int(r[1]) != 1:
                continue
            cid = number + self.default_cid if by_index else number
            up.add(cid)
            if 0 <= field < len(r) and r[field] and r[field] != "0.0.0.0":
                self.session.setdefault("stack_addresses", {})[cid] = [r[field]]
        return up

    def _rejection(self, exc: CmeError | AtCommandError | None, cid: int) -> MeLibError:
        """The 3GPP cause behind a failed activation, however this module reports it.

        `exc` None: the module's own URC said the activation was refused (SIM7080
        `+APP PDP: <n>,DEACTIVE`); without a readable cause that is still a refusal
        (ActivationRejected, cause None), which the flow's RetryPolicy treats as
        transient, not a command error.
        """
        cause = None
        if isinstance(exc, CmeError):
            cause = esm_cause_of_cme(exc.code)
        if cause is None and esm_report(self.dialect.esm_report)["by_urc"]:
            self.channel.poll(0.0)
            cause = self.esm_causes.pop(cid, None)
        if cause is None:
            cause = self.ceer_cause()
        if cause is None and exc is not None:
            return exc
        return ActivationRejected(cid, cause, exc)

    def ceer(self) -> str:
        """The modem's last error report (AT+CEER) as text, "" if it has none: it says why
        an activation or attach was refused.
        """
        try:
            rsp = self.channel.command("AT+CEER", prefix=("+CEER:", ""),
                                       timeout=self.dialect.timeout("AT+CEER"))
        except (AtCommandError, CmeError):
            return ""
        return " ".join(unquote(x.replace("+CEER:", "").strip()) for x in rsp.lines)

    def ceer_cause(self) -> int | None:
        """An ESM cause number from +CEER text (`... cause 27`, `#27`, or its name)."""
        text = self.ceer()
        if not text:
            return None
        low = text.lower()
        for token in low.replace("#", " #").replace(",", " ").replace(":", " ").split():
            value = to_int(token.lstrip("#"))
            if value is not None and value in ESM_CAUSES:
                return value
        for number in sorted(ESM_CAUSES):       # not dict order: the lowest matching cause
            if ESM_CAUSES[number].lower() in low:
                return number
        return None

    def context_info(self, cid: int) -> ContextInfo:
        """APN, addresses and DNS servers of an active context."""
        info = None
        try:
            line = build_command("+CGCONTRDP", cid)
            rsp = self.channel.command(line, prefix="+CGCONTRDP:",
                                       timeout=self.dialect.timeout(line))
            info = parse_cgcontrdp(rsp.lines, cid)
        except (AtCommandError, CmeError):
            info = None
        if info is None:
            info = ContextInfo(cid)
        if not info.addresses:
            try:
                line = build_command("+CGPADDR", cid)
                rsp = self.channel.command(line, prefix="+CGPADDR:",
                                           timeout=self.dialect.timeout(line))
                info.addresses = parse_cgpaddr(rsp.lines).get(cid, [])
            except (AtCommandError, CmeError):
                pass
        return info

    def context_infos(self, cids: list[int]) -> dict[int, ContextInfo]:
        """ContextInfo for several active contexts with as few round trips as possible.

        One bare `AT+CGCONTRDP` lists every active context; a bare `AT+CGPADDR`
        fills addresses it left out; per-cid queries are the fallback for
        modules that refuse the bare forms.
        """
        out: dict[int, ContextInfo] = {}
        # SIM7080 service contexts live in the +CNCFG table, not in +CGDCONT's cids: their
        # addresses come from the activation method's own view (+CNACT?)
        service = self.dialect.service_activation
        vendor = [c for c in cids if c != self.default_cid and method(service)["table"]]
        standard = [c for c in cids if c not in vendor]
        dns: list[str] = []
        try:
            rsp = self.channel.command("AT+CGCONTRDP", prefix="+CGCONTRDP:",
                                       timeout=self.dialect.timeout("AT+CGCONTRDP"))
            for cid in standard:
                info = parse_cgcontrdp(rsp.lines, cid)
                if info is not None:
                    out[cid] = info
                    dns = dns or info.dns
        except (AtCommandError, CmeError):
            pass
        if vendor:
            stack = self.session.get("stack_addresses", {})
            if any(c not in stack for c in vendor):
                self._active_view(service)
                stack = self.session.get("stack_addresses", {})
            for cid in vendor:
                out[cid] = ContextInfo(cid, addresses=list(stack.get(cid, [])), dns=list(dns))
        for cid in cids:
            out.setdefault(cid, ContextInfo(cid))
        missing = [c for c in cids if not out[c].addresses]
        if missing:
            try:
                rsp = self.channel.command("AT+CGPADDR", prefix="+CGPADDR:",
                                           timeout=self.dialect.timeout("AT+CGPADDR"))
                addrs = parse_cgpaddr(rsp.lines)
                for cid in missing:
                    out[cid].addresses = addrs.get(cid, [])
            except (AtCommandError, CmeError):
                for cid in missing:
                    out[cid] = self.context_info(cid)
        return out

    def network_apn(self, timeout: float = 120.0) -> str | None:
        """The APN the network gave the default bearer, without the operator suffix.

        On LTE the attach brings the default bearer up with the network's APN
        when ours is empty, so this waits (bounded) for registration first.
        """
        cid = self.default_cid

        def registered() -> bool:
            return any(r.registered for r in self.registrations().values())

        if not registered():
            if self.functionality() != 1:
                self.set_functionality(1)
            self.wait(registered, timeout, poll=2.0)
        info = self.context_info(cid)
        apn = info.apn
        if not apn:
            for ctx in self.contexts():
                if ctx.cid == cid:
                    apn = ctx.apn
        if not apn:
            return None
        return apn_rules.strip_operator_id(apn)

    def registered_plmn(self) -> str | None:
        """MCC+MNC of the network the MT is registered on (`+COPS?` in numeric
        format, switched to with `+COPS=3,2` when needed); None when not registered."""
        for attempt in range(2):
            rsp = self.channel.command("AT+COPS?", prefix="+COPS:",
                                       timeout=self.dialect.timeout("AT+COPS?"))
            row = rsp.first("+COPS:")
            if row is None or len(row) < 3:
                return None
            if row[1] == "2":
                digits = row[2]
                return digits if len(digits) in (5, 6) and digits.isdigit() else None
            if attempt == 0:
                self.channel.command("AT+COPS=3,2", timeout=self.dialect.timeout("AT+COPS=3"))
        return None

    def ursp_rules(self, timeout: float = 120.0) -> "list[list[str]] | None":
        """The URSP rules stored at the MT, read after registration (bounded wait):
        the fields of each `+C5GURSPQRY?` answer line, unquoted (TS 27.007 §10.1.75:
        one line per route selection descriptor; `codec.ursp.rules_from_query` makes
        rules of them). None where the module has no such command
        (`dialect.ursp_query`) or refuses it.
        """
        query = self.dialect.ursp_query
        if not query:
            return None

        def registered() -> bool:
            return any(r.registered for r in self.registrations().values())

        if not registered():
            self.wait(registered, timeout, poll=2.0)
        prefix = query[2:] + ":"
        try:
            rsp = self.channel.command(query + "?", prefix=prefix,
                                       timeout=self.dialect.timeout(query + "?"))
        except (AtCommandError, CmeError) as exc:
            log.info("%s? refused (%s): no network URSP rules", query, exc)
            return None
        return rsp.fields(prefix)

    def pco_dm_address(self) -> str | None:
        """A DM address the network sent in an operator PCO container (FF00h..)."""
        self.channel.poll(0.0)
        for container in sorted(self.pco_values):
            value = self.pco_values[container]
            if value:
                return value
        return None

    # -- URC hooks ---------------------------------------------------------------------

    def _on_registration(self, urc: Urc) -> None:
        reg = parse_registration(urc.line)
        if reg is not None:
            self._latest_reg[reg.domain] = reg

    def _on_cpin(self, urc: Urc) -> None:
        # the module reporting its SIM state unasked: the memo follows it
        if parse_cpin([urc.line]) == "READY":
            self.session["sim_ready"] = True
        else:
            self.session.pop("sim_ready", None)

    def _on_cnec(self, urc: Urc) -> None:
        values = line_values(urc.line, "+CNEC_ESM:")
        cause = to_int(values[0]) if values else None
        cid = to_int(values[1]) if len(values) > 1 else None
        if cause is not None:
            self.esm_causes[cid if cid is not None else -1] = cause

    def _on_pco(self, urc: Urc) -> None:
        values = line_values(urc.line, self.dialect.pco_urc)
        if len(values) < 2:
            return
        ident = to_int(values[0], 16) if not values[0].isdigit() else to_int(values[0])
        text = values[-1].strip()
        try:
            decoded = bytes.fromhex(text).decode("utf-8")
        except ValueError:
            decoded = text
        if ident is not None and decoded:
            self.pco_values[ident] = decoded

    @property
    def sockets(self) -> Any:
        """The dialect's DNS/socket adapter, or None where the module has none."""
        if self._sockets is None and self.dialect.family:
            from me_lib.modem.sockets import ADAPTERS

            factory = ADAPTERS.get(self.dialect.family)
            if factory is not None:
                self._sockets = factory(self.channel)
        return self._sockets

    def wait(self, predicate: Callable[[], bool], timeout: float, poll: float = 1.0) -> bool:
        """Poll `predicate` (URCs delivered in between) until true or `timeout` seconds."""
        clock = self.channel.clock
        deadline = clock() + timeout
        while True:
            if predicate():
                return True
            if clock() >= deadline:
                return False
            self.channel.poll(min(poll, max(0.0, deadline - clock())))


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


_PIN_HINT = ("correct the PIN at its source (ME_LIB_PIN or --pin-file): every wrong try "
             "brings the card closer to its PUK")


def _pin_key(pin: str) -> int:
    """What the session remembers of a refused PIN: enough to recognise it, not the PIN."""
    return hash("me_lib-pin:" + pin)


def _too_few_tries(retries: int | None) -> PinBlocked:
    """Why the PIN is not risked: the card is blocked, on its last try, or will not say."""
    if retries == 1:
        return PinBlocked(
            "1 PIN try left: the card is not blocked yet, but a wrong PIN now would block "
            "it (then only the PUK unblocks it), so the PIN is not sent", 1,
            hint="enter the right PIN by hand (AT+CPIN) or check the PIN source "
            "(ME_LIB_PIN or --pin-file), then run again with force_pin")
    if retries is None:
        return PinBlocked("the card does not tell how many PIN tries are left: the PIN is "
                          "not sent", None,
                          hint="enter the PIN by hand (AT+CPIN) if you are sure of it")
    return PinBlocked("only %d PIN tries left: the PIN is not sent" % retries, retries)


def _printable(text: str) -> bool:
    return all(" " <= ch <= "~" for ch in text)


def _is_imei(text: str) -> bool:
    """An IMEI (15 digits) or IMEISV (16), as +CGSN gives it (27.007 §5.4)."""
    return text.isdigit() and 14 <= len(text) <= 17


def _unsupported(exc: MeLibError) -> bool:
    """Whether a refusal means "not supported": a plain ERROR (what a module answers
    to a command it does not know) or +CME ERROR: 4 "operation not supported"."""
    if isinstance(exc, CmeError):
        return exc.code in _UNSUPPORTED_CME
    return isinstance(exc, AtCommandError)


def _env(name: str) -> str | None:
    """An environment variable, or None where it is unset or the port has no environment."""
    getenv = getattr(os, "getenv", None)    # boards' os modules have none
    return (getenv(name) if getenv is not None else None) or None


def _line(form: "tuple[Any, ...]", number: int) -> str:
    """The command line of an activation row's `up`/`down` form for context `number`."""
    return build_command(form[0], *[number if p == N else p for p in form[1:]])


def _table_entry(table: str, number: int, pdp_type: str, apn: str, auth: str,
                 username: str | None, password: str | None) -> str:
    """The whole vendor-table entry of context `number` as one set command.

    SIM7080 AT manual: AT+CNCFG=<pdpidx>,<ip_type>[,<APN>[,<username>,<password>
    [,<authentication>]]] (0 none, 1 PAP, 2 CHAP); a set replaces the entry, so
    credentials are written with the APN, and left out when there are none.
    """
    kind = CNCFG_NUMBERS.get(pdp_type, 1)
    number_auth = AUTH_NUMBERS.get(auth, 0)
    if number_auth == 0:
        return build_command(table, number, kind, apn)
    _check_credential(username, "user name")
    _check_credential(password, "password")
    return build_command(table, number, kind, apn, username or "", password or "",
                         number_auth)


def _check_credential(value: "str | None", label: str) -> None:
    """Refuse a user name or password no AT line can carry, without showing it.

    `build_command` would refuse it too, but its error quotes the value (and keeps
    it in `.value`): right for an APN, a leak for a credential, which errors,
    logs and `--json` must never show. Nothing is written when this raises.
    """
    if value is None:
        return
    if not isinstance(value, str) or len(value) > _CREDENTIAL_MAX:
        raise InvalidAtParameter("the %s is not text of at most %d characters (not shown: "
                                 "it is a credential)" % (label, _CREDENTIAL_MAX))
    for i, c in enumerate(value):
        if ord(c) < 0x20 or ord(c) > 0x7E or c in '";\\':
            raise InvalidAtParameter(
                "the %s holds a character an AT command cannot carry at index %d (a control "
                "or non-ASCII character, a quote, semicolon or backslash; not shown: it is "
                "a credential)" % (label, i))


def _stack_state(urc: Urc, prefix: str, number: int) -> str:
    """The state `urc` (`+APP PDP: <n>,<state>`) reports for context `number`, upper
    case; "" when it is about another context or malformed."""
    values = line_values(urc.line, prefix)
    if len(values) >= 2 and to_int(values[0]) == number:
        return values[1].strip().upper()
    return ""


class ActivationRejected(MeLibError):
    """The network refused a PDP activation with a 3GPP ESM cause."""

    def __init__(self, cid: int, cause: int | None, error: MeLibError | None = None) -> None:
        name = "unknown"
        if cause is None:
            # the module said "refused" (a failure URC) but gave no readable cause
            super().__init__(
                "activation of cid %d rejected by the network: ESM cause unknown" % cid,
                "the module reported no ESM cause; check the APN and its credentials "
                "with the operator if it keeps failing")
        else:
            name = ESM_CAUSES.get(cause) or "cause %d" % cause
            super().__init__("activation of cid %d rejected: ESM cause #%d %s" % (
                cid, cause, name))
        self.cid = cid
        self.cause = cause
        self.cause_name = name
        self.error = error
