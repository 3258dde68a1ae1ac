"""The board edition of the dialect table (issue 15, heap): one row, generated, the same.

`firmware_shim/board_edition.py` writes me_lib/modem/dialects.py with one
`Dialect` row (and GENERIC); `deploy --dialect NAME` ships it. Here, on
CPython: the edition of every row, run as a module, carries exactly that row,
equal field by field to the library's, its functions behave as the library's
do for that module and say what to do about the others, the rest of the text
is the library's, and the generator refuses what it cannot make.
"""

import types
from typing import Any

import pytest

from firmware_shim.board_edition import DIALECTS_MODULE, ROOT, EditionError, edition, row_names
from me_lib.errors import MeLibError
from me_lib.modem import dialects as library

NAMES = [d.name for d in library.DIALECTS]
#: every field a row can set: the class attributes that are not methods
FIELDS = sorted(k for k in vars(library.Dialect)
                if not k.startswith("_") and not callable(getattr(library.Dialect, k)))
#: an identification (+CGMI/+CGMM/+CGMR words) per row, from the library's own table
IDENTIFICATION = {d.name: "Vendor %s rev 1.0" % d.match[0] for d in library.DIALECTS}


def load(name: str) -> Any:
    """The board edition for `name`, run as a module of its own."""
    module = types.ModuleType("board_edition_of_" + name.replace("-", "_"))
    exec(compile(edition(name), DIALECTS_MODULE, "exec"), module.__dict__)
    return module


def fields(row: Any) -> dict[str, Any]:
    return {key: getattr(row, key) for key in FIELDS}


def test_the_library_has_six_rows_and_the_generator_reads_them() -> None:
    assert row_names() == NAMES and len(NAMES) == 6
    assert library.LEFT_OUT == ()
    assert len(FIELDS) > 25 and "name" in FIELDS and "timeouts" in FIELDS


@pytest.mark.parametrize("name", NAMES)
def test_the_edition_carries_exactly_its_row_equal_to_the_librarys(name: str) -> None:
    mod = load(name)
    assert [d.name for d in mod.DIALECTS] == [name]
    row = mod.DIALECTS[0]
    assert type(row) is mod.Dialect and type(row) is not library.Dialect  # its own class
    assert fields(row) == fields(library.by_name(name))
    assert vars(row) == vars(library.by_name(name))  # the same fields set on the row
    assert fields(mod.GENERIC) == fields(library.GENERIC)
    assert vars(mod.GENERIC) == vars(library.GENERIC)
    assert tuple(n for n in NAMES if n != name) == mod.LEFT_OUT
    # the methods are the library's text: same answers
    assert row.timeout("AT+CGATT=1") == library.by_name(name).timeout("AT+CGATT=1")
    assert row.act_name(9, "E-UTRAN") == library.by_name(name).act_name(9, "E-UTRAN")


@pytest.mark.parametrize("name", NAMES)
def test_match_dialect_gives_the_row_for_its_module_and_generic_for_the_others(
        name: str) -> None:
    mod = load(name)
    assert mod.match_dialect(IDENTIFICATION[name]) is mod.DIALECTS[0]
    for other in NAMES:
        if other != name and library.match_dialect(IDENTIFICATION[other]).name != name:
            # another family's module, as for a module the table does not know
            assert mod.match_dialect(IDENTIFICATION[other]) is mod.GENERIC, other
    assert mod.match_dialect("Acme Widget 3000") is mod.GENERIC


def test_bg96_identification_on_the_bg96_edition() -> None:
    mod = load("quectel-bg96")
    bg96 = mod.match_dialect("Quectel BG96 Revision: BG96MAR02A07M1G")
    assert bg96.name == "quectel-bg96" and bg96.iccid_command == "AT+QCCID"
    assert mod.match_dialect("SIMCOM_Ltd SIMCOM_SIM7080G") is mod.GENERIC
    assert library.match_dialect("SIMCOM_Ltd SIMCOM_SIM7080G").name == "simcom-sim7080"


