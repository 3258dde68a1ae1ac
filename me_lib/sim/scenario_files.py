"""Derived scenario files: a shipped scenario with a few values changed.

Tests and the demo need the shipped worlds with small differences: the DM
server on a free port (5683 may be taken on a shared machine), one more APN
the network accepts, a card with another ICCID for a profile switch. Rather
than copying whole TOML files, they derive one: load the scenario and its
card profile, merge the changes, write both to a work directory.
"""

import tomllib
from pathlib import Path
from typing import Any

from me_lib.sim.card_profile import PROFILES_DIR
from me_lib.sim.modem.scenario import SCENARIO_DIR


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join("%s = %s" % (_key(k), _value(x)) for k, x in v.items()) + "}"
    raise TypeError("cannot write %r as TOML" % (v,))


def _key(k: str) -> str:
    if k and all(c.isalnum() or c in "_-" for c in k):
        return k
    return '"%s"' % k


def dumps(data: dict[str, Any], prefix: str = "") -> str:
    """TOML text for nested dicts/lists of the shapes scenario and card files use."""
    lines: list[str] = []
    tables: list[tuple[str, Any]] = []
    for k, v in data.items():
        inline = prefix.endswith(("apns", "reject"))
        table_list = isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)
        if (isinstance(v, dict) and not inline) or table_list:
            tables.append((k, v))
        else:
            lines.append("%s = %s" % (_key(k), _value(v)))
    for k, v in tables:
        name = (prefix + "." if prefix else "") + _key(k)
        if isinstance(v, dict):
            lines.append("\n[%s]" % name)
            lines.append(dumps(v, name))
        else:
            for item in v:
                lines.append("\n[[%s]]" % name)
                lines.append(dumps(item, name))
    return "\n".join(x for x in lines if x != "")


def _load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def card_dict(name_or_path: str) -> dict[str, Any]:
    path = Path(name_or_path)
    if not name_or_path.endswith(".toml"):
        path = PROFILES_DIR / (name_or_path + ".toml")
    return _load(path)


def derive(workdir: Path, scenario: str = "default", card: dict[str, Any] | None = None,
           dm_port: int | None = None, **changes: Any) -> str:
    """Write a derived scenario (and its card) into `workdir`; returns its path.

    `card`: changes merged into the scenario's card profile; `dm_port`: the port
    every DM server entry of the card's EF.DMCFG names; other keyword args are
    merged into the scenario itself (e.g. `network={"apns": {...}}`).

    With `dm_port` the caller runs the DM server (or means to have none), so the
    simulator's own loopback DM server is off (`serve_dm = false`) unless
    `serve_dm=True` is passed: an unreachable server stays unreachable.
    """
    scen_path = Path(scenario) if scenario.endswith(".toml") else SCENARIO_DIR / (
        scenario + ".toml")
    scen = _load(scen_path)
    card_data = _merge(card_dict(str(scen.get("card", "default"))), card or {})
    if dm_port is not None:
        for server in card_data.get("dmcfg", {}).get("server", []):
            server["port"] = dm_port
    workdir.mkdir(parents=True, exist_ok=True)
    card_file = workdir / ("card-%s.toml" % scen_path.stem)
    card_file.write_text(dumps(card_data) + "\n", encoding="utf-8")
    if dm_port is not None:
        scen["serve_dm"] = False
    scen = _merge(scen, changes)
    scen["card"] = str(card_file)
    out = workdir / ("scenario-%s.toml" % scen_path.stem)
    out.write_text(dumps(scen) + "\n", encoding="utf-8")
    return str(out)
