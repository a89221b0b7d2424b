"""Whether and when to try a token or revoke request again.

Box advises honouring Retry-After and backing off exponentially
(docs/protocol.md#rate-limits-and-retries). Our rules, stricter than box_sdk_gen's:
- Retry on 429, 500, 502, 503, 504, and on network failures.
- Never repeat a single-use grant (authorization code, refresh token) once the
  request may have reached Box: a 5xx or a lost answer may still have spent
  it (Box: "a write may still take effect after a 503"). Only a failure known
  to happen before sending (connection refused) is retried for those.
- Back off with full jitter: ``uniform(0, min(max_delay, base * 2**n))``.
- A Retry-After longer than ``max_retry_after`` is not waited out: we give up
  and report the rate limit, rather than block a caller for minutes.
- No retry may start after the call's deadline.

The jitter is an input (a float in [0, 1)), so this module has no randomness.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from .errors import (
    AuthError,
    BoxRefused,
    InvalidInput,
    TransportFailure,
    TransportFailureKind,
    is_real_number,
)
from .token_requests import Grant

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The largest float: a bigger int makes base_delay * 2.0**n raise OverflowError.
MAX_POLICY_DELAY = sys.float_info.max
_RETRYABLE_TRANSPORT = frozenset(
    {TransportFailureKind.CONNECT, TransportFailureKind.TIMEOUT, TransportFailureKind.PROTOCOL}
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0


@dataclass(frozen=True, slots=True)
class Retry:
    delay: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    pass


MAX_DEADLINE = 86_400.0


def check_deadline(value: object) -> Result[float, InvalidInput]:
    """A whole call's budget in seconds: a number above 0, at most a day."""
    if not is_real_number(value) or not 0 < value <= MAX_DEADLINE:  # type: ignore[operator]
        problem = "must be a number of seconds above 0, at most 86400"
        return Failure(InvalidInput("deadline", problem))
    return Success(float(value))  # type: ignore[arg-type]


def check_policy(policy: object) -> Result[RetryPolicy, InvalidInput]:
    """Attempts an int in [1, 20]; each delay a finite number >= 0. Never raises."""
    if not isinstance(policy, RetryPolicy):
        return Failure(InvalidInput("retry_policy", "must be a RetryPolicy"))
    attempts = policy.max_attempts
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 20:
        return Failure(InvalidInput("max_attempts", "must be an integer between 1 and 20"))
    for name in ("base_delay", "max_delay", "max_retry_after"):
        value = getattr(policy, name)
        if not is_real_number(value) or not 0 <= value <= MAX_POLICY_DELAY:
            return Failure(InvalidInput(name, "must be a finite, non-negative number"))
    return Success(policy)


def retryable(error: AuthError, grant: Grant) -> bool:
    """Could trying again help, and is it safe for this grant?"""
    if isinstance(error, TransportFailure):
        if error.kind not in _RETRYABLE_TRANSPORT:
            return False
        return not (grant.single_use and error.maybe_sent)
    if isinstance(error, BoxRefused):
        return error.status in RETRYABLE_STATUSES and not grant.single_use
    return False


def backoff(policy: RetryPolicy, attempt: int, jitter: float) -> float:
    """Full jitter after the ``attempt``-th failure (1-based)."""
    ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** min(attempt - 1, 30))
    return max(0.0, min(jitter, 1.0)) * ceiling


def next_step(
    policy: RetryPolicy,
    *,
    attempt: int,
    error: AuthError,
    grant: Grant,
    elapsed: float,
    deadline: float,
    jitter: float,
) -> Retry | GiveUp:
    """After ``attempt`` failed attempts: wait ``delay`` and retry, or give up."""
    if attempt >= policy.max_attempts or not retryable(error, grant):
        return GiveUp()
    retry_after = error.retry_after if isinstance(error, BoxRefused) else None
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return GiveUp()
        delay = retry_after
    else:
        delay = backoff(policy, attempt, jitter)
    if elapsed + delay >= deadline:
        return GiveUp()
    return Retry(delay)


def resign_for_skew(error: AuthError, *, already_resigned: bool, skew: float | None) -> bool:
    """JWT: re-sign on Box's clock after an 'exp'/'jti' refusal (docs/protocol.md#jwt-clock-skew).

    The legacy SDKs do this; box_sdk_gen does not (box-python-sdk-gen #731).
    Only with a Date header (``skew`` known), and only once per call.
    """
    return (
        isinstance(error, BoxRefused)
        and error.clock_skew
        and not already_resigned
        and skew is not None
    )
