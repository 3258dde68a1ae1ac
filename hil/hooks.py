"""Capability hooks: how a rig reboots a modem and changes its card.

The tests never know whether they drive a bench modem or the simulator; they ask
the rig. A real rig implements the hooks with programs on the rig host (a GPIO
line on the module's RESET_N, an OTA platform client), listed in rig.toml as
argv lists with `{placeholders}`; the in-process simulator implements them with
its own API (`port.modem.reboot()`, `port.modem.ota_update()`); a modem on a pty or
behind ser2net can still be reset with an AT command on its own port.
"""

import subprocess
from typing import Any

from hil.rig import Hook
from me_lib.errors import AtError


class HookError(AssertionError):
    """The rig could not perform the action (the test fails, with the hook's output)."""


def _sim_modem(port: Any) -> Any:
    sim = getattr(port, "modem", None)
    if sim is None or not hasattr(sim, "reboot"):
        raise HookError("hook kind 'sim' needs the in-process simulator (a sim:// port), "
                        "not %s" % type(port).__name__)
    return sim


def run_command(hook: Hook, values: dict[str, str]) -> str:
    """Run the hook's argv with `{name}` placeholders filled; bounded by hook.timeout.

    No shell: placeholders carry card data and must not be interpreted.
    """
    try:
        argv = [arg.format(**values) for arg in hook.argv]
    except KeyError as exc:
        raise HookError("hook %r uses an unknown placeholder %s (known: %s)"
                        % (hook.argv, exc, ", ".join(sorted(values)))) from None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=hook.timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HookError("rig hook %s failed: %s" % (argv[0], exc)) from None
    if done.returncode != 0:
        raise HookError("rig hook %s exited %d:\n%s%s" % (argv, done.returncode, done.stdout,
                                                         done.stderr))
    return done.stdout


def reset(hook: Hook, channel: Any, values: dict[str, str]) -> None:
    """Reboot the modem; returns once the reset was issued (the caller waits for boot)."""
    if hook.kind == "sim":
        _sim_modem(channel.port).reboot()
    elif hook.kind == "at":
        try:
            # Most modules answer OK before they go down; some go down first.
            channel.command(hook.at, timeout=hook.timeout)
        except AtError:
            pass
    else:
        run_command(hook, values)


def ota_update(hook: Hook, channel: Any, path_hex: str, data: bytes,
               values: dict[str, str]) -> None:
    """Write `data` to the card file `path_hex` over the air; the card then sends REFRESH."""
    if hook.kind == "sim":
        _sim_modem(channel.port).ota_update(path_hex, data)
    elif hook.kind == "command":
        run_command(hook, {**values, "path": path_hex, "data": data.hex().upper()})
    else:
        raise HookError("an OTA update cannot be done with hook kind %r" % hook.kind)
