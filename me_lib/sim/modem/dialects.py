"""The simulated modules, as one data table (no subclasses).

Each entry records what the real module shows on the wire: identification
strings, boot banners, default-bearer cid, AcT numbering, how it reports an ESM
reject, its +CRSM/+CSIM/+CCHO quirks, its REFRESH signalling and which vendor
socket/DNS command family it speaks. Facts come from the vendors' AT manuals
and captures of real modules (tests/sim_modem/test_transcripts.py); where they are
silent the value is a plausible choice and is marked "[U]" in a comment.

This table is deliberately separate from me_lib.modem's dialect table: the
simulator and the driver are written from the sources independently.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dialect:
    """How one module family behaves; see the module docstring."""

    name: str
    manufacturer: str
    model: str
    revision: str
    ati: tuple[str, ...]                     # lines of ATI; "{imei}" is substituted
    extra_info: tuple[tuple[str, tuple[str, ...]], ...] = ()   # e.g. ("I9", (...))
    imei: str = "353456789012347"
    # ICCID commands: command name -> line format ("{iccid}")
    iccid_cmds: tuple[tuple[str, str], ...] = (("+CCID", "+CCID: {iccid}"),)
    cgsn_prefixed: bool = False               # "+CGSN: <imei>" instead of the bare IMEI
    # power-up
    boot_time: float = 2.0                    # virtual s of silence after power-on/reset
    boot_banners: tuple[str, ...] = ()        # printed when the AT interpreter is up
    sim_banners: tuple[str, ...] = ()         # printed when the SIM is initialised ("{cpin}")
    sim_busy: float = 3.0                     # +CPIN? -> +CME ERROR: 14 during this time
    cpin_not_ready: bool = False              # "+CPIN: NOT READY" instead of CME 14 while busy
    cfun_values: tuple[int, ...] = (0, 1, 4)
    cfun_reset_values: tuple[int, ...] = ()   # values that reboot the module (u-blox 15/16)
    cfun_rst_supported: bool = True           # AT+CFUN=1,1 reboots
    reset_commands: tuple[str, ...] = ()      # vendor reboot commands (e.g. "#XRESET")
    power_down_command: str = ""              # e.g. "+QPOWD" -> "POWERED DOWN"
    reset_banner: str = ""                    # printed as a reset starts (BG96: POWERED DOWN)
    boot_cfun: int = 1                        # functionality level after power-up
    # registration / packet data
    cs_registration: bool = True              # +CREG/+CGREG exist (nRF91: only +CEREG)
    default_cid: int = 1
    cid_max: int = 15
    predefined_contexts: tuple[tuple[int, str, str], ...] = ()   # (cid, type, apn)
    act_ltem: int = 7
    act_nbiot: int = 9
    cgdcont_tail: int = 2                     # number of trailing 0 fields in +CGDCONT?
    cgdcont_empty_addr_ip: str = "0.0.0.0"
    cgdcont_shows_ip: bool = False            # nRF91 prints the assigned address in <addr>
    cgpaddr_quoted: bool = True
    cgcontrdp_format: str = "combined"        # combined | separate | addr_only | nordic
    esm_report: str = "cme"                   # cme | ceer | cnec
    # SIM access quirks
    crsm_quoted: bool = True
    crsm_lower: bool = False
    crsm_getresp_needs_255: bool = False      # GET RESPONSE fails unless P1,P2,P3 = 0,0,255
    crsm_stray_zero: bool = False             # Telit: "+CRSM: 0" line before the real one
    csim_raw_61xx: bool = True                # +CSIM returns 61xx untouched
    csim_lock: bool = False                   # Telit: AT+CSIM=1 / AT+CSIM=0 lock the SIM path
    ccho_bare: bool = False                   # +CCHO answers a bare number
    refresh_style: str = "cusatp"             # cusatp | uusimstat | qusim
    sockets: str = ""                         # "" | quectel | ublox | simcom | telit | nrf
    # per-command latency (virtual seconds); key "NAME" or "NAME:kind"
    delays: tuple[tuple[str, float], ...] = ()
    base_delay: float = 0.01
    extra_ok: tuple[str, ...] = field(default=())   # vendor commands answered with a bare OK
    ursp_query: bool = False                  # +C5GURSPQRY? lists the network's URSP rules

    def delay_for(self, name: str, kind: str) -> float:
        """The module's typical answer time for a command, in virtual seconds."""
        table = dict(self.delays)
        return table.get(name + ":" + kind, table.get(name, self.base_delay))

    def act(self, rat: str) -> int:
        """AcT number this module prints for the radio access technology `rat`."""
        return self.act_nbiot if rat == "nb-iot" else self.act_ltem


