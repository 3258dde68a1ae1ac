"""Package faces that import nothing until a name is asked for (PEP 562).

`import me_lib.card` on a board, or `import me_lib.at` on CPython, must not load
the flow, construct or the simulator: each package's `__getattr__` imports a
public name from the module that defines it on first use. One function makes
that `__getattr__` for every package, so the rule lives in one place.

Portable (MicroPython looks up a module's `__getattr__` too, and asks the
package for a submodule before it looks for one, hence `submodules`).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def exports(package: str, where: "dict[str, str]",
            submodules: bool = True) -> "Callable[[str], object]":
    """A module `__getattr__` for `package`: `where` maps a name to its submodule.

    With `submodules`, another name is tried as a submodule of the package
    (`from me_lib.card import path` on MicroPython comes here first).
    """
    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is not None:
            return getattr(__import__(package + "." + module, None, None, [name]), name)
        if submodules and not name.startswith("_"):
            try:
                return __import__(package + "." + name, None, None, [name])
            except ImportError:
                pass
        raise AttributeError("module %r has no attribute %r" % (package, name))

    return __getattr__
