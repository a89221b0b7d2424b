"""The hypothesis profiles, in one place: both conftests (tests/ and
property_tests/) load them from here, so every hypothesis test in a run gets
the same profile. HYPOTHESIS_PROFILE picks one; unset, it is ``dev``.

- dev: the quick loop while editing. Randomized (each run tries new inputs)
  and with hypothesis's example database, so a failure it finds replays until
  it is fixed.
- ci: what ``make test`` runs (.ci/test sets it). Derandomized, so every run
  meets the same inputs; no database.
- exhaustive: 25 times ci's examples, randomized, for a deliberate long run.
- mutation: what ``bash .ci/mutation`` runs. Derandomized and small, so every
  mutant is judged on the same inputs.

Randomized profiles say derandomize=False outright: with CI set in the
environment, hypothesis's own default turns derandomization on, and a
profile that left it unsaid would inherit that.

No profile has a deadline or the too_slow health check: both judge timing,
and on a loaded 2-core machine timing is noise, not a result.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 100
DEFAULT = "dev"

_base = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "dev", _base, max_examples=CI_EXAMPLES, derandomize=False, print_blob=True
)
settings.register_profile("ci", _base, max_examples=CI_EXAMPLES, derandomize=True, database=None)
settings.register_profile(
    "exhaustive", _base, max_examples=25 * CI_EXAMPLES, derandomize=False
)
settings.register_profile("mutation", _base, max_examples=30, derandomize=True, database=None)


def load() -> str:
    """Load the profile HYPOTHESIS_PROFILE names (an unknown name raises) and return it."""
    name = os.environ.get("HYPOTHESIS_PROFILE", DEFAULT)
    settings.load_profile(name)
    return name
