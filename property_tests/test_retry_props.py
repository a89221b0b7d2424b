"""Properties of the retry decision (protocol notes §9, and our single-use rule)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from boxauth.errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    TransportFailure,
    TransportFailureKind,
)
from boxauth.retry import GiveUp, Retry, RetryPolicy, backoff, check_policy, next_step
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
