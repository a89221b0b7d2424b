"""lifecycle, table 1: ``ACTIONS[(renewal, freshness)]``, what to do when a token is
wanted, and the clock arithmetic behind it (``freshness``, ``renew_at``,
``fresh_until``, ``check_margin``), and which credentials a revoke sends.

Table 2 (``TRANSITIONS``, the machine's steps) is tested in test_lifecycle_machine.py.
Box's access tokens live about an hour and refresh tokens are single use
(developer.box.com/guides/authentication/tokens/); every time comparison is tested in
both directions, since an off-by-one there hands out an expired token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import refused

from boxauth.access_token import AccessToken, RestrictedTo, check_token
from boxauth.errors import InvalidInput, StorageFailure, StorageFailureKind, malformed
from boxauth.identity import Owner
from boxauth.lifecycle import (
    ACTIONS,
    Abandoned,
    Act,
    AuthKind,
    Clear,
    ClearFailed,
    Fail,
    Failed,
    Fetch,
    Freshness,
    IllegalEvent,
    Machine,
    Phase,
    Refresh,
    Renewal,
    RevokeAt,
    RevokeDone,
    RevokeWanted,
    SignInWanted,
    Succeeded,
    Use,
    Wanted,
    check_margin,
    decide,
    fresh_until,
    freshness,
    renew_at,
    renewal_of,
    step,
    tokens_to_revoke,
    usable,
)

T0 = 1_700_000_000.0
NOW = T0
margins = st.floats(0, 86_400, allow_nan=False)
kinds = st.sampled_from(AuthKind)


@dataclass(frozen=True)
class Case:
    token: AccessToken
    issued: float
    expires: float  # the token's expires_at


@st.composite
def tokens(draw: st.DrawFn, refresh: st.SearchStrategy[str | None] | None = None) -> Case:
    """A token issued at ``issued`` with a known expiry (and maybe a known lifetime)."""
    issued = draw(st.floats(T0 - 1e6, T0 + 1e6, allow_nan=False))
    lifetime = draw(st.integers(1, 100_000))
    record_lifetime = draw(st.booleans())
    token = AccessToken(
        access_token=draw(st.sampled_from(["tok", "t2"])),
        expires_in=lifetime if record_lifetime else None,
        expires_at=issued + lifetime,
        refresh_token=draw(refresh if refresh is not None else st.none() | st.just("r")),
        restricted_to=draw(st.sampled_from([(), (RestrictedTo("item_preview"),)])),
    )
    return Case(token, issued, issued + lifetime)


def _at(case: Case, fraction: float) -> float:
    """A moment from issue time to well past expiry."""
    return case.issued + fraction * (case.expires - case.issued)


fractions = st.floats(0, 3, allow_nan=False)


@given(kinds, tokens(), margins, fractions, fractions)
def test_use_is_monotone_backwards(
    kind: AuthKind, case: Case, margin: float, a: float, b: float
) -> None:
    """Used at t => used at every t' in [issue time, t]."""
    early, late = sorted((_at(case, a), _at(case, b)))
    if decide(kind, case.token, late, margin) is Act.USE:
        assert decide(kind, case.token, early, margin) is Act.USE


@given(kinds, tokens(), margins, fractions, fractions)
def test_renewal_is_monotone_forwards(
    kind: AuthKind, case: Case, margin: float, a: float, b: float
) -> None:
    """FETCH/REFRESH chosen at t => the same choice at every later t'."""
    early, late = sorted((_at(case, a), _at(case, b)))
    first = decide(kind, case.token, early, margin)
    if first in (Act.FETCH, Act.REFRESH):
        assert decide(kind, case.token, late, margin) is first


@given(kinds, tokens(), margins, st.floats(0, 1e7, allow_nan=False))
def test_never_used_at_or_after_expiry(
    kind: AuthKind, case: Case, margin: float, after: float
) -> None:
    for now in (case.expires, case.expires + after):
        assert decide(kind, case.token, now, margin) is not Act.USE
        assert not usable(case.token, now)
        machine = Machine(kind, margin)
        for forced in (False, True):
            stepped = step(machine, Wanted(Success(case.token), now, forced))
            assert not isinstance(stepped.unwrap()[1], Use)


