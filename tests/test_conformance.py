"""Conformance corpus: every token, error and header example Box
documents, as a literal with its public source, parsed by the core with the expected outcome.

Sources are Box's OpenAPI spec (https://github.com/box/box-openapi, ``openapi.json``,
rendered at https://developer.box.com/reference/), Box's developer guides
(https://github.com/box/developer.box.com, rendered at https://developer.box.com/guides/),
and wire responses quoted in the issue trackers of Box's SDKs and of projects using Box.

Where a document and our parser disagree, the document wins unless a reason is written
next to the case (marked DEVIATION).
"""

from __future__ import annotations

import inspect
import json
from typing import Any, NamedTuple

import pytest
from returns.result import Failure, Success

from boxauth.access_token import AccessToken, RestrictedTo, check_token, check_token_text
from boxauth.authorize import AuthorizeRequest, Redirect, authorize_url, parse_redirect_query
from boxauth.errors import ErrorKind
from boxauth.exceptions import BoxAPIError, BoxRateLimitedError, BoxServerError, exception_for
from boxauth.responses import (
    parse_empty_success,
    parse_error,
    parse_http_date,
    parse_retry_after,
    parse_token_response,
    parse_www_authenticate,
    refresh_may_help,
    request_id,
    response,
    salvage_refresh_token,
    server_skew,
)
from boxauth.urls import BaseUrls

T0 = 1_521_474_209.0  # Mon, 19 Mar 2018 15:43:29 GMT: the Date of box-node-sdk issue 157
URN = "urn:ietf:params:oauth:token-type:access_token"
JSON = [("Content-Type", "application/json")]

# -- Tokens as Box shows them -------------------------------------------------------

DOCUMENTED_TOKENS = [
    # OAS components.schemas.AccessToken.properties.access_token.example (and refresh_token)
    # https://developer.box.com/reference/resources/access-token/
    "c3FIOG9vSGV4VHo4QzAyg5T1JvNnJoZ3ExaVNyQWw6WjRsanRKZG5lQk9qUE1BVQ",
    # https://developer.box.com/guides/authentication/tokens/access-tokens/ (JWT/CCG example)
    "DkXZmsjUKizvL2z0WiaLvMBeQ756XCGGf",
    # https://developer.box.com/guides/authentication/tokens/downscope/ (downscoped: "1!")
    "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE....",
    # https://developer.box.com/guides/embed/box-embed/ (expiring_embed_link token)
    "1!rFppcinUwwwDmB4G60nah7z...",
    # https://developer.box.com/guides/skills/handle/payload/ (Skills read token)
    "Z3ExaVNyQWw6WjRsanRKZG5lQk9qUE1BVQc3FIOG9vSGV4VHo4QzAyg5T1JvNnJo",
    # https://developer.box.com/guides/authentication/oauth2/without-sdk/ step 3 (a code)
    "1234567",
]


@pytest.mark.parametrize("token", DOCUMENTED_TOKENS)
def test_every_documented_token_is_accepted(token: str) -> None:
    assert check_token_text(token, "access_token") == Success(token)
    assert isinstance(check_token(AccessToken(access_token=token, refresh_token=token)), Success)


# -- Success bodies of POST /oauth2/token ---------------------------------------------

