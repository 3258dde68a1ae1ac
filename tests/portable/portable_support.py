"""What the portable tests need, in the subset both interpreters run.

The files in tests/portable/ are collected by pytest on CPython and run
unchanged by the MicroPython runners (WebAssembly build under node, unix port):
plain `test_*` functions with `assert`, no fixtures, no pytest import, and only
modules from firmware_shim/manifest.txt.
"""


def raises(exc_type: type, fn: object, *args: object, **kwargs: object) -> BaseException:
    """Call `fn` and return the `exc_type` it raised; fails when it raises nothing."""
    try:
        fn(*args, **kwargs)  # type: ignore[operator]
    except exc_type as exc:
        return exc
    raise AssertionError("%s not raised by %r" % (exc_type.__name__, fn))
