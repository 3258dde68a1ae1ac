"""What the portable tests need, in the subset both interpreters run.

The files in tests/portable/ are collected by pytest on CPython and run
unchanged by the MicroPython runners (WebAssembly build under node, unix port):
plain `test_*` functions with `assert`, no fixtures, no pytest import, and only
modules from firmware_shim/manifest.txt.
"""

import os
import time

try:
    from collections.abc import Callable
except ImportError:
    pass

# scratch_dir's counter starts from the clock, so earlier runs' names are skipped fast
_made = [int(time.time()) % 1000000 * 100]

def raises(exc_type: "type[BaseException]", fn: "Callable[..., object]", *args: object,
           **kwargs: object) -> BaseException:
    """Call `fn` and return the `exc_type` it raised; fails when it raises nothing."""
    try:
        fn(*args, **kwargs)
    except exc_type as exc:
        return exc
    raise AssertionError("%s not raised by %r" % (exc_type.__name__, fn))


def scratch_dir(name: str) -> str:
    """A new empty directory for one test's files (tempfile where there is one).

    MicroPython has no tempfile: a new directory under /tmp (present on the
    unix port and in the WebAssembly build's in-memory file system), the first
    free name of a clock-seeded counter (the WebAssembly build has no os.urandom).
    """
    try:
        import tempfile
    except ImportError:
        tempfile = None  # type: ignore[assignment]
    if tempfile is not None:
        return tempfile.mkdtemp(prefix=name + "-")
    while True:
        _made[0] += 1
        path = "/tmp/me-lib-%s-%d" % (name, _made[0])
        try:
            os.mkdir(path)
            return path
        except OSError:  # taken by an earlier run
            pass


def exists(path: str) -> bool:
    """os.path.exists for both interpreters (MicroPython has no os.path)."""
    try:
        os.stat(path)
        return True
    except OSError:
        return False