TOKEN_BODIES: list[tuple[str, dict[str, Any], AccessToken]] = [
    (
        # OAS AccessToken: every property's example value.
        # https://developer.box.com/reference/resources/access-token/
        "oas_access_token_examples",
        {
            "access_token": DOCUMENTED_TOKENS[0],
            "expires_in": 3600,
            "token_type": "bearer",
            "restricted_to": [],
            "refresh_token": DOCUMENTED_TOKENS[0],
            "issued_token_type": URN,
        },
        AccessToken(
            access_token=DOCUMENTED_TOKENS[0],
            expires_in=3600,
            token_type="bearer",
            refresh_token=DOCUMENTED_TOKENS[0],
            issued_token_type=URN,
            expires_at=T0 + 3600,
        ),
    ),
    (
        # OAuth 2.0 (client-side) example: a pair, and issued_token_type on a token that
        # was not downscoped. https://developer.box.com/guides/authentication/tokens/access-tokens/
        "guide_oauth_pair",
        {
            "access_token": DOCUMENTED_TOKENS[0],
            "expires_in": 3600,
            "token_type": "bearer",
            "refresh_token": DOCUMENTED_TOKENS[0],
            "issued_token_type": URN,
        },
        AccessToken(
            access_token=DOCUMENTED_TOKENS[0],
            expires_in=3600,
            token_type="bearer",
            refresh_token=DOCUMENTED_TOKENS[0],
            issued_token_type=URN,
            expires_at=T0 + 3600,
        ),
    ),
    (
        # JWT / CCG example: no token_type, issued_token_type "bearer", restricted_to [].
        # https://developer.box.com/guides/authentication/tokens/access-tokens/
        "guide_server_auth",
        {
            "access_token": "DkXZmsjUKizvL2z0WiaLvMBeQ756XCGGf",
            "expires_in": 4123,
            "restricted_to": [],
            "issued_token_type": "bearer",
        },
        AccessToken(
            access_token="DkXZmsjUKizvL2z0WiaLvMBeQ756XCGGf",
            expires_in=4123,
            issued_token_type="bearer",
            expires_at=T0 + 4123,
        ),
    ),
    (
        # Downscoped token: "1!" prefix, restricted_to with a folder object, no refresh.
        # https://developer.box.com/guides/authentication/tokens/downscope/
        "guide_downscope",
        {
            "access_token": "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE....",
            "expires_in": 4175,
            "token_type": "bearer",
            "restricted_to": [
                {
                    "scope": "item_preview",
                    "object": {
                        "type": "folder",
                        "id": "1234567890",
                        "sequence_id": "0",
                        "etag": "0",
                        "name": "Test",
                    },
                }
            ],
            "issued_token_type": URN,
        },
        AccessToken(
            access_token="1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE....",
            expires_in=4175,
            token_type="bearer",
            restricted_to=(RestrictedTo("item_preview", "folder", "1234567890", "Test"),),
            issued_token_type=URN,
            expires_at=T0 + 4175,
        ),
    ),
    (
        # A file object with nested fields in restricted_to (the "..." item of the guide
        # left out). https://developer.box.com/guides/embed/box-embed/
        "guide_expiring_embed_link",
        {
            "access_token": "1!rFppcinUwwwDmB4G60nah7z...",
            "expires_in": 3646,
            "restricted_to": [
                {
                    "object": {
                        "etag": "1",
                        "file_version": {
                            "id": "34567",
                            "sha1": "1b8cda4e52cb7b58b354d8da0068908ecfa4bd00",
                            "type": "file_version",
                        },
                        "id": "12345",
                        "name": "Image.png",
                        "sequence_id": "1",
                        "sha1": "1b8cda4e52cb7b58b354d8da0068908ecfa4bd00",
                        "type": "file",
                    },
                    "scope": "base_preview",
                }
            ],
        },
        AccessToken(
            access_token="1!rFppcinUwwwDmB4G60nah7z...",
            expires_in=3646,
            restricted_to=(RestrictedTo("base_preview", "file", "12345", "Image.png"),),
            expires_at=T0 + 3646,
        ),
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "expected"), TOKEN_BODIES, ids=[name for name, _, _ in TOKEN_BODIES]
)
def test_documented_success_bodies_parse(
    name: str, body: dict[str, Any], expected: AccessToken
) -> None:
    # Observed headers on /oauth2/token: Date, Content-Type, Cache-Control: no-store,
    # Strict-Transport-Security (https://github.com/box/box-python-sdk/issues/587,
    # https://github.com/box/box-node-sdk/issues/138).
    headers = [
        ("Date", "Mon, 19 Mar 2018 15:43:29 GMT"),
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-store"),
        ("Strict-Transport-Security", "max-age=31536000"),
    ]
    resp = response(200, headers, json.dumps(body).encode())
    got = parse_token_response(resp, sent_at=T0, received_at=T0 + 1)
    assert got == Success(expected), name
    assert check_token(got.unwrap()) == got


