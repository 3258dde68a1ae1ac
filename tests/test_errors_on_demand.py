"""The classes a board rarely meets load on first use, and are `me_lib.errors`'s all the same.

Issue 15: on a board each class costs about 350 B of heap from .mpy, so
`me_lib/errors.py` keeps the hierarchy roots and the classes the board core
imports at load time, and `me_lib/_errors_rare.py` holds the others, imported
by the module `__getattr__` (PEP 562) the first time one is asked for. Users
must not see the seam: every name, base class, `__module__`, `dir()`, pickle and
`from me_lib.errors import ...` as before. The same names and bases on
MicroPython, and the happy path of the board core never loading the second
module, are checked in tests/micropython/test_mp_errors_on_demand.py.
"""

import ast
import inspect
import json
import pickle
import subprocess
import sys
from pathlib import Path

import me_lib.errors as errors
from me_lib import _errors_rare

ROOT = Path(__file__).resolve().parents[1]

#: Every class of `me_lib.errors` and its base classes, as they were before the split
#: (written out, not computed: a class lost, added or moved in the tree shows here).
BASES = {
    "MeLibError": ["Exception"],
    "AtError": ["MeLibError"],
    "AtTimeout": ["AtError"],
    "AtCommandError": ["AtError"],
    "CmeError": ["AtError"],
    "CmsError": ["AtError"],
    "ModemRebooted": ["AtError"],
    "PortClosed": ["AtError"],
    "PortUnavailable": ["PortClosed"],
    "InvalidAtParameter": ["AtError"],
    "AtProtocolError": ["AtError"],
    "DecodeError": ["MeLibError"],
    "CardError": ["MeLibError"],
    "StatusWordError": ["CardError"],
    "FileNotFound": ["StatusWordError"],
    "SecurityStatusNotSatisfied": ["StatusWordError"],
    "ExecutionError": ["StatusWordError"],
    "WrongLength": ["StatusWordError"],
    "ClassNotSupported": ["StatusWordError"],
    "CommandNotAllowed": ["StatusWordError"],
    "WrongParameters": ["StatusWordError"],
    "InstructionNotSupported": ["StatusWordError"],
    "TechnicalProblem": ["StatusWordError"],
    "PinBlocked": ["CardError"],
    "CardRemoved": ["CardError"],
    "ProfileError": ["MeLibError"],
    "InvalidApn": ["ProfileError"],
    "InvalidAddress": ["ProfileError"],
    "ProfileIntegrityError": ["ProfileError"],
    "ProfileMissing": ["ProfileError"],
    "ProfileUnreadable": ["ProfileMissing"],
    "ProvisionError": ["MeLibError"],
    "SimNotReady": ["ProvisionError"],
    "NameNotResolved": ["ProvisionError"],
    "ConnectFailed": ["ProvisionError"],
    "NoAnswer": ["ProvisionError"],
}
#: the names `me_lib.errors` loads on first use (the rest are defined in it)
ON_DEMAND = {
    "CmsError", "PortUnavailable", "InvalidAtParameter", "SecurityStatusNotSatisfied",
    "ExecutionError", "WrongLength", "ClassNotSupported", "CommandNotAllowed",
    "WrongParameters", "InstructionNotSupported", "TechnicalProblem",
    "PLAIN_ERROR_HINTS", "plain_error_hint",
}
#: what a board runs at load time: the core, the shim it needs, its main.py
CORE_ROOTS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "me_lib" / "board").glob("*.py")) \
    + ["firmware_shim/core_main.py", "firmware_shim/uart.py", "firmware_shim/power.py",
       "firmware_shim/store.py"]


def fresh(code: str) -> list[object]:
    """Run `code` in a new interpreter; it prints one JSON document, returned."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    return list(json.loads(done.stdout))


def test_every_class_is_reachable_with_its_bases_and_its_home() -> None:
    listed = {name for name in dir(errors)
              if inspect.isclass(getattr(errors, name))
              and issubclass(getattr(errors, name), errors.MeLibError)}
    assert listed == set(BASES)
    for name, bases in BASES.items():
        cls = getattr(errors, name)
        assert [b.__name__ for b in cls.__bases__] == bases, name
        assert (cls.__module__, cls.__qualname__, cls.__name__) == ("me_lib.errors", name, name)
        namespace: dict[str, object] = {}
        exec("from me_lib.errors import %s as found" % name, namespace)
        assert namespace["found"] is cls
        assert (cls.__doc__ or "").strip(), name  # the docstring travelled with its class
    assert errors.plain_error_hint is _errors_rare.plain_error_hint
    assert errors.PLAIN_ERROR_HINTS[0][1] == errors.AtCommandError._h


def test_the_on_demand_names_are_those_of_the_second_module_and_its_re_exports() -> None:
    assert set(errors._RARE.split()) == ON_DEMAND
    defined = set()
    for node in ast.parse(Path(_errors_rare.__file__).read_text()).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    assert defined - {"TYPE_CHECKING"} == ON_DEMAND
    # what mypy sees: each re-exported (`import X as X`) under TYPE_CHECKING in errors.py
    reexported = set()
    for node in ast.parse(Path(errors.__file__).read_text()).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom) and sub.module == "me_lib._errors_rare":
                    assert all(a.asname == a.name for a in sub.names)
                    reexported.update(a.name for a in sub.names)
    assert reexported == ON_DEMAND
    # none of them is also defined in errors.py (one home per class)
    assert not ON_DEMAND & set(vars(errors))


def test_importing_errors_loads_the_second_module_only_when_a_name_is_asked_for() -> None:
    code = """
