"""Per-module differences, as one data table (ubxlib style), not subclasses.

A row says how a module family differs from plain 27.007: its default-bearer
cid, how it numbers access technologies, what turns its radio off, the banners
it prints when it boots, how it signals a SIM REFRESH, the quirks of its
+CRSM, which vendor DNS/socket commands it has and how a PDP context is
activated for its internal IP stack. Adding a module is adding a row (and the
tests gated on its capabilities).

Facts come from the vendors' AT manuals and captures of real modules;
this table is written independently of the simulator's own (me_lib/sim), so
the two can catch each other's mistakes.

Portable (MicroPython): plain classes and tuples; nothing iterates a dict.

A board drives one module, and every row costs heap when this module is
imported, so a board build can carry one row only: `firmware_shim/deploy.py
--dialect NAME` (and the freeze manifests with ME_LIB_DIALECT=NAME) ship a
board edition of this file, generated from it by firmware_shim/board_edition.py,
whose DIALECTS holds that row alone and whose LEFT_OUT names the others. There
`by_name` of a left-out row says to deploy for it, and `match_dialect` of
another family's module gives GENERIC (plain 27.007), as for a module the
table does not know: a board forcing its config's "dialect" (its main.py does)
gets its row or that error, never a silent GENERIC.
"""

from me_lib.at.timeouts import timeout_for

try:  # names for the annotations only (MicroPython has no typing)
    from typing import Any
except ImportError:
    pass


class Dialect:
    """One module family. Every field has the plain-27.007 default.

    The defaults are class attributes and a row keeps only the fields it sets
    (issue 15): on a board each row's attribute table then holds a few entries,
    not 32, and the rows share the empty defaults. The defaults are shared:
    read them, never change them in place (`dict(d.crsm_seed)` to own a copy).
    A field given as None keeps its default.
    """

    name = "generic"
    match: "tuple[str, ...]" = ()
    #: socket/DNS adapter family (me_lib.modem.sockets.ADAPTERS); "" = none
    family = ""
    default_cid = 1
    act_names: "dict[int, str]" = {}
    radio_off_cfun = 4
    boot_banners: "tuple[str, ...]" = ()
    refresh_urcs: "tuple[str, ...]" = ("+CUSATP:",)
    sim_ready_urcs: "tuple[str, ...]" = ("+CPIN: READY",)
    #: initial +CRSM quirk cache for me_lib.card.crsm.CrsmAccess
    crsm_seed: "dict[str, str]" = {}
    csim_lock = False
    iccid_command = "AT+CCID"
    iccid_prefix = "+CCID:"
    #: how the context of the module's own IP stack (APN0) is brought up:
    #: a key of me_lib.modem.activation.METHODS ("cgact" | "qiact" | "cnact" |
    #: "sgact"); service contexts use `service_activation` (same unless the
    #: module says otherwise)
    activation = "cgact"
    service_activation = "cgact"
    #: how an ESM reject is reported (me_lib.modem.activation.ESM_REPORTS):
    #: "cme" (+CME ERROR: 1xx) | "ceer" | "cnec"
    esm_report = "cme"
    default_apn_change_needs_radio_off = True
    registration_domains: "tuple[str, ...]" = ("CEREG", "CGREG", "CREG")
    pco_urc = ""
    #: this module's own command timeouts, over me_lib/at/timeouts.py's (`timeout`)
    timeouts: "dict[str, float]" = {}
    socket_contexts = 1
    #: vendor commands that switch on URCs the flow listens to (e.g. SIM status)
    event_commands: "tuple[str, ...]" = ()
    #: the module's own per-context PAP/CHAP command, used where +CGAUTH (optional
    #: in 27.007) is missing: "qicsgp" (Quectel +QICSGP=<cid>,<type>,<apn>,<user>,
    #: <password>,<auth>), "pdpauth" (Telit #PDPAUTH=<cid>,<auth>,<user>,<password>);
    #: "" = none known
    auth_command = ""
    # Power pins, for a board that wires them (firmware_shim/power.py), in
    # seconds; None where the vendor documents no such pin or value. A pulse
    # is the documented minimum with a margin, kept below any documented
    # maximum: on Quectel and SIMCom one pin both starts and stops the module,
    # so a too-long "on" pulse would turn a running module off.
    #: how long to hold PWRKEY (PWR_ON, ON_OFF*) low to switch the module on
    pwrkey_on_s: "float | None" = None
    #: how long to hold it low for an orderly switch-off (network detach first)
    pwrkey_off_s: "float | None" = None
    #: how long to hold the reset (or unconditional shutdown) pin low
    reset_pulse_s: "float | None" = None
    #: what that pulse does: "reboot" (RESET_N restarts the module), "shutdown"
    #: (the pin switches it off: power it on again after), "pwrkey" (no reset
    #: pin: PWRKEY held `reset_pulse_s` restarts it)
    reset_kind = "reboot"
    #: from the end of the "on" pulse until the AT port answers
    boot_s: "float | None" = None
    #: the command whose read form lists the URSP rules stored at the MT
    #: (`+C5GURSPQRY`, TS 27.007 §10.1.75: docs/ursp.md); "" = none
    ursp_query = ""

    def __init__(self, name: str, **fields: "Any") -> None:
        self.name = name
        for key in fields:
            if key[0] == "_" or key == "name" or callable(getattr(Dialect, key, len)):
                raise TypeError("Dialect() has no field %r" % key)
            if fields[key] is not None:
                setattr(self, key, fields[key])
        if fields.get("service_activation") is None and "activation" in fields:
            self.service_activation = self.activation
        if self.reset_kind not in ("reboot", "shutdown", "pwrkey"):
            raise ValueError("reset_kind must be reboot, shutdown or pwrkey")

    def timeout(self, command: str) -> float:
        """How long to wait for `command` (a line or a key of the timeout tables) on
        this module: the row's own entry, else the default table's
        (me_lib/at/timeouts.py), the longest matching key winning."""
        return timeout_for(command, self.timeouts)

    def act_name(self, act: int | None, standard: str) -> str:
        """Vendor AcT numbering over the 27.007 one (BG96/ME910 report 8 for LTE-M)."""
        if act is not None and act in self.act_names:
            return self.act_names[act]
        return standard

    def __repr__(self) -> str:
        return "Dialect(%s)" % self.name


