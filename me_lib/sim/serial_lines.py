"""The modem-control lines of an in-process port that has none.

`sim://` and `replay://` ports have no wires: CTS/DSR/CD read as asserted, RI
as idle, and setting RTS/DTR/BREAK does nothing. pyserial's `SerialBase` asks
every port for these, so both handlers share this one answer.
"""


class NoModemLines:
    """Mixin for pyserial URL handlers without modem-control lines."""

    @property
    def out_waiting(self) -> int:
        return 0

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return True

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    def _update_break_state(self) -> None:
        pass
