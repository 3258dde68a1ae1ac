"""Each error class's row (`_d`, me_lib/errors.py) agrees with the typed signature users see.

On a board the classes are data: one shared `__init__` reads the class's row
(argument names, how many are required, fixed attributes, message pieces), and
the typed `__init__` mypy and readers see sits in an `if TYPE_CHECKING:` block
that MicroPython's compiler drops. Nothing checks the two against each other at
run time, so this does: same names in the same order, same required count,
every argument an attribute, and the messages CPython users see. The classes a
board rarely meets are written in me_lib/_errors_rare.py (loaded on first use,
tests/test_errors_on_demand.py): both sources count, and the classes are every
name `dir(me_lib.errors)` lists, the ones not loaded yet included.
"""

import ast
import inspect
from pathlib import Path

import pytest

import me_lib.errors as errors

#: the module users import, and the one its on-demand classes are written in
SOURCES = [Path(errors.__file__).read_text(),
           (Path(errors.__file__).parent / "_errors_rare.py").read_text()]


def _stubs() -> dict[str, ast.FunctionDef]:
    """Class name -> its `__init__` written under `if TYPE_CHECKING:` (or as code)."""
    found = {}
    for node in [n for source in SOURCES for n in ast.parse(source).body]:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            body = item.body if isinstance(item, ast.If) else [item]
            for sub in body:
                if isinstance(sub, ast.FunctionDef) and sub.name == "__init__":
                    found[node.name] = sub
    return found


STUBS = _stubs()
CLASSES = [c for c in (getattr(errors, name) for name in dir(errors))
           if inspect.isclass(c) and issubclass(c, errors.MeLibError)]


def test_every_class_with_a_row_has_its_typed_signature() -> None:
    with_rows = [c.__name__ for c in CLASSES if "_d" in vars(c)]
    assert len(with_rows) >= 20
    assert sorted(set(with_rows) - set(STUBS)) == []


@pytest.mark.parametrize("cls", [c for c in CLASSES if "_d" in vars(c)],
                         ids=lambda c: c.__name__)
def test_row_names_and_required_count_match_the_signature(cls: type) -> None:
    stub = STUBS[cls.__name__]
    params = [a.arg for a in stub.args.args[1:]]
    required = len(params) - len(stub.args.defaults)
    row = cls._d.split("|")
    assert row[0].split() == params
    assert int(row[1]) == required
    # every piece formats from arguments and fixed attributes only
    known = set(params) | {p.split("=")[0] for p in row[2].split()}
    for piece in row[3:]:
        template = piece.split(">", 1)[-1]
        names = {part.split(")")[0] for part in template.split("%(")[1:]}
        assert names <= known, (cls.__name__, piece)


@pytest.mark.parametrize("cls", [c for c in CLASSES if "_d" in vars(c)],
                         ids=lambda c: c.__name__)
def test_every_argument_is_an_attribute_and_the_message_is_the_only_arg(cls: type) -> None:
    stub = STUBS[cls.__name__]
    params = [a.arg for a in stub.args.args[1:]]
    values = {"code": 10, "cause": 27, "sw": 0x6A82, "offset": 3, "timeout": 2.5,
              "retries": 1, "lines": ["+X: 1"]}
    args = [values.get(p, "v-" + p) for p in params]
    err = cls(*args)
    for name, value in zip(params, args, strict=True):
        if name not in ("message", "hint"):
            assert getattr(err, name) == value, name
    assert err.args == (err.message,) and str(err) == err.message
    with pytest.raises(TypeError):
        cls(*args, "one too many")
    with pytest.raises(TypeError):
        cls(*args[:int(cls._d.split("|")[1]) - 1])


@pytest.mark.parametrize(("err", "text"), [
    (errors.AtTimeout('AT+CPIN="73592468"', 2.5),
     "no final result for AT+CPIN=*** within 2.5 s (check the port, baud rate and modem "
     "power; a command that takes longer needs a larger timeout)"),
    (errors.CmeError("AT+CGDCONT=1", 10, "SIM not inserted"),
     "AT+CGDCONT=1 failed: +CME ERROR 10 SIM not inserted"),
    (errors.CmeError("AT+X", None, "busy", hint="wait"), "AT+X failed: +CME ERROR busy (wait)"),
    (errors.CmsError("AT+CMGS", 0, "phone failure"), "AT+CMGS failed: +CMS ERROR 0 phone failure"),
    (errors.ModemRebooted("RDY"), "modem rebooted ('RDY' seen between commands) (re-run the "
     "session from sync: echo, CMEE and contexts are reset)"),
    (errors.ModemRebooted("RDY", "AT+CFUN=1"), "modem rebooted ('RDY' seen while AT+CFUN=1 "
     "was in flight) (re-run the session from sync: echo, CMEE and contexts are reset)"),
    (errors.PortUnavailable("sim://x", "no such scenario", "list them"),
     "cannot open sim://x: no such scenario (list them)"),
    (errors.AtProtocolError('AT+CPIN="73592468"', "garbled"),
     "AT+CPIN=***: unreadable answer: garbled (line noise or a wrong baud rate; retry, and "
     "check the port settings if it persists)"),
    (errors.DecodeError("EF.DMCFG", "short", 0), "EF.DMCFG: short at byte 0"),
    (errors.StatusWordError(0x6A82, "SELECT 6F07", "file not found"),
     "SELECT 6F07 failed: SW 6A82 (file not found)"),
    (errors.FileNotFound(0x6A82, "SELECT"), "SELECT failed: SW 6A82"),
    (errors.InvalidApn("a..b", "empty label", 2), "invalid APN 'a..b': empty label at byte 2 "
     "(correct the APN in the card profile or device config)"),
    (errors.ProvisionError("apply", "rejected", 27, "missing or unknown APN"),
     "apply: rejected (cause #27 missing or unknown APN)"),
    (errors.ProvisionError("apply", "rejected", 27), "apply: rejected (cause #27 )"),
    (errors.SimNotReady("needs its PIN"), "sim: needs its PIN"),
    (errors.NoAnswer("dm:5683", "no ack", 5), "dm-reach: no answer from dm:5683 within 5.0 s: "
     "no ack (check that the DM server listens on that port and that the APN's firewall lets "
     "the traffic through; retry with a larger timeout on a slow network)"),
])
def test_messages_users_see(err: errors.MeLibError, text: str) -> None:
    assert str(err) == text == err.message


def test_fixed_attributes_and_redacted_command() -> None:
    err = errors.NameNotResolved("dm.example", "timeout", 565)
    assert (err.step, err.cause, err.cause_name, err.host, err.code) == (
        "dm-reach", None, None, "dm.example", 565)
    assert errors.PortUnavailable("u", "d", "h").command is None
    assert errors.InvalidAtParameter("bad", value=1).command is None
    timeout = errors.AtTimeout('AT+CPIN="73592468"', 1.0, ['AT+CPIN="73592468"'])
    assert timeout.command == "AT+CPIN=***" and timeout.lines == ["AT+CPIN=***"]
    assert errors.ConnectFailed("t", "d", hint="h").hint == "h"
