"""Human output: each step as it happens, a live line for long waits, a summary.

Live lines (carriage-return updates) are used only on a terminal; in a log
or a pipe every event is its own line, so CI output stays readable.
"""

import sys
import time
from collections.abc import Callable
from typing import TextIO

from me_lib.profile import Profile
from me_lib.provision.flow import NO_CID
from me_lib.provision.result import ProvisionResult


class StepPrinter:
    """The `progress` callback of `provision()`, printing to a stream."""

    def __init__(self, stream: TextIO | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        """`clock`: the modem's (virtual on the simulator), so times are the device's."""
        self.stream = stream or sys.stdout
        self.clock = clock or time.monotonic
        self.live = self.stream.isatty()
        self._t0: dict[str, float] = {}
        self._live_len = 0

    def __call__(self, step: str, status: str, detail: str) -> None:
        if status == "start":
            self._t0[step] = self.clock()
            if self.live:
                self._show_live("  .. %-9s %s" % (step, detail))
            return
        if status == "wait":
            if self.live:
                self._show_live("  .. %-9s %s" % (step, detail))
            return
        self._clear_live()
        took = self.clock() - self._t0.get(step, self.clock())
        self.stream.write("  ok %-9s %-52s %6.2f s\n" % (step, detail[:52], took))
        self.stream.flush()

    def _show_live(self, text: str) -> None:
        pad = max(0, self._live_len - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._live_len = len(text)

    def _clear_live(self) -> None:
        if self.live and self._live_len:
            self.stream.write("\r" + " " * self._live_len + "\r")
            self._live_len = 0


def profile_table(profile: Profile, stream: TextIO) -> None:
    w = stream.write
    for server in profile.servers:
        w("  DM server  %s %s:%d (bearer %d)\n" % (server.effective_protocol, server.host,
                                                  server.effective_port, server.bearer_index))
    for i, bearer in enumerate(profile.bearers):
        role = "APN0" if i == 0 else ",".join(bearer.services) or "service"
        w("  %-10s %-28s %-7s auth=%s\n" % (role, bearer.apn or "(network-provided)",
                                            bearer.pdp_type, bearer.auth))
    for field, origin in sorted(profile.origins.items()):
        w("  %-16s from %s\n" % (field, origin))
    for note in profile.notes:
        w("  note: %s\n" % note)


def result_table(result: ProvisionResult, stream: TextIO) -> None:
    w = stream.write
    w("\n  %-12s %-6s %-24s %-9s %-22s %s\n" % ("context", "cid", "APN", "state", "DNS",
                                                "IP"))
    for ctx in result.contexts:
        # a service the module had no context for carries NO_CID (-1): not a cid to show
        w("  %-12s %-6s %-24s %-9s %-22s %s\n" % (
            ctx.name[:12], "no cid" if ctx.cid == NO_CID else str(ctx.cid),
            (ctx.apn or "(network)")[:24], ctx.state,
            ",".join(ctx.dns[:1]) + (" +%d" % (len(ctx.dns) - 1) if len(ctx.dns) > 1 else ""),
            " ".join(ctx.addresses)))
        if ctx.error:
            w("  %-12s        %s\n" % ("", ctx.error))
    dm = result.dm
    if dm is not None:
        if dm.reachable:
            w("\n  DM server %s://%s:%d (%s) reachable in %.1f ms via %s\n" % (
                dm.protocol, dm.host, dm.port, dm.ip, (dm.rtt or 0) * 1000, dm.via))
        else:
            w("\n  DM server %s://%s:%d NOT reached: %s\n" % (dm.protocol, dm.host, dm.port,
                                                            dm.detail))
    w("  %s; %d AT round trips, %d writes, %d bytes out / %d in, %.2f s (modem clock)\n" % (
        result.registration, result.round_trips, result.writes, result.bytes_out,
        result.bytes_in, result.seconds))
    for note in result.notes:
        w("  note: %s\n" % note)