@given(kinds, tokens(), margins, st.floats(0, 1, allow_nan=False, exclude_max=True))
def test_just_before_expiry_a_nonrenewable_token_is_used(
    kind: AuthKind, case: Case, margin: float, fraction: float
) -> None:
    """The other direction: before expires_at, a token that cannot be renewed is used."""
    now = _at(case, fraction)
    if now < case.expires:
        assert usable(case.token, now)
        if renewal_of(kind, case.token) is Renewal.NONE:
            assert decide(kind, case.token, now, margin) is Act.USE


@given(kinds, tokens(), margins, fractions)
def test_renewal_starts_within_the_margin(
    kind: AuthKind, case: Case, margin: float, fraction: float
) -> None:
    """Renewable tokens are renewed from ``expires_at - min(margin, lifetime/2)`` on."""
    token = case.token
    now = _at(case, fraction)
    if kind not in (AuthKind.JWT, AuthKind.CCG):
        return
    early = margin if token.expires_in is None else min(margin, token.expires_in / 2)
    expected = Act.FETCH if now >= case.expires - early else Act.USE
    assert decide(kind, token, now, margin) is expected


nonrenewable = st.one_of(
    st.tuples(st.just(AuthKind.DEVELOPER), tokens()),
    st.tuples(st.just(AuthKind.OAUTH), tokens(refresh=st.none() | st.just(""))),
)


@given(nonrenewable, margins, fractions, st.booleans())
def test_developer_and_downscoped_tokens_never_renew(
    kind_case: tuple[AuthKind, Case], margin: float, fraction: float, forced: bool
) -> None:
    kind, case = kind_case
    now = _at(case, fraction)
    assert decide(kind, case.token, now, margin) in (Act.USE, Act.REAUTH)
    machine = Machine(kind, margin)
    new_machine, action = step(machine, Wanted(Success(case.token), now, forced)).unwrap()
    assert not isinstance(action, Fetch | Refresh)
    assert new_machine.phase is Phase.IDLE
    assert decide(kind, None, now, margin) is Act.REAUTH


@given(kinds, tokens(), margins, fractions)
def test_fresh_until_is_exact(kind: AuthKind, case: Case, margin: float, fraction: float) -> None:
    until = fresh_until(kind, case.token, margin)
    assert until is not None
    now = _at(case, fraction)
    if now < until:
        assert decide(kind, case.token, now, margin) is Act.USE


# Every (renewal, freshness) pair that a token and an auth kind can produce.
possible_tokens = st.one_of(
    st.none(),
    st.builds(
        AccessToken,
        access_token=st.sampled_from([None, "", "tok"]),
        refresh_token=st.sampled_from([None, "", "r"]),
        expires_in=st.none() | st.integers(-5, 100),
        expires_at=st.none() | st.floats(T0 - 200, T0 + 200),
    ),
)


@given(kinds, possible_tokens, st.floats(T0 - 300, T0 + 300), margins, st.booleans())
def test_actions_table_is_total(
    kind: AuthKind, token: AccessToken | None, now: float, margin: float, forced: bool
) -> None:
    key = (renewal_of(kind, token), freshness(token, now, margin))
    assert key in ACTIONS
    act = decide(kind, token, now, margin)
    assert act is ACTIONS[key]
    _, action = step(Machine(kind, margin), Wanted(Success(token), now, forced)).unwrap()
    if not forced:  # the machine does what the table says, for a well-formed stored token
        well_formed = token is None or isinstance(check_token(token), Success)
        wanted = act if well_formed else decide(kind, None, now, margin)
        expected = {Act.USE: Use, Act.FETCH: Fetch, Act.REFRESH: Refresh, Act.REAUTH: Fail}
        assert isinstance(action, expected[wanted]), (wanted, action)