def test_a_skills_payload_token_lifetime_is_refused_as_absurd() -> None:
    # https://developer.box.com/guides/skills/handle/payload/ shows "expires_in": 1540924150
    # in a Skills webhook payload. DEVIATION: that is a Unix time (2018-10-30), not a
    # lifetime; as a lifetime it is 48 years. Those tokens come in a webhook body, never
    # from /oauth2/token, and an absurd expires_in is refused by design (README "Tokens":
    # at most 366 days).
    # The refresh token (none here) would still be salvaged.
    body = {
        "access_token": DOCUMENTED_TOKENS[4],
        "expires_in": 1540924150,
        "token_type": "bearer",
    }
    got = parse_token_response(
        response(200, JSON, json.dumps(body).encode()), sent_at=T0, received_at=T0
    )
    assert isinstance(got, Failure)
    assert got.failure().description == "'expires_in' is out of range (1 second to 366 days)"
    assert salvage_refresh_token(response(200, JSON, json.dumps(body).encode())) is None


def test_revoke_success_is_an_empty_200() -> None:
    # OAS /oauth2/revoke 200: "Returns an empty response when the token was successfully
    # revoked." https://developer.box.com/reference/post-oauth2-revoke/
    assert parse_empty_success(response(200, [], b""), T0) == Success(None)


# -- Error bodies ------------------------------------------------------------------------


class ErrorCase(NamedTuple):
    name: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    kind: ErrorKind
    error: str
    description: str
    clock_skew: bool


