"""Tests of the virtual USIM (me_lib.sim) and its real pcscd path."""