def test_every_reachable_pair_is_in_the_table() -> None:
    """A refresh token without an access token must refresh, not crash (KeyError)."""
    token = AccessToken(refresh_token="r")
    assert decide(AuthKind.OAUTH, token, T0, 60) is Act.REFRESH
    _, action = step(Machine(AuthKind.OAUTH), Wanted(Success(token), T0)).unwrap()
    assert isinstance(action, Refresh)
    assert action.refresh_token == "r"
    reachable = {(r, f) for r in Renewal for f in Freshness} - {
        (Renewal.REFRESH_TOKEN, Freshness.ABSENT)
    }
    assert reachable | {(Renewal.REFRESH_TOKEN, Freshness.ABSENT)} == set(ACTIONS)


@given(st.sampled_from([AuthKind.JWT, AuthKind.CCG]), tokens(), margins)
def test_renewal_boundary_is_inclusive(kind: AuthKind, case: Case, margin: float) -> None:
    """At exactly the renewal moment a renewable token is renewed; just before, used."""
    token = case.token
    early = margin if token.expires_in is None else min(margin, token.expires_in / 2)
    start = case.expires - early
    assert decide(kind, token, start, margin) is Act.FETCH
    before = math.nextafter(start, -math.inf)
    if before < case.expires and early > 0:
        assert decide(kind, token, before, margin) is Act.USE


# -- The decision over time, through the machine ----------------------------------------


@given(kinds, tokens(), margins, fractions)
def test_failed_early_renewal_falls_back_only_to_a_valid_token(
    kind: AuthKind, case: Case, margin: float, fraction: float
) -> None:
    now = _at(case, fraction)
    machine, action = step(Machine(kind, margin), Wanted(Success(case.token), now)).unwrap()
    if not isinstance(action, Fetch | Refresh):
        return
    error = InvalidInput("x", "y")
    _, after = step(machine, Failed(action.ticket, error, now)).unwrap()
    if now < case.expires:
        assert isinstance(after, Use) and after.token == case.token
        assert any("x: y" in note.text for note in after.notes)
    else:
        assert not isinstance(after, Use)


@given(kinds, tokens(), margins)
def test_revoke_is_refused_mid_renewal(kind: AuthKind, case: Case, margin: float) -> None:
    """A revoke takes the locks, so it can never arrive mid-renewal: the machine refuses it."""
    now = case.expires + 1
    machine, action = step(Machine(kind, margin), Wanted(Success(case.token), now, True)).unwrap()
    if not isinstance(action, Fetch | Refresh):
        return
    late = step(machine, RevokeWanted(Success(case.token), now))
    assert isinstance(late, Failure)
    assert isinstance(late.failure(), IllegalEvent)


@given(kinds, st.integers(-5, 50), st.floats(T0 - 10, T0 + 10))
def test_only_the_current_ticket_completes(kind: AuthKind, ticket: int, now: float) -> None:
    machine, action = step(Machine(kind, 60.0), Wanted(Success(None), now, forced=True)).unwrap()
    if not isinstance(action, Fetch | Refresh):
        return
    token = AccessToken(access_token="a", expires_in=10, expires_at=now + 10)
    error = InvalidInput("x", "y")
    for event in (Succeeded(ticket, token, now), Failed(ticket, error, now)):
        result = step(machine, event)
        if ticket == action.ticket:
            assert not isinstance(result, Failure)
        else:
            assert isinstance(result, Failure)
            assert isinstance(result.failure(), IllegalEvent)


# -- Unusable expiries, and what a revoke sends ----------------------------------------

bad_expiry = st.sampled_from([math.nan, math.inf, -math.inf, "2030", 10**400, True])


@given(kinds, bad_expiry, st.floats(min_value=0, max_value=1e10))
def test_an_unusable_expiry_is_never_fresh(kind: AuthKind, expiry: object, now: float) -> None:
    token = AccessToken(access_token="t", refresh_token="r", expires_at=expiry)  # type: ignore[arg-type]
    assert freshness(token, now, 60.0) is Freshness.EXPIRED
    assert decide(kind, token, now, 60.0) is not Act.USE


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
    """Refresh tokens always; access tokens only while unexpired."""
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


# -- Clock arithmetic at the edges -----------------------------------------------------