ERRORS = [
    ErrorCase(*case)
    for case in [
        (
            # OAS components.schemas.OAuth2Error example.
            # https://developer.box.com/reference/resources/oauth2-error/
            "oas_oauth2_error",
            400,
            JSON,
            b'{"error": "invalid_client", '
            b'"error_description": "The client credentials are not valid"}',
            ErrorKind.INVALID_CLIENT,
            "invalid_client",
            "The client credentials are not valid",
            False,
        ),
        (
            # https://github.com/scribejava/scribejava/issues/842 (credentials in a Basic header)
            "observed_invalid_client",
            400,
            JSON,
            b'{"error":"invalid_client","error_description":"The client credentials are invalid"}',
            ErrorKind.INVALID_CLIENT,
            "invalid_client",
            "The client credentials are invalid",
            False,
        ),
        (
            # https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/
            # (and https://github.com/box/box-windows-sdk-v2/issues/265 in the wire spelling)
            "guide_exp_in_the_past",
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Current date time must be before the '
            b"expiration date time listed in the 'exp' claim.\"}",
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Current date time must be before the expiration date time listed in the 'exp' claim.",
            True,
        ),
        (
            "observed_exp_in_the_past",  # https://github.com/box/box-windows-sdk-v2/issues/265
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Current date/time MUST be before the '
            b"expiration date/time listed in the 'exp' claim\"}",
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Current date/time MUST be before the expiration date/time listed in the 'exp' claim",
            True,
        ),
        (
            "observed_exp_too_far",  # https://github.com/cburnette/boxr/issues/69
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Please check the \'exp\' claim. The '
            b"'exp' value exceeds the maximum value of 60 seconds beyond the issue time.\"}",
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Please check the 'exp' claim. The 'exp' value exceeds the maximum value of 60 "
            "seconds beyond the issue time.",
            True,
        ),
        (
            "observed_exp_not_integer",  # https://github.com/box/box-node-sdk/issues/713
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Please check the \'exp\' claim. '
            b'Should be an integer"}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Please check the 'exp' claim. Should be an integer",
            True,
        ),
        (
            "observed_exp_short",  # https://github.com/box/box-java-sdk/issues/404
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Please check the \'exp\' claim."}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Please check the 'exp' claim.",
            True,
        ),
        (
            "observed_jti_reused",  # https://github.com/box/box-node-sdk/issues/403
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Please check the \'jti\' claim. '
            b"A unique 'jti' value is required.\"}",
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Please check the 'jti' claim. A unique 'jti' value is required.",
            True,
        ),
        (
            "observed_jti_short",  # https://github.com/box/box-node-sdk/issues/138
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Please check the \'jti\' claim."}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Please check the 'jti' claim.",
            True,
        ),
        (
            "observed_bad_sub",  # https://github.com/box/box-python-sdk/issues/868
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Please check the \'sub\' claim. '
            b"The 'sub' specified is invalid.\"}",
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Please check the 'sub' claim. The 'sub' specified is invalid.",
            False,  # about 'sub': a new clock does not help
        ),
        (
            "observed_algorithm",  # https://github.com/box/box-windows-sdk-v2/issues/880
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Algorithm not allowed"}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Algorithm not allowed",
            False,
        ),
        (
            # https://developer.box.com/guides/authentication/client-credentials/
            # ("Grant credentials are invalid [400 Bad Request] invalid_grant - ...")
            "guide_ccg_grant_credentials",
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Grant credentials are invalid"}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Grant credentials are invalid",
            False,
        ),
        (
            "observed_invalid_refresh_token",  # https://github.com/box/box-python-sdk/issues/587
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Invalid refresh token"}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Invalid refresh token",
            False,
        ),
        (
            "observed_refresh_expired",  # https://github.com/box/box-java-sdk/issues/165
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"Refresh token has expired"}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "Refresh token has expired",
            False,
        ),
        (
            "observed_code_expired",  # https://github.com/box/box-java-sdk/issues/246
            400,
            JSON,
            b'{"error":"invalid_grant","error_description":"The authorization code has expired"}',
            ErrorKind.INVALID_GRANT,
            "invalid_grant",
            "The authorization code has expired",
            False,
        ),
        (
            # https://github.com/box/boxcli/issues/154 and
            # https://support.box.com/hc/en-us/community/posts/360051751094
            "observed_app_not_authorized",
            400,
            JSON,
            b'{"error":"unauthorized_client","error_description":"This app is not authorized by '
            b'the enterprise admin"}',
            ErrorKind.UNAUTHORIZED_CLIENT,
            "unauthorized_client",
            "This app is not authorized by the enterprise admin",
            False,
        ),
        (
            "support_grant_type_unauthorized",  # https://support.box.com/hc/en-us/articles/360044193033
            400,
            JSON,
            b'{"error":"unauthorized_client","error_description":"The grant type is unauthorized '
            b'for this client_id"}',
            ErrorKind.UNAUTHORIZED_CLIENT,
            "unauthorized_client",
            "The grant type is unauthorized for this client_id",
            False,
        ),
        (
            "observed_subject_type_unauthorized",  # support.box.com community post 7814447391763
            400,
            JSON,
            b'{"error":"unauthorized_client","error_description":"The \\"box_subject_type\\" '
            b'value is unauthorized for this client_id"}',
            ErrorKind.UNAUTHORIZED_CLIENT,
            "unauthorized_client",
            'The "box_subject_type" value is unauthorized for this client_id',
            False,
        ),
        (
            "observed_grant_type_missing",  # https://github.com/maengkom/boxapi/issues/25
            400,
            JSON,
            b'{"error":"invalid_request","error_description":"Invalid grant_type parameter or '
            b'parameter missing"}',
            ErrorKind.INVALID_REQUEST,
            "invalid_request",
            "Invalid grant_type parameter or parameter missing",
            False,
        ),
        (
            "observed_invalid_resource",  # https://github.com/box/box-node-sdk/issues/168
            400,
            JSON,
            b'{"error":"invalid_resource","error_description":"The target resource is invalid."}',
            ErrorKind.INVALID_RESOURCE,
            "invalid_resource",
            "The target resource is invalid.",
            False,
        ),
        (
            # https://developer.box.com/guides/api-calls/permissions-and-errors/rate-limits/
            # ClientError body of a 429, with the retry-after header the guide describes.
            "guide_rate_limited",
            429,
            [*JSON, ("retry-after", "5")],
            b'{"type": "error", "status": 429, "code": "rate_limit_exceeded", "help_url": '
            b'"https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/", '
            b'"message": "Request rate limit exceeded, please try again later", '
            b'"request_id": "abcdef123456"}',
            ErrorKind.RATE_LIMITED,
            "rate_limit_exceeded",
            "Request rate limit exceeded, please try again later",
            False,
        ),
        (
            # OAS components.schemas.ClientError: every property's example value.
            # https://developer.box.com/reference/resources/client-error/
            "oas_client_error",
            400,
            JSON,
            b'{"type": "error", "status": 400, "code": "item_name_invalid", "message": '
            b'"Method Not Allowed", "context_info": {"message": "Something went wrong"}, '
            b'"help_url": "https://developer.box.com/guides/api-calls/permissions-and-errors/'
            b'common-errors/", "request_id": "abcdef123456"}',
            ErrorKind.UNRECOGNIZED,
            "item_name_invalid",
            "Method Not Allowed",
            False,
        ),
        (
            # https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/
            "guide_401_unauthorized",
            401,
            JSON,
            b'{"type": "error", "status": 401, "code": "unauthorized", "message": "Unauthorized"}',
            ErrorKind.INVALID_TOKEN,
            "unauthorized",
            "Unauthorized",
            False,
        ),
        (
            "guide_500",  # common-errors guide: internal_server_error / Internal Server Error
            500,
            JSON,
            b'{"type": "error", "status": 500, "code": "internal_server_error", '
            b'"message": "Internal Server Error"}',
            ErrorKind.SERVER_ERROR,
            "internal_server_error",
            "Internal Server Error",
            False,
        ),
        (
            "guide_502",  # common-errors guide: bad_gateway with an empty message
            502,
            JSON,
            b'{"type": "error", "status": 502, "code": "bad_gateway", "message": ""}',
            ErrorKind.SERVER_ERROR,
            "bad_gateway",
            "",
            False,
        ),
        (
            "guide_503",  # common-errors guide: unavailable, honour Retry-After if present
            503,
            [*JSON, ("Retry-After", "30")],
            b'{"type": "error", "status": 503, "code": "unavailable", "message": "Unavailable"}',
            ErrorKind.SERVER_ERROR,
            "unavailable",
            "Unavailable",
            False,
        ),
    ]
]


