"""Red team: a PAP/CHAP credential an AT line cannot carry is refused before the wire,
and the refusal never shows it.

`Modem.set_auth` takes the user name and password as given (a card profile, a
config, a caller); a quote, `;`, backslash, CR/LF or non-ASCII character in
them, or a length no module takes, must end in a typed error with nothing
written, and since the password is a secret, neither the error's message nor
its attributes may hold it (the CLI prints both, `--json` carries them).
"""

import pytest

from me_lib.errors import MeLibError

from .conftest import Trace

PW = "pw-Zq7xK9"
BAD = [PW + '"', PW + "\r\nAT+CFUN=0", PW + ";+CFUN=0", PW + "\\", PW + "\u00e9",
       PW + "\x00", PW * 70]


@pytest.mark.parametrize("dialect", ["simcom-sim7080", "quectel-bg96", "telit-me910",
                                     "generic"])
@pytest.mark.parametrize("field", ["password", "username"])
@pytest.mark.parametrize("value", BAD, ids=range(len(BAD)))
def test_a_credential_no_at_line_can_carry_is_refused_unseen(world, dialect, field, value):
    modem = world(dialect)
    modem.start()
    cid = modem.default_cid + 1
    trace = Trace(modem)
    creds = {"username": "dev", "password": "dev"}
    creds[field] = value
    with pytest.raises(MeLibError) as info:
        modem.set_auth(cid, "pap", creds["username"], creds["password"],
                       apn="secure.example", pdp_type="IP")
    exc = info.value
    assert trace.lines == []
    shown = str(exc) + repr(exc) + repr(vars(exc)) + repr(exc.args)
    assert PW not in shown, shown
    assert "index" in str(exc) or "characters" in str(exc)
