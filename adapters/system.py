"""The clock and the randomness, as plain functions the shell can swap for fakes.

Everything random that goes on the wire comes from ``secrets`` (the OS CSPRNG).
box_sdk_gen uses ``uuid1`` for the jti, which embeds this machine's MAC address.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

_system_random = secrets.SystemRandom()


# Wall-clock Unix time, for token expiry and JWT claims. time.time itself, not
# a wrapper: it is read on every retrieve_token() call.
now = time.time


def monotonic() -> float:
    """For deadlines and timeouts: never jumps when the wall clock is set."""
    return time.monotonic()


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def new_jti() -> str:
    """A JWT id: 48 random bytes as 64 URL-safe characters (Box accepts 16..128)."""
    return secrets.token_urlsafe(48)


def new_state() -> str:
    """An OAuth ``state``: 32 random bytes (43 characters), unguessable for CSRF checks."""
    return secrets.token_urlsafe(32)


def jitter() -> float:
    """Uniform in [0, 1), for full-jitter backoff; not guessable by a peer."""
    return _system_random.random()


@dataclass(frozen=True, slots=True)
class Effects:
    """The outside world, injectable for tests: clocks, sleep and randomness."""

    clock: Callable[[], float] = now
    monotonic: Callable[[], float] = monotonic
    sleep: Callable[[float], None] = sleep
    jitter: Callable[[], float] = jitter
    new_jti: Callable[[], str] = new_jti
    new_state: Callable[[], str] = new_state