_COMMON_DELAYS: tuple[tuple[str, float], ...] = (
    ("+CFUN:set", 0.4), ("+COPS:test", 20.0), ("+COPS:set", 0.3), ("+CGACT:set", 1.2),
    ("+CGATT:set", 0.5), ("+CRSM", 0.05), ("+CSIM", 0.05), ("+CGLA", 0.05),
    ("+CCHO", 0.08), ("+CPIN:set", 0.3),
)

GENERIC = Dialect(
    name="generic",
    manufacturer="me_lib",
    model="SIM-27007",
    revision="1.0.0",
    ati=("me_lib", "SIM-27007", "Revision: 1.0.0"),
    boot_banners=("RDY",),
    sim_banners=("+CPIN: {cpin}",),
    ccho_bare=True,            # 27.007 table shows the bare <sessionid>
    delays=_COMMON_DELAYS,
)

QUECTEL_BG96 = Dialect(
    name="quectel-bg96",
    manufacturer="Quectel",
    model="BG96",
    revision="BG96MAR02A07M1G",
    ati=("Quectel", "BG96", "Revision: BG96MAR02A07M1G"),
    iccid_cmds=(("+QCCID", "+QCCID: {iccid}"), ("+CCID", "+CCID: {iccid}")),
    boot_banners=("RDY",),
    sim_banners=("+CFUN: 1", "+CPIN: {cpin}", "+QUSIM: 1", "+QIND: SMS DONE"),
    power_down_command="+QPOWD",
    reset_banner="POWERED DOWN",   # transcript tgsm157-urc-0 (after AT+CFUN=1,1)
    act_ltem=8,
    cgdcont_tail=2,
    cgcontrdp_format="combined",
    esm_report="cme",
    refresh_style="qusim",
    sockets="quectel",
    delays=(*_COMMON_DELAYS, ("+QIACT:set", 1.5), ("+QIDNSGIP:set", 0.05),
            ("+QIOPEN:set", 0.05), ("+QIDEACT:set", 0.5)),
    extra_ok=("+QURCCFG", "+QCFG", "+QINDCFG"),
)

QUECTEL_RM500Q = Dialect(
    name="quectel-rm500q",
    manufacturer="Quectel",
    model="RM500Q-GL",
    revision="RM500QGLABR11A06M4G",
    ati=("Quectel", "RM500Q-GL", "Revision: RM500QGLABR11A06M4G"),
    iccid_cmds=(("+QCCID", "+QCCID: {iccid}"), ("+CCID", "+CCID: {iccid}")),
    boot_banners=("RDY",),
    sim_banners=("+CPIN: {cpin}", "+QUSIM: 1", "+QIND: SMS DONE"),
    power_down_command="+QPOWD",
    reset_banner="POWERED DOWN",
    act_ltem=7,                # [U] the simulated network is LTE: E-UTRAN
    cgdcont_tail=2,
    cgcontrdp_format="combined",
    esm_report="cme",
    refresh_style="qusim",
    sockets="quectel",
    delays=(*_COMMON_DELAYS, ("+QIACT:set", 1.5), ("+QIDNSGIP:set", 0.05),
            ("+QIOPEN:set", 0.05), ("+QIDEACT:set", 0.5)),
    extra_ok=("+QURCCFG", "+QCFG", "+QINDCFG", "+QNWPREFCFG"),
    # the 27.007 §10.1.75 read form +C5GURSPQRY?: one line per route selection descriptor
    ursp_query=True,
)

UBLOX_SARA_R4 = Dialect(
    name="ublox-sara-r4",
    manufacturer="u-blox",
    model="SARA-R412M-02B",
    revision="M0.09.00 [Jan 31 2019 18:59:31]",
    ati=("Manufacturer: u-blox", "Model: SARA-R412M-02B",
         "Revision: M0.09.00 [Jan 31 2019 18:59:31]", "SVN: 05", "IMEI: {imei}"),
    extra_info=(("I9", ("M0.09.00,A.02.11",)),),
    boot_time=4.0,
    boot_banners=(),           # no greeting unless +CSGT configures one
    sim_banners=(),
    cfun_values=(0, 1, 4, 15, 16, 19),
    cfun_reset_values=(15, 16),
    act_ltem=7,
    cgdcont_tail=2,
    cgpaddr_quoted=False,      # transcript mag-11: +CGPADDR: 1,10.184.84.84
    cgcontrdp_format="separate",
    esm_report="ceer",
    refresh_style="uusimstat",
    sockets="ublox",
    delays=(*_COMMON_DELAYS, ("+UDNSRN:set", 0.2), ("+USOCO:set", 0.05), ("+CGATT:set", 2.0)),
    extra_ok=("+UMNOPROF", "+URAT", "+UBANDMASK", "+CSCON", "+UPSV", "&C", "&D", "&K",
              "+CPSMS", "+CEDRXS"),    # +UDCONF has a handler (HEX mode, sockets.py)
)

