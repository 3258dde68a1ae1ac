"""The library logs through `logging` and never prints by itself.

The `me_lib` logger carries a `NullHandler` from its first use, so a warning
in an application that configured no logging does not reach stderr through
logging's last-resort handler; records name the module that logged them.
"""

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from me_lib.log import LazyLogger, get_logger

ROOT = Path(__file__).resolve().parents[1]


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_a_library_warning_does_not_reach_stderr_unconfigured() -> None:
    done = run("from me_lib.log import get_logger\n"
               "get_logger('me_lib.at').warning('the modem hangs')\n"
               "get_logger('me_lib.at').error('and errors too')\n"
               "import logging\n"
               "assert any(isinstance(h, logging.NullHandler)\n"
               "           for h in logging.getLogger('me_lib').handlers)\n")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_the_check_sees_a_warning_without_the_null_handler() -> None:
    """The test above can fail: an unconfigured stdlib logger does print a warning."""
    done = run("import logging\nlogging.getLogger('other').warning('the modem hangs')\n")
    assert "the modem hangs" in done.stderr


def test_an_application_that_configures_logging_sees_the_records() -> None:
    done = run("import logging\nlogging.basicConfig(format='%(name)s %(message)s')\n"
               "from me_lib.log import get_logger\n"
               "get_logger('me_lib.modem').warning('seen')\n")
    assert done.returncode == 0
    assert done.stderr == "me_lib.modem seen\n"


def test_records_name_the_calling_module_and_line(caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("me_lib.test")
    assert isinstance(log, LazyLogger)
    with caplog.at_level(logging.DEBUG, logger="me_lib"):
        log.info("from the test %d", 7)
        try:
            raise KeyError("x")
        except KeyError:
            log.exception("with its traceback")
    first, second = caplog.records
    assert first.getMessage() == "from the test 7"
    assert first.module == "test_logging" and first.funcName == (
        "test_records_name_the_calling_module_and_line")
    assert second.exc_info is not None and second.module == "test_logging"
    assert log.isEnabledFor(logging.DEBUG)
