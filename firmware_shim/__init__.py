"""The MicroPython board side of me_lib: UART and Pin adapters, a flash store, deploy.

Runs on MicroPython boards (and on the unix port in the tests); nothing here
imports a CPython-only module except `deploy` (a host tool).
"""
