"""Shared test configuration.

Hypothesis runs a bounded number of examples with no per-example deadline:
the machines are shared and noisy, and a deadline would turn load into flakes.
"""

import os

from hypothesis import HealthCheck, settings

# Real pcscd + virtual card behind vpcd, started once per session (tests/pcsc_fixtures.py).
pytest_plugins = ["pcsc_fixtures"]

settings.register_profile(
    "ci", max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
