"""firmware_shim on both interpreters: the UART adapter, the flash store, power pulses.

Fakes stand in for machine.UART and machine.Pin; the MicroPython unix-port
tests (tests/micropython/) drive the same adapter over a real pty.
"""

import json

from portable_support import exists, raises, scratch_dir

from firmware_shim.power import ModemPower, PowerError
from firmware_shim.store import FlashFile
from firmware_shim.uart import UartPort
from me_lib.errors import AtTimeout, PortClosed


class FakeUart:
    """machine.UART(timeout=0) semantics: read() gives None when empty, any() says 1."""

    def __init__(self, rx: bytes = b"", write_sizes: list[int | None] | None = None) -> None:
        self.rx = rx
        self.tx = b""
        self.write_sizes = list(write_sizes or [])
        self.deinit_calls = 0

    def any(self) -> int:
        return 1 if self.rx else 0

    def read(self, n: int) -> bytes | None:
        if not self.rx:
            return None
        out = self.rx[:n]
        self.rx = self.rx[n:]
        return out

    def write(self, buf: bytes) -> int | None:
        size = self.write_sizes.pop(0) if self.write_sizes else len(buf)
        if size is None:
            return None
        self.tx += bytes(buf[:size])
        return size

    def deinit(self) -> None:
        self.deinit_calls += 1


def test_uart_read_gives_empty_bytes_after_the_timeout() -> None:
    port = UartPort(FakeUart(), timeout=0.005)
    assert port.read(4) == b""
    assert port.in_waiting == 0


def test_uart_in_waiting_counts_everything_although_any_says_one() -> None:
    port = UartPort(FakeUart(b"\r\nOK\r\n"))
    assert port.in_waiting == 6
    assert port.read(4) == b"\r\nOK"
    assert port.in_waiting == 2
    assert port.read(10) == b"\r\n"


def test_uart_write_retries_partial_and_refused_writes() -> None:
    uart = FakeUart(write_sizes=[3, None, 0, 2])
    port = UartPort(uart)
    assert port.write(b"AT+CGMI\r") == 8
    assert uart.tx == b"AT+CGMI\r"


def test_uart_close_releases_the_uart_and_later_io_raises_port_closed() -> None:
    uart = FakeUart(b"x")
    port = UartPort(uart)
    port.close()
    port.close()
    assert uart.deinit_calls == 1
    raises(PortClosed, port.read, 1)
    raises(PortClosed, port.write, b"AT\r")


def test_uart_timeout_is_a_settable_float() -> None:
    port = UartPort(FakeUart())
    port.timeout = 0.0001
    assert port.read(1) == b""
    port.timeout = 0
    assert port.read(1) == b""


def test_flash_file_round_trip_and_missing_document() -> None:
    store = FlashFile(scratch_dir("flash") + "/doc.json")
    assert store.load() is None
    store.save({"format": 1, "profiles": {"8988": {"apn": "dm.example"}}})
    assert store.load() == {"format": 1, "profiles": {"8988": {"apn": "dm.example"}}}
    store.save([1, 2])
    assert store.load() == [1, 2]
    assert not exists(store.tmp)


def test_flash_file_keeps_the_old_document_when_a_save_was_cut_before_its_rename() -> None:
    store = FlashFile(scratch_dir("flash") + "/doc.json")
    store.save({"v": 1})
    with open(store.tmp, "w") as fh:
        fh.write('{"v": 2')  # torn write of the next save
    assert store.load() == {"v": 1}
    assert not exists(store.tmp)


def test_flash_file_finishes_a_save_cut_between_remove_and_rename() -> None:
    store = FlashFile(scratch_dir("flash") + "/doc.json")
    with open(store.tmp, "w") as fh:
        fh.write(json.dumps({"v": 3}))
    assert store.load() == {"v": 3}
    assert exists(store.path) and not exists(store.tmp)


def test_flash_file_drops_a_torn_first_save() -> None:
    store = FlashFile(scratch_dir("flash") + "/doc.json")
    with open(store.tmp, "w") as fh:
        fh.write('{"v"')
    assert store.load() is None
    assert not exists(store.tmp)


def test_flash_file_refuses_an_oversized_or_deeply_nested_document() -> None:
    """A state file is a few KiB: a huge or nested one is corrupt (ValueError), not a
    MemoryError or recursion crash on a board."""
    from firmware_shim.store import MAX_BYTES

    store = FlashFile(scratch_dir("flash") + "/doc.json")
    with open(store.path, "w") as fh:
        fh.write('{"pad": "' + "x" * MAX_BYTES + '"}')
    exc = raises(ValueError, store.load)
    assert "more than a state document can be" in str(exc)
    # CPython's parser runs out of recursion (ValueError); MicroPython's parses it on
    # the heap: either way the context record is ignored with one note, no crash
    from me_lib.provision.ownership import Ownership

    with open(store.path, "w") as fh:
        fh.write("[" * 20000 + "]" * 20000)
    record = Ownership(store)
    assert record.owned("imei:1") == {} and len(record.notes) == 1, record.notes


