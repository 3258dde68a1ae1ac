"""The rig file (`--rig rig.toml`): which modems are attached and what the rig can do.

A test farm is only useful if a test knows *before it runs* whether the rig can do
what it needs (ubxlib gates its on-target tests on a per-module feature bitmap).
So every modem entry names its capabilities explicitly, and the plugin turns a
missing capability into "not applicable" instead of a skip at run time.

    [[modem]]
    name = "bg96-bench1"
    port = "rfc2217://lab-pi:4001"          # any pyserial URL or device path
    dialect = "quectel-bg96"                # optional: checked against what the modem says
    [modem.expect]                          # the SIM that must be in it
    iccid = "89882806660000000010"
    imsi = "001010123456789"
    dm_host = "dm.example.net"
    dm_port = 5683
    apn0 = "dm.operator.example"
    services = { telemetry = "telemetry.example", fota = "fota.example" }
    [modem.capabilities]
    reset = { command = ["gpioset", "gpiochip0", "17=0"], boot_wait = 8.0 }
    ota = { command = ["./ota-push", "--iccid", "{iccid}", "--file", "{path}", "--data", "{data}"] }
    pcsc_reader = "Identiv uTrust 2700 R 00 00"
    csim = true

Simulated modems use `simulate = { scenario = "quectel-bg96", via = "sim" | "pty" |
"rfc2217", speed = 200, pcsc = false }` instead of `port`; the fixtures bring them up.
"""

import tomllib
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# Capabilities a test can require (`@pytest.mark.hil_needs(...)`).
RESET = "reset"          # the rig can reboot the modem
OTA = "ota"              # the rig can change the card (over the air) and cause a REFRESH
PCSC = "pcsc_reader"     # a PC/SC reader holds the same card
CSIM = "csim"            # the module passes APDUs through AT+CSIM
DM = "dm"                # the DM server is reachable through the module's own sockets
CAPABILITIES = (RESET, OTA, PCSC, CSIM, DM)

VIAS = ("sim", "pty", "rfc2217")
VPCD_READER = "Virtual PCD 00 00"   # slot 0 of vsmartcard-vpcd (tests/pcsc_fixtures.py SLOTS[0])
HOOK_KINDS = ("sim", "at", "command")


class RigError(ValueError):
    """The rig file (or --modem URL) is wrong; the message says which entry and key."""


@dataclass(frozen=True)
class Hook:
    """How the rig performs one action: through the simulator API ("sim"), an AT
    command on the modem's own port ("at"), or a program on the rig host ("command")."""

    kind: str
    argv: tuple[str, ...] = ()
    at: str = "AT+CFUN=1,1"
    timeout: float = 30.0
    boot_wait: float = 60.0


@dataclass(frozen=True)
class Expect:
    """What the card in this modem must hold; None = not checked (only consistency)."""

    iccid: str | None = None
    imsi: str | None = None
    dm_host: str | None = None
    dm_port: int | None = None
    apn0: str | None = None
    services: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Simulate:
    """A simulated modem the fixtures stand up (CI, or a bench without hardware)."""

    scenario: str
    via: str = "sim"
    speed: float = 200.0
    pcsc: bool = False


@dataclass(frozen=True)
class OtaChange:
    """The change the REFRESH test pushes: one service's APN (must be one the network accepts)."""

    service: str = "telemetry"
    apn: str = "telemetry2.example"
    timeout: float = 600.0   # seconds on the modem's clock to see the REFRESH handled


@dataclass(frozen=True)
class ModemSpec:
    """One modem on the rig, as the tests see it."""

    name: str
    port: str | None = None
    dialect: str | None = None
    expect: Expect = field(default_factory=Expect)
    reset: Hook | None = None
    ota: Hook | None = None
    pcsc_reader: str | None = None
    csim: bool = True
    dm_path: str = "modem"
    simulate: Simulate | None = None
    ota_change: OtaChange = field(default_factory=OtaChange)

    def capabilities(self) -> set[str]:
        """The capability names this modem's rig offers."""
        caps = set()
        if self.reset is not None:
            caps.add(RESET)
        if self.ota is not None:
            caps.add(OTA)
        if self.pcsc_reader:
            caps.add(PCSC)
        if self.csim:
            caps.add(CSIM)
        if self.dialect != "generic" or self.dm_path == "host":
            caps.add(DM)
        return caps


def _sim_defaults(spec: ModemSpec) -> ModemSpec:
    """A simulated modem gets the hooks its transport allows unless the rig says otherwise:
    in-process the simulator API does both; through a pty or ser2net only AT+CFUN=1,1."""
    sim = spec.simulate
    if sim is None:
        return spec
    if sim.pcsc:
        spec = replace(spec, pcsc_reader=spec.pcsc_reader or VPCD_READER)
    if sim.via == "sim":
        return replace(spec, reset=spec.reset or Hook("sim"), ota=spec.ota or Hook("sim"))
    return replace(spec, reset=spec.reset or Hook("at"))


