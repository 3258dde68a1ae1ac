"""Red team: every MeLibError survives pickle and copy with its message and attributes.

An error crosses a process boundary (multiprocessing, concurrent.futures, a
log queue) by pickle, and `copy.copy` takes the same path: both rebuilt the
error by calling its class with `args`, the one finished message, which the
row-driven `__init__` (and the hand-written ones before it) refused with a
TypeError for every class whose row needs two or more arguments (AtTimeout,
CmeError, ProvisionError ...). What comes back must be the same error, secrets
still masked. Every class counts: `dir(me_lib.errors)` lists the ones loaded on
first use too (me_lib/_errors_rare.py), and the pickle names them as
`me_lib.errors`'s, where the module `__getattr__` finds them again.
"""

import copy
import inspect
import pickle

import pytest

import me_lib.errors as errors

CMD = 'AT+CPIN="73592468"'
SAMPLE = {"str": "x", "int": 16, "float": 2.0, "object": "apn", "list": ["+CPIN: READY"]}


def _args(cls: type) -> list[object]:
    """Arguments for every required parameter of the class's typed signature."""
    row = cls._d.split("|")  # type: ignore[attr-defined]
    names = row[0].split()[:int(row[1])]
    out: list[object] = []
    for name in names:
        if name == "command":
            out.append(CMD)
        elif name in ("code", "sw", "cause", "retries", "offset"):
            out.append(0x6982 if name == "sw" else 16)
        elif name == "timeout":
            out.append(2.0)
        else:
            out.append(name + "-value")
    return out


CLASSES = [c for c in (getattr(errors, name) for name in dir(errors))
           if inspect.isclass(c) and issubclass(c, errors.MeLibError)]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
def test_an_error_round_trips_with_its_message_and_attributes(cls, how):
    err = cls(*_args(cls))
    again = {"pickle": lambda e: pickle.loads(pickle.dumps(e)),
             "copy": copy.copy, "deepcopy": copy.deepcopy}[how](err)
    assert type(again) is cls
    assert str(again) == str(err) and again.args == err.args
    assert vars(again) == vars(err)
    assert "73592468" not in repr(vars(again)) + str(again)
