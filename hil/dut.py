"""The device under test: one modem of the rig, opened once per session.

HIL tests share one modem, so each test states its preconditions through this
object (`ready()`, `provisioned()`, `scrubbed()`) instead of relying on test order,
and every action a rig performs goes through the rig's capability hooks.
"""

import time
from pathlib import Path
from typing import Any

from hil import hooks
from hil.rig import ModemSpec
from me_lib.at.trace import TraceRecorder
from me_lib.errors import MeLibError, PortClosed
from me_lib.modem import Modem
from me_lib.profile import Profile
from me_lib.provision import ProvisionResult, provision
from me_lib.provision.ownership import Ownership
from me_lib.sources import read_profile

REOPEN_POLL = 0.5     # s between attempts to reopen a port that vanished on reset


class Dut:
    """One modem: its port, its rig capabilities, and what the session learnt about it."""

    def __init__(self, spec: ModemSpec, url: str, pin: str | None, state_dir: Path,
                 dm_server: Any = None) -> None:
        self.spec = spec
        self.url = url
        self.pin = pin
        self.state_dir = state_dir
        self.dm_server = dm_server          # the loopback DmServer for simulated modems
        self.ownership = Ownership(state_dir / "contexts.json")
        self._modem: Modem | None = None
        self._ready = False
        self._profile: Profile | None = None
        self.first: ProvisionResult | None = None
        self.reopened = 0
        self._recorder: TraceRecorder | None = None

    # -- port and session ----------------------------------------------------------

    @property
    def modem(self) -> Modem:
        if self._modem is None:
            self._modem = Modem.open(self.url)
            if self._recorder is not None:      # reopened mid-test: keep the test's trace
                self._modem.channel.trace = self._recorder
        return self._modem

    def ready(self) -> Modem:
        """Started (sync, echo off, dialect) and SIM ready, once per boot of the modem."""
        modem = self.modem
        if not self._ready:
            modem.start()
            modem.wait_sim_ready(self.pin)
            self._ready = True
        return modem

    def record(self, path: Path) -> TraceRecorder:
        """Start this test's AT trace (PIN commands masked: traces are shared artifacts)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        recorder: TraceRecorder = self.modem.channel.record(str(path))  # masked by default
        self._recorder = recorder
        return recorder

    def stop_recording(self, recorder: TraceRecorder, previous: Any) -> None:
        recorder.close()
        self._recorder = None
        if self._modem is not None:
            self._modem.channel.trace = previous

    def close(self) -> None:
        if self._modem is not None:
            self._modem.close()
            self._modem = None
        self._ready = False

    # -- profile and provisioning ---------------------------------------------------

    def profile(self) -> Profile:
        """The profile read from the card through the modem (cached until the card changes)."""
        if self._profile is None:
            self._profile = read_profile(self.ready())
        return self._profile

    def forget_card(self) -> None:
        self._profile = None
        if self._modem is not None:
            self._modem.forget_card()

    def provision(self, profile: Profile | None = None, **kwargs: Any) -> ProvisionResult:
        kwargs.setdefault("dm_path", self.spec.dm_path)
        kwargs.setdefault("reach_dm", "dm" in self.spec.capabilities())
        return provision(self.ready(), profile or self.profile(), pin=self.pin,
                         ownership=self.ownership, **kwargs)

    def provisioned(self) -> ProvisionResult:
        """The session's first provisioning result, provisioning now if no test did yet."""
        if self.first is None:
            self.first = self.provision()
        return self.first

    def scrub(self) -> list[int]:
        """Undo what an earlier run left, so "from scratch" means it on a real modem too:
        deactivate and undefine every context (except the default bearer) whose APN is
        one of the profile's. Returns the cids removed."""
        modem = self.ready()
        active = modem.active_cids()
        removed = []
        for ctx in modem.contexts():
            if ctx.cid == modem.default_cid or not any(
                    b.same_apn(ctx.apn) for b in self.profile().bearers):
                continue
            if ctx.cid in active:
                modem.deactivate(ctx.cid)
            modem.undefine_context(ctx.cid)
            removed.append(ctx.cid)
        self.ownership = Ownership(self.state_dir / ("contexts-%d.json" % time.monotonic_ns()))
        self.first = None
        return removed

    # -- rig actions ----------------------------------------------------------------

    def hook_values(self) -> dict[str, str]:
        """Placeholders a rig command may use."""
        values = {"name": self.spec.name, "port": self.url}
        if self.spec.expect.iccid:
            values["iccid"] = self.spec.expect.iccid
        return values

    def reset(self) -> None:
        """Reboot through the rig, then wait (bounded) until the modem answers and its SIM
        is ready again; a port that vanished (USB re-enumeration) is reopened."""
        hook = self.spec.reset
        if hook is None:
            raise hooks.HookError("rig has no reset capability for %s" % self.spec.name)
        hooks.reset(hook, self.modem.channel, self.hook_values())
        # Everything the Modem learnt (registration reports, card, echo) is from before
        # the reset; start() alone would keep the stale "registered" state.
        self.modem.reset_session()
        self._ready = False
        self.forget_card()
        deadline = time.monotonic() + hook.boot_wait
        while True:
            try:
                self.ready()
                return
            except PortClosed:
                self.close()
                self.reopened += 1
            except MeLibError:
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise hooks.HookError("%s did not come back within %.0f s of the reset"
                                      % (self.spec.name, hook.boot_wait))
            time.sleep(REOPEN_POLL)

    def ota_update(self, path_hex: str, data: bytes) -> None:
        hook = self.spec.ota
        if hook is None:
            raise hooks.HookError("rig has no ota capability for %s" % self.spec.name)
        hooks.ota_update(hook, self.modem.channel, path_hex, data, self.hook_values())
