"""Typed reads of card-profile TOML values, each failure a `ProfileError` naming the key.

A profile is hand-written; a wrong type or a typo in a key must say where it
is and what to write instead, not surface later as a KeyError or a card that
is silently different. Every section reader of the card profile uses these.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from me_lib.errors import MeLibError, ProfileError


def check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Refuse keys the section does not define (typo protection)."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ProfileError("%s: unknown key(s) %s" % (where, ", ".join(unknown)),
                           "allowed: " + ", ".join(allowed))


def table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """A sub-table (`[key]`), empty when absent."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError("%s: [%s] must be a table" % (where, key))
    return value


def _typed(tbl: dict[str, Any], key: str, kind: type, label: str, where: str,
           default: Any) -> Any:
    value = tbl.get(key, default)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProfileError("%s: %s must be %s, not %r" % (where, key, label, value))
    return value


def text(tbl: dict[str, Any], key: str, where: str, default: str) -> str:
    value: str = _typed(tbl, key, str, "a string", where, default)
    return value


def opt_text(tbl: dict[str, Any], key: str, where: str) -> str | None:
    value: str | None = _typed(tbl, key, str, "a string", where, None)
    return value


def integer(tbl: dict[str, Any], key: str, where: str, default: int) -> int:
    value: int = _typed(tbl, key, int, "an integer", where, default)
    return value


def opt_integer(tbl: dict[str, Any], key: str, where: str) -> int | None:
    value: int | None = _typed(tbl, key, int, "an integer", where, None)
    return value


def flag(tbl: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value: bool = _typed(tbl, key, bool, "true or false", where, default)
    return value


def strings(tbl: dict[str, Any], key: str, where: str, example: str) -> list[str]:
    value = tbl.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError("%s: %s must be a list of strings" % (where, key),
                           "e.g. %s = %s" % (key, example))
    return list(value)


def hex_bytes(tbl: dict[str, Any], key: str, where: str, default: str) -> bytes:
    raw = text(tbl, key, where, default).replace(" ", "")
    try:
        return bytes.fromhex(raw)
    except ValueError:
        raise ProfileError("%s: %s is not hex: %r" % (where, key, raw),
                           "write bytes as pairs of hex digits") from None


@contextmanager
def errors_in(where: str) -> Iterator[None]:
    """Re-raise codec errors as ProfileError with the section in front, so the fix is findable.

    The original error stays reachable as `__cause__` (e.g. an InvalidApn).
    """
    try:
        yield
    except ProfileError as exc:
        if exc.message.startswith(where):
            raise
        raise ProfileError("%s: %s" % (where, exc.message)) from exc
    except MeLibError as exc:
        raise ProfileError("%s: %s" % (where, exc), "fix the value in the card profile") from exc
