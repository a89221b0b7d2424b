"""grants: what to send to get (or revoke) a token, as values.

A plan names the grant and its credentials; ``prepare`` gives the request of one
attempt: a ready form for every grant but JWT, whose claims must be signed first
(``SignFirst``, the bytes of RFC 7515 §5.1), then ``signed`` assembles the request.
Each attempt is prepared anew, so a JWT retry carries a new assertion with a new
``jti`` (Box refuses a replayed one: developer.box.com/guides/authentication/jwt/
without-sdk/). Every request goes out as a form POST
(developer.box.com/reference/post-oauth2-token/).
"""

from __future__ import annotations

import base64
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result, Success
from strategies import ccg_settings_with, jwt_settings_with, oauth_settings_with, refused

from boxauth.downscope import DownscopeRequest
from boxauth.errors import AuthError
from boxauth.grants import (
    FORM_HEADERS,
    CcgGrant,
    CodeGrant,
    ExchangeGrant,
    JwtGrant,
    Ready,
    RefreshGrant,
    RevokeCall,
    SignFirst,
    grant_of,
    http_request,
    prepare,
    signed,
)
from boxauth.jwt import Assertion, build_claims, signing_input
from boxauth.token_requests import (
    Grant,
    authorization_code_request,
    body,
    client_credentials_request,
    jwt_request,
    refresh_request,
    revoke_request,
    token_exchange_request,
)
from boxauth.urls import BaseUrls

URLS = BaseUrls()
JWT = jwt_settings_with()
OAUTH = oauth_settings_with()
DOWN = DownscopeRequest(("item_preview",))
T0 = 1_700_000_000.0
JTI = "j" * 16
PLANS: list[tuple[Any, Grant]] = [
    (JwtGrant(URLS, JWT), Grant.JWT),
    (CcgGrant(URLS, ccg_settings_with()), Grant.CLIENT_CREDENTIALS),
    (RefreshGrant(URLS, OAUTH, "RT"), Grant.REFRESH_TOKEN),
    (CodeGrant(URLS, OAUTH, None, "CODE"), Grant.AUTHORIZATION_CODE),
    (ExchangeGrant(URLS, DOWN, "AT"), Grant.TOKEN_EXCHANGE),
    (RevokeCall(URLS, "cid", "SEC", "RT"), Grant.REVOKE),
]
jtis = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=16, max_size=64)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize(("plan", "grant"), PLANS)
def test_each_plan_names_its_grant(plan: Any, grant: Grant) -> None:
    assert grant_of(plan) is grant


def test_every_plan_but_jwt_is_ready_with_its_builders_request() -> None:
    ccg = ccg_settings_with()
    expected: list[tuple[Any, Any]] = [
        (CcgGrant(URLS, ccg), Success(client_credentials_request(URLS, ccg))),
        (RefreshGrant(URLS, OAUTH, "RT"), refresh_request(URLS, OAUTH, "RT")),
        (
            CodeGrant(URLS, OAUTH, "https://app.example/cb", "CODE"),
            authorization_code_request(URLS, OAUTH, "CODE", "https://app.example/cb"),
        ),
        (ExchangeGrant(URLS, DOWN, "AT"), token_exchange_request(URLS, "AT", DOWN)),
        (RevokeCall(URLS, "cid", "SEC", "RT"), revoke_request(URLS, "cid", "SEC", "RT")),
    ]
    for plan, built in expected:
        assert prepare(plan, now=T0, skew=0.0, jti=JTI) == Success(Ready(built.unwrap()))


@given(st.floats(0, 1e10), st.floats(-86_400, 86_400), jtis)
def test_a_jwt_plan_asks_for_its_claims_to_be_signed(now: float, skew: float, jti: str) -> None:
    prepared = prepare(JwtGrant(URLS, JWT), now=now, skew=skew, jti=jti).unwrap()
    header, claims = build_claims(JWT, now=now, jti=jti, skew=skew).unwrap()
    assert prepared == SignFirst(header, claims, signing_input(header, claims))
    assert claims.iat == math.floor(now + skew)


