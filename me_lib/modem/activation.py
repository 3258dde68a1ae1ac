"""How each module family brings a PDP context up and down, as data rows (ubxlib style).

A dialect row (me_lib/modem/dialects.py) names its activation method
(`activation` for the default bearer, `service_activation` for the others);
`METHODS[method]` says what that method sends. `Modem.activate`,
`Modem.deactivate` and `Modem.active_cids` read the row: they hold no
per-vendor branch, so a new method is a new row here.

Fields of a row (a dict: a board keeps a few tuples and strings per method,
far less RAM than a class or a function per vendor):

- `up`, `down`: the command head and its parameters, `N` standing for the
  module's own number of the context (see `number`).
- `up_prefix`: the information-text prefix of the activation's answer ("" none).
- `up_urc`: the URC that gives the activation's outcome after `OK` ("" none):
  the module's `+APP PDP: <n>,<state>` on SIM7080.
- `up_states`: the URC's `<state>` values for the two outcomes, (came up,
  refused): `("ACTIVE", "DEACTIVE")` on SIM7080; () without a URC, and a refused
  value of "" when the vendor defines no failure form. A refusal ends the wait at
  once (`Modem.activate` then reads the ESM cause the dialect's way), so the
  flow's RetryPolicy decides instead of a full activation timeout per try.
  +CGACT, +QIACT and #SGACT give their outcome in the command's own final
  result (a refusal is `+CME ERROR`/`ERROR`), so they need no URC.
- `query`: the read command listing what is up, answered as `<prefix> <n>,<state>,...`.
- `up_with_attach`: the attach itself brings the default bearer up in this
  method's view (+CGACT); a vendor IP stack's context needs its own activation.
- `query_refusal_is_none`: a refused query means "nothing up" (`+CGACT?` on a
  module that has no context yet) rather than an error.
- `number`: "cid" (the module names a context by its cid) or "index" (a vendor
  table of `slots` application contexts, numbered from 0 at the default bearer).
- `address_field`: where the query's answer carries the context's IP address
  (-1: it does not); such addresses spare a +CGPADDR.
- `table`: the vendor command whose entries define the service contexts instead
  of +CGDCONT (`+CNCFG` on SIM7080), and which sets the default bearer's APN
  before its activation; "" when +CGDCONT defines them.
- `up_timeout`, `down_timeout`, `query_timeout`: the keys looked up in the
  timeout tables (`Dialect.timeout`: the row's override, else me_lib/at/timeouts.py).

`ESM_REPORTS[dialect.esm_report]` says how the module reports the ESM cause of a
refused activation: the command that switches the report on and whether the
cause arrives by URC (`+CNEC_ESM`, read from `Modem.esm_causes`). `+CME ERROR:
1xx` is always read first and `+CEER` last, whatever the row.

Portable (MicroPython): plain dicts and tuples; nothing iterates a dict.
"""

try:
    from typing import Any
except ImportError:  # MicroPython: only annotates
    pass

#: placeholder, in `up`/`down`, for the module's own number of the context
N = "<n>"

