"""Loggers that exist on both interpreters.

CPython gets the standard `logging` loggers (`me_lib.at`, `me_lib.modem`, ...),
so applications configure them as usual. MicroPython's unix and most board
builds have no `logging`; there the loggers are silent objects with the same
methods, so portable modules log unconditionally without a guard at each call.
"""

try:
    import logging
except ImportError:  # MicroPython without micropython-lib's logging
    logging = None  # type: ignore[assignment]

DEBUG = 10
INFO = 20
WARNING = 30


class QuietLogger:
    """Stands in for `logging.Logger` where there is no logging module."""

    def isEnabledFor(self, level: int) -> bool:
        return False

    def debug(self, *args: object, **kwargs: object) -> None:
        pass

    def info(self, *args: object, **kwargs: object) -> None:
        pass

    def warning(self, *args: object, **kwargs: object) -> None:
        pass

    def error(self, *args: object, **kwargs: object) -> None:
        pass


def get_logger(name: str) -> "logging.Logger":
    if logging is None:
        quiet: logging.Logger = QuietLogger()  # type: ignore[assignment,unused-ignore]
        return quiet
    return logging.getLogger(name)
