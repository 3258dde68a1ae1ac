"""Fixtures for the virtual-card tests: fresh cards and hex APDU senders.

The PC/SC fixtures come from tests/pcsc_fixtures.py; it is registered here
unless the top-level conftest (or `-p pcsc_fixtures`) already did, so the
session-scoped pcscd and card processes exist once per run.
"""

import pytest

from me_lib.sim.card import VirtualCard
from me_lib.sim.card_profile import PROFILES_DIR

from ._helpers import Tx, sender


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pcsc_fixtures"):
        config.pluginmanager.import_plugin("pcsc_fixtures")


@pytest.fixture
def card() -> VirtualCard:
    return VirtualCard.from_profile(PROFILES_DIR / "default.toml")


@pytest.fixture
def pin_card() -> VirtualCard:
    return VirtualCard.from_profile(PROFILES_DIR / "pin.toml")


@pytest.fixture
def tx(card: VirtualCard) -> Tx:
    return sender(card)


@pytest.fixture
def ptx(pin_card: VirtualCard) -> Tx:
    return sender(pin_card)
