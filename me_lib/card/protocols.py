"""The card layer's protocols: what a back end, an AT port and an app opener offer.

Typing only, so not in the board's manifest: the modules that name them
(`atport`, `usim`, `fileinfo`) re-export them on CPython, and a MicroPython
board, which never checks types, does not load their code.
"""

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from me_lib.card import path as P
    from me_lib.card.fileinfo import FileInfo
    from me_lib.card.link import CardLink


class AtResponse(Protocol):
    @property
    def lines(self) -> list[str]: ...


class AtPort(Protocol):
    """The part of `me_lib.at.AtChannel` the card layer uses."""

    def command(self, command: str, prefix: str | tuple[str, ...] | None = None,
                timeout: float | None = None) -> AtResponse: ...


class CardAccess(Protocol):
    """What `Usim` needs from a back end (FileAccess and CrsmAccess both fit)."""

    name: str

    def file_info(self, path: "P.PathLike") -> "FileInfo": ...
    def read_binary(self, path: "P.PathLike", offset: int = 0,
                    length: int | None = None) -> bytes: ...
    def read_record(self, path: "P.PathLike", record: int,
                    length: int | None = None) -> bytes: ...


class AppOpener(Protocol):
    """Opens an application on a logical channel (MANAGE CHANNEL, or +CCHO)."""

    def open_app(self, aid: bytes) -> "AbstractContextManager[CardLink]": ...


class RecordReader(Protocol):
    """What `fileinfo.read_all_records` needs: a FileInfo and records by number."""

    def file_info(self, path: "P.PathLike") -> "FileInfo": ...

    def read_record(self, path: "P.PathLike", record: int,
                    length: int | None = None) -> bytes: ...