@pytest.mark.parametrize("case", ERRORS, ids=[case.name for case in ERRORS])
def test_documented_errors_parse(case: ErrorCase) -> None:
    resp = response(case.status, case.headers, case.body)
    refused = parse_error(resp, T0)
    assert (refused.kind, refused.status, refused.error, refused.description) == (
        case.kind,
        case.status,
        case.error,
        case.description,
    )
    assert refused.clock_skew is case.clock_skew
    # The same answer to a token request is the same refusal.
    assert parse_token_response(resp, sent_at=T0, received_at=T0) == Failure(refused)
    exc = exception_for(refused)
    assert isinstance(exc, BoxAPIError)
    assert exc.response_info.status_code == case.status
    assert exc.response_info.code == case.error
    if case.kind is ErrorKind.RATE_LIMITED:
        assert type(exc) is BoxRateLimitedError and exc.retry_after == 5.0
    if case.status == 503:
        assert type(exc) is BoxServerError and exc.retry_after == 30.0


def _case(name: str) -> ErrorCase:
    return next(case for case in ERRORS if case.name == name)


def test_the_client_error_body_fields_reach_response_info() -> None:
    refused = parse_error(response(429, JSON, _case("guide_rate_limited").body), T0)
    info = exception_for(refused).response_info
    assert info.body == {
        "type": "error",
        "status": 429,
        "code": "rate_limit_exceeded",
        "message": "Request rate limit exceeded, please try again later",
        "request_id": "abcdef123456",
        "help_url": "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/",
    }
    assert info.request_id == "abcdef123456"
    assert info.help_url == (
        "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"
    )


