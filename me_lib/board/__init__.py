"""The board core: the provisioning flow for boards without PSRAM (issue 15).

`link` (AT lines), `card` (ICCID and EF.DMCFG over +CRSM, decoded to plain
lists), `sockets` (the DM probe's dialogues as rows per module family) and
`flow` (the steps). It reads the same tables as the full library
(`me_lib.modem.dialects`, `me_lib.modem.activation`, `me_lib.at.timeouts`,
`me_lib.card.catalogue`) and raises the same errors (`me_lib.errors`); a
differential test runs both on every dialect's scenario and compares the AT
lines. Importing the package loads nothing.
"""
