"""`FlashFile`: one JSON document on a board's flash, replaced atomically.

Why: the last good profile per ICCID (`ProfileCache`) and the record of the
contexts me_lib created (`Ownership`) must survive a power cut mid-write.
MicroPython has no `os.replace`/`os.fsync`/tempfile, so the document is
written whole to `path + ".tmp"`, closed (which flushes it on LittleFS and
FAT), then renamed over `path`. FAT cannot rename onto an existing file, so
there the old file is removed first; a cut in that window leaves only the
.tmp, which `load()` recognises as the complete new document and renames into
place. A .tmp next to an intact `path` is a write cut before the rename: the
old document stands and the .tmp is dropped.

The store object has the two methods ProfileCache and Ownership accept in
place of a path (docs/architecture.md, persistent state): `load()` and
`save(data)`. Errors stay the ones those classes handle for the CPython
`JsonFile`: ValueError for a corrupt document, OSError for a flash failure.
"""

import json
import os


def _exists(path: str) -> bool:
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


#: a state document larger than this is not parsed (they are a few KiB; the heap is small)
MAX_BYTES = 64 * 1024


def _read(path: str) -> object:
    size = os.stat(path)[6]
    if size > MAX_BYTES:
        raise ValueError("%s is %d bytes, more than a state document can be: delete it "
                         "and the device rebuilds it on the next run" % (path, size))
    with open(path) as fh:
        text = fh.read()
    try:
        return json.loads(text)
    except (ValueError, RuntimeError, MemoryError):
        # RuntimeError: recursion limit (CPython's RecursionError is one, MicroPython
        # raises RuntimeError itself); raised below: MicroPython warns on `raise ... from`
        pass
    raise ValueError("%s is not valid JSON (%d bytes): delete it and the device "
                     "rebuilds it on the next run" % (path, len(text)))


class FlashFile:
    """A JSON document at `path` (e.g. "/flash/profiles.json")."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tmp = path + ".tmp"

    def load(self) -> object:
        """The parsed document; None when there is none; ValueError when corrupt."""
        if _exists(self.path):
            _remove(self.tmp)  # a save cut before its rename: the old file stands
            return _read(self.path)
        if not _exists(self.tmp):
            return None
        try:
            data = _read(self.tmp)
        except ValueError:
            _remove(self.tmp)  # the very first save was cut mid-write
            return None
        os.rename(self.tmp, self.path)  # finish the save cut after its remove
        return data

    def save(self, data: object) -> None:
        """Replaces the document; a reader sees the old one or the new one, never a mix."""
        text = json.dumps(data)
        with open(self.tmp, "w") as fh:
            fh.write(text)
        try:
            os.rename(self.tmp, self.path)
        except OSError:
            if not _exists(self.path):
                raise
            os.remove(self.path)  # FAT: no rename onto an existing file
            os.rename(self.tmp, self.path)

    def __repr__(self) -> str:
        return "FlashFile(%r)" % self.path