# -- 401 from the API: the two observed shapes -------------------------------------------

# https://github.com/box/box-node-sdk/issues/157 (2018): empty body, these headers.
NODE_157_HEADERS = [
    ("Strict-Transport-Security", "max-age=31536000"),
    (
        "WWW-Authenticate",
        'Bearer realm="Service", error="invalid_token", '
        'error_description="The access token provided is invalid."',
    ),
    ("Vary", "Accept-Encoding"),
    ("BOX-REQUEST-ID", "0g81ogj572gd15m289a3m0ovs66"),
    ("Date", "Mon, 19 Mar 2018 15:43:29 GMT"),
    ("Age", "1"),
    ("Transfer-Encoding", "chunked"),
    ("Connection", "keep-alive"),
]


def test_the_401_with_an_empty_body_and_a_challenge() -> None:
    resp = response(401, NODE_157_HEADERS, b"")
    challenge = parse_www_authenticate(resp.header("www-authenticate")).unwrap()
    assert challenge.scheme == "bearer"
    assert challenge.params == (
        ("realm", "Service"),
        ("error", "invalid_token"),
        ("error_description", "The access token provided is invalid."),
    )
    assert request_id(resp) == "0g81ogj572gd15m289a3m0ovs66"
    assert server_skew(resp, T0) == 0.0
    assert refresh_may_help(resp) is True
    refused = parse_error(resp, T0)
    assert (refused.kind, refused.error, refused.description) == (
        ErrorKind.INVALID_TOKEN,
        "invalid_token",
        "The access token provided is invalid.",
    )
    assert str(exception_for(refused)) == (
        "the access token was refused (expired, revoked or not a Box token); Box answered "
        "401 invalid_token: The access token provided is invalid. "
        "[box-request-id 0g81ogj572gd15m289a3m0ovs66]"
    )


def test_the_401_with_a_client_error_body_and_a_bare_challenge() -> None:
    # https://support.box.com/hc/en-us/community/posts/4406906181523 (2021): the app is not
    # authorized in the enterprise; a refresh does not help.
    resp = response(
        401,
        [("Www-Authenticate", 'Bearer realm="Service"'), *JSON],
        b'{"type":"error","status":401,"code":"unauthorized","message":"Unauthorized - '
        b'Cannot authorize with this service","request_id":"1234abcd"}',
    )
    challenge = parse_www_authenticate(resp.header("www-authenticate")).unwrap()
    assert (challenge.scheme, challenge.params) == ("bearer", (("realm", "Service"),))
    assert refresh_may_help(resp) is False
    refused = parse_error(resp, T0)
    assert (refused.kind, refused.error) == (ErrorKind.INVALID_TOKEN, "unauthorized")
    assert refused.description == "Unauthorized - Cannot authorize with this service"


# -- Headers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 19 Mar 2018 15:43:29 GMT", T0),  # box-node-sdk issue 157 (IMF-fixdate)
        # RFC 9110 §5.6.7's own examples of the three forms (same instant).
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784111777.0),
        ("Sun Nov  6 08:49:37 1994", 784111777.0),
    ],
)
def test_documented_dates_parse(text: str, expected: float) -> None:
    assert parse_http_date(text) == expected


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        # rate-limits guide: "retry-after" gives "the number of seconds to wait".
        ("5", 5.0),
        ("0", 0.0),
        # RFC 9110 §10.2.3: an HTTP-date is allowed too.
        ("Mon, 19 Mar 2018 15:44:29 GMT", 60.0),
    ],
)
def test_documented_retry_after_forms_parse(value: str, seconds: float) -> None:
    assert parse_retry_after(value, T0) == seconds


# -- The authorize URL and the redirect ------------------------------------------------


