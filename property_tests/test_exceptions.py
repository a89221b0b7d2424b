"""exceptions: ``exception_for`` maps each error value to its class, keeping the value;
box_sdk_gen's hierarchy, constructors and attributes (``BoxSDKError``, ``BoxAPIError``,
``request_info``, ``response_info``); texts that say what happened; no secret anywhere.
"""

from __future__ import annotations

import pickle
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boxauth.errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    StateMismatch,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
    malformed,
)
from boxauth.exceptions import (
    BoxAPIError,
    BoxAuthError,
    BoxConfigError,
    BoxMalformedResponseError,
    BoxNetworkError,
    BoxRateLimitedError,
    BoxReauthRequiredError,
    BoxRefusedError,
    BoxSDKError,
    BoxServerError,
    BoxStateMismatchError,
    BoxStorageError,
    RequestInfo,
    ResponseInfo,
    exception_for,
)
from boxauth.redaction import REDACTED
from boxauth.responses import parse_error, response
from boxauth.wire import HttpRequest

T0 = 1_700_000_000.0
SECRET = "QXZJKVWQXZJKVWQXZJKVW"
REFUSED = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "d", "rid", 3.0)
CASES: list[tuple[AuthError, type[BoxAuthError]]] = [
    (InvalidInput("client_id", "is empty"), BoxConfigError),
    (ReauthRequired("sign in"), BoxReauthRequiredError),
    (TransportFailure(TransportFailureKind.CONNECT, "refused", False), BoxNetworkError),
    (BoxRefused(ErrorKind.RATE_LIMITED, 429, "rate_limited", "", None, 7.0), BoxRateLimitedError),
    (
        BoxRefused(ErrorKind.MALFORMED_RESPONSE, 200, "malformed_response", "x"),
        BoxMalformedResponseError,
    ),
    (REFUSED, BoxAPIError),
    (BoxRefused(ErrorKind.SERVER_ERROR, 503, "unavailable", "", None, 9.0), BoxServerError),
    (StateMismatch("is missing"), BoxStateMismatchError),
    (StorageFailure(StorageFailureKind.LOCK, "busy"), BoxStorageError),
]


# -- exception_for: one class per error value ---------------------------------------


@pytest.mark.parametrize(("error", "cls"), CASES)
def test_exception_for(error: AuthError, cls: type[BoxAuthError]) -> None:
    exc = exception_for(error)
    assert type(exc) is cls
    assert isinstance(exc, BoxSDKError)
    assert exc.error is error
    assert str(exc) == error.message()
    assert exc.args == (error.message(),)


def test_properties_read_the_value() -> None:
    exc = exception_for(REFUSED)
    assert (exc.error_code, exc.description, exc.request_id, exc.status) == (
        "invalid_grant",
        "d",
        "rid",
        400,
    )
    config = exception_for(InvalidInput("client_id", "is empty"))
    assert isinstance(config, BoxConfigError) and isinstance(config, ValueError)
    assert config.field == "client_id"
    assert (config.error_code, config.description, config.request_id, config.status) == (
        None,
        None,
        None,
        None,
    )
    limited = exception_for(CASES[3][0])
    assert isinstance(limited, BoxRateLimitedError) and limited.retry_after == 7.0
    net = exception_for(TransportFailure(TransportFailureKind.TIMEOUT, "t", True))
    assert isinstance(net, BoxNetworkError) and net.maybe_sent is True


# -- box_sdk_gen's constructors and hierarchy ---------------------------------------


def test_box_sdk_gen_constructors_work() -> None:
    plain = BoxSDKError("x")
    assert (plain.message, str(plain), plain.args) == ("x", "x", ("x",))
    keyword = BoxSDKError(message="x")
    assert keyword.message == "x"
    assert (keyword.timestamp, keyword.error, keyword.request_info, keyword.response_info) == (
        None,
        None,
        None,
        None,
    )
    cause = ValueError("underlying")
    when = datetime(2024, 1, 2, 3, 4, 5)
    full = BoxSDKError("y", when, cause, extra_field=1)
    assert (full.timestamp, full.error, full.extra, full.name) == (
        when,
        cause,
        {"extra_field": 1},
        "BoxAuthError",
    )
    assert full.status is None and full.retry_after is None and full.value is None


