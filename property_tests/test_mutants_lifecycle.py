"""lifecycle: margin checks, renewal timing edges, reasons, and the machine's reset of ``forced``.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.access_token import AccessToken, RestrictedTo
from boxauth.errors import InvalidInput, ReauthRequired, TransportFailure, TransportFailureKind
from boxauth.errors import malformed as malformed_error
from boxauth.lifecycle import (
    AuthKind,
    Fail,
    Failed,
    Fetch,
    Freshness,
    IllegalEvent,
    Machine,
    Phase,
    Refresh,
    Store,
    Stored,
    Succeeded,
    Use,
    Wanted,
    check_margin,
    fresh_until,
    freshness,
    renew_at,
    step,
)

T0 = 1_000_000.0
NET = TransportFailure(TransportFailureKind.TIMEOUT, "t", False)


def _tok(**kw: object) -> AccessToken:
    return AccessToken(access_token="A", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("margin", "expected"),
    [
        (0, Success(0.0)),
        (86_400, Success(86_400.0)),
        (5, Success(5.0)),
        (0.5, Success(0.5)),
        (-0.001, Failure(InvalidInput("refresh_margin", "must be between 0 and 86400 seconds"))),
        (86_400.5, Failure(InvalidInput("refresh_margin", "must be between 0 and 86400 seconds"))),
        (
            float("nan"),
            Failure(InvalidInput("refresh_margin", "must be between 0 and 86400 seconds")),
        ),
        (True, Failure(InvalidInput("refresh_margin", "must be a number of seconds"))),
        ("5", Failure(InvalidInput("refresh_margin", "must be a number of seconds"))),
    ],
)
def test_check_margin(margin: object, expected: object) -> None:
    got = check_margin(margin)
    assert got == expected
    if isinstance(got, Success):
        assert type(got.unwrap()) is float


def test_renew_at_uses_half_the_life_for_short_tokens() -> None:
    assert renew_at(_tok(expires_at=100.0, expires_in=1), 60.0) == 99.5
    assert renew_at(_tok(expires_at=100.0, expires_in=0), 60.0) == 40.0
    assert renew_at(_tok(expires_at=100.0, expires_in=200), 60.0) == 40.0
    assert renew_at(_tok(expires_at=100.0), 60.0) == 40.0
    assert renew_at(_tok(), 60.0) is None


def test_no_access_token_is_absent_whatever_the_expiry() -> None:
    assert freshness(AccessToken(refresh_token="R", expires_at=T0 + 1e6), T0, 60.0) is (
        Freshness.ABSENT
    )


@given(st.floats(1.0, 1e6))
def test_fresh_until_for_oauth_follows_the_refresh_token(life: float) -> None:
    with_refresh = _tok(refresh_token="R", expires_at=T0 + life, expires_in=int(life))
    assert fresh_until(AuthKind.OAUTH, with_refresh, 60.0) == renew_at(with_refresh, 60.0)
    without = _tok(expires_at=T0 + life, expires_in=int(life))
    assert fresh_until(AuthKind.OAUTH, without, 60.0) == T0 + life
    assert fresh_until(AuthKind.JWT, without, 60.0) == renew_at(without, 60.0)


def test_reauth_reasons() -> None:
    expired_down = _tok(expires_at=T0 - 1, restricted_to=(RestrictedTo("item_preview"),))
    for kind, reason in [
        (
            AuthKind.DEVELOPER,
            "downscoped tokens cannot be refreshed; downscope a fresh parent token",
        ),
        (AuthKind.OAUTH, "no valid OAuth token or refresh token; the user must authorize again"),
    ]:
        got = step(Machine(kind), Wanted(Success(expired_down), T0))
        assert got == Success((Machine(kind), Fail(ReauthRequired(reason))))
    plain = step(Machine(AuthKind.DEVELOPER), Wanted(Success(_tok(expires_at=T0 - 1)), T0))
    assert plain.unwrap()[1] == Fail(
        ReauthRequired("developer tokens cannot be refreshed; create a new one")
    )


def test_illegal_events_are_named() -> None:
    idle = Machine(AuthKind.JWT)
    assert step(idle, Succeeded(1, _tok(), T0)) == Failure(IllegalEvent(Phase.IDLE, "Succeeded"))
    assert step(idle, Failed(1, NET, T0)) == Failure(IllegalEvent(Phase.IDLE, "Failed"))
    renewing, act = step(idle, Wanted(Success(None), T0)).unwrap()
    assert act == Fetch(1)
    assert step(renewing, Wanted(Success(None), T0)) == Failure(
        IllegalEvent(Phase.RENEWING, "Wanted")
    )
    assert step(renewing, Succeeded(0, _tok(), T0)) == Failure(
        IllegalEvent(Phase.RENEWING, "Succeeded with a stale ticket")
    )
    assert step(renewing, Failed(0, NET, T0)) == Failure(
        IllegalEvent(Phase.RENEWING, "Failed with a stale ticket")
    )


def test_every_way_out_of_a_forced_renewal_clears_forced() -> None:
    held = _tok(expires_at=T0 + 3600, expires_in=3600, refresh_token="R")
    m0 = Machine(AuthKind.OAUTH)
    started, act = step(m0, Wanted(Success(held), T0, forced=True)).unwrap()
    assert act == Refresh(1, "R")
    assert started.phase is Phase.RENEWING and started.forced and started.ticket == 1
    new = _tok(expires_at=T0 + 7200, refresh_token="R2")
    saving, act = step(started, Succeeded(1, new, T0)).unwrap()
    assert act == Store(new)
    idle, used = step(saving, Stored()).unwrap()
    assert used == Use(new) and not idle.forced and idle.phase is Phase.IDLE
    failed, act = step(started, Failed(1, NET, T0)).unwrap()
    assert act == Fail(NET) and not failed.forced
    # Not forced: a failed early renewal falls back to the still-valid token.
    stale = _tok(expires_at=T0 + 30, expires_in=3600, refresh_token="R")
    started2, _ = step(m0, Wanted(Success(stale), T0)).unwrap()
    _, act = step(started2, Failed(1, NET, T0)).unwrap()
    assert isinstance(act, Use) and act.token == stale and len(act.notes) == 1


def test_a_dead_on_arrival_token_without_refresh_token_fails() -> None:
    started, _ = step(Machine(AuthKind.JWT), Wanted(Success(None), T0)).unwrap()
    dead = _tok(expires_at=T0 - 1)
    after, act = step(started, Succeeded(1, dead, T0)).unwrap()
    assert act == Fail(malformed_error("the new token was already expired when it arrived"))
    assert after.phase is Phase.IDLE and after.ticket == 1


def test_largest_expiry_is_usable() -> None:
    assert freshness(_tok(expires_at=2.0**53), 0.0, 60.0) is Freshness.FRESH


def test_fresh_until_needs_an_access_token() -> None:
    only_refresh = AccessToken(refresh_token="R", expires_at=T0 + 3600, expires_in=3600)
    for kind in AuthKind:
        assert fresh_until(kind, only_refresh, 60.0) is None
