"""`me-lib` behaves like the command-line tools it sits beside (pyserial, mpremote, mmcli).

`--version`, `-v` on either side of the subcommand, and `me-lib ports` with its
exit code, as a user runs them (subprocesses: the installed entry point).
"""

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import me_lib
from me_lib.commands import exit_codes
from me_lib.commands.ports_cmd import pcsc_readers, serial_ports

ROOT = Path(__file__).resolve().parents[1]


def me_lib_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "me_lib.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_version_names_the_package_version() -> None:
    done = me_lib_cli("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "me-lib " + me_lib.__version__


@pytest.mark.parametrize("placement", [["-vv", "read"], ["read", "-vv"], ["-v", "read", "-v"]])
def test_verbose_is_accepted_before_and_after_the_subcommand(tmp_path: Path,
                                                             placement: list[str]) -> None:
    done = me_lib_cli(*placement, "--modem", "sim://default", "--state-dir", str(tmp_path))
    assert done.returncode == exit_codes.OK, done.stderr
    assert " me_lib.at DEBUG " in done.stderr       # -vv: the AT traffic at debug level


def test_without_verbose_the_library_writes_nothing_to_stderr(tmp_path: Path) -> None:
    done = me_lib_cli("read", "--modem", "sim://default", "--state-dir", str(tmp_path))
    assert done.returncode == exit_codes.OK
    assert done.stderr == ""


def test_ports_json_lists_serial_ports_and_readers() -> None:
    done = me_lib_cli("ports", "--json")
    assert done.returncode == exit_codes.OK, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc) == {"serial", "readers", "pcsc_error"}
    assert all(set(p) == {"device", "description", "hwid"} for p in doc["serial"])
    # either readers were listed or there is one line saying why not
    assert doc["pcsc_error"] is None or (doc["readers"] == [] and "\n" not in doc["pcsc_error"])


def test_ports_human_output_names_the_options_it_feeds() -> None:
    done = me_lib_cli("ports")
    assert done.returncode == exit_codes.OK, done.stderr
    assert "serial ports (--modem DEVICE):" in done.stdout
    assert "PC/SC readers (--reader N):" in done.stdout


def test_serial_ports_are_sorted_and_typed() -> None:
    fake = [SimpleNamespace(device="/dev/ttyUSB2", description="BG96 AT", hwid="USB VID:PID=2C7C"),
            SimpleNamespace(device="/dev/ttyACM0", description=None, hwid=None)]
    assert serial_ports(lambda: fake) == [
        {"device": "/dev/ttyACM0", "description": "", "hwid": ""},
        {"device": "/dev/ttyUSB2", "description": "BG96 AT", "hwid": "USB VID:PID=2C7C"}]


def test_pcsc_without_pcscd_is_one_line_not_a_failure() -> None:
    class NoService(Exception):
        pass

    def readers() -> list[str]:
        raise NoService("Failed to establish context: Service not available. (0x8010001D)")

    names, why = pcsc_readers(readers)
    assert names == []
    assert why is not None and "pcscd" in why and "0x8010001D" in why


def test_pcsc_readers_are_listed_by_name() -> None:
    assert pcsc_readers(lambda: ["Virtual PCD 00 00", "Virtual PCD 00 01"]) == (
        ["Virtual PCD 00 00", "Virtual PCD 00 01"], None)
