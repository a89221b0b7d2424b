"""Hypothesis profiles: defined in hypothesis_profiles.py, shared with tests/."""

import hypothesis_profiles

hypothesis_profiles.load()