def test_box_api_error_takes_box_sdk_gens_arguments_and_ours() -> None:
    request_info, response_info = object(), object()
    theirs = BoxAPIError(request_info, response_info, "refused")
    assert (theirs.request_info, theirs.response_info, theirs.message) == (
        request_info,
        response_info,
        "refused",
    )
    by_name = BoxAPIError(request_info=request_info, response_info=response_info, message="m")
    assert by_name.message == "m"
    value = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "nope")
    ours = BoxAPIError(value)
    assert ours.error is value and ours.value is value
    assert ours.message == value.message() == str(ours)
    assert isinstance(ours.response_info, ResponseInfo)
    assert BoxAPIError().message == "Box answered with an error"


def test_hierarchy_lines_up_with_box_sdk_gen() -> None:
    assert BoxSDKError is BoxAuthError
    # A refusal from Box is a BoxAPIError, whatever its kind.
    for cls in (BoxAPIError, BoxRateLimitedError, BoxServerError):
        assert issubclass(cls, BoxAPIError) and issubclass(cls, BoxRefusedError)
    # A bad answer is a BoxSDKError (and one of ours), not a refusal.
    assert issubclass(BoxMalformedResponseError, BoxSDKError)
    assert issubclass(BoxMalformedResponseError, BoxRefusedError)
    assert not issubclass(BoxMalformedResponseError, BoxAPIError)
    # A possible CSRF is its own class, and not a configuration error.
    assert issubclass(BoxStateMismatchError, BoxSDKError)
    assert not issubclass(BoxStateMismatchError, BoxConfigError)
    assert not issubclass(BoxStateMismatchError, ValueError)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_every_refusal_from_box_is_a_box_api_error(status: int) -> None:
    body = b'{"error": "invalid_grant", "error_description": "Grant credentials are invalid"}'
    exc = exception_for(parse_error(response(status, [], body), T0))
    assert type(exc) is BoxAPIError


@given(st.sampled_from([429, 500, 502, 503, 504]), st.integers(0, 3600))
def test_rate_limited_and_unavailable_errors_expose_retry_after(status: int, wait: int) -> None:
    resp = response(status, [("Retry-After", str(wait))], b"")
    exc = exception_for(parse_error(resp, T0))
    assert type(exc) is (BoxRateLimitedError if status == 429 else BoxServerError)
    assert exc.retry_after == float(wait)
    assert exc.response_info.headers["retry-after"] == str(wait)
    assert f"retry after {wait:g} s" in str(exc)
    assert exception_for(parse_error(response(status, [], b""), T0)).retry_after is None