GENERIC = Dialect("generic")

DIALECTS = (
    Dialect(
        "quectel-bg96", match=("BG96", "BG95", "BG77", "BG600"), family="quectel",
        act_names={8: "LTE-M", 9: "NB-IoT"},
        boot_banners=("RDY", "APP RDY"),
        refresh_urcs=("+QUSIM:", "+CUSATP:"),
        sim_ready_urcs=("+CPIN: READY", "+QUSIM: 1"),
        iccid_command="AT+QCCID", iccid_prefix="+QCCID:",
        # newer BG96 firmware refuses +CGACT for the IP-stack contexts (mbed-os #9749)
        activation="qiact", esm_report="cme", auth_command="qicsgp",
        # Quectel BG96 Hardware Design V1.4, 3.7-3.9: PWRKEY low >= 500 ms turns it
        # on, >= 650 ms off (BG95&BG96 Compatible Design V1.0, 4.3.2: 650-1500 ms on
        # BG95); RESET_N low 150-460 ms; UART ready about 4.8 s after PWRKEY
        # [U: the turn-on timing figure]. BG95/BG77 reset through PWRKEY
        # (2-3.8 s, BG77 Hardware Design 3.7): they need a row of their own to use it.
        pwrkey_on_s=0.5, pwrkey_off_s=0.8, reset_pulse_s=0.3, boot_s=4.8,
    ),
    Dialect(
        "ublox-sara-r4", match=("SARA-R4", "SARA-R5", "LARA-R6", "U-BLOX"), family="ublox",
        act_names={7: "LTE-M", 9: "NB-IoT"}, radio_off_cfun=4,
        refresh_urcs=("+UUSIMSTAT:", "+CUSATP:"),
        # +UUSIMSTAT (REFRESH results 9/10) only after +USIMSTAT; bits 0-2: SIM
        # initialisation, phonebook, REFRESH [U: bit positions from the R4 manual]
        event_commands=("AT+USIMSTAT=7",),
        activation="cgact", esm_report="ceer",
        timeouts={"+CGATT": 360.0},
        # u-blox SARA-R4 series System Integration Manual UBX-16029218, 1.6, and
        # the SARA-R4 Data Sheet it refers to: PWR_ON low 0.15-3.2 s switches on,
        # >= 1.5 s switches off; RESET_N low >= 10 s is an abrupt shutdown (R410M/
        # R412M); AT ready about 5 s after the pulse [U: data sheet values].
        pwrkey_on_s=0.3, pwrkey_off_s=2.0, reset_pulse_s=10.0, boot_s=5.0,
        reset_kind="shutdown",
    ),
    Dialect(
        "simcom-sim7080", match=("SIM7080", "SIM7070", "SIM7000"), family="simcom",
        act_names={7: "LTE-M", 9: "NB-IoT"},
        boot_banners=("RDY", "SMS Ready"),
        crsm_seed={"get_response": "0,0,255"},
        # TinyGSM: +CGACT must not be used on SIM7080; +CNACT drives the app contexts
        activation="cnact", esm_report="ceer",
        # SIMCom SIM7080G Hardware Design V1.04, 3.4 (power on/off/reset): PWRKEY
        # low >= 1 s turns it on, >= 1.2 s off (SIM7000 Hardware Design V1.04,
        # table 9, same family); no RESET pin: PWRKEY held >= 12 s resets
        # [U: SIM7080G values]; UART ready about 1.8 s after power-on [U].
        pwrkey_on_s=1.0, pwrkey_off_s=1.3, reset_pulse_s=12.0, boot_s=1.8,
        reset_kind="pwrkey",
    ),
    Dialect(
        "telit-me910", match=("ME910", "ME310", "LE910", "TELIT"), family="telit",
        act_names={8: "LTE-M", 9: "NB-IoT"},
        csim_lock=True, iccid_command="AT#CCID", iccid_prefix="#CCID:",
        # #SGACT binds the Telit IP stack (sockets) to a context; other contexts use +CGACT
        activation="sgact", service_activation="cgact", esm_report="cme",
        # ME910C1 AT Commands Reference Guide 80529ST10815A, #PDPAUTH
        auth_command="pdpauth",
        # Telit ME910C1 Hardware Design Guide 1VV0301271, 5.1-5.3: ON_OFF* low
        # >= 5 s turns it on, >= 2.5 s off (as LE910Cx HW Design Guide 1VV0301298,
        # 5.3.2); HW_SHUTDOWN* low >= 200 ms is the unconditional shutdown; AT
        # ready about 10 s after power-on [U: ME910C1 values].
        pwrkey_on_s=5.0, pwrkey_off_s=3.0, reset_pulse_s=0.2, boot_s=10.0,
        reset_kind="shutdown",
    ),
    Dialect(
        "nordic-nrf91-slm", match=("NRF91", "NRF9160", "NRF9151", "NORDIC"), family="nrf91",
        default_cid=0, act_names={7: "LTE-M", 9: "NB-IoT"}, radio_off_cfun=4,
        boot_banners=("Ready",),
        iccid_command="AT%XICCID", iccid_prefix="%XICCID:",
        activation="cgact", esm_report="cnec",
        registration_domains=("CEREG",), pco_urc="%XPCO:",
        # nRF9160 Product Specification: no PWRKEY (it runs while powered) and
        # the SLM application documents no reset pulse: the power fields stay None.
    ),
    Dialect(
        # 5G NR sub-6 modules: the BG96 row's IP stack (+QIACT/+QIOPEN) and SIM URCs,
        # plus the MT's URSP rules through the 27.007 read command +C5GURSPQRY?
        # (§10.1.75, Rel-18) [U: whether this firmware implements it: no Quectel
        # manual found that lists it; docs/ursp.md]. Registration is read through
        # +CEREG like the BG96 row; +C5GREG URCs are watched (provision/watch.py)
        # [U: +C5GREG? not used].
        "quectel-rm500q", match=("RM500Q", "RG500Q", "RM502Q", "RM520N", "RG520N"),
        family="quectel", boot_banners=("RDY",),
        refresh_urcs=("+QUSIM:", "+CUSATP:"),
        sim_ready_urcs=("+CPIN: READY", "+QUSIM: 1"),
        iccid_command="AT+QCCID", iccid_prefix="+QCCID:",
        activation="qiact", esm_report="cme",
        ursp_query="AT+C5GURSPQRY",
        # M.2 cards powered by the host (FULL_CARD_POWER_OFF#, RESET#), no PWRKEY:
        # the power fields stay None [U: RM500Q Hardware Design not checked].
    ),
)

