"""SIM7080 keeps a context's PAP/CHAP credentials in its +CNCFG entry.

SIMCom's SIM7080 AT manual: `AT+CNCFG=<pdpidx>,<ip_type>[,<APN>[,<username>,
<password>[,<authentication>]]]` configures application context <pdpidx>, and
`AT+CNCFG?` lists `+CNCFG: <pdpidx>,<ip_type>,<APN>,<username>,<password>,
<authentication>` (0 none, 1 PAP, 2 CHAP). A set replaces the entry, so an entry
written again without credentials has none: the credentials must go into the one
write that +CNACT then activates, for the default bearer's entry 0 and for the
service contexts' entries alike (+CGAUTH names +CGDCONT cids, not these entries).
"""

import pytest

from me_lib.at.fields import line_values
from me_lib.provision import provision
from me_lib.sources import read_profile

from .conftest import WRITE_HEADS, Trace

# PAP/CHAP with a user name only: where the entry's fields go is what these tests pin;
# a password is masked in logs and traces as any other (the channel logs card reads by
# size only), which test_set_auth_writes_the_whole_entry_with_the_password_masked and
# the secrets guard check
DM_BEARER = {"apn": "dm.operator.example", "pdn_type": "ip"}


def card_with(*bearers):
    return {"dmcfg": {"bearer": list(bearers)},
            "acl": {"apns": [b["apn"] for b in bearers] + [""]}}


def run(modem, ownership):
    modem.start()
    modem.wait_sim_ready()
    return provision(modem, read_profile(modem), ownership=ownership, reach_dm=False)


def cncfg(modem):
    """pdpidx -> (apn, username, authentication) as the module reports its entries."""
    rsp = modem.channel.command("AT+CNCFG?", prefix="+CNCFG:")
    out = {}
    for line in rsp.lines:
        if line.startswith("+CNCFG:"):
            v = line_values(line, "+CNCFG:")
            out[int(v[0])] = (v[2], v[3] if len(v) > 3 else "", int(v[5]) if len(v) > 5 else 0)
    return out


@pytest.mark.parametrize("auth,number", [("pap", 1), ("chap", 2)])
def test_service_context_credentials_go_into_its_cncfg_entry(world, ownership, auth, number):
    secure = {"apn": "secure.example", "pdn_type": "ip", "services": ["telemetry"],
              "auth": auth, "username": "dev"}
    modem = world("simcom-sim7080", card=card_with(DM_BEARER, secure),
                  network={"apns": {"secure.example": {"auth": number, "user": "dev"}}})
    trace = Trace(modem)
    result = run(modem, ownership)
    assert result.ok, [(c.name, c.error) for c in result.contexts]
    telemetry = result.context("telemetry")
    assert telemetry.state == "active"
    index = modem.stack_context(telemetry.cid)
    assert cncfg(modem)[index] == ("secure.example", "dev", number)
    writes = [x for x in trace.lines if x.startswith("AT+CNCFG=%d," % index)]
    assert writes and all('"dev"' in x for x in writes[-1:]), writes
    # +CGAUTH names a +CGDCONT cid: the app context's credentials are not there
    assert not any(x.startswith("AT+CGAUTH=%d," % telemetry.cid) for x in trace.lines)


def test_default_bearer_activation_keeps_its_credentials(world, ownership):
    apn0 = {"apn": "dm.operator.example", "pdn_type": "ip", "auth": "pap", "username": "dev"}
    modem = world("simcom-sim7080", card=card_with(apn0),
                  network={"apns": {"dm.operator.example": {"auth": 1, "user": "dev"}}})
    trace = Trace(modem)
    result = run(modem, ownership)
    assert result.ok, [(c.name, c.error) for c in result.contexts]
    assert result.context("APN0").state == "active"
    assert cncfg(modem)[0] == ("dm.operator.example", "dev", 1)
    # no write of entry 0 without the credentials (it would drop them)
    entry0 = [x for x in trace.lines if x.startswith("AT+CNCFG=0,")]
    assert entry0 and all('"dev"' in x for x in entry0), entry0
    # a re-run on the provisioned module writes nothing
    trace.clear()
    again = provision(modem, read_profile(modem), ownership=ownership, reach_dm=False)
    assert again.ok
    assert [x for x in trace.lines if x.upper().startswith(WRITE_HEADS)] == []


def test_set_auth_writes_the_whole_entry_with_the_password_masked(world, caplog):
    modem = world("simcom-sim7080")
    modem.start()
    modem.wait_sim_ready()
    caplog.set_level("DEBUG", logger="me_lib")
    modem.set_auth(modem.default_cid + 1, "chap", "dev", "pw-Zq7xK9", "secure.example", "IP",
                   "telemetry")
    assert cncfg(modem)[1] == ("secure.example", "dev", 2)
    sent = [r.getMessage() for r in caplog.records if "AT+CNCFG=1," in r.getMessage()]
    assert sent, caplog.text              # the write is logged, its password masked
    # clearing the credentials rewrites the entry without them
    modem.set_auth(modem.default_cid + 1, "none", None, None, "secure.example", "IP")
    assert cncfg(modem)[1] == ("secure.example", "", 0)
