"""Hardware-in-the-loop suite for me_lib: the same tests on real modems and on the simulator.

Run with `pytest hil --modem URL` or `pytest hil --rig rig.toml`; see docs/hil.md.
The package holds the pytest plugin (`plugin`, `fixtures`), the rig file model
(`rig`), the capability hooks a rig implements (`hooks`), the launchers CI uses to
stand a simulated modem up on a pty or behind ser2net (`launch`, `ser2net`), and
the per-modem session the tests drive (`dut`).
"""
