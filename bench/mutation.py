"""`make mutation`: mutation testing (mutmut 3) of at/, card/, codec/, provision/.

    python -m bench.mutation [--mutate me_lib/at/redact.py ...] [--tests tests/at/test_redact.py]
    make mutation MUTATE=me_lib/at/redact.py [MUTATION_TESTS="tests/at/test_redact.py"]

Why a wrapper: mutmut reads its configuration from ./pyproject.toml and writes
its mutants/ next to it. To scope a run (one module, the tests that cover it)
without editing the project's pyproject.toml, the run happens in a scratch copy
(build/mutation/work: me_lib, tests, bench, pyproject.toml with a [tool.mutmut]
table written for this run). The worktree is never touched.

Which tests run for a module comes from TESTS_FOR (longest matching prefix
wins); --tests / MUTATION_TESTS overrides it. The MicroPython, pty and PC/SC
tests are left out: they test the same code through a second interpreter or a
real device and take minutes per mutant.

Figures merged into bench/results.json: mutation_kill_rate (% of tested
mutants killed or timed out, goal >= 90), mutation_killed, mutation_survived,
mutation_total, mutation_scope, mutation_seconds. Survivors are listed in
build/mutation/survivors.txt (`mutmut show <name>` in the work dir gives the diff).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutation"
WORK = BUILD / "work"

DEFAULT_SCOPE = ["me_lib/at/", "me_lib/card/", "me_lib/codec/", "me_lib/provision/"]

# module path prefix -> the tests that exercise it (data, not code: extend as tests move)
TESTS_FOR: dict[str, list[str]] = {
    "me_lib/at/": ["tests/at", "tests/portable/test_at_hardening.py",
                   "tests/portable/test_at_modem.py"],
    "me_lib/at/redact.py": ["tests/at/test_redact.py", "tests/card/test_card_basics.py"],
    "me_lib/at/fields.py": ["tests/at", "tests/modem_sockets"],
    "me_lib/card/": ["tests/card", "tests/sim_card"],
    "me_lib/codec/": ["tests/codec/test_codec_acl.py", "tests/codec/test_codec_apn.py",
                      "tests/codec/test_codec_common.py", "tests/codec/test_codec_dmcfg.py",
                      "tests/codec/test_codec_efdir.py", "tests/codec/test_codec_fcp.py",
                      "tests/codec/test_codec_ids.py", "tests/codec/test_codec_ipaddr.py",
                      "tests/codec/test_codec_lwm2m.py", "tests/codec/test_codec_services.py",
                      "tests/codec/test_codec_tlv.py", "tests/codec/test_codec_fuzz.py",
                      "tests/codec/test_decoder_fuzz.py"],
    "me_lib/provision/": ["tests/provision/test_flow_e2e.py",
                          "tests/provision/test_sources_e2e.py",
                          "tests/provision/test_watch_e2e.py"],
}
# never run for a mutant: second interpreter, real devices, minutes each
DESELECT = ["-k", "not micropython and not pty and not pcsc",
            "-p", "no:cacheprovider", "-x", "-q"]


def tests_for(paths: list[str]) -> list[str]:
    out: list[str] = []
    for path in paths:
        best = max((k for k in TESTS_FOR if path.startswith(k) or k.startswith(path)),
                   key=len, default=None)
        if best is None:
            raise SystemExit("no tests mapped for %s: add it to TESTS_FOR in %s or pass "
                             "--tests" % (path, __file__))
        # a directory scope takes the tests of every module below it too
        keys = [best] if path.endswith(".py") else [k for k in TESTS_FOR if k.startswith(path)]
        for k in keys:
            out += [t for t in TESTS_FOR[k] if t not in out]
    return out


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(x) for x in items) + "]"


def prepare(mutate: list[str], tests: list[str]) -> None:
    """A fresh scratch copy with a [tool.mutmut] table for this scope."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc")
    for name in ("me_lib", "tests", "bench"):
        shutil.copytree(ROOT / name, WORK / name, ignore=ignore)
    only = [m + "*" if m.endswith("/") else m for m in mutate]
    text = (ROOT / "pyproject.toml").read_text()
    text += ("\n[tool.mutmut]\nsource_paths = [\"me_lib\"]\nonly_mutate = %s\n"
             "pytest_add_cli_args_test_selection = %s\npytest_add_cli_args = %s\n"
             "also_copy = [\"bench\"]\nuse_git_change_detection = false\n"
             % (_toml_list(only), _toml_list(tests), _toml_list(DESELECT)))
    (WORK / "pyproject.toml").write_text(text)


def stats() -> dict[str, Any]:
    subprocess.run([sys.executable, "-m", "mutmut", "export-cicd-stats"], cwd=WORK,
                   check=True, capture_output=True)
    data: dict[str, Any] = json.loads((WORK / "mutants" / "mutmut-cicd-stats.json").read_text())
    return data


def survivors() -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "mutmut", "results"], cwd=WORK,
                          capture_output=True, text=True, check=False)
    return [x.strip() for x in proc.stdout.splitlines() if x.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mutate", nargs="*",
                   default=os.environ.get("MUTATE", "").split() or DEFAULT_SCOPE,
                   help="module files or folders (default: %s)" % " ".join(DEFAULT_SCOPE))
    p.add_argument("--tests", nargs="*", default=os.environ.get("MUTATION_TESTS", "").split(),
                   help="test files to run per mutant (default: TESTS_FOR)")
    p.add_argument("--max-children", type=int, default=int(os.environ.get("JOBS", "2")))
    args = p.parse_args(argv)
    tests = args.tests or tests_for(args.mutate)
    from bench.results import figure, merge

    prepare(args.mutate, tests)
    print("mutation: mutating %s; tests %s" % (" ".join(args.mutate), " ".join(tests)),
          flush=True)
    t0 = time.monotonic()
    rc = subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children",
                         str(args.max_children)], cwd=WORK, check=False).returncode
    seconds = time.monotonic() - t0
    if rc != 0:
        print("mutmut run failed (rc %d); see %s" % (rc, WORK), file=sys.stderr)
        return 1
    s = stats()
    killed = int(s["killed"]) + int(s["timeout"])
    tested = int(s["total"]) - int(s["skipped"]) - int(s["no_tests"])
    rate = round(100.0 * killed / tested, 1) if tested else 0.0
    left = survivors()
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "survivors.txt").write_text("\n".join(left) + "\n")
    merge({
        "mutation_kill_rate": figure(rate, "%", ">= 90"),
        "mutation_killed": figure(killed, "mutants", None),
        "mutation_survived": figure(int(s["survived"]), "mutants", 0),
        "mutation_no_tests": figure(int(s["no_tests"]), "mutants", 0),
        "mutation_total": figure(int(s["total"]), "mutants", None),
        "mutation_scope": figure(" ".join(args.mutate), "", None),
        "mutation_seconds": figure(round(seconds), "s", None),
    })
    print("mutation: %.1f%% killed (%d of %d tested, %d survived, %d without tests) in %.0f s"
          % (rate, killed, tested, int(s["survived"]), int(s["no_tests"]), seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
