"""Loggers that exist on both interpreters, and cost nothing until used.

CPython gets the standard `logging` loggers (`me_lib.at`, `me_lib.modem`, ...),
so applications configure them as usual. The `logging` module itself is
imported at the first log call, not when a module asks for its logger, so that
`import me_lib.at` stays light; at that point the `me_lib` logger gets a
`logging.NullHandler`: a library never prints by itself (no "No handlers could
be found", no warnings on stderr through logging's last-resort handler) unless
the application configures logging.

MicroPython's unix and most board builds have no `logging`; there the loggers
are silent objects with the same methods, so portable modules log
unconditionally without a guard at each call.
"""

import sys

DEBUG = 10
INFO = 20
WARNING = 30

_CPYTHON = sys.implementation.name != "micropython"


class QuietLogger:
    """Stands in for `logging.Logger` where there is no logging module."""

    def isEnabledFor(self, level: int) -> bool:
        """Always False: nothing is logged, so callers skip building messages."""
        return False

    def debug(self, *args: object, **kwargs: object) -> None:
        """Drops the message."""

    def info(self, *args: object, **kwargs: object) -> None:
        """Drops the message."""

    def warning(self, *args: object, **kwargs: object) -> None:
        """Drops the message."""

    def error(self, *args: object, **kwargs: object) -> None:
        """Drops the message."""

    def exception(self, *args: object, **kwargs: object) -> None:
        """Drops the message."""


_null_handler_added = False


def _std_logger(name: str) -> "logging.Logger":
    """`logging.getLogger(name)`, the `me_lib` logger given its NullHandler once."""
    global _null_handler_added
    import logging

    if not _null_handler_added:
        root = logging.getLogger("me_lib")
        if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
            root.addHandler(logging.NullHandler())
        _null_handler_added = True
    return logging.getLogger(name)


class LazyLogger:
    """A `logging.Logger` looked up (and `logging` imported) at its first use.

    Calls pass `stacklevel=2` so records name the caller's module and line,
    not this class.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._real: logging.Logger | None = None

    def _logger(self) -> "logging.Logger":
        real = self._real
        if real is None:
            real = self._real = _std_logger(self.name)
        return real

    def isEnabledFor(self, level: int) -> bool:
        """Whether a record at `level` would be handled (imports logging)."""
        return self._logger().isEnabledFor(level)

    def debug(self, msg: object, *args: object, **kwargs: "Any") -> None:
        """`logging.Logger.debug`."""
        kwargs.setdefault("stacklevel", 2)
        self._logger().debug(msg, *args, **kwargs)

    def info(self, msg: object, *args: object, **kwargs: "Any") -> None:
        """`logging.Logger.info`."""
        kwargs.setdefault("stacklevel", 2)
        self._logger().info(msg, *args, **kwargs)

    def warning(self, msg: object, *args: object, **kwargs: "Any") -> None:
        """`logging.Logger.warning`."""
        kwargs.setdefault("stacklevel", 2)
        self._logger().warning(msg, *args, **kwargs)

    def error(self, msg: object, *args: object, **kwargs: "Any") -> None:
        """`logging.Logger.error`."""
        kwargs.setdefault("stacklevel", 2)
        self._logger().error(msg, *args, **kwargs)

    def exception(self, msg: object, *args: object, **kwargs: "Any") -> None:
        """`logging.Logger.exception` (the current exception's traceback included)."""
        kwargs.setdefault("stacklevel", 2)
        self._logger().exception(msg, *args, **kwargs)


def get_logger(name: str) -> LazyLogger:
    """The logger `name` (under `me_lib`): lazy on CPython, silent without `logging`."""
    if _CPYTHON:
        return LazyLogger(name)
    try:
        import logging
    except ImportError:  # MicroPython without micropython-lib's logging
        quiet: LazyLogger = QuietLogger()  # type: ignore[assignment]
        return quiet
    real: LazyLogger = logging.getLogger(name)  # type: ignore[assignment]
    return real


TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging
    from typing import Any
