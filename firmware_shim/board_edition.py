"""A board edition of `me_lib/modem/dialects.py`: one modem's row (issue 15, heap).

A board drives one modem, but the dialect table builds every row when it is
imported (each `Dialect` instance with its attribute dict, tuples, dicts and
floats): on the 64-bit unix port the five other rows are 4.5 KB of the
module's 18.7 KB (the rest is the class, its methods and strings). A board
edition is the same module with the `Dialect(...)` elements of `DIALECTS`
other than the named one left out (GENERIC always stays), and their names in
`LEFT_OUT`, so `by_name` can tell a board configured for another modem what
to do instead of calling the name unknown.

The edition is generated from the real source, never written by hand: the
module is parsed (`ast`) and only two spans of its text are replaced (the
`DIALECTS` tuple and the `LEFT_OUT` value); everything else, functions and
the `Dialect` class included, is the library's text (comments between the
rows go). `firmware_shim/deploy.py --dialect NAME` compiles it instead of the
library's file; the freeze manifests do the same with `ME_LIB_DIALECT=NAME`.

Host tool (CPython only): never shipped to a board.
"""

import ast
from pathlib import Path

from me_lib.errors import MeLibError

ROOT = Path(__file__).resolve().parents[1]
#: the module a board edition replaces, repo-relative (the manifests' spelling)
DIALECTS_MODULE = "me_lib/modem/dialects.py"
GENERIC = "generic"


class EditionError(MeLibError):
    """No board edition can be made: an unknown row, or a table the generator
    does not recognise (the source changed shape: this file must follow)."""


def _assignment(tree: ast.Module, name: str) -> "ast.Assign | ast.AnnAssign":
    """The module-level assignment of `name` (one, plain or annotated)."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target: ast.expr = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        else:
            continue
        if isinstance(target, ast.Name) and target.id == name:
            found.append(node)
    if len(found) != 1:
        raise EditionError("%s assigns %s %d times, not once" % (DIALECTS_MODULE, name,
                                                                 len(found)),
                           "update firmware_shim/board_edition.py to the table's new shape")
    return found[0]


def _rows(node: "ast.Assign | ast.AnnAssign") -> "list[tuple[str, ast.Call]]":
    """(name, element) of each `Dialect("name", ...)` of the DIALECTS tuple."""
    rows = []
    if not isinstance(node.value, ast.Tuple):
        raise EditionError("DIALECTS in %s is not a tuple" % DIALECTS_MODULE,
                           "update firmware_shim/board_edition.py to the table's new shape")
    for element in node.value.elts:
        if not (isinstance(element, ast.Call) and isinstance(element.func, ast.Name)
                and element.func.id == "Dialect" and element.args
                and isinstance(element.args[0], ast.Constant)
                and isinstance(element.args[0].value, str)):
            raise EditionError(
                "a DIALECTS element of %s (line %d) is not Dialect(\"name\", ...)"
                % (DIALECTS_MODULE, element.lineno),
                "update firmware_shim/board_edition.py to the table's new shape")
        rows.append((element.args[0].value, element))
    return rows


def _span(lines: "list[str]", node: ast.expr) -> "tuple[int, int]":
    """`node`'s start and end as offsets into the text `lines` were split from (ast
    gives UTF-8 byte columns: a comment with a "§" before them must not shift them)."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, column: int) -> int:
        return starts[lineno - 1] + len(lines[lineno - 1].encode()[:column].decode())

    if node.end_lineno is None or node.end_col_offset is None:
        raise EditionError("no source position for a node of %s" % DIALECTS_MODULE,
                           "run the generator on CPython 3.8 or later")
    return offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)


def row_names(source: "str | None" = None) -> "list[str]":
    """The rows of the table (`source`: the module's text; default: the library's)."""
    text = source if source is not None else (ROOT / DIALECTS_MODULE).read_text()
    return [name for name, _ in _rows(_assignment(ast.parse(text), "DIALECTS"))]


def edition(name: str, source: "str | None" = None) -> str:
    """The text of the board edition carrying the row `name` (and GENERIC).

    `name` "generic" keeps no row: a board for a module the table does not know.
    Raises EditionError for a name the table does not have.
    """
    text = source if source is not None else (ROOT / DIALECTS_MODULE).read_text()
    tree = ast.parse(text)
    rows = _rows(_assignment(tree, "DIALECTS"))
    names = [row for row, _ in rows]
    if name != GENERIC and name not in names:
        raise EditionError("unknown modem dialect %r" % name,
                           "use one of: " + ", ".join([GENERIC] + names))
    lines = text.splitlines(keepends=True)
    kept = [ast.get_source_segment(text, element) for row, element in rows if row == name]
    table = "(\n" + "".join("    %s,\n" % segment for segment in kept) + ")" if kept else "()"
    left_out = tuple(row for row in names if row != name)
    edits = [(_span(lines, _dialects_value(tree)), table),
             (_span(lines, _left_out_value(tree)), repr(left_out))]
    for (start, end), new in sorted(edits, reverse=True):  # later span first: offsets hold
        text = text[:start] + new + text[end:]
    done = ast.parse(text)  # what is written must still be a module with that table
    if [row for row, _ in _rows(_assignment(done, "DIALECTS"))] != [name] * len(kept):
        raise EditionError("the board edition of %s lost its row %r" % (DIALECTS_MODULE, name),
                           "update firmware_shim/board_edition.py to the table's new shape")
    return text


def _dialects_value(tree: ast.Module) -> ast.expr:
    value = _assignment(tree, "DIALECTS").value
    if value is None:  # _assignment() keeps only assignments with a value
        raise EditionError("DIALECTS in %s has no value" % DIALECTS_MODULE)
    return value


def _left_out_value(tree: ast.Module) -> ast.expr:
    value = _assignment(tree, "LEFT_OUT").value
    if not (isinstance(value, ast.Tuple) and not value.elts):
        raise EditionError("LEFT_OUT in %s is not () in the library" % DIALECTS_MODULE,
                           "the library carries every row: restore LEFT_OUT = ()")
    return value


def write(name: str, base: Path) -> Path:
    """The board edition for `name` written to `base`/me_lib/modem/dialects.py (only
    when its text changed, so a build keyed on file times does not redo it)."""
    target = base / DIALECTS_MODULE
    text = edition(name)
    if not target.is_file() or target.read_text() != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return target


#: where the freeze manifests write the board edition (repo-relative; build/ is ignored
#: by git) unless ME_LIB_DIALECT_DIR names another directory
FREEZE_DIR = "build/freeze-dialect"


def for_freeze(name: str, directory: "str | None" = None) -> str:
    """The base path a freeze manifest gives `module()` for DIALECTS_MODULE: the board
    edition for `name` written under `directory` (default FREEZE_DIR/`name`)."""
    base = Path(directory) if directory else ROOT / FREEZE_DIR / name
    write(name, base)
    return str(base)