#: the rows this build left out: () in the library; a board edition (see above) names
#: every row but its own here, so `by_name` can say what to do about them
LEFT_OUT: "tuple[str, ...]" = ()


#: The vendor behind each dialect family, as its +CGMI says it: a model the table
#: knows needs no +CGMI round trip (`Modem.identify`, the board core's start).
VENDORS = {"quectel": "Quectel", "ublox": "u-blox", "simcom": "SIMCOM INCORPORATED",
           "telit": "Telit", "nrf91": "Nordic Semiconductor ASA"}


def match_dialect(identification: str) -> Dialect:
    """The row whose match strings appear in the module's +CGMI/+CGMM/ATI answers
    (GENERIC if none: on a board edition, also for the families it left out)."""
    text = identification.upper()
    for dialect in DIALECTS:
        for token in dialect.match:
            if token in text:
                return dialect
    return GENERIC


def by_name(name: str) -> Dialect:
    """The row called `name`; MeLibError (saying what to do) for a name it lacks."""
    if name == GENERIC.name:
        return GENERIC
    for dialect in DIALECTS:
        if dialect.name == name:
            return dialect
    from me_lib.errors import MeLibError

    if name in LEFT_OUT:
        raise MeLibError("this build carries only the %s row, not %s" % (
            " ".join([d.name for d in DIALECTS]) or GENERIC.name, name),
            "deploy with --dialect %s (firmware_shim/deploy.py; ME_LIB_DIALECT=%s for a "
            "frozen build), or set the config's \"dialect\" to this build's" % (name, name))
    raise MeLibError("unknown modem dialect %r" % name,
                     "use one of: " + ", ".join([GENERIC.name] + [d.name for d in DIALECTS]))
