"""Shared fixtures for example and integration tests."""

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=50, derandomize=True, deadline=None, database=None)
settings.register_profile("exhaustive", max_examples=1250, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
