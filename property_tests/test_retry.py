"""retry: whether and when a failed token request is tried again.

Box's rate limits answer 429 with Retry-After (developer.box.com/guides/api-calls/
permissions-and-errors/rate-limits/); 5xx and lost connections are retried with
capped, fully jittered exponential backoff, within the caller's deadline. Single-use
grants (an authorization code, a refresh token) are never repeated once the request
may have reached Box: Box may already have spent them.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success
from strategies import refused

from boxauth.errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    TransportFailure,
    TransportFailureKind,
    is_real_number,
)
from boxauth.retry import (
    MAX_DEADLINE,
    GiveUp,
    Retry,
    RetryPolicy,
    backoff,
    check_deadline,
    check_policy,
    next_step,
    resign_for_skew,
    retryable,
)
from boxauth.token_requests import Grant

SINGLE_USE = [Grant.AUTHORIZATION_CODE, Grant.REFRESH_TOKEN]
REUSABLE = [Grant.CLIENT_CREDENTIALS, Grant.JWT, Grant.TOKEN_EXCHANGE, Grant.REVOKE]
policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 20),
    base_delay=st.floats(0, 10),
    max_delay=st.floats(0, 60),
    max_retry_after=st.floats(0, 120),
)
retry_afters = st.none() | st.floats(0, 86_400)
refusals = st.builds(
    BoxRefused,
    kind=st.sampled_from(ErrorKind),
    status=st.sampled_from([400, 401, 429, 500, 502, 503, 504]) | st.integers(100, 599),
    error=st.just("e"),
    description=st.just(""),
    retry_after=retry_afters,
)
transport = st.builds(
    TransportFailure, st.sampled_from(TransportFailureKind), st.just("d"), st.booleans()
)
errors = st.one_of(
    refusals,
    transport,
    st.builds(InvalidInput, st.just("f"), st.just("p")),
    st.builds(ReauthRequired, st.just("r")),
)
jitters = st.floats(0, 1, exclude_max=True)
# (elapsed, deadline, jitter)
clocks = st.tuples(st.floats(0, 100), st.floats(0, 200), jitters)


@given(policies, st.integers(1, 25), errors, st.sampled_from(SINGLE_USE), clocks)
def test_single_use_grants_never_repeat_what_may_have_been_sent(
    policy: RetryPolicy,
    attempt: int,
    error: AuthError,
    grant: Grant,
    clock: tuple[float, float, float],
) -> None:
    spent, deadline, jitter = clock
    step = next_step(
        policy,
        attempt=attempt,
        error=error,
        grant=grant,
        elapsed=spent,
        deadline=deadline,
        jitter=jitter,
    )
    if isinstance(error, BoxRefused) or (isinstance(error, TransportFailure) and error.maybe_sent):
        assert isinstance(step, GiveUp)


@given(policies, st.integers(1, 25), errors, st.sampled_from(list(Grant)), clocks)
def test_bounds_on_every_retry(
    policy: RetryPolicy,
    attempt: int,
    error: AuthError,
    grant: Grant,
    clock: tuple[float, float, float],
) -> None:
    spent, deadline, jitter = clock
    step = next_step(
        policy,
        attempt=attempt,
        error=error,
        grant=grant,
        elapsed=spent,
        deadline=deadline,
        jitter=jitter,
    )
    if attempt >= policy.max_attempts:
        assert isinstance(step, GiveUp)
    if isinstance(error, InvalidInput | ReauthRequired):
        assert isinstance(step, GiveUp)
    if isinstance(step, Retry):
        assert spent + step.delay < deadline
        assert step.delay >= 0
        after = error.retry_after if isinstance(error, BoxRefused) else None
        if after is not None:
            assert step.delay == after
            assert after <= policy.max_retry_after
        else:
            ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
            assert step.delay <= ceiling


@given(policies, st.integers(1, 19), st.sampled_from(REUSABLE), jitters, st.floats(0, 1000))
def test_retry_after_above_the_cap_gives_up(
    policy: RetryPolicy, attempt: int, grant: Grant, jitter: float, extra: float
) -> None:
    error = BoxRefused(
        ErrorKind.RATE_LIMITED, 429, "e", "", retry_after=policy.max_retry_after + 0.001 + extra
    )
    step = next_step(
        policy, attempt=attempt, error=error, grant=grant, elapsed=0, deadline=1e9, jitter=jitter
    )
    assert isinstance(step, GiveUp)


@given(
    policies,
    st.integers(1, 19),
    st.sampled_from(REUSABLE),
    st.sampled_from([429, 500, 502, 503, 504]),
)
def test_reusable_grants_retry_server_trouble(
    policy: RetryPolicy, attempt: int, grant: Grant, status: int
) -> None:
    """The other direction: retries do happen when allowed and time remains."""
    error = BoxRefused(ErrorKind.SERVER_ERROR, status, "e", "")
    step = next_step(
        policy, attempt=attempt, error=error, grant=grant, elapsed=0, deadline=1e9, jitter=0.5
    )
    assert isinstance(step, Retry) is (attempt < policy.max_attempts)


@given(
    policies,
    st.integers(1, 19),
    st.sampled_from(list(Grant)),
    st.sampled_from(
        [TransportFailureKind.CONNECT, TransportFailureKind.TIMEOUT, TransportFailureKind.PROTOCOL]
    ),
)
def test_unsent_failures_retry_even_single_use(
    policy: RetryPolicy, attempt: int, grant: Grant, kind: TransportFailureKind
) -> None:
    error = TransportFailure(kind, "d", maybe_sent=False)
    step = next_step(
        policy, attempt=attempt, error=error, grant=grant, elapsed=0, deadline=1e9, jitter=0.5
    )
    assert isinstance(step, Retry) is (attempt < policy.max_attempts)


@given(policies, st.integers(1, 60), st.floats(0, 1))
def test_backoff_within_full_jitter(policy: RetryPolicy, attempt: int, jitter: float) -> None:
    delay = backoff(policy, attempt, jitter)
    assert 0 <= delay <= min(policy.max_delay, policy.base_delay * 2.0 ** (attempt - 1))
    assert backoff(policy, attempt, 0.0) == 0.0


@given(policies, st.integers(1, 30))
def test_backoff_grows_with_attempts(policy: RetryPolicy, attempt: int) -> None:
    assert backoff(policy, attempt, 0.5) <= backoff(policy, attempt + 1, 0.5)


@given(
    st.integers(-5, 30) | st.booleans(),
    st.floats(allow_nan=True) | st.integers(-5, 5),
)
def test_policy_check(attempts: int, delay: float) -> None:
    policy = RetryPolicy(max_attempts=attempts, base_delay=delay)
    ok = (
        not isinstance(attempts, bool)
        and 1 <= attempts <= 20
        and math.isfinite(delay)
        and delay >= 0
    )
    assert check_policy(policy).map(lambda _: True).value_or(False) is ok


NOT_RETRYABLE = [
    k
    for k in TransportFailureKind
    if k
    not in (
        TransportFailureKind.CONNECT,
        TransportFailureKind.TIMEOUT,
        TransportFailureKind.PROTOCOL,
    )
]


@given(
    policies,
    st.integers(1, 19),
    st.sampled_from(list(Grant)),
    st.sampled_from(list(TransportFailureKind)),
    st.booleans(),
)
def test_transport_failures_that_may_have_been_sent(
    policy: RetryPolicy, attempt: int, grant: Grant, kind: TransportFailureKind, sent: bool
) -> None:
    error = TransportFailure(kind, "d", maybe_sent=sent)
    step = next_step(
        policy, attempt=attempt, error=error, grant=grant, elapsed=0, deadline=1e9, jitter=0.5
    )
    retried = isinstance(step, Retry)
    if kind in NOT_RETRYABLE or (grant in SINGLE_USE and sent) or attempt >= policy.max_attempts:
        assert not retried
    else:
        assert retried


@given(policies, st.integers(1, 19), st.sampled_from(REUSABLE), st.floats(0, 100), st.floats(0, 30))
def test_deadline_is_exclusive(
    policy: RetryPolicy, attempt: int, grant: Grant, spent: float, after: float
) -> None:
    """A retry that would start at or after the deadline is not made."""
    if after > policy.max_retry_after or attempt >= policy.max_attempts:
        return
    error = BoxRefused(ErrorKind.RATE_LIMITED, 429, "e", "", retry_after=after)
    at = spent + after
    cases = ((at, False), (math.nextafter(at, -math.inf), False), (at + 0.5, True))
    for deadline, allowed in cases:
        step = next_step(
            policy,
            attempt=attempt,
            error=error,
            grant=grant,
            elapsed=spent,
            deadline=deadline,
            jitter=0.5,
        )
        assert isinstance(step, Retry) is allowed
        if allowed:
            assert step == Retry(after)


@given(st.floats(0, 30), st.integers(1, 3), st.sampled_from(list(Grant)))
def test_a_retry_after_of_30_s_with_the_default_30_s_deadline_fails_at_once(
    spent: float, attempt: int, grant: Grant
) -> None:
    """README's rule with the defaults: a Retry-After is waited out only when it fits
    in what is left of the deadline, so the largest one honoured (30 s) never fits a
    30 s call; the failure comes at once (its ``retry_after`` says 30)."""
    policy = RetryPolicy()
    assert policy.max_retry_after == 30.0
    for status, kind in ((429, ErrorKind.RATE_LIMITED), (503, ErrorKind.SERVER_ERROR)):
        error = BoxRefused(kind, status, "e", "", retry_after=30.0)
        step = next_step(
            policy, attempt=attempt, error=error, grant=grant, elapsed=spent, deadline=30.0,
            jitter=0.5,
        )  # fmt: skip
        assert step == GiveUp()
        # With room for it, the same answer is waited out (a reusable grant, a 429).
        if grant in REUSABLE and status == 429:
            roomy = next_step(
                policy, attempt=attempt, error=error, grant=grant, elapsed=0.0, deadline=30.5,
                jitter=0.5,
            )  # fmt: skip
            assert roomy == Retry(30.0)


# -- Policies ----------------------------------------------------------------------------

wrong_types: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)
huge_ints = st.integers(400, 4000).map(lambda digits: 10**digits) | st.just(-(10**400))


@given(
    st.sampled_from(["max_attempts", "base_delay", "max_delay", "max_retry_after"]),
    huge_ints
    | wrong_types.filter(lambda v: not is_real_number(v))
    | st.sampled_from(["3", -1, -0.5, math.nan, math.inf]),
)
def test_retry_policy_check_never_raises(name: str, value: Any) -> None:
    policy = dataclasses.replace(RetryPolicy(), **{name: value})
    refused(check_policy(policy), name)


@given(wrong_types)
def test_retry_policy_check_refuses_non_policies(value: Any) -> None:
    refused(check_policy(value), "retry_policy")


# -- Examples at the edges ------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        (RetryPolicy(max_attempts=20), None),
        (RetryPolicy(max_attempts=1), None),
        (RetryPolicy(max_attempts=21), "max_attempts"),
        (RetryPolicy(max_attempts=0), "max_attempts"),
        (RetryPolicy(base_delay=-1.0), "base_delay"),
        (RetryPolicy(max_delay=float("inf")), "max_delay"),
        (RetryPolicy(max_retry_after="1"), "max_retry_after"),  # type: ignore[arg-type]
    ],
)
def test_check_policy(policy: RetryPolicy, field: str | None) -> None:
    if field is None:
        assert check_policy(policy) == Success(policy)
    else:
        refused(check_policy(policy), field)


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
    refused(check_policy(None), "retry_policy")  # type: ignore[arg-type]
    biggest = RetryPolicy(max_delay=sys.float_info.max)
    assert check_policy(biggest) == Success(biggest)


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    cases = [
        (
            check_policy(RetryPolicy(max_attempts=0)),
            "max_attempts: must be an integer between 1 and 20",
        ),
        (
            check_policy(RetryPolicy(base_delay=-1.0)),
            "base_delay: must be a finite, non-negative number",
        ),
        (check_policy(None), "retry_policy: must be a RetryPolicy"),  # type: ignore[arg-type]
        (check_deadline(0), "deadline: must be a number of seconds above 0, at most 86400"),
    ]
    for result, message in cases:
        assert result.failure().message() == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, Success(0.5)),
        (1, Success(1.0)),
        (MAX_DEADLINE, Success(86_400.0)),
        (0, None),
        (-1, None),
        (86_400.001, None),
        (float("nan"), None),
        (float("inf"), None),
        ("5", None),
        (True, None),
    ],
)
def test_check_deadline(value: object, expected: object) -> None:
    """A call's budget: a number of seconds above 0 and at most a day, as a float."""
    got = check_deadline(value)
    if expected is None:
        refused(got, "deadline")
    else:
        assert got == expected
        assert type(got.unwrap()) is float
