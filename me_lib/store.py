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
"""

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol


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


def read_json(path: Path) -> Any:
    """The JSON content of `path`, or None when it is missing; raises ValueError if corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return json.loads(text)


class JsonFile:
    """One JSON document at `path`: the document object for ProfileCache and Ownership."""

    def __init__(self, path: "str | os.PathLike[str]", mode: int = 0o600) -> None:
        self.path = Path(path)
        self.mode = mode

    def load(self) -> Any:
        """The parsed document, None when the file does not exist.

        Raises ValueError when it is not JSON (or not UTF-8), OSError when it
        cannot be read.
        """
        return read_json(self.path)

    def save(self, data: Any) -> None:
        """Replace the document atomically; raises OSError (the old file stays whole)."""
        atomic_write_json(self.path, data, self.mode)

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
