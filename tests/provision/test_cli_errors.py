"""The `me-lib` command line never shows a traceback: one line and a documented exit code.

Every case runs the real entry point in a subprocess (`python -m me_lib.cli`),
because what is under test is what a user sees on stderr and what a script
gets as the exit status.
"""

import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from me_lib.commands import exit_codes

CLI = [sys.executable, "-m", "me_lib.cli"]
GUARD = 120  # a hang guard for the subprocess, not a timing assertion


def run(*args, **kw):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=GUARD, **kw)


def one_error_line(stderr):
    assert "Traceback" not in stderr, stderr
    errors = [x for x in stderr.splitlines() if x.startswith("me-lib: error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", ["read", "provision"])
# "{free}": a port nobody listens on, chosen when the test runs, so the test ids are the
# same in every pytest-xdist worker
@pytest.mark.parametrize("url, hint", [
    ("/dev/ttyME_LIB_NO_SUCH", "me-lib ports"),
    ("socket://127.0.0.1:{free}", "check the host and port"),
    ("sim://no-such-scenario", "default"),
], ids=["no-device", "refused", "unknown-scenario"])
def test_a_port_that_cannot_be_opened(command, url, hint, tmp_path):
    url = url.format(free=free_port())
    proc = run(command, "--modem", url, "--state-dir", str(tmp_path))
    assert proc.returncode == exit_codes.DEVICE, proc.stderr
    line = one_error_line(proc.stderr)
    assert "cannot open %s" % url in line and hint in line


def test_demo_with_an_unknown_scenario_lists_the_names():
    proc = run("demo", "--scenario", "no-such-scenario")
    assert proc.returncode == exit_codes.DEVICE, proc.stderr
    assert "quectel-bg96" in one_error_line(proc.stderr)


def test_sim_with_an_unknown_scenario_is_a_usage_error():
    proc = run("sim", "--pty", "--scenario", "no-such-scenario")
    assert proc.returncode == exit_codes.USAGE, proc.stderr
    assert "quectel-bg96" in one_error_line(proc.stderr)


def test_stdout_closed_early_is_one_line_and_141(tmp_path):
    """`me-lib read ... | head -c1`: the reader is gone before the output is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([*CLI, "read", "--modem", "sim://default?speed=1000",
                               "--state-dir", str(tmp_path), "--json"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=GUARD)
    finally:
        os.close(write_end)
    assert proc.returncode == exit_codes.BROKEN_PIPE, proc.stderr
    assert "broken pipe" in one_error_line(proc.stderr)
    assert "Exception ignored" not in proc.stderr


def test_ctrl_c_exits_130_without_traceback(tmp_path):
    proc = subprocess.Popen([*CLI, "provision", "--modem", "sim://default?speed=1000",
                             "--state-dir", str(tmp_path), "--watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.startswith("watching"):
                break
        else:
            pytest.fail("provision --watch never started watching: %s" % proc.stderr.read())
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=GUARD)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == exit_codes.INTERRUPTED, err
    assert "interrupted" in one_error_line(err)


def test_encode_on_a_binary_file(tmp_path):
    binary = tmp_path / "card.toml"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00")
    proc = run("encode", str(binary))
    assert proc.returncode == exit_codes.PROFILE, proc.stderr
    assert "not UTF-8" in one_error_line(proc.stderr)


def test_pin_file_with_bad_bytes_never_echoes_them(tmp_path):
    pin_file = tmp_path / "pin"
    pin_file.write_bytes(b"12\xff4\n")
    proc = run("read", "--modem", "sim://default?speed=1000", "--state-dir", str(tmp_path),
               "--pin-file", str(pin_file))
    assert proc.returncode == exit_codes.ERROR, proc.stderr
    line = one_error_line(proc.stderr)
    assert "not UTF-8" in line and "12" not in line.replace(str(tmp_path), "")
    assert "xff" not in line.lower()


def test_device_config_that_is_not_utf8(tmp_path):
    config = tmp_path / "device.toml"
    config.write_bytes(b'[default]\napn0 = "caf\xe9"\n')
    proc = run("provision", "--modem", "sim://default?speed=1000", "--state-dir",
               str(tmp_path), "--config", str(config), "--dry-run")
    assert "Traceback" not in proc.stderr
    # the card has the whole profile: the file source's failure is only a note
    assert proc.returncode == exit_codes.OK, proc.stderr


# An unexpected (non-MeLibError) exception from a subcommand, through `-m me_lib.cli`.
BOOM = textwrap.dedent("""
    import runpy, sys
    import me_lib.commands.read_cmd as read_cmd

    def boom(args):
        raise KeyError("internal bug")

    read_cmd.run = boom
    sys.argv = ["me-lib"] + sys.argv[1:]
    runpy.run_module("me_lib.cli", run_name="__main__")
""")


@pytest.mark.parametrize("verbose", [[], ["-v"], ["-vv"]])
def test_an_unexpected_exception_is_one_line_unless_verbose(verbose, tmp_path):
    proc = subprocess.run([sys.executable, "-c", BOOM, *verbose, "read", "--modem",
                           "sim://default"], capture_output=True, text=True, timeout=GUARD)
    assert proc.returncode == exit_codes.ERROR, proc.stderr
    errors = [x for x in proc.stderr.splitlines() if x.startswith("me-lib: error: ")]
    assert len(errors) == 1, proc.stderr
    assert "unexpected KeyError" in errors[0] and "internal bug" in errors[0]
    assert "re-run with -v" in errors[0]
    assert ("Traceback" in proc.stderr) == bool(verbose), proc.stderr
