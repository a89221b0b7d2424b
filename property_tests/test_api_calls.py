"""api_calls: a Box API call with a bearer token, and what its answer means.

Box answers 401 to a call without a valid access token
(developer.box.com/guides/authentication/tokens/api-calls/). Our rule: renew once,
only when the 401 is about the token (an empty body, or ``WWW-Authenticate`` with
``error="invalid_token"``, RFC 6750 §3.1), only if the token can be renewed, and
never after a retry; every other answer outside 2xx is reported.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Result
from strategies import refused

from boxauth.access_token import AccessToken, RestrictedTo
from boxauth.api_calls import (
    MAX_PARAMS,
    Accept,
    Reject,
    RenewAndRetry,
    after_answer,
    api_request,
    item_path,
    token_may_go_to,
)
from boxauth.errors import InvalidInput
from boxauth.lifecycle import AuthKind
from boxauth.responses import parse_error
from boxauth.urls import BaseUrls
from boxauth.wire import HttpResponse

URLS = BaseUrls()
TOKEN = AccessToken(access_token="AT", refresh_token="RT")
T0 = 1_700_000_000.0
EXPIRED = HttpResponse(
    401, (("WWW-Authenticate", 'Bearer realm="Service", error="invalid_token"'),), b""
)
NOT_AUTHORIZED = HttpResponse(
    401, (("WWW-Authenticate", 'Bearer realm="Service"'),), b'{"code": "unauthorized"}'
)
params = st.dictionaries(
    st.text("abcxyz_", min_size=1, max_size=6), st.text(max_size=8) | st.integers(), max_size=5
)


def test_a_get_carries_the_bearer_token_and_asks_for_json() -> None:
    request = api_request(URLS, "GET", "users/me", TOKEN).unwrap()
    assert (request.method, request.url, request.body) == (
        "GET",
        "https://api.box.com/2.0/users/me",
        None,
    )
    assert request.headers == (("Accept", "application/json"), ("Authorization", "Bearer AT"))


@given(params, st.sampled_from(["users/me", "/folders/0/items", "files/1"]))
def test_parameters_are_encoded_into_the_query(values: dict[str, Any], path: str) -> None:
    request = api_request(URLS, "GET", path, TOKEN, params=values).unwrap()
    parts = urlsplit(request.url)
    assert parts.path == "/2.0/" + path.lstrip("/")
    assert dict(parse_qsl(parts.query, keep_blank_values=True)) == {
        k: str(v) for k, v in values.items()
    }


def test_the_callers_headers_are_sent_but_never_replace_the_token() -> None:
    request = api_request(
        URLS,
        "POST",
        "files/1",
        TOKEN,
        headers={"Authorization": "Bearer someone-else", "If-Match": "3", "Accept": "*/*"},
        body=b"{}",
    ).unwrap()
    assert dict(request.headers) == {
        "Accept": "*/*",
        "Authorization": "Bearer AT",
        "If-Match": "3",
    }
    assert request.body == b"{}"


@pytest.mark.parametrize(
    ("args", "kwargs", "field"),
    [
        ((None, "GET", "users/me", TOKEN), {}, "token"),
        ((URLS, "GET", "users/me", "AT"), {}, "token"),
        ((URLS, "GET", "users/me", AccessToken(refresh_token="RT")), {}, "token"),
        ((URLS, "GET", "users/me", AccessToken(access_token="")), {}, "token"),
        ((URLS, "get", "users/me", TOKEN), {}, "method"),
        ((URLS, "GE T", "users/me", TOKEN), {}, "method"),
        ((URLS, 5, "users/me", TOKEN), {}, "method"),
        ((URLS, "GET", "", TOKEN), {}, "path"),
        ((URLS, "GET", "p" * 2049, TOKEN), {}, "path"),
        ((URLS, "GET", None, TOKEN), {}, "path"),
        ((URLS, "GET", "users/me", TOKEN), {"params": ["a"]}, "params"),
        (
            (URLS, "GET", "users/me", TOKEN),
            {"params": {f"p{i}": 1 for i in range(MAX_PARAMS + 1)}},
            "params",
        ),
        ((URLS, "GET", "users/me", TOKEN), {"params": {"a": True}}, "params"),
        ((URLS, "GET", "users/me", TOKEN), {"params": {"a": 1.5}}, "params"),
        ((URLS, "GET", "users/me", TOKEN), {"params": {1: "a"}}, "params"),
        ((URLS, "GET", "users/me", TOKEN), {"headers": {"a": 1}}, "headers"),
        ((URLS, "GET", "users/me", TOKEN), {"headers": [("a", "b")]}, "headers"),
        ((URLS, "GET", "users/me", TOKEN), {"body": "text"}, "body"),
    ],
)
def test_a_bad_call_is_refused_naming_its_field(
    args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    refused(api_request(*args, **kwargs), field)


def test_the_bounds_are_inclusive() -> None:
    assert api_request(URLS, "GET", "p" * 2048, TOKEN).unwrap().url.endswith("p" * 2048)
    most = {f"p{i}": i for i in range(MAX_PARAMS)}
    assert (
        len(
            parse_qsl(
                urlsplit(api_request(URLS, "GET", "x", TOKEN, params=most).unwrap().url).query
            )
        )
        == MAX_PARAMS
    )


def test_item_paths_percent_encode_the_id() -> None:
    assert item_path("folders", 0) == "folders/0"
    assert item_path("files", "a/b c?") == "files/a%2Fb%20c%3F"


@given(st.integers(200, 299), st.sampled_from(AuthKind), st.booleans())
def test_a_2xx_is_accepted(status: int, kind: AuthKind, retried: bool) -> None:
    assert after_answer(HttpResponse(status, (), b""), TOKEN, kind, retried=retried, now=T0) == (
        Accept()
    )


@given(st.sampled_from([AuthKind.JWT, AuthKind.CCG, AuthKind.OAUTH]))
def test_a_401_about_the_token_renews_a_renewable_token_once(kind: AuthKind) -> None:
    for resp in (EXPIRED, HttpResponse(401, (), b"")):
        assert after_answer(resp, TOKEN, kind, retried=False, now=T0) == RenewAndRetry(TOKEN)
        assert after_answer(resp, TOKEN, kind, retried=True, now=T0) == Reject(
            parse_error(resp, T0)
        )


def test_a_token_that_cannot_be_renewed_is_reported() -> None:
    downscoped = AccessToken(access_token="AT", restricted_to=(RestrictedTo("item_preview"),))
    for kind, token in [
        (AuthKind.DEVELOPER, TOKEN),
        (AuthKind.OAUTH, AccessToken(access_token="AT")),  # no refresh token
        (AuthKind.OAUTH, downscoped),
    ]:
        assert after_answer(EXPIRED, token, kind, retried=False, now=T0) == Reject(
            parse_error(EXPIRED, T0)
        )


@given(
    st.sampled_from(AuthKind),
    st.sampled_from([NOT_AUTHORIZED, HttpResponse(403, (), b""), HttpResponse(404, (), b"{}")])
    | st.integers(300, 599).filter(lambda s: s != 401).map(lambda s: HttpResponse(s, (), b"")),
)
def test_every_other_answer_is_reported(kind: AuthKind, resp: HttpResponse) -> None:
    assert after_answer(resp, TOKEN, kind, retried=False, now=T0) == Reject(parse_error(resp, T0))


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    call = (URLS, "GET", "users/me", TOKEN)
    cases: list[tuple[Result[Any, InvalidInput], str]] = [
        (api_request(None, "GET", "x", TOKEN), "token: must be an AccessToken, with BaseUrls"),  # type: ignore[arg-type]
        (api_request(URLS, "get", "x", TOKEN), "method: must be an HTTP method such as GET"),
        (api_request(URLS, "GET", "", TOKEN), "path: must be an API path such as users/me"),
        (api_request(URLS, "GET", "x", AccessToken()), "token: has no access token"),
        (api_request(*call, params=["a"]), "params: must be a mapping of at most 64 items"),  # type: ignore[arg-type]
        (api_request(*call, headers={"a": 1}), "headers: must be a mapping of strings"),  # type: ignore[dict-item]
        (api_request(*call, body="x"), "body: must be bytes"),  # type: ignore[arg-type]
        (api_request(*call, params={"a": 1.5}), "params: values must be strings or integers"),
        (api_request(*call, params={1: "a"}), "params: names must be strings"),  # type: ignore[dict-item]
    ]
    for result, message in cases:
        assert result.failure().message() == message


def test_a_trailing_slash_is_kept_and_only_2xx_is_accepted() -> None:
    assert api_request(URLS, "GET", "/folders/0/", TOKEN).unwrap().url == (
        "https://api.box.com/2.0/folders/0/"
    )
    for status in (199, 300):
        resp = HttpResponse(status, (), b"")
        got = after_answer(resp, TOKEN, AuthKind.JWT, retried=False, now=T0)
        assert got == Reject(parse_error(resp, T0))


# -- Where a bearer token may go: Box's API origins only (RFC 6750 section 5.3) ------------
# The rule BoxHttpxAuth follows before adding the header.

LOCAL = BaseUrls(base_url="http://127.0.0.1:8080", upload_url="http://127.0.0.1:8081/api")


@given(path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40))
def test_any_path_at_a_box_origin_may_carry_the_token(path: str) -> None:
    path = path.replace("#", "").replace("?", "")
    assert token_may_go_to(URLS, f"https://api.box.com/2.0/{path}")
    assert token_may_go_to(URLS, f"https://upload.box.com/api/2.0/{path}")
    assert token_may_go_to(URLS, f"https://API.box.com:443/{path}")  # the same origin


@given(value=st.one_of(st.none(), st.integers(), st.binary(), st.text(max_size=60)))
def test_nothing_but_a_box_origin_url_may_carry_it(value: object) -> None:
    if isinstance(value, str) and value.lower().startswith(
        ("https://api.box.com/", "https://upload.box.com/")
    ):
        return  # generated text that happens to be a Box URL
    assert not token_may_go_to(URLS, value)


def test_other_origins_never_carry_it() -> None:
    refused = [
        "https://api.box.com.evil.example/2.0/users/me",  # a longer host
        "https://evil.example/https://api.box.com/",
        "http://api.box.com/2.0/users/me",  # plain http
        "https://api.box.com:8443/2.0/users/me",  # another port
        "https://account.box.com/api/oauth2/authorize",  # oauth_2_url is not an API origin
        "https://user:pw@api.box.com/2.0/users/me",  # credentials in the URL
        "https://api.box.com:99999/",  # not a port
        "http://127.0.0.1:8082/2.0/users/me",
    ]
    for url in refused:
        assert not token_may_go_to(URLS, url), url
        assert not token_may_go_to(LOCAL, url), url
    assert token_may_go_to(LOCAL, "http://127.0.0.1:8080/2.0/users/me")
    assert token_may_go_to(LOCAL, "http://127.0.0.1:8081/api/2.0/files/content")
