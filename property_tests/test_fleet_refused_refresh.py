"""A refresh token Box refuses is removed from the storage, so a fleet stops asking.

RFC 6749 §5.2: ``invalid_grant`` means the refresh token is invalid, expired,
revoked or already used. Kept in a shared storage, every process of a fleet
would send it again and again. The lifecycle drops it (keeping the rest of
the token): the caller gets ReauthRequired (or, unforced, the still-valid
access token), and every later call needs a sign-in without asking Box.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Success

from boxauth.access_token import AccessToken
from boxauth.errors import (
    BoxRefused,
    ErrorKind,
    ReauthRequired,
    StorageFailure,
    StorageFailureKind,
)
from boxauth.lifecycle import (
    AuthKind,
    Fail,
    Failed,
    Machine,
    Phase,
    ReadAgain,
    Refresh,
    Store,
    Stored,
    StoreFailed,
    Use,
    Wanted,
    step,
)

REFUSED = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "Invalid refresh token")
NOW = 10_000.0


def _token(expires_in: float) -> AccessToken:
    return AccessToken(
        access_token="access",
        refresh_token="refresh",
        expires_in=3600,
        expires_at=NOW + expires_in,
    )


def _ok(m: Machine, event: object) -> tuple[Machine, object]:
    stepped = step(m, event)  # type: ignore[arg-type]
    assert isinstance(stepped, Success), stepped
    return stepped.unwrap()  # type: ignore[no-any-return]


def _refused(stored: AccessToken, forced: bool) -> tuple[Machine, object]:
    m = Machine(AuthKind.OAUTH, 60.0)
    m, action = _ok(m, Wanted(Success(stored), NOW, forced=forced))
    assert isinstance(action, Refresh) and action.refresh_token == "refresh"
    return _ok(m, Failed(action.ticket, REFUSED, NOW))


left = st.floats(-7200, 59)  # expired, or inside the refresh margin
forced = st.booleans()


@given(left, forced)
def test_the_refused_refresh_token_is_stored_away_and_nothing_else(
    expires_in: float, force: bool
) -> None:
    stored = _token(expires_in)
    m, action = _refused(stored, force)
    assert isinstance(action, Store)
    assert action.token == replace(stored, refresh_token=None)
    assert m.phase is Phase.STORING


@given(left, forced)
def test_then_reauth_unless_the_old_access_token_may_still_be_used(
    expires_in: float, force: bool
) -> None:
    stored = _token(expires_in)
    m, _ = _refused(stored, force)
    m, done = _ok(m, Stored())
    if not force and (stored.expires_at or 0) > NOW:
        assert isinstance(done, Use) and done.token.access_token == "access"
        assert done.token.refresh_token is None
    else:
        assert isinstance(done, Fail) and isinstance(done.error, ReauthRequired)
        assert "invalid_grant" in done.error.reason


@given(st.floats(-7200, 0))
def test_every_later_call_needs_a_sign_in_without_asking_box(expires_in: float) -> None:
    stored = _token(expires_in)
    m, action = _refused(stored, False)
    assert isinstance(action, Store)
    m, _ = _ok(m, Stored())
    m, again = _ok(m, Wanted(Success(action.token), NOW))
    assert isinstance(again, Fail) and isinstance(again.error, ReauthRequired)


def test_a_newer_token_stored_meanwhile_is_adopted_not_overwritten() -> None:
    m, _ = _refused(_token(-1), False)
    superseded = StorageFailure(StorageFailureKind.SUPERSEDED, "newer")
    m, action = _ok(m, StoreFailed(superseded))
    assert isinstance(action, ReadAgain)
    newer = AccessToken(access_token="newer", refresh_token="newer-refresh", expires_at=NOW + 3600)
    _, used = _ok(m, Wanted(Success(newer), NOW))
    assert isinstance(used, Use) and used.token == newer


@given(st.sampled_from([k for k in ErrorKind if k is not ErrorKind.INVALID_GRANT]))
def test_other_refusals_keep_the_refresh_token(kind: ErrorKind) -> None:
    m = Machine(AuthKind.OAUTH, 60.0)
    m, action = _ok(m, Wanted(Success(_token(-1)), NOW))
    assert isinstance(action, Refresh)
    _, done = _ok(m, Failed(action.ticket, replace(REFUSED, kind=kind), NOW))
    assert not isinstance(done, Store)