import json, sys
import me_lib.errors as errors
steps = ["me_lib._errors_rare" in sys.modules]
steps.append("CmsError" in dir(errors))  # dir() lists it without loading it
steps.append("me_lib._errors_rare" in sys.modules)
try:
    errors.NoSuchError
except AttributeError as exc:
    steps.append(str(exc))
steps.append(hasattr(errors, "_private"))
steps.append("me_lib._errors_rare" in sys.modules)
from me_lib.errors import WrongLength
steps.append("me_lib._errors_rare" in sys.modules)
steps.append(WrongLength is sys.modules["me_lib._errors_rare"].WrongLength)
try:
    raise WrongLength(0x6700, "READ BINARY")
except errors.StatusWordError as exc:
    steps.append([str(exc), isinstance(exc, errors.CardError)])
print(json.dumps(steps))
"""
    assert fresh(code) == [
        False, True, False, "module 'me_lib.errors' has no attribute 'NoSuchError'", False,
        False, True, True, ["READ BINARY failed: SW 6700", True]]


def test_a_pickle_names_me_lib_errors_and_loads_before_the_second_module_does() -> None:
    err = errors.PortUnavailable("sim://nowhere", "no such scenario", "list them")
    data = pickle.dumps(err)
    assert b"me_lib.errors" in data and b"_errors_rare" not in data
    code = """
import json, pickle, sys
err = pickle.loads(bytes.fromhex(%r))
print(json.dumps([type(err).__module__, type(err).__name__, str(err), err.url,
                  "me_lib._errors_rare" in sys.modules]))
""" % data.hex()
    assert fresh(code) == ["me_lib.errors", "PortUnavailable",
                           "cannot open sim://nowhere: no such scenario (list them)",
                           "sim://nowhere", True]


def _source(dotted: str) -> str | None:
    for rel in (dotted.replace(".", "/") + ".py", dotted.replace(".", "/") + "/__init__.py"):
        if (ROOT / rel).is_file():
            return rel
    return None


def _load_time(rel: str) -> tuple[set[str], set[str]]:
    """(our modules `rel` imports when it loads, names it imports from me_lib.errors then).

    Module level only: function bodies (error paths) and `if TYPE_CHECKING:` blocks
    do not run at load time.
    """
    modules: set[str] = set()
    names: set[str] = set()
    todo: list[ast.AST] = list(ast.parse((ROOT / rel).read_text()).body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        dotted: list[str] = []
        if isinstance(node, ast.Import):
            dotted = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            dotted = [node.module] + [node.module + "." + a.name for a in node.names]
            if node.module == "me_lib.errors":
                names.update(a.name for a in node.names)
        for name in dotted:
            parts = name.split(".")
            for k in range(1, len(parts) + 1):
                source = _source(".".join(parts[:k]))
                if source is not None:
                    modules.add(source)
        todo.extend(ast.iter_child_nodes(node))
    return modules, names


def test_errors_keeps_exactly_the_roots_and_what_the_board_core_imports_at_load_time() -> None:
    """A board module that starts importing a rare class at load time, or a class left
    in errors.py that no board module needs, shows here: move the class (or the import
    into the error path that needs it)."""
    seen: set[str] = set()
    wanted: set[str] = set()
    todo = list(CORE_ROOTS)
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        modules, names = _load_time(rel)
        todo.extend(modules - seen)
        wanted |= names
    assert "me_lib/_errors_rare.py" not in seen and "me_lib/card/sw.py" not in seen
    classes = {name for name in wanted if name in BASES}
    # the bases of those, and the roots of the hierarchy (MeLibError and its children)
    for name in list(classes):
        while BASES[name] != ["Exception"]:
            name = BASES[name][0]
            classes.add(name)
    classes |= {name for name, bases in BASES.items() if bases in (["Exception"], ["MeLibError"])}
    assert classes == set(BASES) - ON_DEMAND
