"""retry: policy refusals, the backoff ceiling's exact growth, retry and re-sign rules.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.errors import (
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    TransportFailure,
    TransportFailureKind,
)
from boxauth.retry import RetryPolicy, backoff, check_policy, resign_for_skew, retryable
from boxauth.token_requests import Grant


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RetryPolicy(max_attempts=20), None),
        (RetryPolicy(max_attempts=1), None),
        (
            RetryPolicy(max_attempts=21),
            InvalidInput("max_attempts", "must be an integer between 1 and 20"),
        ),
        (
            RetryPolicy(max_attempts=0),
            InvalidInput("max_attempts", "must be an integer between 1 and 20"),
        ),
        (
            RetryPolicy(base_delay=-1.0),
            InvalidInput("base_delay", "must be a finite, non-negative number"),
        ),
        (
            RetryPolicy(max_delay=float("inf")),
            InvalidInput("max_delay", "must be a finite, non-negative number"),
        ),
        (
            RetryPolicy(max_retry_after="1"),
            InvalidInput(  # type: ignore[arg-type]
                "max_retry_after", "must be a finite, non-negative number"
            ),
        ),
    ],
)
def test_check_policy(policy: RetryPolicy, expected: InvalidInput | None) -> None:
    assert check_policy(policy) == (Success(policy) if expected is None else Failure(expected))


@given(st.integers(1, 40), st.floats(0.0, 1.0))
def test_backoff_ceiling_doubles_from_base(attempt: int, jitter: float) -> None:
    policy = RetryPolicy(base_delay=0.25, max_delay=1e12)
    expected = jitter * (0.25 * 2.0 ** min(attempt - 1, 30))
    # isclose: float products are not associative (subnormal jitters round differently).
    assert math.isclose(backoff(policy, attempt, jitter), expected, rel_tol=1e-12, abs_tol=1e-300)


def test_backoff_examples() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=1e12)
    assert [backoff(policy, n, 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(policy, 31, 1.0) == 2.0**30
    assert backoff(policy, 32, 1.0) == 2.0**30
    assert backoff(policy, 3, 5.0) == 4.0
    assert backoff(policy, 3, -1.0) == 0.0


def _refused(status: int, clock_skew: bool = False) -> BoxRefused:
    return BoxRefused(ErrorKind.INVALID_GRANT, status, "e", "d", clock_skew=clock_skew)


def test_retryable_box_answers() -> None:
    assert retryable(_refused(503), Grant.JWT)
    assert not retryable(_refused(503), Grant.REFRESH_TOKEN)
    assert not retryable(_refused(400), Grant.JWT)
    assert not retryable(_refused(400), Grant.REFRESH_TOKEN)
    assert not retryable(ReauthRequired("x"), Grant.JWT)
    lost = TransportFailure(TransportFailureKind.TIMEOUT, "t", True)
    assert retryable(lost, Grant.JWT) and not retryable(lost, Grant.AUTHORIZATION_CODE)


def test_resign_for_skew() -> None:
    skewed = _refused(400, clock_skew=True)
    assert resign_for_skew(skewed, already_resigned=False, skew=5.0)
    assert not resign_for_skew(skewed, already_resigned=True, skew=5.0)
    assert not resign_for_skew(skewed, already_resigned=False, skew=None)
    assert not resign_for_skew(_refused(400), already_resigned=False, skew=5.0)
    assert not resign_for_skew(ReauthRequired("x"), already_resigned=False, skew=5.0)


def test_policy_type_and_largest_delay() -> None:
    import sys

    assert check_policy(None) == Failure(  # type: ignore[arg-type]
        InvalidInput("retry_policy", "must be a RetryPolicy")
    )
    biggest = RetryPolicy(max_delay=sys.float_info.max)
    assert check_policy(biggest) == Success(biggest)
