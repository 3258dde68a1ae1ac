"""What the library put on the wire, recorded from the channel's own trace hook, and the
simulated modem behind a `sim://` port: shared by the AT and provisioning tests."""

import serial

# Command heads that change the modem's configuration or state: a re-run on a
# provisioned modem must send none of them.
WRITE_HEADS = ("AT+CGDCONT=", "AT+CGAUTH=", "AT+CFUN=", "AT+CGACT=1", "AT+CGATT=1",
               "AT+QIACT=", "AT+QICSGP=", "AT+CNACT=", "AT+CNCFG=", "AT#SGACT=",
               "AT+UPSD")


class Trace:
    """Every command line the library wrote, from the channel's own trace hook."""

    def __init__(self, modem):
        self.lines = []
        modem.channel.trace = self._record

    def _record(self, direction, data, now):
        if direction == "tx" and data.endswith(b"\r"):
            self.lines.append(data[:-1].decode("latin-1"))

    def writes(self):
        return [x for x in self.lines if x.upper().startswith(WRITE_HEADS)]

    def clear(self):
        self.lines.clear()


def sim_of(modem):
    """The simulated modem behind `modem`'s `sim://` port."""
    port = modem.channel.port
    assert isinstance(port, serial.SerialBase)
    return port.modem
