"""Hypothesis profiles. ``ci`` is the default; HYPOTHESIS_PROFILE picks another.

- ci: derandomized, no deadline, no example database: fast and repeatable.
- exhaustive: 25x the examples, for a deliberate long run.
- mutation: derandomized and small, so every mutant is judged on the same inputs.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "exhaustive",
    max_examples=2500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "mutation", max_examples=30, derandomize=True, deadline=None, database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