@given(jtis, jtis)
def test_each_attempt_signs_a_new_assertion(one: str, two: str) -> None:
    first = prepare(JwtGrant(URLS, JWT), now=T0, skew=0.0, jti=one).unwrap()
    second = prepare(JwtGrant(URLS, JWT), now=T0, skew=0.0, jti=two).unwrap()
    assert isinstance(first, SignFirst) and isinstance(second, SignFirst)
    assert (first.message == second.message) is (one == two)


def test_bad_credentials_are_refused_before_any_request() -> None:
    refused(prepare(JwtGrant(URLS, JWT), now=T0, skew=0.0, jti="short"), "jti")
    refused(prepare(RefreshGrant(URLS, OAUTH, ""), now=T0, skew=0.0, jti=JTI), "refresh_token")
    refused(
        prepare(CodeGrant(URLS, OAUTH, None, ""), now=T0, skew=0.0, jti=JTI), "authorization_code"
    )
    refused(prepare(ExchangeGrant(URLS, DOWN, ""), now=T0, skew=0.0, jti=JTI), "subject_token")
    refused(prepare(RevokeCall(URLS, "", "SEC", "RT"), now=T0, skew=0.0, jti=JTI), "client_id")
    refused(prepare("a plan", now=T0, skew=0.0, jti=JTI), "plan")  # type: ignore[arg-type]


@given(st.binary(min_size=1, max_size=64))
def test_signed_assembles_the_jwt_request_around_the_signature(signature: bytes) -> None:
    plan = JwtGrant(URLS, JWT)
    pending = prepare(plan, now=T0, skew=0.0, jti=JTI).unwrap()
    assert isinstance(pending, SignFirst)
    request = signed(plan, pending, signature).unwrap()
    fields = dict(request.fields)
    head_body, _, sig = fields["assertion"].rpartition(".")
    assert head_body.encode("ascii") == pending.message
    assert _unb64(sig) == signature
    assertion = Assertion(pending.claims.jti, pending.claims.exp, fields["assertion"])
    assert request == jwt_request(URLS, JWT.client_id, JWT.client_secret, assertion)


def test_signed_refuses_what_is_not_a_signed_jwt_plan() -> None:
    plan = JwtGrant(URLS, JWT)
    pending = prepare(plan, now=T0, skew=0.0, jti=JTI).unwrap()
    assert isinstance(pending, SignFirst)
    refused(signed(plan, pending, b""), "signer")
    refused(signed(plan, pending, "sig"), "signer")
    refused(signed(RefreshGrant(URLS, OAUTH, "RT"), pending, b"s"), "plan")  # type: ignore[arg-type]
    refused(signed(plan, Ready(revoke_request(URLS, "c", "s", "t").unwrap()), b"s"), "plan")  # type: ignore[arg-type]
    broken = SignFirst(pending.header, "not claims", b"m")  # type: ignore[arg-type]
    refused(signed(plan, broken, b"s"), "claims")


@pytest.mark.parametrize(("plan", "grant"), PLANS[1:])
def test_every_request_goes_out_as_a_form_post(plan: Any, grant: Grant) -> None:
    ready = prepare(plan, now=T0, skew=0.0, jti=JTI).unwrap()
    assert isinstance(ready, Ready)
    sent = http_request(ready.request)
    assert (sent.method, sent.url, sent.body) == ("POST", ready.request.url, body(ready.request))
    assert (
        sent.headers
        == FORM_HEADERS
        == (
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Accept", "application/json"),
        )
    )


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    plan = JwtGrant(URLS, JWT)
    pending = prepare(plan, now=T0, skew=0.0, jti=JTI).unwrap()
    cases: list[tuple[Result[Any, AuthError], str]] = [
        (prepare("a plan", now=T0, skew=0.0, jti=JTI), "plan: is not a token request plan"),  # type: ignore[arg-type]
        (
            signed(RefreshGrant(URLS, OAUTH, "RT"), pending, b"s"),  # type: ignore[arg-type]
            "plan: only a JWT grant's prepared request is signed",
        ),
        (signed(plan, pending, b""), "signer: returned no signature"),  # type: ignore[arg-type]
    ]
    for result, message in cases:
        assert result.failure().message() == message
