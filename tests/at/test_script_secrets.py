"""Modem.run_script with a row that carries a PIN/PUK: refused, logged, returned, never in clear.

CPython-only on purpose (the portable suite is copied into the MicroPython
runners' scratch directories, where the secrets guard would see the literals).
The conftest guard fails the test if a secret shows in a log record or an
exception; the explicit checks say what is looked at.
"""

import sys
from pathlib import Path

from me_lib.at import AtChannel
from me_lib.errors import AtCommandError, CmeError
from me_lib.modem import Modem

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portable"))
from test_at_modem import ScriptPort


def test_a_script_row_with_a_secret_is_redacted_in_the_refusal_and_the_log() -> None:
    port = ScriptPort([
        (b'AT+CPWD="SC","73592468","86420975"\r', b"\r\n+CME ERROR: 16\r\n"),
        (b'AT+CLCK="SC",1,"73592468"\r', b"\r\nERROR\r\n"),
    ])
    modem = Modem(AtChannel(port, name="script"))
    out = modem.run_script((('AT+CPWD="SC","73592468","86420975"', None, True),
                            ('AT+CLCK="SC",1,"73592468"', None, True)))
    assert isinstance(out[0], CmeError) and isinstance(out[1], AtCommandError)
    for exc in out:
        shown = str(exc) + repr(exc) + str(getattr(exc, "command", ""))
        assert "73592468" not in shown and "86420975" not in shown
    assert not port.script
