"""Every public name of the public modules says what it is for.

The public surface: the names in `__all__` of `me_lib`, `me_lib.at`,
`me_lib.provision` and `me_lib.sources`, every public `Modem` method, and the
public functions and classes defined in `me_lib.card.pcsc` and each
`me_lib.codec` module. For a class, its public methods and properties count too.
"""

import importlib
import inspect
import pkgutil
from types import ModuleType

import me_lib.codec

PACKAGES = ["me_lib", "me_lib.at", "me_lib.provision", "me_lib.sources"]
MODULES = ["me_lib.card.pcsc"] + sorted(
    "me_lib.codec." + info.name for info in pkgutil.iter_modules(me_lib.codec.__path__)
    if not info.name.startswith("_"))


def members(cls: type) -> list[tuple[str, object]]:
    """Public methods and properties `cls` defines itself (not inherited ones)."""
    found = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            found.append((name, value))
    return found


def undocumented(where: str, obj: object) -> list[str]:
    """`where` (and, for a class, each member) that has no docstring of its own."""
    lost = []
    if not (getattr(obj, "__doc__", None) or "").strip():
        lost.append(where)
    if inspect.isclass(obj):
        for name, member in members(obj):
            if not (member.__doc__ or "").strip():
                lost.append("%s.%s" % (where, name))
    return lost


def public_defined(module: ModuleType) -> list[tuple[str, object]]:
    """Functions and classes `module` defines (not imports), not starting with `_`."""
    return [(name, value) for name, value in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
            and getattr(value, "__module__", None) == module.__name__]


def surface() -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for name in PACKAGES:
        module = importlib.import_module(name)
        found.append((name, module))
        for attr in module.__all__:
            value = getattr(module, attr)
            if inspect.isfunction(value) or inspect.isclass(value):
                found.append(("%s.%s" % (name, attr), value))
    for name in MODULES:
        module = importlib.import_module(name)
        found.append((name, module))
        found.extend(("%s.%s" % (name, attr), value) for attr, value in public_defined(module))
    from me_lib.modem.modem import Modem

    found.append(("me_lib.modem.modem.Modem", Modem))
    return found


def test_every_public_name_has_a_docstring() -> None:
    lost = []
    seen = set()
    for where, obj in surface():
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        lost.extend(undocumented(where, obj))
    assert lost == []


def test_the_check_finds_a_missing_docstring() -> None:
    class Sample:
        """Documented."""

        def documented(self) -> None:
            """Yes."""

        def bare(self) -> None:
            pass

        @property
        def bare_property(self) -> int:
            return 1

    assert undocumented("Sample", Sample) == ["Sample.bare", "Sample.bare_property"]


def test_the_surface_is_not_empty() -> None:
    names = {where for where, _ in surface()}
    assert {"me_lib.Modem", "me_lib.provision", "me_lib.at.AtChannel",
            "me_lib.codec.dmcfg.decode", "me_lib.card.pcsc"} <= names
