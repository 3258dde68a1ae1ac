"""The HIL pytest plugin: options, rig loading, capability gating, reporting.

Gating happens at collection, not at run time: a test marked
`@pytest.mark.hil_needs("ota")` is deselected for every modem whose rig lacks
`ota`, listed under "HIL: not applicable" in the terminal summary, recorded as a
`hil.not_applicable` property of the JUnit test suite, and never counted as
passed or skipped. With pytest-xdist (`-n <modems>`) the plugin's scheduler
(hil/xdist_sched.py) sends all tests of one modem to one worker, so modems run in
parallel with independent results per modem.
"""

import json
import os
from typing import Any

import pytest

from hil.known_issues import known_issue
from hil.rig import CAPABILITIES, ModemSpec, RigError, load_rig, modem_from_url
from hil.state import SPECS, trace_dir

NA_GLOB = "not-applicable-*.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "me_lib hardware-in-the-loop")
    group.addoption("--modem", dest="hil_modems", action="append", default=[],
                    metavar="URL", help="a modem's pyserial URL or device (repeatable); "
                    "sim://<scenario>?speed=N is a simulated modem")
    group.addoption("--reader", dest="hil_reader", default=None, metavar="NAME",
                    help="PC/SC reader holding the same card as the --modem")
    group.addoption("--rig", dest="hil_rig", default=None, metavar="RIG.TOML",
                    help="rig file: modems, expected SIMs and capabilities (docs/hil.md)")
    group.addoption("--pin-env", dest="hil_pin_env", default="ME_LIB_PIN", metavar="VAR",
                    help="environment variable holding the SIM PIN (default ME_LIB_PIN)")
    group.addoption("--hil-traces", dest="hil_traces", default="hil-traces", metavar="DIR",
                    help="directory for one AT trace per test (default hil-traces/)")


def _load_specs(config: pytest.Config) -> dict[str, ModemSpec]:
    specs: list[ModemSpec] = []
    rig = config.getoption("hil_rig")
    try:
        if rig:
            specs.extend(load_rig(rig))
        reader = config.getoption("hil_reader")
        for index, url in enumerate(config.getoption("hil_modems")):
            specs.append(modem_from_url(url, reader, index))
    except (RigError, ValueError) as exc:
        raise pytest.UsageError("hil: %s" % exc) from None
    if not specs:
        raise pytest.UsageError("hil: give --modem URL or --rig RIG.TOML (see docs/hil.md)")
    by_name = {s.name: s for s in specs}
    if len(by_name) != len(specs):
        raise pytest.UsageError("hil: modem names repeat: %s" % [s.name for s in specs])
    return by_name


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "hil_needs(*capabilities): run only on modems whose rig offers all of "
        "them (%s); deselected and reported as not applicable otherwise"
        % ", ".join(CAPABILITIES))
    # pyserial's RFC 2217 client calls Thread.setName()/setDaemon(): not ours, noise in every run
    config.addinivalue_line("filterwarnings",
                            "ignore:set(Name|Daemon)\\(\\) is deprecated:DeprecationWarning")
    config.stash[SPECS] = _load_specs(config)
    if not _is_worker(config):
        directory = trace_dir(config)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob(NA_GLOB):
            stale.unlink()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "hil_target" in metafunc.fixturenames:
        names = [str(name) for name in metafunc.config.stash[SPECS]]
        metafunc.parametrize("hil_target", names, ids=names, indirect=True, scope="session")


def _needs(item: pytest.Item) -> set[str]:
    needs: set[str] = set()
    for mark in item.iter_markers("hil_needs"):
        unknown = set(mark.args) - set(CAPABILITIES)
        if unknown:
            raise pytest.UsageError("%s: unknown capability %s" % (item.nodeid, unknown))
        needs.update(mark.args)
    return needs


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    specs = config.stash[SPECS]
    keep: list[pytest.Item] = []
    not_applicable: list[dict[str, Any]] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("hil_target") if callspec is not None else None
        if name is None:
            keep.append(item)
            continue
        missing = sorted(_needs(item) - specs[name].capabilities())
        if missing:
            not_applicable.append({"test": item.nodeid, "modem": name, "missing": missing})
            continue
        reason = known_issue(getattr(item, "originalname", item.name), specs[name].dialect)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
        keep.append(item)
    if not_applicable:
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    out = trace_dir(config) / ("not-applicable-%s.json" % worker)
    out.write_text(json.dumps(not_applicable, indent=1))


def _not_applicable(config: pytest.Config) -> list[dict[str, Any]]:
    """Every worker writes the same list (each collects everything); merge by test id."""
    seen: dict[str, dict[str, Any]] = {}
    for path in sorted(trace_dir(config).glob(NA_GLOB)):
        try:
            for entry in json.loads(path.read_text()):
                seen[entry["test"]] = entry
        except (OSError, ValueError, KeyError):
            continue
    return list(seen.values())


def _describe(spec: ModemSpec) -> str:
    if spec.simulate is not None:
        where = "simulated %s via %s" % (spec.simulate.scenario, spec.simulate.via)
    else:
        where = spec.port or "?"
    return "%-14s %-45s capabilities: %s" % (spec.name, where,
                                             ", ".join(sorted(spec.capabilities())) or "-")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    if _is_worker(config):
        return
    tr = terminalreporter
    tr.section("HIL rig")
    for spec in config.stash[SPECS].values():
        tr.write_line(_describe(spec))
    tr.write_line("AT traces: %s" % trace_dir(config))
    entries = _not_applicable(config)
    if entries:
        tr.section("HIL: not applicable (rig lacks a capability; not run, not passed)")
        for entry in entries:
            tr.write_line("N/A %s  (needs %s)" % (entry["test"], ", ".join(entry["missing"])))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """One worker per modem, whatever --dist says (see hil/xdist_sched.py)."""
    from hil.xdist_sched import make_scheduler

    return make_scheduler(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Put the not-applicable list into the JUnit report before junitxml writes it."""
    config = session.config
    if _is_worker(config):
        return
    xml = next((p for p in config.pluginmanager.get_plugins()
                if hasattr(p, "add_global_property") and hasattr(p, "logfile")), None)
    if xml is None:
        return
    for spec in config.stash[SPECS].values():
        xml.add_global_property("hil.modem.%s" % spec.name,
                                ",".join(sorted(spec.capabilities())))
    for entry in _not_applicable(config):
        xml.add_global_property("hil.not_applicable",
                                "%s needs %s" % (entry["test"], ",".join(entry["missing"])))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Point a failure at its AT trace: the first thing to read when a rig test fails."""
    outcome = yield
    report = outcome.get_result()
    from hil.fixtures import TRACE_KEY

    path = item.stash.get(TRACE_KEY, None)
    if path and report.failed:
        report.sections.append(("AT trace", "%s\n(read it: python -m hil.trace %s)"
                                % (path, os.path.relpath(path))))
