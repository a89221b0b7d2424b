"""Properties of the lifecycle rules added after the security review."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from boxauth.access_token import AccessToken
from boxauth.lifecycle import (
    Act,
    AuthKind,
    Fetch,
    Freshness,
    Machine,
    Refresh,
    Use,
    Wanted,
    decide,
    freshness,
    step,
    tokens_to_revoke,
)

NOW = 1_700_000_000.0
kinds = st.sampled_from(list(AuthKind))
bad_expiry = st.sampled_from([math.nan, math.inf, -math.inf, "2030", 10**400, True])


@given(kinds, bad_expiry, st.floats(min_value=0, max_value=1e10))
def test_an_unusable_expiry_is_never_fresh(kind: AuthKind, expiry: object, now: float) -> None:
    token = AccessToken(access_token="t", refresh_token="r", expires_at=expiry)  # type: ignore[arg-type]
    assert freshness(token, now, 60.0) is Freshness.EXPIRED
    assert decide(kind, token, now, 60.0) is not Act.USE


@given(st.sampled_from([AuthKind.JWT, AuthKind.CCG, AuthKind.OAUTH]), st.booleans())
def test_forced_renewal_replacing_a_token_only_renews_that_token(
    kind: AuthKind, same: bool
) -> None:
    stored = AccessToken(
        access_token="current", refresh_token="r", expires_in=3600, expires_at=NOW + 3600
    )
    rejected = stored if same else AccessToken(access_token="older", refresh_token="r0")
    stepped = step(Machine(kind), Wanted(Success(stored), NOW, forced=True, replacing=rejected))
    action = stepped.unwrap()[1]
    if same:
        assert isinstance(action, Fetch | Refresh)
    else:
        # Another thread already replaced the rejected token: use its replacement.
        assert action == Use(stored)


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.builds(
                AccessToken,
                access_token=st.one_of(st.none(), st.sampled_from(["a1", "a2", "a3"])),
                refresh_token=st.one_of(st.none(), st.sampled_from(["r1", "r2"])),
                expires_at=st.one_of(st.none(), st.sampled_from([NOW - 1, NOW, NOW + 1])),
            ),
        ),
        max_size=4,
    )
)
def test_tokens_to_revoke_sends_every_refresh_token_then_each_live_access_token(
    held: list[AccessToken | None],
) -> None:
    """Issue 10 item 15: refresh tokens always; access tokens only while unexpired."""
    out = tokens_to_revoke(NOW, *held)
    assert len(out) == len(set(out))
    refresh = [t.refresh_token for t in held if t is not None and t.refresh_token]
    access = [
        t.access_token
        for t in held
        if t is not None and t.access_token and (t.expires_at is None or t.expires_at > NOW)
    ]
    expected: list[str] = []
    for secret in [*refresh, *access]:
        if secret not in expected:
            expected.append(secret)
    assert list(out) == expected