def _tok(**kw: object) -> AccessToken:
    return AccessToken(access_token="A", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("margin", "expected"),
    [
        (0, Success(0.0)),
        (86_400, Success(86_400.0)),
        (5, Success(5.0)),
        (0.5, Success(0.5)),
        (-0.001, None),
        (86_400.5, None),
        (float("nan"), None),
        (True, None),
        ("5", None),
    ],
)
def test_check_margin(margin: object, expected: object) -> None:
    """A Success of the margin as a float, or a refusal naming ``refresh_margin``."""
    got = check_margin(margin)
    if expected is None:
        refused(got, "refresh_margin")
    else:
        assert got == expected
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


def test_largest_expiry_is_usable() -> None:
    assert freshness(_tok(expires_at=2.0**53), 0.0, 60.0) is Freshness.FRESH


def test_fresh_until_needs_an_access_token() -> None:
    only_refresh = AccessToken(refresh_token="R", expires_at=T0 + 3600, expires_in=3600)
    for kind in AuthKind:
        assert fresh_until(kind, only_refresh, 60.0) is None


# -- Wording: the one test that pins this module's texts ---------------------------------


def test_refusal_wording() -> None:
    """Every refusal and failure text of this module, once; the other tests check the
    field or the error's type and kind."""
    expired = _tok(expires_at=T0 - 1)
    expired_down = _tok(expires_at=T0 - 1, restricted_to=(RestrictedTo("item_preview"),))

    def failed_with(kind: AuthKind, token: AccessToken) -> str:
        _, act = step(Machine(kind), Wanted(Success(token), T0)).unwrap()
        assert isinstance(act, Fail)
        return act.error.message()

    started, fetch = step(Machine(AuthKind.JWT), Wanted(Success(None), T0)).unwrap()
    _, dead = step(started, Succeeded(fetch.ticket, expired, T0)).unwrap()  # type: ignore[union-attr]
    assert dead == Fail(malformed("the new token was already expired when it arrived"))
    cases = [
        (
            check_margin(-1).failure().message(),
            "refresh_margin: must be between 0 and 86400 seconds",
        ),
        (check_margin("5").failure().message(), "refresh_margin: must be a number of seconds"),
        (
            failed_with(AuthKind.DEVELOPER, expired),
            "re-authentication required: developer tokens cannot be refreshed; create a new one",
        ),
        (
            failed_with(AuthKind.DEVELOPER, expired_down),
            "re-authentication required: downscoped tokens cannot be refreshed; "
            "downscope a fresh parent token",
        ),
        (
            failed_with(AuthKind.OAUTH, expired_down),
            "re-authentication required: no valid OAuth token or refresh token; "
            "the user must authorize again",
        ),
    ]
    machine, act = step(
        Machine(AuthKind.OAUTH), RevokeWanted(Success(_tok(refresh_token="R")), T0)
    ).unwrap()
    while isinstance(act, RevokeAt):
        machine, act = step(machine, RevokeDone()).unwrap()
    assert isinstance(act, Clear)
    _, act = step(machine, ClearFailed(StorageFailure(StorageFailureKind.CLEAR, "EACCES"))).unwrap()
    assert isinstance(act, Fail)
    cases.append((act.error.message(), "token storage failure (clear): revoked at Box, but EACCES"))
    _, interrupted = step(started, Abandoned()).unwrap()
    cases.append(
        (interrupted.error.message(), "re-authentication required: the call was interrupted")
    )  # type: ignore[union-attr]
    not_a_step = step(None, Wanted(Success(None), T0)).failure()  # type: ignore[arg-type]
    cases.append((not_a_step.event, "not a Machine and an event"))
    foreign = _tok(owner=Owner("other", "oauth_user", "1"))
    ours = Owner("client", "oauth_user", None)
    _, exchange = step(
        Machine(AuthKind.OAUTH, owner=ours), SignInWanted(Success(foreign), T0)
    ).unwrap()
    cases.append((exchange.notes[0].text, "signing in over another identity's stored token"))  # type: ignore[union-attr]
    for text, expected in cases:
        assert text == expected
