"""Small JSON files on the device's flash, replaced atomically (CPython).

Both the last-good-profile cache and the record of which contexts this
library created must survive a power cut in the middle of a write: the new
content goes to a temporary file in the same directory, is fsynced, then
renamed over the old one (and the directory fsynced), so a reader sees either
the old file or the new one, never half of each.

`ProfileCache` and `Ownership` keep their state through a *document* object,
anything with `load()` and `save(data)`; `JsonFile` is the CPython one and
what a path given to them becomes. This module needs tempfile and pathlib, so
it is not on boards: there `firmware_shim.store.FlashFile` is the document.

Bounded parsing: a state file is a few kilobytes; one over `MAX_BYTES`, or
nested deep enough to exhaust the parser's recursion, is reported as corrupt
(ValueError) like any other, never a crash.

Two processes, one state directory: `JsonFile.update(fn)` takes an advisory
lock (`fcntl.flock` on `<name>.lock` beside the file), re-reads the file,
applies `fn` to what it holds now and writes the result by atomic rename, so
a record the other process wrote in the meantime is merged, not lost. The
wait for the lock is bounded (`LOCK_TIMEOUT`); where there is no fcntl the
update runs unlocked (the rename still keeps the file whole).
"""

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: a state file larger than this is not parsed (they are a few KiB)
MAX_BYTES = 1 << 20
#: how long update() waits for another process's lock before giving up
LOCK_TIMEOUT = 10.0


class Document(Protocol):
    """What ProfileCache and Ownership keep their state in (JsonFile, FlashFile)."""

    def load(self) -> Any: ...

    def save(self, data: Any) -> None: ...


def atomic_write_json(path: Path, data: Any, mode: int = 0o600) -> None:
    """Write `data` as JSON to `path` atomically; raises OSError on failure."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = ""
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); best effort where a directory cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_json(path: Path, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON content of `path`, or None when it is missing.

    Raises ValueError when it is not JSON, not UTF-8, larger than `max_bytes`
    or nested too deep to parse; OSError when it cannot be read.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    if len(raw) > max_bytes:
        raise ValueError("%s is larger than %d bytes: not a state file of this library; "
                         "delete it and it is rebuilt" % (path, max_bytes))
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("%s is nested too deep to be a state file; delete it and it is "
                         "rebuilt" % path) from None
    except UnicodeDecodeError as exc:
        raise ValueError("%s is not UTF-8 (byte %d); delete it and it is rebuilt"
                         % (path, exc.start)) from None
    except ValueError as exc:
        raise ValueError("%s is not valid JSON (%s); delete it and it is rebuilt"
                         % (path, exc)) from None


class _Lock:
    """An exclusive advisory lock on `path` (created), waited for at most `timeout` s."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.fd = -1

    def __enter__(self) -> "_Lock":
        if fcntl is None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    self.fd = -1
                    raise TimeoutError("%s is held by another process for more than %.0f s"
                                       % (self.path, self.timeout)) from None
                time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = -1


class JsonFile:
    """One JSON document at `path`: the document object for ProfileCache and Ownership."""

    def __init__(self, path: "str | os.PathLike[str]", mode: int = 0o600) -> None:
        self.path = Path(path)
        self.mode = mode

    def load(self) -> Any:
        """The parsed document, None when the file does not exist.

        Raises ValueError when it is not JSON, not UTF-8, too large or too
        deeply nested; OSError when it cannot be read.
        """
        return read_json(self.path)

    def save(self, data: Any) -> None:
        """Replace the document atomically; raises OSError (the old file stays whole)."""
        atomic_write_json(self.path, data, self.mode)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def update(self, change: "Callable[[Any], Any]") -> Any:
        """Read, `change`, write, under the directory's lock; returns what was written.

        `change` gets the document as it is on disk now (None when missing or
        unreadable: it is then rebuilt) and returns the new one. Raises OSError
        (TimeoutError when another process holds the lock too long).
        """
        with _Lock(self.lock_path, LOCK_TIMEOUT):
            try:
                current = self.load()
            except ValueError:
                current = None
            new = change(current)
            self.save(new)
            return new

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return "JsonFile(%r)" % str(self.path)


def default_state_dir() -> Path:
    """Where device state lives unless configured: $ME_LIB_STATE_DIR or ~/.local/state/me_lib."""
    env = os.environ.get("ME_LIB_STATE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"),
                                                            ".local", "state")
    return Path(base) / "me_lib"
