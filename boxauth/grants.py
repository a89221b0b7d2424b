"""What to send to get (or revoke) a token, as values: no closures, no I/O.

An auth object turns its configuration into a ``Plan`` (which grant, with
which credentials) and asks ``prepare`` for the request of one attempt. Every
plan but one yields a ready ``TokenRequest``. A JWT plan yields ``SignFirst``:
the bytes to sign (RFC 7515 §5.1); the auth object's signer signs them and
``signed`` assembles the request. Each attempt is prepared anew, so a JWT
retry always carries a new assertion with a new ``jti`` (box_sdk_gen resends
the spent one: https://github.com/box/box-python-sdk-gen/issues/731).
"""

from __future__ import annotations

from dataclasses import dataclass

from returns.result import Failure, Result, Success

from .downscope import DownscopeRequest
from .errors import AuthError, InvalidInput
from .jwt import JWTClaims, JWTHeader, assemble, build_claims, signing_input
from .redaction import Redacted, secret_field
from .settings import CCGSettings, JWTSettings, OAuthSettings
from .token_requests import (
    Grant,
    TokenRequest,
    authorization_code_request,
    body,
    client_credentials_request,
    jwt_request,
    refresh_request,
    revoke_request,
    token_exchange_request,
)
from .urls import BaseUrls
from .wire import HttpRequest

FORM_HEADERS = (
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Accept", "application/json"),
)


@dataclass(frozen=True, slots=True)
class JwtGrant:
    """A new token by signed assertion (https://developer.box.com/guides/authentication/jwt/without-sdk/)."""

    urls: BaseUrls
    settings: JWTSettings


@dataclass(frozen=True, slots=True)
class CcgGrant:
    """A new token by client credentials (https://developer.box.com/guides/authentication/client-credentials/)."""

    urls: BaseUrls
    settings: CCGSettings


@dataclass(frozen=True, slots=True, repr=False)
class RefreshGrant(Redacted):
    """Spend a refresh token for a new pair (single use: never resent once it may have arrived)."""

    urls: BaseUrls
    settings: OAuthSettings
    refresh_token: str = secret_field()


@dataclass(frozen=True, slots=True, repr=False)
class CodeGrant(Redacted):
    """Exchange an authorization code (single use, valid 30 s)."""

    urls: BaseUrls
    settings: OAuthSettings
    redirect_uri: str | None
    code: str = secret_field()


@dataclass(frozen=True, slots=True, repr=False)
class ExchangeGrant(Redacted):
    """Downscope ``subject_token`` (https://developer.box.com/guides/authentication/tokens/downscope/)."""

    urls: BaseUrls
    downscope: DownscopeRequest
    subject_token: str = secret_field()


@dataclass(frozen=True, slots=True, repr=False)
class RevokeCall(Redacted):
    """Revoke one credential (https://developer.box.com/reference/post-oauth2-revoke/)."""

    urls: BaseUrls
    client_id: str
    client_secret: str = secret_field()
    credential: str = secret_field()


Plan = JwtGrant | CcgGrant | RefreshGrant | CodeGrant | ExchangeGrant | RevokeCall


@dataclass(frozen=True, slots=True)
class Ready:
    request: TokenRequest


@dataclass(frozen=True, slots=True)
class SignFirst:
    """Sign ``message`` with the app's key, then call ``signed``."""

    header: JWTHeader
    claims: JWTClaims
    message: bytes


def grant_of(plan: Plan) -> Grant:
    match plan:
        case JwtGrant():
            return Grant.JWT
        case CcgGrant():
            return Grant.CLIENT_CREDENTIALS
        case RefreshGrant():
            return Grant.REFRESH_TOKEN
        case CodeGrant():
            return Grant.AUTHORIZATION_CODE
        case ExchangeGrant():
            return Grant.TOKEN_EXCHANGE
        case RevokeCall():
            return Grant.REVOKE


def prepare(
    plan: Plan, *, now: float, skew: float, jti: str
) -> Result[Ready | SignFirst, AuthError]:
    """The request of one attempt. ``now`` + ``skew`` is Box's clock; ``jti`` a fresh id."""
    match plan:
        case JwtGrant(settings=settings):
            parts = build_claims(settings, now=now, jti=jti, skew=skew)
            if not isinstance(parts, Success):
                return Failure(parts.failure())
            header, claims = parts.unwrap()
            return Success(SignFirst(header, claims, signing_input(header, claims)))
        case CcgGrant(urls=urls, settings=settings):
            return Success(Ready(client_credentials_request(urls, settings)))
        case RefreshGrant(urls=urls, settings=settings, refresh_token=token):
            return _ready(refresh_request(urls, settings, token))
        case CodeGrant(urls=urls, settings=settings, code=code, redirect_uri=uri):
            return _ready(authorization_code_request(urls, settings, code, uri))
        case ExchangeGrant(urls=urls, downscope=wanted, subject_token=token):
            return _ready(token_exchange_request(urls, token, wanted))
        case RevokeCall(urls=urls, client_id=cid, client_secret=secret, credential=token):
            return _ready(revoke_request(urls, cid, secret, token))
    return Failure(InvalidInput("plan", "is not a token request plan"))


def _ready(built: Result[TokenRequest, InvalidInput]) -> Result[Ready | SignFirst, AuthError]:
    if not isinstance(built, Success):
        return Failure(built.failure())
    return Success(Ready(built.unwrap()))


def signed(
    plan: JwtGrant, pending: SignFirst, signature: object
) -> Result[TokenRequest, AuthError]:
    """The JWT grant request, once ``pending.message`` is signed."""
    if not isinstance(plan, JwtGrant) or not isinstance(pending, SignFirst):
        return Failure(InvalidInput("plan", "only a JWT grant's prepared request is signed"))
    if not isinstance(signature, bytes) or not signature:
        return Failure(InvalidInput("signer", "returned no signature"))
    assertion = assemble(pending.header, pending.claims, lambda _m: Success(signature))
    if not isinstance(assertion, Success):
        return Failure(assertion.failure())
    settings = plan.settings
    return Success(
        jwt_request(plan.urls, settings.client_id, settings.client_secret, assertion.unwrap())
    )


def http_request(request: TokenRequest) -> HttpRequest:
    """A token or revoke request as HTTP: a form POST (https://developer.box.com/reference/post-oauth2-token/)."""
    return HttpRequest("POST", request.url, FORM_HEADERS, body(request))
