"""Scenarios: what world the simulated modem lives in, as a TOML file.

A scenario names the module (dialect), the USIM profile in it, the network
(PLMN, registration time, roaming or denial, which APNs it accepts or rejects
with which ESM cause, the APN it gives on an empty APN, IMS contexts), a DNS
table for the vendor DNS commands, PCO content, faults and timed events. Every
key is optional; `Scenario.from_dict({})` is a generic modem on a home network.

    name = "default"
    dialect = "quectel-bg96"        # see dialects.DIALECTS
    card = "default"                # me_lib/sim/profiles/<name>.toml, or a path
    pin = "1234"                    # optional: enable PIN1 with this value on the card
    imei = "353456789012347"
    cmee = true                     # false: AT+CMEE=<n> answers ERROR, every error is ERROR
    cgauth = true                   # false: no +CGAUTH (27.007 §10.1.31 is optional): every
                                    # form answers +CME ERROR: 4 (ERROR with CMEE off)
    cereg = true                    # false: no +CEREG (a 2G/3G-era firmware): AT+CEREG=<n>
                                    # and AT+CEREG? answer +CME ERROR: 4, no +CEREG URC;
                                    # registration shows in +CGREG/+CREG (which then exist
                                    # whatever the module)
    cid_max = 2                     # +CGDCONT=? offers only (<default cid>-cid_max); a
                                    # higher cid answers +CME ERROR: 50
    cgdcont_read = true             # false: AT+CGDCONT? answers +CME ERROR: 4 (the test
                                    # and set forms still work)
    lagging_lines = false           # true: the last information line of an answer is
                                    # printed again after the next command's echo, before
                                    # that command's own answer (a firmware whose UART
                                    # buffer lags one answer behind)
    crsm_sw9f = false               # true: +CRSM answers that carry data report SW 9Fxx,
                                    # `+CRSM: 159,<len>,"<data>"`, as modems do with
                                    # 2G-style cards (TS 51.011 §9.4.1: xx bytes available)
    [boot]      time = 2.0, sim_busy = 3.0          # virtual seconds
                ignore_input = 8.0  # deaf this long after power-on, then no banner
                                    # (a slow boot the host can only find by polling AT)
    [network]   mcc = "001", mnc = "01", operator = "SimNet", rat = "lte-m" | "nb-iot",
                registration_delay = 5.0, roaming = false, deny_cause = 0 (EMM cause),
                default_apn = "internet.sim", apn_suffix = true, ims = false, sos = false,
                dns_servers = ["10.0.0.53", "10.0.0.54"], tac = "1F00", ci = "01A2B3C4",
                unknown_apn_cause = 27, allow_duplicate_apn = false,
                data_rtt = 0.1 (virtual seconds a loopback peer's reply takes),
                ursp = "<hex>" (URSP rules the network gives the MT: UE policy part
                contents, TS 24.526 §5.2; shown by +C5GURSPQRY? where the dialect has it)
                cgdcont_network_apn = true (false: +CGDCONT? shows the APN as defined,
                "" for a network-provided one, as 27.007 reads; true: an active
                context shows the APN the network gave it, suffix included)
    [network.apns]    "<apn>" = {} | {auth = 1, user = "u", password = "p"}
    [network.reject]  "<apn>" = <ESM cause>
    [dns]             "<name>" = "<IPv4 address>"
    serve_dm = true   # a loopback destination nothing listens on (the card's DM port)
                      # is served by the simulator's own DM server; false: refused/silent
    [pco]             cid = 0, id = "FF00", content = "coap://dm.example.net:5683"
    [[faults]]        kind = "no_answer", command = "+CGMM", times = 1, at = 12.0, ...
    [[events]]        at = 60.0, action = "coverage_loss", duration = 10.0, ...

Card behaviour lives in the card profile's `[card]` table (me_lib/sim/card_profile.py;
a derived scenario changes it with `derive(..., card={"card": {...}})`):
`sw_style = "gsm"` makes the card answer a SELECT with 9Fxx instead of 61xx
(TS 51.011), which dialects passing APDUs raw (`csim_raw_61xx`) hand to the host
on +CSIM/+CGLA, and the MT resolves itself for +CRSM; `efdir_padding = true`
pads the EF_DIR records with 00/FF before, between and inside their objects.
"""

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from me_lib.errors import MeLibError
from me_lib.sim.modem import dialects
from me_lib.sim.modem.dialects import Dialect

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


class ScenarioError(MeLibError, ValueError):
    """A scenario file that cannot be used, or asked for what its world lacks (an OTA
    update of a card it has none of): says which key and why.

    A MeLibError, so the CLI and tests handle it like the library's own errors; still
    a ValueError for callers that caught it as one.
    """


TOP_KEYS = {"name", "dialect", "card", "pin", "puk", "imei", "baud", "boot", "network", "dns",
            "pco", "faults", "events", "description", "cmee", "cgauth", "cereg",
            "cid_max", "cgdcont_read", "lagging_lines", "crsm_sw9f",
            "serve_dm"}
