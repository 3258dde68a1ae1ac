"""APDUs and bytes to read identity + EF.DMCFG + EF_ACL over PC/SC, and APDU round-trip time.

Runs against the default virtual USIM behind the real pcscd (vpcd slot 0),
starting pcscd and the card process when they are not already up and
stopping only what it started. Every wait is bounded.

Minimum for that card, counted by hand
--------------------------------------
A reader that knows the standards (EF_ICCID is 10 bytes and EF_IMSI 9, the
SFIs of TS 102 221 / 31.102 and docs/dmcfg.md) but not this card's file sizes,
record lengths or USIM AID, on T=0, after a reset (MF current):

====  ==========================================  ====  =========  ===============
 #    C-APDU                                       out   in         why
====  ==========================================  ====  =========  ===============
 1    00B082000A   EF_ICCID by SFI 02, Le 10        5    10+2      fixed size
 2    00B201F400   EF_DIR rec 1 by SFI 1E           5     0+2      6C30: length unknown
 3    00B201F430   same, exact Le                   5    48+2
 4    00A4040C10 <16-byte USIM AID>                21     0+2      no FCP needed
 5    00B0870009   EF_IMSI by SFI 07               5     9+2      fixed size
 6    00B0830000   EF_AD by SFI 03 (6282 ends it)   5     4+2
 7    00B0840000   EF_UST by SFI 04 (n°35)          5     8+2
 8    00B0850000   EF_EST by SFI 05 (n°3)           5     1+2
 9    00A4000C026F57  EF_ACL (no SFI)               7     0+2
10    00B0000000   EF_ACL, 96 bytes + 6282          5    96+2
11    00A4000C025F4D  DF.DMCFG                      7     0+2
12    00B0810000   EF.DMCFG by SFI 01, 256 bytes    5   256+2
13    00B0010000   end probe: 6B00                  5     0+2      a 256-byte answer may
                                                                   not be the whole file
====  ==========================================  ====  =========  ===============

13 APDUs, 85 bytes out + 458 in = 543 bytes. EF.DMCFG cannot be done in
fewer than 3 on T=0 without knowing its size: SELECT with FCP costs 61xx +
GET RESPONSE + READ, and reading 256 bytes by SFI leaves the end unknown.
Goal: <= 14 APDUs (minimum + 1).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from me_lib.card import pcsc
from me_lib.card.files import FileAccess
from me_lib.card.pcsc import PcscLink
from me_lib.card.usim import Usim
from me_lib.errors import CardError
from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

MIN_APDUS = 13
MIN_BYTES = 543
READER = "Virtual PCD 00 00"
VPCD_PORT = 35963
PROFILE = PROFILES_DIR / "default.toml"
REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 10.0
RTT_SAMPLES = 500
ICCID_BY_SFI = bytes.fromhex("00B082000A")


def _pcscd_up() -> bool:
    try:
        pcsc.readers()
    except CardError:
        return False
    return True


def _stop(proc: "subprocess.Popen[bytes]") -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait(what: str, check: Any, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError("bench_card: %s not ready within %.0f s" % (what, timeout))
        time.sleep(0.05)


def _card_present() -> bool:
    try:
        PcscLink(READER, wait=0.3).close()
    except CardError:
        return False
    return True


def _clear_stale_pcscd_files() -> None:
    """pcscd refuses to start while its pid file names a live process; leave a live one be."""
    pid_file = Path("/run/pcscd/pcscd.pid")
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    if pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            pid = 0
        except PermissionError:
            pass
    if pid:
        raise RuntimeError("bench_card: pcscd (pid %d) runs but does not answer" % pid)
    for stale in (pid_file, Path("/run/pcscd/pcscd.comm")):
        if stale.exists() or stale.is_symlink():
            stale.unlink()


def start_stack() -> list["subprocess.Popen[bytes]"]:
    """pcscd and the default card on slot 0, unless already there; returns what was started."""
    started: list[subprocess.Popen[bytes]] = []
    if not _pcscd_up():
        _clear_stale_pcscd_files()
        started.append(subprocess.Popen(["/usr/sbin/pcscd", "--foreground"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True))
        _wait("pcscd", _pcscd_up)
    if not _card_present():
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
        started.append(subprocess.Popen(
            [sys.executable, "-m", "me_lib.sim.vpcd", "--profile", str(PROFILE),
             "--port", str(VPCD_PORT), "-q"], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=str(REPO),
            start_new_session=True))
        _wait("virtual card in %s" % READER, _card_present)
    return started


def measure() -> dict[str, Any]:
    expected = VirtualCard.from_profile(PROFILE)
    with PcscLink(READER, reset=True) as link:
        usim = Usim(FileAccess(link))
        ident = usim.identity()
        if ident.iccid != expected.iccid:
            raise RuntimeError("bench_card: %s holds ICCID %s, not the default card's %s"
                               % (READER, ident.iccid, expected.iccid))
        acl = usim.read_acl()
        cfg = usim.read_dmcfg()
        if cfg is None or acl.acl is None:
            raise RuntimeError("bench_card: the default card lost its DMCFG or ACL")
        counts = link.stats.as_dict()
        rtts = []
        for _ in range(RTT_SAMPLES):
            t0 = time.perf_counter()
            link.exchange(ICCID_BY_SFI)
            rtts.append(time.perf_counter() - t0)
    local = []
    for _ in range(RTT_SAMPLES):
        t0 = time.perf_counter()
        expected.transmit(ICCID_BY_SFI)
        local.append(time.perf_counter() - t0)
    rtts.sort()
    return {"counts": counts, "rtt_median": statistics.median(rtts),
            "rtt_p90": rtts[int(len(rtts) * 0.9)], "local_median": statistics.median(local)}


def run() -> dict[str, dict[str, object]]:
    started = start_stack()
    try:
        m = measure()
    finally:
        for proc in reversed(started):
            _stop(proc)
    c = m["counts"]
    return {
        "card_pcsc_apdus_identity_dmcfg_acl": {"value": c["apdus"], "unit": "APDUs",
                                               "goal": "<= %d" % (MIN_APDUS + 1)},
        "card_pcsc_apdus_minimum": {"value": MIN_APDUS, "unit": "APDUs", "goal": None},
        "card_pcsc_bytes_identity_dmcfg_acl": {"value": c["bytes"], "unit": "bytes",
                                               "goal": "<= %d" % MIN_BYTES},
        "card_pcsc_bytes_minimum": {"value": MIN_BYTES, "unit": "bytes", "goal": None},
        "card_pcsc_apdu_rtt_median": {"value": round(m["rtt_median"] * 1000, 3), "unit": "ms",
                                      "goal": "<= 1.0"},
        "card_pcsc_apdu_rtt_p90": {"value": round(m["rtt_p90"] * 1000, 3), "unit": "ms",
                                   "goal": None},
        "card_pcsc_rtt_vs_in_process_ratio": {
            "value": round(m["rtt_median"] / m["local_median"], 1),
            "unit": "x the in-process VirtualCard.transmit", "goal": None},
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=1, sort_keys=True))
