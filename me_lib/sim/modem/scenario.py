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
    [boot]      time = 2.0, sim_busy = 3.0          # virtual seconds
    [network]   mcc = "001", mnc = "01", operator = "SimNet", rat = "lte-m" | "nb-iot",
                registration_delay = 5.0, roaming = false, deny_cause = 0 (EMM cause),
                default_apn = "internet.sim", apn_suffix = true, ims = false, sos = false,
                dns_servers = ["10.0.0.53", "10.0.0.54"], tac = "1F00", ci = "01A2B3C4",
                unknown_apn_cause = 27, allow_duplicate_apn = false,
                data_rtt = 0.1 (virtual seconds a loopback peer's reply takes),
                cgdcont_network_apn = true (false: +CGDCONT? shows the APN as defined,
                "" for a network-provided one, as 27.007 reads; true: an active
                context shows the APN the network gave it, suffix included)
    [network.apns]    "<apn>" = {} | {auth = 1, user = "u", password = "p"}
    [network.reject]  "<apn>" = <ESM cause>
    [dns]             "<name>" = "<IPv4 address>"
    [pco]             cid = 0, id = "FF00", content = "coap://dm.example.net:5683"
    [[faults]]        kind = "no_answer", command = "+CGMM", times = 1, at = 12.0, ...
    [[events]]        at = 60.0, action = "coverage_loss", duration = 10.0, ...
"""

import tomllib
from pathlib import Path
from typing import Any

from me_lib.sim.modem import dialects
from me_lib.sim.modem.dialects import Dialect

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


class ScenarioError(ValueError):
    """A scenario file that cannot be used: says which key and why."""


TOP_KEYS = {"name", "dialect", "card", "pin", "puk", "imei", "baud", "boot", "network", "dns",
            "pco", "faults", "events", "description", "cmee"}
NETWORK_KEYS = {"mcc", "mnc", "operator", "operator_short", "rat", "registration_delay",
                "search_delay", "roaming", "deny_cause", "coverage", "default_apn", "apn_suffix",
                "ims", "ims_apn", "sos", "dns_servers", "tac", "ci", "active_time", "periodic_tau",
                "unknown_apn_cause", "allow_duplicate_apn", "activation_delay", "apns", "reject",
                "data_rtt", "cgdcont_network_apn"}


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
        boot = raw.get("boot", {})
        if not isinstance(boot, dict):
            raise ScenarioError("[boot] must be a table")
        _check_keys(boot, {"time", "sim_busy"}, "[boot]")
        self.boot_time: float | None = (float(boot["time"]) if "time" in boot else None)
        self.sim_busy: float | None = (float(boot["sim_busy"]) if "sim_busy" in boot else None)
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
