"""attempts: one token or revoke request carried to its answer (attempts, waits,
re-signing), decided step by step by ``boxauth.retry``'s rules.

A JWT refused for its 'exp' or 'jti' claim is re-signed once on Box's clock, taken
from the answer's Date header (developer.box.com/guides/authentication/jwt/
without-sdk/). A 200 to a refresh that carries a usable refresh token but is
otherwise unusable is salvaged: Box has spent the old refresh token, so the new one
must be kept.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import ccg_settings_with, jwt_settings_with, oauth_settings_with

from boxauth.access_token import AccessToken
from boxauth.attempts import (
    Again,
    Attempts,
    Expect,
    GaveUp,
    GotNothing,
    GotToken,
    Salvage,
    Wait,
    after,
    begin,
)
from boxauth.downscope import DownscopeRequest
from boxauth.errors import AuthError, ErrorKind, TransportFailure, TransportFailureKind
from boxauth.grants import CcgGrant, CodeGrant, ExchangeGrant, JwtGrant, RefreshGrant, RevokeCall
from boxauth.responses import parse_error, parse_token_response
from boxauth.retry import GiveUp, RetryPolicy, next_step
from boxauth.token_requests import Grant
from boxauth.urls import BaseUrls
from boxauth.wire import HttpResponse

URLS = BaseUrls()
POLICY = RetryPolicy()
T0 = 1_700_000_000.0
DATE = "Tue, 14 Nov 2023 22:13:20 GMT"  # == T0
TOKEN_BODY = b'{"access_token": "AT", "expires_in": 3600, "refresh_token": "RT2"}'
PLANS: list[tuple[Any, Grant, Expect]] = [
    (JwtGrant(URLS, jwt_settings_with()), Grant.JWT, Expect.TOKEN),
    (CcgGrant(URLS, ccg_settings_with()), Grant.CLIENT_CREDENTIALS, Expect.TOKEN),
    (RefreshGrant(URLS, oauth_settings_with(), "RT"), Grant.REFRESH_TOKEN, Expect.TOKEN),
    (CodeGrant(URLS, oauth_settings_with(), None, "C"), Grant.AUTHORIZATION_CODE, Expect.TOKEN),
    (
        ExchangeGrant(URLS, DownscopeRequest(("item_preview",)), "AT"),
        Grant.TOKEN_EXCHANGE,
        Expect.TOKEN,
    ),
    (RevokeCall(URLS, "cid", "SEC", "RT"), Grant.REVOKE, Expect.NOTHING),
]
SINGLE_USE = [Grant.REFRESH_TOKEN, Grant.AUTHORIZATION_CODE]
REUSABLE = [Grant.JWT, Grant.CLIENT_CREDENTIALS, Grant.TOKEN_EXCHANGE]


def _answer(status: int, body: bytes = b"", *headers: tuple[str, str]) -> Result[Any, AuthError]:
    return Success(HttpResponse(status, headers, body))


def _after(state: Attempts, outcome: Result[Any, AuthError], **kw: Any) -> tuple[Attempts, Any]:
    args: dict[str, Any] = {
        "policy": POLICY,
        "sent_at": T0,
        "received_at": T0 + 1,
        "left": 60.0,
        "jitter": 0.5,
        **kw,
    }
    return after(state, outcome, **args)


@pytest.mark.parametrize(("plan", "grant", "expect"), PLANS)
def test_begin_names_the_grant_and_what_answer_to_expect(
    plan: Any, grant: Grant, expect: Expect
) -> None:
    assert begin(plan) == Attempts(grant, expect)
    assert begin(plan, 5.0) == Attempts(grant, expect, skew=5.0)


@given(st.sampled_from(list(Grant)))
def test_a_token_answer_is_the_token_counted_from_when_it_was_sent(grant: Grant) -> None:
    resp = HttpResponse(200, (), TOKEN_BODY)
    state, got = _after(Attempts(grant, Expect.TOKEN), Success(resp))
    assert state.attempt == 1
    expected = parse_token_response(resp, sent_at=T0, received_at=T0 + 1).unwrap()
    assert got == GotToken(expected)
    assert expected.expires_at == T0 + 3600


def test_a_revoke_expects_an_empty_success() -> None:
    state = Attempts(Grant.REVOKE, Expect.NOTHING)
    assert _after(state, _answer(200))[1] == GotNothing()
    assert _after(state, _answer(204))[1] == GotNothing()
    refused = HttpResponse(400, (), b'{"error": "invalid_client"}')
    assert _after(state, Success(refused))[1] == GaveUp(parse_error(refused, T0 + 1))


UNUSABLE = b'{"access_token": "AT", "expires_in": "soon", "refresh_token": "RT2"}'


@pytest.mark.parametrize("grant", SINGLE_USE)
def test_an_unusable_200_to_a_single_use_grant_keeps_its_refresh_token(grant: Grant) -> None:
    resp = HttpResponse(200, (), UNUSABLE)
    _, got = _after(Attempts(grant, Expect.TOKEN), Success(resp))
    error = parse_token_response(resp, sent_at=T0, received_at=T0 + 1).failure()
    assert got == Salvage(AccessToken(refresh_token="RT2"), error)


@pytest.mark.parametrize("grant", REUSABLE)
def test_an_unusable_200_to_another_grant_is_given_up(grant: Grant) -> None:
    _, got = _after(Attempts(grant, Expect.TOKEN), _answer(200, UNUSABLE))
    assert isinstance(got, GaveUp)
    assert got.error.kind is ErrorKind.MALFORMED_RESPONSE


SKEWED = json.dumps(
    {"error": "invalid_grant", "error_description": "Please check the 'exp' claim."}
).encode()


@given(st.floats(-3600, 3600))
def test_a_jwt_refused_for_its_clock_is_signed_again_once_on_boxs_clock(offset: float) -> None:
    resp = Success(HttpResponse(400, (("Date", DATE),), SKEWED))
    received = T0 - offset
    state, got = _after(Attempts(Grant.JWT, Expect.TOKEN), resp, received_at=received)
    assert got == Again()
    skew = T0 - received  # Box's clock (the Date header) minus ours
    assert state == Attempts(Grant.JWT, Expect.TOKEN, attempt=1, resigned=True, skew=skew)
    state, again = _after(state, resp, received_at=received)
    assert isinstance(again, GaveUp)
    assert again.error.clock_skew
    assert state.attempt == 2


def test_only_a_jwt_with_a_date_header_is_signed_again() -> None:
    dated = Success(HttpResponse(400, (("Date", DATE),), SKEWED))
    undated = _answer(400, SKEWED)
    assert isinstance(_after(Attempts(Grant.JWT, Expect.TOKEN), undated)[1], GaveUp)
    assert isinstance(_after(Attempts(Grant.CLIENT_CREDENTIALS, Expect.TOKEN), dated)[1], GaveUp)


@given(
    st.sampled_from(list(Grant)),
    st.sampled_from([429, 500, 502, 503, 504, 400, 401]),
    st.integers(0, 6),
    st.floats(0, 1, exclude_max=True),
    st.floats(0, 120),
)
def test_a_refusal_waits_exactly_as_the_retry_policy_says(
    grant: Grant, status: int, done: int, jitter: float, left: float
) -> None:
    resp = HttpResponse(status, (), b"")
    state = Attempts(grant, Expect.TOKEN, attempt=done)
    new_state, got = _after(state, Success(resp), jitter=jitter, left=left)
    assert new_state.attempt == done + 1
    error = parse_error(resp, T0 + 1)
    decision = next_step(
        POLICY,
        attempt=done + 1,
        error=error,
        grant=grant,
        elapsed=0.0,
        deadline=left,
        jitter=jitter,
    )
    assert got == (GaveUp(error) if isinstance(decision, GiveUp) else Wait(decision.delay))


@given(st.sampled_from(list(Grant)), st.booleans(), st.integers(0, 6), st.floats(0, 120))
def test_a_network_failure_waits_as_the_policy_says_and_counts_the_attempts(
    grant: Grant, maybe_sent: bool, done: int, left: float
) -> None:
    lost = TransportFailure(TransportFailureKind.TIMEOUT, "slow", maybe_sent)
    state, got = _after(Attempts(grant, Expect.TOKEN, attempt=done), Failure(lost), left=left)
    decision = next_step(
        POLICY, attempt=done + 1, error=lost, grant=grant, elapsed=0.0, deadline=left, jitter=0.5
    )
    if not isinstance(decision, GiveUp):
        assert got == Wait(decision.delay)
        return
    assert isinstance(got, GaveUp) and isinstance(got.error, TransportFailure)
    assert (got.error.kind, got.error.maybe_sent) == (lost.kind, lost.maybe_sent)
    if state.attempt > 1:
        assert got.error.detail == f"slow ({state.attempt} attempts)"
    else:
        assert got.error == lost


@pytest.mark.parametrize("grant", SINGLE_USE)
def test_a_single_use_grant_that_may_have_arrived_is_never_sent_again(grant: Grant) -> None:
    lost = TransportFailure(TransportFailureKind.PROTOCOL, "cut", True)
    _, got = _after(Attempts(grant, Expect.TOKEN), Failure(lost), left=1e9)
    assert got == GaveUp(lost)
    _, got = _after(Attempts(grant, Expect.TOKEN), _answer(503), left=1e9)
    assert isinstance(got, GaveUp)
