"""Tests of the 27.007 modem simulator (me_lib/sim/modem)."""