SIMCOM_SIM7080 = Dialect(
    name="simcom-sim7080",
    manufacturer="SIMCOM INCORPORATED",
    model="SIMCOM_SIM7080G",
    revision="Revision:1951B04SIM7080",
    ati=("SIM7080 R1.0",),
    iccid_cmds=(("+CCID", "{iccid}"),),       # bare ICCID [U]
    boot_banners=("RDY",),
    sim_banners=("+CFUN: 1", "+CPIN: {cpin}", "SMS Ready"),
    cpin_not_ready=True,
    act_ltem=7,
    cgdcont_tail=2,
    cgcontrdp_format="separate",
    esm_report="ceer",
    crsm_lower=True,           # [U] quirk carried by this dialect
    crsm_getresp_needs_255=True,   # ofono: SIMCom needs 0,0,255 on GET RESPONSE
    refresh_style="cusatp",
    sockets="simcom",
    delays=(*_COMMON_DELAYS, ("+CNACT:set", 1.0), ("+CAOPEN:set", 0.1)),
    extra_ok=("+CNMP", "+CMNB", "+CSCLK", "+CACID", "+CASSLCFG", "+CDNSCFG"),
)

TELIT_ME910 = Dialect(
    name="telit-me910",
    manufacturer="Telit",
    model="ME910C1-E2",
    revision="M0B.660006",
    ati=("Telit", "ME910C1-E2", "M0B.660006"),
    iccid_cmds=(("#CCID", "#CCID: {iccid}"), ("+ICCID", "+ICCID: {iccid}")),
    boot_banners=(),
    sim_banners=(),
    cfun_values=(0, 1, 4, 5),
    predefined_contexts=tuple((cid, "IPV4V6", "") for cid in range(2, 7)),
    act_ltem=8,
    cgdcont_tail=2,
    cgdcont_empty_addr_ip="",  # transcript magme910-03: 1,"IP","catm","",0,0,0,0
    cgcontrdp_format="addr_only",   # transcript magme910-10
    esm_report="cme",
    crsm_quoted=False,         # [U]
    crsm_stray_zero=True,      # ME310G1/ME910G1 family
    csim_lock=True,            # ModemManager wraps Telit +CSIM in AT+CSIM=1 ... AT+CSIM=0
    refresh_style="cusatp",
    sockets="telit",
    delays=(*_COMMON_DELAYS, ("#SGACT:set", 1.5), ("#QDNS:set", 0.2), ("#SD:set", 0.1)),
    extra_ok=("#BND", "#WS46", "+WS46", "#SCFG", "#SCFGEXT", "#SCFGEXT2", "#SLED", "#QSS"),
)

NORDIC_NRF91_SLM = Dialect(
    name="nordic-nrf91-slm",
    manufacturer="Nordic Semiconductor ASA",
    model="nRF9160-SICA",
    revision="mfw_nrf9160_1.3.5",
    ati=(),                    # ATI not supported: answered ERROR
    iccid_cmds=(("%XICCID", "%XICCID: {iccid}"),),
    cgsn_prefixed=False,
    boot_time=1.0,
    boot_banners=("Ready",),
    sim_banners=(),
    cfun_values=(0, 1, 4, 20, 21, 30, 31, 40, 41, 44),
    cfun_rst_supported=False,
    reset_commands=("#XRESET",),
    boot_cfun=0,               # SLM starts with the radio off: AT+CFUN=1 needed
    cs_registration=False,
    cgdcont_shows_ip=True,
    default_cid=0,
    cid_max=11,
    act_ltem=7,
    cgdcont_tail=0,
    cgcontrdp_format="nordic",
    esm_report="cnec",
    csim_raw_61xx=False,       # nRF91 returns FCP+9000 directly
    refresh_style="cusatp",
    sockets="nrf",
    delays=(*_COMMON_DELAYS, ("#XGETADDRINFO:set", 0.2)),
    extra_ok=("%XSYSTEMMODE", "%XBANDLOCK", "+CPSMS", "+CEDRXS", "%XDATAPRFL", "%XSIM"),
)

DIALECTS: dict[str, Dialect] = {
    d.name: d for d in (GENERIC, QUECTEL_BG96, QUECTEL_RM500Q, UBLOX_SARA_R4, SIMCOM_SIM7080,
                        TELIT_ME910, NORDIC_NRF91_SLM)
}


def get(name: str) -> Dialect:
    """The dialect called `name`; ValueError listing the known names otherwise."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError("unknown modem dialect %r (known: %s)"
                         % (name, ", ".join(sorted(DIALECTS)))) from None
