"""Runs every `test_*` function of every tests/portable/test_*.py on MicroPython.

MicroPython has no unittest on the unix port and no pytest anywhere, so this
small driver does the collecting: modules in name order, functions in name
order (dict order is not insertion order on MicroPython, so the driver sorts),
each test called with no arguments, an AssertionError or any other exception
a failure with its traceback printed. An import error counts as a failure and
finding no test at all fails too, so a broken stage cannot pass silently.

Used by both runners: `run_unix.py` on the unix port (exit status), and
`run_wasm.mjs` under node (it reads the summary line). Prints one line per
failure and a last line `PORTABLE SUMMARY passed=N failed=M`.
"""

import os
import sys


def _print_exc(exc: BaseException) -> None:
    try:
        sys.print_exception(exc)  # type: ignore[attr-defined]
    except AttributeError:  # CPython (the driver's own test)
        import traceback

        traceback.print_exception(exc)


def run(test_dir: str, only: "list[str] | None" = None) -> "tuple[int, int]":
    """(passed, failed) over the test_*.py files in `test_dir` (or the `only` names)."""
    if test_dir not in sys.path:
        sys.path.insert(0, test_dir)
    names = sorted(n[:-3] for n in os.listdir(test_dir)
                   if n.startswith("test_") and n.endswith(".py"))
    if only:
        names = [n for n in names if n in only]
    passed = failed = 0
    for name in names:
        try:
            module = __import__(name)
        except Exception as exc:  # a module that does not import is a failure
            failed += 1
            print("FAIL %s (import): %s: %s" % (name, type(exc).__name__, exc))
            _print_exc(exc)
            continue
        for attr in sorted(dir(module)):
            fn = getattr(module, attr)
            if not attr.startswith("test_") or not callable(fn):
                continue
            try:
                fn()
                passed += 1
            except Exception as exc:
                failed += 1
                print("FAIL %s.%s: %s: %s" % (name, attr, type(exc).__name__, exc))
                _print_exc(exc)
    if passed + failed == 0:
        failed = 1
        print("FAIL no test found in %s" % test_dir)
    print("PORTABLE SUMMARY passed=%d failed=%d" % (passed, failed))
    return passed, failed
