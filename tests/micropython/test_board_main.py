"""firmware_shim/main.py's main() (and the board core's core_main.py, the same
policy): what a board does when a run fails.

machine.UART/Pin are fakes here (CPython); run() is replaced by a script of
outcomes, and the back-off sleeps are recorded, not slept.
"""

import sys
import types
from typing import Any

import pytest

from firmware_shim import core_main, main
from me_lib import clock
from me_lib.errors import AtTimeout, MeLibError, PinBlocked, SimNotReady


class FakeUart:
    opened = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        FakeUart.opened += 1

    def any(self) -> int:
        return 0

    def read(self, n: int) -> None:
        return None

    def write(self, data: bytes) -> int:
        return len(data)

    def deinit(self) -> None:
        pass


class FakePin:
    OUT = 1

    def __init__(self, number: int, mode: int) -> None:
        self.number = number
        self.values: list[int] = []

    def value(self, level: int) -> None:
        self.values.append(level)


@pytest.fixture(params=[main, core_main], ids=["full", "core"])
def board(request: pytest.FixtureRequest) -> types.ModuleType:
    module: types.ModuleType = request.param
    return module


def run_main(monkeypatch: pytest.MonkeyPatch, board: types.ModuleType,
             outcomes: list[BaseException | None],
             config: dict[str, Any] | None = None) -> tuple[list[float], list[str]]:
    """main() with run() raising `outcomes` in turn; returns (sleeps, reset calls)."""
    machine = types.ModuleType("machine")
    machine.UART = FakeUart  # type: ignore[attr-defined]
    machine.Pin = FakePin  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "machine", machine)
    monkeypatch.setattr(board, "load_config", lambda: dict(board.DEFAULTS, **(config or {})))
    script = list(outcomes)
    sleeps: list[float] = []
    resets: list[str] = []

    def fake_run(port: Any, cfg: Any, power: Any) -> None:
        if not script:
            raise SystemExit("script done")
        outcome = script.pop(0)
        if outcome is not None:
            raise outcome

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(board, "run", fake_run)
    monkeypatch.setattr(clock, "sleep", fake_sleep)
    monkeypatch.setattr("firmware_shim.power.ModemPower.reset",
                        lambda self, channel=None: resets.append(self.dialect.name))
    FakeUart.opened = 0
    try:
        board.main()
    except SystemExit:
        pass
    return sleeps, resets


def test_a_failed_run_is_retried_with_a_doubling_back_off(
        monkeypatch: pytest.MonkeyPatch, board: types.ModuleType) -> None:
    sleeps, resets = run_main(monkeypatch, board, [MeLibError("x"), AtTimeout("AT", 1.0),
                                            MeLibError("y")])
    assert sleeps == [60.0, 120.0, 240.0]
    assert resets == ["quectel-bg96"]  # only after the modem stopped answering
    assert FakeUart.opened == 4  # a fresh UART per attempt (close() deinits it)


def test_the_back_off_is_capped_and_starts_again_after_a_good_run(
        monkeypatch: pytest.MonkeyPatch, board: types.ModuleType) -> None:
    sleeps, _ = run_main(monkeypatch, board, [MeLibError("x")] * 8 + [None, MeLibError("y")])
    assert sleeps[:8] == [60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 3600.0, 3600.0]
    assert sleeps[8:] == [60.0, 120.0]  # the good run started the series again


@pytest.mark.parametrize("error", [PinBlocked("only 1 PIN tries left", 1),
                                   SimNotReady("the SIM refused the PIN")])
def test_a_sim_that_needs_its_pin_stops_the_board(monkeypatch: pytest.MonkeyPatch,
                                                  board: types.ModuleType,
                                                  error: MeLibError) -> None:
    """Every retry would spend one of the card's PIN tries: stop instead."""
    sleeps, resets = run_main(monkeypatch, board, [MeLibError("x"), error, MeLibError("never")])
    assert sleeps == [60.0] and resets == []