def test_by_name_of_a_left_out_row_says_to_deploy_for_it() -> None:
    mod = load("quectel-bg96")
    assert mod.by_name("quectel-bg96") is mod.DIALECTS[0]
    assert mod.by_name("generic") is mod.GENERIC
    with pytest.raises(MeLibError) as info:
        mod.by_name("telit-me910")
    assert type(info.value) is MeLibError
    said = str(info.value)
    assert said.startswith("this build carries only the quectel-bg96 row, not telit-me910 (")
    assert "deploy with --dialect telit-me910" in said and "ME_LIB_DIALECT=telit-me910" in said
    # a name no build has is still "unknown", with the names this build knows
    with pytest.raises(MeLibError, match="unknown modem dialect 'bg96'") as info:
        mod.by_name("bg96")
    assert str(info.value).endswith("(use one of: generic, quectel-bg96)")
    # the library itself says nothing of builds
    with pytest.raises(MeLibError, match="unknown modem dialect 'bg96'"):
        library.by_name("bg96")


def test_the_generic_edition_carries_no_row() -> None:
    mod = load("generic")
    assert mod.DIALECTS == () and tuple(NAMES) == mod.LEFT_OUT
    assert mod.match_dialect(IDENTIFICATION["quectel-bg96"]) is mod.GENERIC
    with pytest.raises(MeLibError, match="carries only the generic row, not quectel-bg96"):
        mod.by_name("quectel-bg96")


@pytest.mark.parametrize("name", ["quectel-bg96", "quectel-rm500q"])
def test_the_rest_of_the_text_is_the_librarys(name: str) -> None:
    text = (ROOT / DIALECTS_MODULE).read_text()
    made = edition(name)
    head = text[:text.index("\nDIALECTS = (")]
    assert made.startswith(head + "\nDIALECTS = (\n    Dialect(\n")
    tail = text[text.index("\n#: the rows this build left out"):]
    tail = tail.replace("LEFT_OUT: \"tuple[str, ...]\" = ()",
                        "LEFT_OUT: \"tuple[str, ...]\" = %r" % (load(name).LEFT_OUT,))
    assert made.endswith(tail)
    assert made.count("Dialect(\n") == 1  # the one row; GENERIC is Dialect("generic")


def test_the_generator_refuses_an_unknown_dialect() -> None:
    with pytest.raises(EditionError) as info:
        edition("bg96")
    assert isinstance(info.value, MeLibError)
    assert str(info.value) == "unknown modem dialect 'bg96' (use one of: %s)" % ", ".join(
        ["generic"] + NAMES)


@pytest.mark.parametrize("change, says", [
    (("DIALECTS = (\n", "DIALECTS = list((\n"), "is not a tuple"),
    (("LEFT_OUT: \"tuple[str, ...]\" = ()", "LEFT_OUT = ('x',)"), "is not () in the library"),
    (("LEFT_OUT: \"tuple[str, ...]\" = ()", "LEFT_OUTS = ()"), "assigns LEFT_OUT 0 times"),
    (("    Dialect(\n        \"ublox-sara-r4\"", "    GENERIC,\n    Dialect(\n        \"ublox-"
                                                "sara-r4\""), "is not Dialect(\"name\", ...)"),
])
def test_the_generator_refuses_a_table_of_another_shape(change: tuple[str, str],
                                                        says: str) -> None:
    text = (ROOT / DIALECTS_MODULE).read_text()
    assert change[0] in text
    broken = text.replace(change[0], change[1], 1)
    if "list((" in change[1]:
        broken = broken.replace("\n)\n\n#: the rows", "\n))\n\n#: the rows", 1)
    with pytest.raises(EditionError, match=says.replace("(", r"\(").replace(")", r"\)")):
        edition("quectel-bg96", broken)