def test_request_and_response_info_hold_no_secret() -> None:
    sent = HttpRequest(
        "POST",
        f"https://api.box.com/oauth2/token?code={SECRET}",
        (
            ("Authorization", f"Bearer {SECRET}"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Other", SECRET),
        ),
        f"refresh_token={SECRET}".encode(),
    )
    resp = response(
        400,
        [
            ("Box-Request-Id", "rid-1"),
            ("Set-Cookie", SECRET),
            ("Date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ],
        b'{"error": "invalid_grant", "error_description": "Invalid refresh token",'
        b' "request_id": "body-rid", "refresh_token": "' + SECRET.encode() + b'"}',
    )
    exc = exception_for(parse_error(resp, T0), request=sent)
    info = exc.request_info
    assert isinstance(info, RequestInfo)
    assert (info.method, info.url, info.query_params, info.body) == (
        "POST",
        "https://api.box.com/oauth2/token",
        {},
        None,
    )
    assert info.headers == {
        "authorization": REDACTED,
        "content-type": "application/x-www-form-urlencoded",
        "x-other": REDACTED,
    }
    assert info.content_type == "application/x-www-form-urlencoded"
    answer = exc.response_info
    assert isinstance(answer, ResponseInfo)
    assert answer.status_code == 400
    assert answer.code == "invalid_grant"
    assert answer.request_id == "body-rid"
    assert answer.raw_body is None
    assert answer.headers == {
        "date": "Tue, 14 Nov 2023 22:13:20 GMT",
        "box-request-id": "rid-1",
    }
    assert answer.body == {
        "error": "invalid_grant",
        "error_description": "Invalid refresh token",
        "request_id": "body-rid",
    }
    assert exc.request_id == "rid-1"  # ours: the box-request-id header
    assert "request" not in exc.extra  # the raw request (with its token) is not kept
    everything = repr(vars(exc)) + repr(info) + repr(answer) + str(exc) + repr(exc)
    assert SECRET not in everything


def test_errors_without_an_http_answer_have_no_response_info() -> None:
    for value in (
        InvalidInput("client_id", "is empty"),
        ReauthRequired("sign in"),
        TransportFailure(TransportFailureKind.TIMEOUT, "slow", True),
        StateMismatch("is missing"),
    ):
        exc = exception_for(value)
        assert exc.response_info is None and exc.request_info is None
        assert (exc.status, exc.error_code, exc.retry_after) == (None, None, None)
    redirect = BoxRefused(ErrorKind.ACCESS_DENIED, 302, "access_denied", "", redirect=True)
    assert exception_for(redirect).response_info is None


def test_malformed_answers_keep_their_status_and_headers() -> None:
    value = malformed("response body is not a JSON object", 200, "r", (("box-request-id", "r"),))
    exc = exception_for(value)
    assert type(exc) is BoxMalformedResponseError
    assert exc.response_info.status_code == 200
    assert exc.response_info.headers == {"box-request-id": "r"}
    assert exc.response_info.body is None


def test_timestamp_is_the_raisers() -> None:
    when = datetime(2025, 5, 6, 7, 8, 9)
    assert exception_for(ReauthRequired("x"), timestamp=when).timestamp == when
    assert exception_for(ReauthRequired("x")).timestamp is None


@pytest.mark.parametrize(
    "value",
    [
        InvalidInput("client_id", "is empty"),
        BoxRefused(ErrorKind.RATE_LIMITED, 429, "rate_limit_exceeded", "slow", "r", 3.0),
        BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", "d"),
        TransportFailure(TransportFailureKind.CONNECT, "refused", False),
        StateMismatch("is missing"),
    ],
)
def test_exceptions_pickle_with_their_value(value: Any) -> None:
    exc = exception_for(value, timestamp=datetime(2024, 1, 1))
    back = pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own bytes
    assert type(back) is type(exc)
    assert back.error == value
    assert back.message == exc.message
    assert back.timestamp == exc.timestamp


def test_exception_for_never_raises_on_a_stranger() -> None:
    exc = exception_for("not an error value")  # type: ignore[arg-type]
    assert type(exc) is BoxAuthError
    assert exc.message == "an unexpected error value"


# -- Texts that say what happened ----------------------------------------------------


def test_a_401_from_the_api_says_the_access_token_was_refused() -> None:
    # The two 401 shapes Box's API has sent (box-node-sdk issue 157; Box support
    # community post 4406906181523).
    empty = response(
        401,
        [
            (
                "WWW-Authenticate",
                'Bearer realm="Service", error="invalid_token", '
                'error_description="The access token provided is invalid."',
            )
        ],
        b"",
    )
    assert str(exception_for(parse_error(empty, T0))) == (
        "the access token was refused (expired, revoked or not a Box token); "
        "Box answered 401 invalid_token: The access token provided is invalid."
    )
    bare = response(401, [], b"")
    assert str(exception_for(parse_error(bare, T0))) == (
        "the access token was refused (expired, revoked or not a Box token); Box answered 401"
    )
    client_error = response(
        401,
        [("Www-Authenticate", 'Bearer realm="Service"')],
        b'{"type":"error","status":401,"code":"unauthorized",'
        b'"message":"Unauthorized - Cannot authorize with this service","request_id":"x1"}',
    )
    assert str(exception_for(parse_error(client_error, T0))) == (
        "the access token was refused (expired, revoked or not a Box token); "
        "Box answered 401 unauthorized: Unauthorized - Cannot authorize with this service. "
        "The app may not be authorized in this enterprise: an admin must authorize it in "
        "the Admin Console"
    )


def test_a_401_from_the_token_endpoint_keeps_its_oauth_code() -> None:
    resp = response(401, [], b'{"error": "invalid_client", "error_description": "bad"}')
    refused = parse_error(resp, T0)
    assert refused.kind is ErrorKind.INVALID_CLIENT
    assert str(exception_for(refused)) == "Box refused the request (401 invalid_client): bad"


def test_redirect_errors_read_as_what_happened() -> None:
    denied = BoxRefused(ErrorKind.ACCESS_DENIED, 302, "access_denied", "", redirect=True)
    assert str(exception_for(denied)) == "the user denied access (access_denied)"
    assert "302" not in str(exception_for(denied))
    other = BoxRefused(ErrorKind.INVALID_SCOPE, 302, "invalid_scope", "no", redirect=True)
    assert str(exception_for(other)) == "the sign-in failed on the redirect (invalid_scope): no"


def test_a_state_mismatch_says_possible_csrf() -> None:
    exc = exception_for(StateMismatch("does not match the one this sign-in sent"))
    assert type(exc) is BoxStateMismatchError
    assert str(exc) == (
        "possible login CSRF: the redirect's state does not match the one this sign-in sent"
    )


# -- What every class keeps: the raiser's clock, the request, box_sdk_gen's extras -------

SENT = HttpRequest(
    "POST",
    "https://api.box.com/oauth2/token?code=x",
    (
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", "Bearer x"),
        ("X-Bad", 5),  # type: ignore[tuple-item]
        ("only-a-name",),  # type: ignore[tuple-item]
        ("Accept", "application/json"),
    ),
    b"code=x",
)


@pytest.mark.parametrize(("error", "cls"), CASES)
def test_every_class_keeps_the_timestamp_and_the_redacted_request(
    error: AuthError, cls: type[BoxAuthError]
) -> None:
    when = datetime(2024, 5, 6, 7, 8, 9)
    exc = exception_for(error, timestamp=when, request=SENT)
    assert type(exc) is cls
    assert exc.timestamp == when
    info = exc.request_info  # (eq=False, as box_sdk_gen's: compare the fields)
    assert isinstance(info, RequestInfo)
    assert (info.method, info.url, info.query_params, info.body, info.content_type) == (
        "POST",
        "https://api.box.com/oauth2/token",
        {},
        None,
        "application/x-www-form-urlencoded",
    )
    assert info.headers == {
        "content-type": "application/x-www-form-urlencoded",
        "authorization": REDACTED,
        "accept": "application/json",
    }
    assert exception_for(error).request_info is None


@pytest.mark.parametrize(
    ("sent", "method", "url"),
    [
        (HttpRequest("GET", "https://a.example/p?q=1#f"), "GET", "https://a.example/p"),
        (HttpRequest("GET", "https://[a/p"), "GET", ""),
        (HttpRequest(5, 7), "", ""),  # type: ignore[arg-type]
        (HttpRequest("GET", "https://a.example", "junk"), "GET", "https://a.example"),  # type: ignore[arg-type]
    ],
)
def test_request_info_of_anything_sent_is_total(sent: HttpRequest, method: str, url: str) -> None:
    info = exception_for(ReauthRequired("x"), request=sent).request_info
    assert (info.method, info.url, info.headers, info.content_type) == (method, url, {}, None)
    assert exception_for(ReauthRequired("x"), request="not a request").request_info is None  # type: ignore[arg-type]


def test_response_info_keeps_boxs_help_url_and_prints_like_box_sdk_gen() -> None:
    body = b'{"error": "invalid_grant", "error_description": "d", "help_url": "https://h.example"}'
    info = exception_for(parse_error(response(400, [], body), T0)).response_info
    assert info.help_url == "https://h.example"
    assert info.print(None) == (
        "\n\tStatus code: 400\n\tHeaders: {}\n\tCode: invalid_grant\n\tRequest Id: None"
        "\n\tHelp Url: https://h.example\n\tBody: {'error': 'invalid_grant', "
        "'error_description': 'd', 'help_url': 'https://h.example'}"
    )
    odd = b'{"error": "invalid_grant", "help_url": 5}'
    assert exception_for(parse_error(response(400, [], odd), T0)).response_info.help_url is None
    assert exception_for(parse_error(response(400, [], b""), T0)).response_info.help_url is None
    sent = exception_for(ReauthRequired("x"), request=HttpRequest("GET", "https://a.example/p"))
    assert sent.request_info.print(None) == (
        "\n\tMethod: GET\n\tURL: https://a.example/p\n\tQuery params: {}\n\tHeaders: {}"
        "\n\tBody: None"
    )


def test_box_api_error_keeps_its_value_clock_and_sanitizer() -> None:
    when = datetime(2024, 1, 2)
    exc = BoxAPIError(REFUSED, timestamp=when, data_sanitizer="sanitizer")
    assert (exc.error, exc.value, exc.timestamp, exc.data_sanitizer) == (
        REFUSED,
        REFUSED,
        when,
        "sanitizer",
    )
    assert exc.message == REFUSED.message()
    assert BoxAPIError().data_sanitizer is None
