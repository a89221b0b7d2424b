"""The clock and randomness adapters: secrets-backed, in Box's ranges."""

from __future__ import annotations

import inspect
import string

from boxauth.adapters import system

from boxauth.jwt import MAX_JTI, MIN_JTI

URLSAFE = set(string.ascii_letters + string.digits + "-_")


def test_jti_length_alphabet_and_uniqueness() -> None:
    jtis = [system.new_jti() for _ in range(1000)]
    assert all(MIN_JTI <= len(j) <= MAX_JTI for j in jtis)
    assert all(len(j) == 64 and set(j) <= URLSAFE for j in jtis)
    assert len(set(jtis)) == 1000


def test_state_is_long_and_unique() -> None:
    states = [system.new_state() for _ in range(1000)]
    assert all(len(s) >= 32 and set(s) <= URLSAFE for s in states)
    assert len(set(states)) == 1000


def test_jitter_is_in_the_unit_interval() -> None:
    draws = [system.jitter() for _ in range(1000)]
    assert all(0.0 <= d < 1.0 for d in draws)
    assert len(set(draws)) > 990  # not a constant


def test_randomness_comes_from_secrets_never_uuid1() -> None:
    source = inspect.getsource(system)
    assert "import secrets" in source
    assert "import uuid" not in source and "import random" not in source


def test_clocks_move_forward_and_sleep_sleeps() -> None:
    wall, mono = system.now(), system.monotonic()
    system.sleep(0.01)
    assert system.monotonic() - mono >= 0.009
    assert system.now() >= wall
    assert wall > 1_600_000_000  # Unix seconds, not milliseconds or a monotonic origin
