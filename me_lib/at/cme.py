"""Named error tables for `+CME ERROR` and `+CMS ERROR` finals.

One table serves both the numeric (`AT+CMEE=1`) and the verbose (`AT+CMEE=2`)
forms, so callers compare codes, never modem-specific text. Codes 100+<cause>
carry the GPRS/EPS (ESM/GMM) cause of TS 24.008/24.301, which is how most
modules report a rejected PDP activation.

The NAS causes (ESM, EMM) those codes and registration rejects carry are in
`me_lib.at.causes`, which a board core does not ship.

Portable (MicroPython). Each table is one string of "code name" rows behind
a read-only mapping (`CodeNames`), not a dict: on a board a dict of 170 names
costs a string object and a table slot per row (about 25 KB of heap on the
64-bit unix port when loaded from .mpy), one string costs its characters.
"""

try:  # names for the annotations only (MicroPython has no typing)
    from collections.abc import Iterator
except ImportError:
    pass


class CodeNames:
    """A read-only `{code: name}` table kept as one string, one "code name" row a line.

    Looked up by searching the string ("\n<code> "), so the table costs its
    text and nothing per row. Reads like the dict it replaces: `get`, `[code]`,
    `in`, iteration over the codes in row order, `items()`, `len()`.
    """

    def __init__(self, rows: str) -> None:
        self._rows = "\n" + rows.strip() + "\n"

    def get(self, code: int, default: "str | None" = None) -> "str | None":
        if not isinstance(code, int):  # as a dict: 3.7 is not code 3, "3" no code at all
            return default
        key = "\n%d " % code
        at = self._rows.find(key)
        if at < 0:
            return default
        start = at + len(key)
        return self._rows[start:self._rows.find("\n", start)]

    def __getitem__(self, code: int) -> str:
        name = self.get(code)
        if name is None:
            raise KeyError(code)  # the mapping protocol (`in` first, as callers do)
        return name

    def __contains__(self, code: object) -> bool:
        return isinstance(code, int) and self._rows.find("\n%d " % code) >= 0

    def items(self) -> "list[tuple[int, str]]":
        out = []
        for row in self._rows.strip().split("\n"):
            code, name = row.split(" ", 1)
            out.append((int(code), name))
        return out

    def __iter__(self) -> "Iterator[int]":
        return iter([code for code, _name in self.items()])

    def __len__(self) -> int:
        return self._rows.count("\n") - 1

    def code_of(self, text: str) -> "int | None":
        """The code whose name is `text`, ignoring case (None: no such row)."""
        for code, name in self.items():
            if name.lower() == text:
                return code
        return None


# TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS/EPS related), names as printed in
# verbose mode by most modules; 500 and above: vendor codes seen in the field.
CME_ERRORS = CodeNames("""
0 phone failure
1 no connection to phone
2 phone-adaptor link reserved
3 operation not allowed
4 operation not supported
5 PH-SIM PIN required
6 PH-FSIM PIN required
7 PH-FSIM PUK required
10 SIM not inserted
11 SIM PIN required
12 SIM PUK required
13 SIM failure
14 SIM busy
15 SIM wrong
16 incorrect password
17 SIM PIN2 required
18 SIM PUK2 required
20 memory full
21 invalid index
22 not found
23 memory failure
24 text string too long
25 invalid characters in text string
26 dial string too long
27 invalid characters in dial string
30 no network service
31 network timeout
32 network not allowed - emergency calls only
40 network personalization PIN required
41 network personalization PUK required
42 network subset personalization PIN required
43 network subset personalization PUK required
44 service provider personalization PIN required
45 service provider personalization PUK required
46 corporate personalization PIN required
47 corporate personalization PUK required
48 hidden key required
49 EAP method not supported
50 incorrect parameters
51 command implemented but currently disabled
52 command aborted by user
53 not attached to network due to MT functionality restrictions
54 modem not allowed - MT restricted to emergency calls only
55 operation not allowed because of MT functionality restrictions
56 fixed dial number only allowed
57 temporarily out of service due to other MT usage
58 language/alphabet not supported
59 unexpected data value
60 system failure
61 data missing
62 call barred
63 message waiting indication subscription failure
100 unknown
103 illegal MS
106 illegal ME
107 GPRS services not allowed
108 GPRS services and non-GPRS services not allowed
111 PLMN not allowed
112 location area not allowed
113 roaming not allowed in this location area
114 GPRS services not allowed in this PLMN
115 no suitable cells in tracking area
122 congestion
125 not authorized for this CSG
126 insufficient resources
127 missing or unknown APN
128 unknown PDP address or PDP type
129 user authentication failed
130 activation rejected by GGSN, Serving GW or PDN GW
131 activation rejected, unspecified
132 service option not supported
133 requested service option not subscribed
134 service option temporarily out of order
140 feature not supported
141 semantic error in the TFT operation
142 syntactical error in the TFT operation
143 unknown PDP context
144 semantic errors in packet filter(s)
145 syntactical errors in packet filter(s)
146 PDP context without TFT already activated
148 unspecified GPRS error
149 PDP authentication failure
150 invalid mobile class
171 last PDN disconnection not allowed
172 semantically incorrect message
173 mandatory information element error
174 information element non-existent or not implemented
175 conditional IE error
176 protocol error, unspecified
177 operator determined barring
178 maximum number of PDP contexts reached
179 requested APN not supported in current RAT and PLMN combination
180 request rejected, bearer control mode violation
181 unsupported QCI value
515 please wait, init or command processing in progress
561 open PDP context failed
563 socket identity has been used
565 DNS parse failed
566 socket connect failed
569 operation timeout
570 PDP context broken down
""")

# Verbose texts some firmware prints that differ from the table above.
_CME_ALIASES = CodeNames("""
14 sim busy
14 sim not ready
11 sim pin required
12 sim puk required
13 sim failure
10 sim not inserted
16 incorrect password
3 operation not allowed
4 operation not supported
100 unknown error
127 missing or unknown apn
30 no network service
""")


# TS 27.005 §3.2.5 message service failure results (the ones a DM flow can meet).
CMS_ERRORS = CodeNames("""
300 ME failure
301 SMS service of ME reserved
302 operation not allowed
303 operation not supported
304 invalid PDU mode parameter
305 invalid text mode parameter
310 (U)SIM not inserted
311 (U)SIM PIN required
312 PH-(U)SIM PIN required
313 (U)SIM failure
314 (U)SIM busy
315 (U)SIM wrong
316 (U)SIM PUK required
317 (U)SIM PIN2 required
318 (U)SIM PUK2 required
320 memory failure
321 invalid memory index
322 memory full
330 SMSC address unknown
331 no network service
332 network timeout
340 no +CNMA acknowledgement expected
500 unknown error
""")

def cme_name(code: int) -> str:
    """Name of a numeric +CME ERROR code ("CME error <n>" when unknown)."""
    name = CME_ERRORS.get(code)
    if name is None:
        return "CME error %d" % code
    return name


def cme_code(text: str) -> int | None:
    """Numeric code for a verbose +CME ERROR text, None when the text is unknown."""
    text = text.strip().lower()
    code = _CME_ALIASES.code_of(text)  # the aliases first: they name what firmware prints
    return code if code is not None else CME_ERRORS.code_of(text)


def cms_name(code: int) -> str:
    name = CMS_ERRORS.get(code)
    if name is None:
        return "CMS error %d" % code
    return name


def esm_cause_of_cme(code: int | None) -> int | None:
    """The 3GPP session-management cause carried in a 100-range CME code."""
    if code is None or code < 100 or code > 255:
        return None
    return code - 100