def _hook(where: str, value: Any) -> Hook | None:
    if value is None or value is False:
        return None
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, dict):
        raise RigError("%s: expected a kind name or a table, got %r" % (where, value))
    kind = value.get("kind", "command" if "command" in value else None)
    if kind not in HOOK_KINDS:
        raise RigError("%s: kind must be one of %s" % (where, ", ".join(HOOK_KINDS)))
    argv = value.get("command", ())
    if isinstance(argv, str):
        raise RigError("%s: command must be a list of arguments (no shell)" % where)
    if kind == "command" and not argv:
        raise RigError("%s: kind 'command' needs command = [...]" % where)
    return Hook(kind, tuple(str(a) for a in argv), str(value.get("at", "AT+CFUN=1,1")),
                float(value.get("timeout", 30.0)), float(value.get("boot_wait", 60.0)))


def _expect(where: str, data: dict[str, Any]) -> Expect:
    services = data.get("services", {})
    if not isinstance(services, dict):
        raise RigError("%s.services: expected a table service = APN" % where)
    port = data.get("dm_port")
    return Expect(data.get("iccid"), data.get("imsi"), data.get("dm_host"),
                  int(port) if port is not None else None, data.get("apn0"),
                  {str(k): str(v) for k, v in services.items()})


def modem_from_dict(data: dict[str, Any], index: int = 0) -> ModemSpec:
    """One `[[modem]]` table -> ModemSpec (validated; RigError names the bad key)."""
    name = str(data.get("name") or "modem%d" % index)
    where = "modem %r" % name
    sim_data = data.get("simulate")
    simulate = None
    if sim_data is not None:
        via = sim_data.get("via", "sim")
        if via not in VIAS:
            raise RigError("%s.simulate.via must be one of %s" % (where, ", ".join(VIAS)))
        simulate = Simulate(str(sim_data["scenario"]), via, float(sim_data.get("speed", 200.0)),
                            bool(sim_data.get("pcsc", False)))
    port = data.get("port")
    if (port is None) == (simulate is None):
        raise RigError("%s: give exactly one of port = URL or simulate = {...}" % where)
    caps = data.get("capabilities", {})
    unknown = set(caps) - set(CAPABILITIES)
    if unknown:
        raise RigError("%s.capabilities: unknown %s (known: %s)"
                       % (where, sorted(unknown), ", ".join(CAPABILITIES)))
    change = data.get("ota_change", {})
    spec = ModemSpec(
        name=name, port=port, dialect=data.get("dialect"),
        expect=_expect(where + ".expect", data.get("expect", {})),
        reset=_hook(where + ".capabilities.reset", caps.get(RESET)),
        ota=_hook(where + ".capabilities.ota", caps.get(OTA)),
        pcsc_reader=caps.get(PCSC), csim=bool(caps.get(CSIM, True)),
        dm_path=str(data.get("dm_path", "modem")), simulate=simulate,
        ota_change=OtaChange(str(change.get("service", "telemetry")),
                             str(change.get("apn", "telemetry2.example")),
                             float(change.get("timeout", 600.0))))
    return _sim_defaults(spec)


def load_rig(path: str | Path) -> list[ModemSpec]:
    """All modems of a rig file; names must be unique (they become test ids)."""
    try:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RigError("cannot read rig file %s: %s" % (path, exc)) from None
    specs = [modem_from_dict(m, i) for i, m in enumerate(data.get("modem", []))]
    if not specs:
        raise RigError("rig file %s lists no [[modem]]" % path)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise RigError("rig file %s: modem names repeat: %s" % (path, names))
    return specs


def modem_from_url(url: str, reader: str | None = None, index: int = 0) -> ModemSpec:
    """`--modem URL`: a sim:// URL is a simulated modem (fixtures derive its scenario so
    its card names the session's loopback DM server); anything else is a real port."""
    if url.startswith("sim://"):
        from me_lib.sim.protocol_sim import parse_url

        scenario, clock, _baud = parse_url(url)
        speed = clock.speed
        name = Path(scenario).stem if scenario.endswith(".toml") else scenario
        data: dict[str, Any] = {"name": name, "simulate": {"scenario": scenario,
                                                           "speed": speed}}
    else:
        parts = urllib.parse.urlsplit(url)
        label = (parts.netloc or Path(parts.path).name or "modem").replace(":", "-")
        data = {"name": label or "modem%d" % index, "port": url}
    if reader:
        data["capabilities"] = {PCSC: reader}
    return modem_from_dict(data, index)
