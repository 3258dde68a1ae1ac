"""Card-layer test fixtures: the real pcscd + vpcd stack from tests/pcsc_fixtures.py.

The plugin is registered here only if the top-level conftest has not done it
already, so the session-scoped pcscd/card processes exist once per run.
"""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pcsc_fixtures"):
        config.pluginmanager.import_plugin("pcsc_fixtures")

