"""TS 24.301 NAS cause names: ESM (a refused PDN connection) and EMM (a refused attach).

The full library names the cause of a refused activation (`+CME ERROR: 1xx`,
`+CEER`, `+CNEC_ESM`) and of a registration reject with these; they are apart
from the +CME ERROR names (`me_lib.at.cme`) so that a board core, which reports
the codes its flow meets with those names only, does not ship them.

Portable (MicroPython): one string per table behind `CodeNames`, as in `cme`.
"""

from me_lib.at.cme import CodeNames

# TS 24.301 §9.9.4.4 ESM causes and TS 24.301 §9.9.3.9 EMM causes by number; the
# provisioning flow reports rejections with these names.
ESM_CAUSES = CodeNames("""
8 operator determined barring
26 insufficient resources
27 missing or unknown APN
28 unknown PDN type
29 user authentication failed
30 request rejected by Serving GW or PDN GW
31 request rejected, unspecified
32 service option not supported
33 requested service option not subscribed
34 service option temporarily out of order
35 PTI already in use
36 regular deactivation
37 EPS QoS not accepted
38 network failure
39 reactivation requested
41 semantic error in the TFT operation
43 invalid EPS bearer identity
50 PDN type IPv4 only allowed
51 PDN type IPv6 only allowed
52 single address bearers only allowed
54 PDN connection does not exist
55 multiple PDN connections for a given APN not allowed
56 collision with network initiated request
59 unsupported QCI value
65 maximum number of EPS bearers reached
66 requested APN not supported in current RAT and PLMN combination
112 APN restriction value incompatible with active EPS bearer context
""")

EMM_CAUSES = CodeNames("""
2 IMSI unknown in HSS
3 illegal UE
5 IMEI not accepted
6 illegal ME
7 EPS services not allowed
8 EPS services and non-EPS services not allowed
9 UE identity cannot be derived by the network
10 implicitly detached
11 PLMN not allowed
12 tracking area not allowed
13 roaming not allowed in this tracking area
14 EPS services not allowed in this PLMN
15 no suitable cells in tracking area
17 network failure
22 congestion
25 not authorized for this CSG
35 requested service option not authorized in this PLMN
111 protocol error, unspecified
""")
