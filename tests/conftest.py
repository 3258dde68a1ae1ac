"""Shared test configuration.

Hypothesis runs a bounded number of examples with no per-example deadline:
the machines are shared and noisy, and a deadline would turn load into flakes.
"""

import os

from hypothesis import HealthCheck, settings

# Real pcscd + virtual card behind vpcd, started once per session (tests/pcsc_fixtures.py).
pytest_plugins = ["pcsc_fixtures"]

settings.register_profile(
    "ci", max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# -- the secrets guard -------------------------------------------------------------
#
# The test suite's own secrets: the virtual cards' PIN1 and PUK1
# (me_lib/sim/profiles/*.toml) and the APN password of the reject-27 scenario,
# chosen distinctive so that finding one anywhere is a leak, not a coincidence.
# Any test in which one of them (or its hex, as in a VERIFY APDU) appears in
# captured stdout/stderr, a log record at any level, a me_lib exception's text or
# command, or a file written under tmp_path fails, unless it is marked
# `secrets_in_clear` (it writes them in clear on purpose, e.g. --record-secrets).
# Cheap by design: substring tests on what the test produced, nothing re-run.

import logging  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from _pytest.capture import CaptureFixture  # noqa: E402

from me_lib.errors import AtError, MeLibError  # noqa: E402

KNOWN_SECRETS = ("73592468", "86420975", "pw-Zq7xK9")
_NEEDLES = tuple(sorted(set(KNOWN_SECRETS + tuple(
    form for s in KNOWN_SECRETS for form in (s.encode().hex(), s.encode().hex().upper())))))
_NEEDLES_B = tuple(n.encode() for n in _NEEDLES)
_hits: list[str] = []
_MAX_FILE = 4 << 20


def _scan(where: str, text: object) -> None:
    if text is None:
        return
    s = text if isinstance(text, str) else str(text)
    for needle in _NEEDLES:
        if needle in s:
            _hits.append("%s holds %r: ...%s..." % (where, needle,
                                                    s[max(0, s.find(needle) - 60):
                                                      s.find(needle) + 20]))
            return


class _LogGuard(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            _scan("log record %s" % record.name, record.getMessage())
        except Exception:  # a broken log call is not this guard's business
            pass


_log_guard = _LogGuard(logging.DEBUG)


def _wrap_init(cls: type, check_command: bool) -> None:
    original = cls.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        _scan("%s text" % type(self).__name__, Exception.__str__(self))
        if check_command:
            _scan("%s.command" % type(self).__name__, getattr(self, "command", None))

    cls.__init__ = init


def _wrap_readouterr() -> None:
    original = CaptureFixture.readouterr

    def readouterr(self):
        result = original(self)
        _scan("captured stdout", result.out)
        _scan("captured stderr", result.err)
        return result

    CaptureFixture.readouterr = readouterr


def pytest_configure(config: pytest.Config) -> None:
    _wrap_init(MeLibError, False)
    _wrap_init(AtError, True)
    _wrap_readouterr()


def _scan_files(root: Path) -> None:
    for path in root.rglob("*"):
        if path.suffix == ".toml" or not path.is_file() or path.is_symlink():
            continue            # the simulator's card definitions are the secrets' source
        try:
            if path.stat().st_size > _MAX_FILE:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if data.strip() in (s.encode() for s in KNOWN_SECRETS):
            continue            # a PIN file handed to the library (--pin-file)
        for needle in _NEEDLES_B:
            if needle in data:
                _hits.append("file %s holds %r" % (path, needle.decode()))
                break


@pytest.fixture(autouse=True)
def _secrets_guard(request: pytest.FixtureRequest):
    """Arm the guard for one test (see above); the verdict is in pytest_runtest_makereport."""
    _hits.clear()
    me_lib_log = logging.getLogger("me_lib")
    level = me_lib_log.level
    me_lib_log.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(_log_guard)
    try:
        yield
    finally:
        root.removeHandler(_log_guard)
        me_lib_log.setLevel(level)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or item.get_closest_marker("secrets_in_clear") is not None:
        return
    _scan("captured stdout", report.capstdout)
    _scan("captured stderr", report.capstderr)
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    if isinstance(tmp, Path) and tmp.exists():
        _scan_files(tmp)
    if _hits and report.passed:
        report.outcome = "failed"
        report.longrepr = ("a known test secret leaked (mark the test secrets_in_clear if "
                           "it writes secrets in clear on purpose):\n  " + "\n  ".join(_hits[:10]))


# --- test order -------------------------------------------------------------------
# No test may depend on another having run first (or not). `--order reverse` runs the
# collected tests back to front and `--order shuffle:<seed>` in a seeded random order,
# so that promise is checked, not assumed.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--order", default="normal",
                     help="normal | reverse | shuffle:<seed>: the order tests run in")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    order = str(config.getoption("--order"))
    if order == "reverse":
        items.reverse()
    elif order.startswith("shuffle:"):
        import random

        random.Random(order[len("shuffle:"):]).shuffle(items)
    elif order != "normal":
        raise pytest.UsageError("--order must be normal, reverse or shuffle:<seed>")