NETWORK_KEYS = {"mcc", "mnc", "operator", "operator_short", "rat", "registration_delay",
                "search_delay", "roaming", "deny_cause", "coverage", "default_apn", "apn_suffix",
                "ims", "ims_apn", "sos", "dns_servers", "tac", "ci", "active_time", "periodic_tau",
                "unknown_apn_cause", "allow_duplicate_apn", "activation_delay", "apns", "reject",
                "data_rtt", "ursp", "cgdcont_network_apn"}


def _check_keys(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    """A typo in a scenario must fail loudly, not silently fall back to a default."""
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ScenarioError("unknown key(s) %s in %s (known: %s)"
                            % (", ".join(unknown), where, ", ".join(sorted(allowed))))


class NetworkConfig:
    """The simulated operator network."""

    def __init__(self, raw: dict[str, Any]) -> None:
        _check_keys(raw, NETWORK_KEYS, "[network]")
        self.mcc = str(raw.get("mcc", "001"))
        self.mnc = str(raw.get("mnc", "01"))
        if not (self.mcc.isdigit() and len(self.mcc) == 3
                and self.mnc.isdigit() and len(self.mnc) in (2, 3)):
            raise ScenarioError("network.mcc/mnc must be 3 and 2-3 digits")
        self.operator = str(raw.get("operator", "SimNet"))
        self.operator_short = str(raw.get("operator_short", self.operator[:8]))
        self.rat = str(raw.get("rat", "lte-m"))
        if self.rat not in ("lte-m", "nb-iot"):
            raise ScenarioError("network.rat must be 'lte-m' or 'nb-iot'")
        self.registration_delay = float(raw.get("registration_delay", 5.0))
        self.search_delay = float(raw.get("search_delay", 0.5))
        self.roaming = bool(raw.get("roaming", False))
        self.deny_cause = int(raw.get("deny_cause", 0))
        self.coverage = bool(raw.get("coverage", True))
        self.default_apn = str(raw.get("default_apn", "internet.sim"))
        self.apn_suffix = bool(raw.get("apn_suffix", True))
        self.ims = bool(raw.get("ims", False))
        self.ims_apn = str(raw.get("ims_apn", "ims"))
        self.sos = bool(raw.get("sos", False))
        self.dns_servers = [str(x) for x in raw.get("dns_servers", ["10.0.0.53", "10.0.0.54"])]
        self.tac = str(raw.get("tac", "1F00"))
        self.ci = str(raw.get("ci", "01A2B3C4"))
        self.active_time = str(raw.get("active_time", "00100100"))
        self.periodic_tau = str(raw.get("periodic_tau", "01000111"))
        self.unknown_apn_cause = int(raw.get("unknown_apn_cause", 27))
        self.allow_duplicate_apn = bool(raw.get("allow_duplicate_apn", False))
        self.activation_delay = float(raw.get("activation_delay", 0.0))
        # what +CGDCONT? shows for an active context: the network's APN (many modules)
        # or the one defined (27.007's <APN> is the definition; +CGCONTRDP the network's)
        self.cgdcont_network_apn = bool(raw.get("cgdcont_network_apn", True))
        # virtual seconds from a packet leaving the module to the peer's reply arriving
        # (an LTE-M round trip); replies from loopback peers are delivered on this schedule
        self.data_rtt = float(raw.get("data_rtt", 0.1))
        if not 0 <= self.data_rtt <= 60:
            raise ScenarioError("network.data_rtt must be 0..60 virtual seconds")
        try:
            #: URSP rules the network gives the MT (settable at run time: a new policy)
            self.ursp = bytes.fromhex(str(raw.get("ursp", "")))
        except ValueError:
            raise ScenarioError("network.ursp must be hex (the URSP rules)") from None
        apns = raw.get("apns", {})
        if not isinstance(apns, dict):
            raise ScenarioError("network.apns must be a table of APN -> {auth, user, password}")
        self.apns: dict[str, dict[str, Any]] = {
            str(k).lower(): (dict(v) if isinstance(v, dict) else {}) for k, v in apns.items()}
        reject = raw.get("reject", {})
        if not isinstance(reject, dict):
            raise ScenarioError("network.reject must be a table of APN -> ESM cause")
        self.reject: dict[str, int] = {str(k).lower(): int(v) for k, v in reject.items()}

    @property
    def plmn(self) -> str:
        return self.mcc + self.mnc

    def operator_suffix(self) -> str:
        """The TS 23.003 operator identifier the network appends to an APN."""
        return ".mnc%s.mcc%s.gprs" % (self.mnc.zfill(3), self.mcc)


class Scenario:
    """A parsed scenario; see the module docstring for the keys."""

    def __init__(self, raw: dict[str, Any], source: str = "<dict>") -> None:
        self.raw = raw
        self.source = source
        _check_keys(raw, TOP_KEYS, "scenario %s" % source)
        self.name = str(raw.get("name", Path(source).stem if source != "<dict>" else "custom"))
        try:
            self.dialect: Dialect = dialects.get(str(raw.get("dialect", "generic")))
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        self.card = str(raw.get("card", "default"))
        pin = raw.get("pin")
        self.pin: str | None = str(pin) if pin not in (None, "") else None
        self.puk = str(raw.get("puk", "12345678"))
        self.imei = str(raw.get("imei", self.dialect.imei))
        self.baud = int(raw.get("baud", 115200))
        # a module without +CMEE: its errors (a wrong PIN included) are a plain ERROR
        self.cmee = bool(raw.get("cmee", True))
        # modules that do less than 27.007 describes (see the module docstring)
        self.cgauth = bool(raw.get("cgauth", True))
        self.cereg = bool(raw.get("cereg", True))
        self.cgdcont_read = bool(raw.get("cgdcont_read", True))
        self.lagging_lines = bool(raw.get("lagging_lines", False))
        if "cid_max" in raw:
            cid_max = int(raw["cid_max"])
            if not self.dialect.default_cid <= cid_max <= 255:
                raise ScenarioError("cid_max must be %d..255 (the default bearer's cid "
                                    "and up)" % self.dialect.default_cid)
            self.dialect = replace(self.dialect, cid_max=cid_max)
        if not self.cereg:
            # without +CEREG the module reports registration the 2G/3G way
            self.dialect = replace(self.dialect, cs_registration=True)
        # +CRSM reports data-carrying answers as 9Fxx (a modem in front of a 2G-style card)
        self.crsm_sw9f = bool(raw.get("crsm_sw9f", False))
        # `me-lib provision --modem sim://default` reaches a DM server with no setup;
        # tests of an unreachable DM server turn it off (derive(dm_port=...) does)
        self.serve_dm = bool(raw.get("serve_dm", True))
        boot = raw.get("boot", {})
        if not isinstance(boot, dict):
            raise ScenarioError("[boot] must be a table")
        _check_keys(boot, {"time", "sim_busy", "ignore_input"}, "[boot]")
        self.boot_time: float | None = (float(boot["time"]) if "time" in boot else None)
        self.sim_busy: float | None = (float(boot["sim_busy"]) if "sim_busy" in boot else None)
        self.ignore_input: float | None = (float(boot["ignore_input"])
                                           if "ignore_input" in boot else None)
        if self.ignore_input is not None and not 0 <= self.ignore_input <= 600:
            raise ScenarioError("boot.ignore_input must be 0..600 virtual seconds")
        try:
            self.network = NetworkConfig(dict(raw.get("network", {})))
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError("[network]: %s" % exc) from None
        self.dns: dict[str, str] = {str(k).lower(): str(v) for k, v in raw.get("dns", {}).items()}
        pco = raw.get("pco")
        self.pco: dict[str, Any] | None = dict(pco) if isinstance(pco, dict) else None
        self.faults: list[dict[str, Any]] = [dict(f) for f in raw.get("faults", [])]
        self.events: list[dict[str, Any]] = [dict(e) for e in raw.get("events", [])]
        self.card_dir = Path(source).parent if source != "<dict>" else SCENARIO_DIR

    @classmethod
    def from_dict(cls, raw: dict[str, Any], source: str = "<dict>") -> "Scenario":
        """Build from parsed TOML; any bad value becomes a ScenarioError naming it."""
        try:
            return cls(raw, source)
        except ScenarioError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise ScenarioError("scenario %s: bad value: %s" % (source, exc)) from None

    @classmethod
    def load(cls, name_or_path: "str | Path") -> "Scenario":
        """`default` -> me_lib/sim/scenarios/default.toml; anything with / or .toml is a path."""
        path = resolve(name_or_path)
        try:
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
        except OSError as exc:
            raise ScenarioError("cannot read scenario %s: %s" % (path, exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError("scenario %s is not valid TOML: %s" % (path, exc)) from None
        except UnicodeDecodeError as exc:
            raise ScenarioError("scenario %s is not UTF-8 text (byte %d); save it as UTF-8"
                                % (path, exc.start)) from None
        return cls.from_dict(raw, str(path))

    def card_path(self, name: str | None = None) -> Path:
        """Where the named card profile lives (profiles dir, or relative to the scenario)."""
        return resolve_profile(name or self.card, self.card_dir)


def resolve(name_or_path: "str | Path") -> Path:
    text = str(name_or_path)
    if "/" in text or text.endswith(".toml"):
        return Path(text)
    if not text.replace("-", "").replace("_", "").isalnum():
        raise ScenarioError("invalid scenario name %r" % text)
    return SCENARIO_DIR / (text + ".toml")


def resolve_profile(name: str, base: Path) -> Path:
    if "/" in name or name.endswith(".toml"):
        path = Path(name)
        return path if path.is_absolute() else (base / path)
    return PROFILE_DIR / (name + ".toml")


def available() -> list[str]:
    """Names of the scenarios shipped with me_lib."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