def test_flash_file_reports_a_corrupt_document_as_value_error() -> None:
    store = FlashFile(scratch_dir("flash") + "/doc.json")
    with open(store.path, "w") as fh:
        fh.write("{not json")
    exc = raises(ValueError, store.load)
    assert store.path in str(exc) and "delete it" in str(exc)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakePin:
    """machine.Pin that records (value, time) transitions."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.changes: list[tuple[int, float]] = []

    def value(self, v: int) -> None:
        self.changes.append((v, self.clock.now))


class FakeChannel:
    """AtChannel.sync: answers once `on` is set, else times out after its attempts."""

    def __init__(self, clock: FakeClock, answers_after: float | None) -> None:
        self.clock = clock
        self.answers_after = answers_after
        self.syncs: list[tuple[int, float]] = []

    def sync(self, attempts: int = 10, timeout: float = 1.0) -> None:
        self.syncs.append((attempts, timeout))
        for _ in range(attempts):
            if self.answers_after is not None and self.clock.now >= self.answers_after:
                return
            self.clock.sleep(timeout)
        raise AtTimeout("AT", attempts * timeout)


class Row:
    name = "test-module"
    pwrkey_on_s = 0.5
    pwrkey_off_s = 0.65
    reset_pulse_s = 0.3
    boot_s = 4.0


def test_power_on_pulses_pwrkey_for_the_dialect_time_then_syncs() -> None:
    clock = FakeClock()
    pin = FakePin(clock)
    power = ModemPower(Row(), pwrkey=pin, active=1, sleep=clock.sleep)
    channel = FakeChannel(clock, answers_after=3.0)
    assert power.power_on(channel) is True
    # released at construction; the first sync (0.5 s) found it off; pulse 0.5 s
    assert pin.changes == [(0, 0.0), (1, 0.5), (0, 1.0)]
    assert channel.syncs == [(1, 0.5), (9, 1.0)]


def test_power_on_leaves_a_running_modem_alone() -> None:
    clock = FakeClock()
    pin = FakePin(clock)
    power = ModemPower(Row(), pwrkey=pin, sleep=clock.sleep)
    assert power.power_on(FakeChannel(clock, answers_after=0.0)) is False
    assert pin.changes == [(0, 0.0)]


def test_power_polarity_and_reset_and_off_pulses() -> None:
    clock = FakeClock()
    key = FakePin(clock)
    rst = FakePin(clock)
    power = ModemPower(Row(), pwrkey=key, reset=rst, active=0, sleep=clock.sleep)
    power.power_off()
    assert key.changes == [(1, 0.0), (0, 0.0), (1, 0.65)]
    power.reset()  # no channel: waits boot_s blind
    assert rst.changes == [(1, 0.0), (0, 0.65), (1, 0.95)]
    assert clock.now == 0.95 + 4.0


def test_power_gives_up_after_boot_time_plus_margin() -> None:
    clock = FakeClock()
    power = ModemPower(Row(), pwrkey=FakePin(clock), sleep=clock.sleep)
    exc = raises(PowerError, power.power_on, FakeChannel(clock, answers_after=None))
    assert "did not answer AT" in str(exc) and isinstance(exc, PowerError) and exc.step == "power"
    assert clock.now == 0.5 + 0.5 + 9.0


def test_power_says_what_is_missing() -> None:
    class Generic:
        name = "generic"
        pwrkey_on_s = None

    clock = FakeClock()
    exc = raises(PowerError, ModemPower(Generic(), pwrkey=FakePin(clock),
                                        sleep=clock.sleep).power_on)
    assert "generic documents no pwrkey_on_s" in str(exc)
    exc = raises(PowerError, ModemPower(Row(), sleep=clock.sleep).reset)
    assert "no RESET pin wired" in str(exc)


def test_power_takes_its_pulses_from_the_dialect_table() -> None:
    from me_lib.modem.dialects import by_name

    row = by_name("quectel-bg96")
    clock = FakeClock()
    key = FakePin(clock)
    power = ModemPower(row, pwrkey=key, sleep=clock.sleep)
    power.power_off()
    assert key.changes == [(0, 0.0), (1, 0.0), (0, row.pwrkey_off_s)]
    raises(PowerError, ModemPower(by_name("generic"), pwrkey=key, sleep=clock.sleep).power_off)


def test_reset_follows_what_the_modules_reset_pin_does() -> None:
    """BG96: RESET_N restarts it. SARA-R4 and ME910: the pin shuts the module down, so
    PWRKEY switches it on again. SIM7080: no reset pin, PWRKEY held for the reset time."""
    from me_lib.modem.dialects import by_name

    for name in ("quectel-bg96", "ublox-sara-r4", "telit-me910", "simcom-sim7080"):
        row = by_name(name)
        clock = FakeClock()
        key = FakePin(clock)
        rst = FakePin(clock)
        ModemPower(row, pwrkey=key, reset=rst, sleep=clock.sleep).reset()
        pulse, on = row.reset_pulse_s, row.pwrkey_on_s
        if row.reset_kind == "reboot":
            assert rst.changes == [(0, 0.0), (1, 0.0), (0, pulse)], name
            assert key.changes == [(0, 0.0)], name
        elif row.reset_kind == "shutdown":
            assert rst.changes == [(0, 0.0), (1, 0.0), (0, pulse)], name
            assert key.changes == [(0, 0.0), (1, pulse), (0, pulse + on)], name
        else:
            assert rst.changes == [(0, 0.0)], name
            assert key.changes == [(0, 0.0), (1, 0.0), (0, pulse)], name
    kinds = [by_name(n).reset_kind for n in ("quectel-bg96", "ublox-sara-r4",
                                             "telit-me910", "simcom-sim7080")]
    assert kinds == ["reboot", "shutdown", "shutdown", "pwrkey"]
