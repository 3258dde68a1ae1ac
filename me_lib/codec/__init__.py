"""Pure bytes <-> model codecs for the card files me_lib reads and writes.

Nothing is imported here on purpose: `apn_rules` is portable to MicroPython and
must be importable without pulling construct in through this package.
Import the format modules directly: `from me_lib.codec import apn, dmcfg`.
"""