METHODS: "dict[str, dict[str, Any]]" = {
    # 27.007 §10.1.10: +CGACT=<state>,<cid>; +CGACT? -> +CGACT: <cid>,<state>
    "cgact": {
        "up": ("+CGACT", 1, N), "up_prefix": "", "up_urc": "", "up_states": (),
        "down": ("+CGACT", 0, N),
        "query": "+CGACT", "query_refusal_is_none": True, "up_with_attach": True,
        "number": "cid", "slots": 0, "address_field": -1, "table": "",
        "up_timeout": "+CGACT", "down_timeout": "+CGACT=0", "query_timeout": "+CGACT?",
    },
    # Quectel TCP/IP AT manual: +QIACT=<contextID>; +QIDEACT=<contextID>;
    # +QIACT? -> +QIACT: <contextID>,<context_state>,<context_type>[,<IP_address>]
    "qiact": {
        "up": ("+QIACT", N), "up_prefix": "", "up_urc": "", "up_states": (),
        "down": ("+QIDEACT", N),
        "query": "+QIACT", "query_refusal_is_none": False, "up_with_attach": False,
        "number": "cid", "slots": 0, "address_field": -1, "table": "",
        "up_timeout": "+QIACT", "down_timeout": "+QIDEACT", "query_timeout": "+QIACT?",
    },
    # SIMCom SIM7080 AT manual: +CNACT=<pdpidx>,<action>, then the URC
    # "+APP PDP: <pdpidx>,ACTIVE", or "+APP PDP: <pdpidx>,DEACTIVE" when the
    # activation was refused (TinyGSM's SIM7080 driver waits for either; the
    # cause is then in +CEER, the dialect's esm_report);
    # +CNACT? -> +CNACT: <pdpidx>,<statusx>,<address>;
    # app contexts 0-3 are defined with +CNCFG (TinyGSM: no +CGACT on SIM7080)
    "cnact": {
        "up": ("+CNACT", N, 1), "up_prefix": "", "up_urc": "+APP PDP:",
        "up_states": ("ACTIVE", "DEACTIVE"),
        "down": ("+CNACT", N, 0),
        "query": "+CNACT", "query_refusal_is_none": False, "up_with_attach": False,
        "number": "index", "slots": 4, "address_field": 2, "table": "+CNCFG",
        "up_timeout": "+CNACT", "down_timeout": "+CNACT DOWN", "query_timeout": "+CNACT?",
    },
    # Telit ME910C1 AT reference: #SGACT=<cid>,<stat> answers #SGACT: <ip> on
    # activation; #SGACT? -> #SGACT: <cid>,<stat>
    "sgact": {
        "up": ("#SGACT", N, 1), "up_prefix": "#SGACT:", "up_urc": "", "up_states": (),
        "down": ("#SGACT", N, 0),
        "query": "#SGACT", "query_refusal_is_none": False, "up_with_attach": False,
        "number": "cid", "slots": 0, "address_field": -1, "table": "",
        "up_timeout": "#SGACT", "down_timeout": "#SGACT DOWN", "query_timeout": "#SGACT?",
    },
}

ESM_REPORTS: "dict[str, dict[str, Any]]" = {
    # +CME ERROR: 1xx carries the cause (27.007 §9.2.3), +CEER otherwise
    "cme": {"enable": (), "by_urc": False},
    # the cause is only in +CEER's text (u-blox, SIMCom)
    "ceer": {"enable": (), "by_urc": False},
    # nRF91: AT+CNEC=16 turns on "+CNEC_ESM: <cause>,<cid>" URCs
    "cnec": {"enable": ("AT+CNEC=16",), "by_urc": True},
}


#: 27.007 +CGAUTH <auth_prot> (also SIM7080 +CNCFG's and Quectel +QICSGP's last field)
AUTH_NUMBERS = {"none": 0, "pap": 1, "chap": 2}
#: SIM7080 +CNCFG <ip_type>: 0 dual stack, 1 IPv4, 2 IPv6 (the `table` of "cnact")
CNCFG_NUMBERS = {"IP": 1, "IPV6": 2, "IPV4V6": 0}
CNCFG_TYPES = {"1": "IP", "2": "IPV6", "0": "IPV4V6"}
#: Quectel +QICSGP <context_type>: 1 IPv4, 2 IPv6, 3 IPv4v6 (the dialect's auth_command)
QICSGP_TYPES = {"IP": 1, "IPV6": 2, "IPV4V6": 3}


def method(name: str) -> "dict[str, Any]":
    """The row of activation method `name`; a typed error naming the known ones."""
    row = METHODS.get(name)
    if row is None:
        from me_lib.errors import MeLibError

        raise MeLibError("unknown activation method %r" % name,
                         "use one of cgact, qiact, cnact, sgact in the dialect table "
                         "(me_lib/modem/dialects.py), or add a row to "
                         "me_lib/modem/activation.py")
    return row


def esm_report(name: str) -> "dict[str, Any]":
    """How a module of report kind `name` gives the ESM cause of a refused activation."""
    row = ESM_REPORTS.get(name)
    if row is None:
        from me_lib.errors import MeLibError

        raise MeLibError("unknown ESM report kind %r" % name,
                         "use one of cme, ceer, cnec in the dialect table "
                         "(me_lib/modem/dialects.py)")
    return row