def test_the_documented_redirect_parses() -> None:
    # https://developer.box.com/guides/authentication/oauth2/without-sdk/ step 3.
    query = "https://your.domain.com/path?code=1234567".partition("?")[2]
    assert parse_redirect_query(query) == Success(Redirect(code="1234567"))
    # DEVIATION: the guide's redirect has no state, and code_from_redirect would refuse it
    # (StateMismatch "is missing"). We always send a state and Box echoes it (OAS
    # get_authorize "state"), so a redirect without one is not one we caused: RFC 6749
    # §10.12's CSRF defence.


def test_the_oas_authorize_example() -> None:
    # OAS get_authorize parameter examples: client_id ly1nj6n11vionaie65emwzk575hnnmrk,
    # redirect_uri http://example.com/auth/callback, state my_state, scope admin_readwrite.
    # https://developer.box.com/reference/get-authorize/
    oas = AuthorizeRequest(
        client_id="ly1nj6n11vionaie65emwzk575hnnmrk",
        redirect_uri="http://example.com/auth/callback",
        state="my_state",
        scopes=("admin_readwrite",),
    )
    # DEVIATION 1: a state under 16 characters is refused: guessable, and it is the only
    # CSRF defence (RFC 6749 §10.10, §10.12). README "Migrating" lists it.
    assert authorize_url(BaseUrls(), oas).failure().field == "state"
    # DEVIATION 2: plain http to a non-loopback host is refused: the code would travel in
    # the clear. Box's setup guide allows http only for localhost
    # (https://developer.box.com/guides/authentication/oauth2/oauth2-setup/).
    longer = AuthorizeRequest(
        "ly1nj6n11vionaie65emwzk575hnnmrk", oas.redirect_uri, "my_state-0123456789", oas.scopes
    )
    assert authorize_url(BaseUrls(), longer).failure().field == "redirect_uri"
    https = AuthorizeRequest(
        "ly1nj6n11vionaie65emwzk575hnnmrk",
        "https://example.com/auth/callback",
        "my_state-0123456789",
        oas.scopes,
    )
    assert authorize_url(BaseUrls(), https) == Success(
        "https://account.box.com/api/oauth2/authorize?response_type=code"
        "&client_id=ly1nj6n11vionaie65emwzk575hnnmrk"
        "&redirect_uri=https%3A%2F%2Fexample.com%2Fauth%2Fcallback"
        "&state=my_state-0123456789&scope=admin_readwrite"
    )


# -- A Box-shaped token travels safely: developer token auth, token file, the wire --------


def test_a_downscoped_token_works_as_a_developer_token_on_the_wire(tmp_path: Any) -> None:
    """Box's downscoped tokens begin with "1!" (developer.box.com/guides/authentication/
    tokens/downscope/): BoxDeveloperTokenAuth(token="1!..."), a token file, and the Authorization
    header a loopback server receives, byte for byte."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from boxauth import BoxDeveloperTokenAuth, FileTokenStorage, Urllib3Transport
    from boxauth.wire import HttpRequest

    token = DOCUMENTED_TOKENS[2]  # "1!DgsZ6V9kMWZu2StrxwQDF5BudQNen-xUmU2cfcVKArE...."
    auth = BoxDeveloperTokenAuth(token=token)
    header = auth.retrieve_authorization_header()
    assert header == f"Bearer {token}"

    storage = FileTokenStorage(filename=str(tmp_path / "tok.json"))
    storage.store(AccessToken(access_token=token, expires_in=4175, expires_at=T0 + 4175))
    assert storage.get() == AccessToken(access_token=token, expires_in=4175, expires_at=T0 + 4175)

    received: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/2.0/users/me"
        transport = Urllib3Transport()
        # boxauth.wire.Transport's send(request, *, timeout=) shape; the older keyword
        # shape is accepted too.
        if "request" in inspect.signature(transport.send).parameters:
            request = HttpRequest("GET", url, (("Authorization", header),))
            sent = transport.send(request, timeout=10.0)  # type: ignore[call-arg, arg-type]
        else:
            sent = transport.send(  # type: ignore[call-arg]
                "GET", url, headers={"Authorization": header}, remaining=10.0
            )
        assert sent.unwrap().status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert received == [f"Bearer {token}"]
