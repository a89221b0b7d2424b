"""token_requests: the form of every token and revoke request, built from values.

Box's token endpoint takes a form per grant (developer.box.com/reference/post-oauth2-token/):
authorization_code and refresh_token with the client's credentials, client_credentials
with ``box_subject_type``/``box_subject_id``, the JWT bearer grant with the assertion,
and the token exchange (developer.box.com/guides/authentication/tokens/downscope/)
without client credentials. Revoke (developer.box.com/reference/post-oauth2-revoke/)
takes client_id, client_secret and the token, and no grant_type. Secrets go only in
the fields Box requires them in.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qsl, urlencode

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import (
    any_text,
    ccg_settings,
    ccg_settings_with,
    non_strings,
    nonblank_unicode,
    oauth_settings,
    oauth_settings_with,
    plain,
    refused,
    secrets,
)

from boxauth.downscope import DownscopeRequest, validate_downscope
from boxauth.errors import InvalidInput
from boxauth.jwt import Assertion
from boxauth.settings import CCGSettings, OAuthSettings
from boxauth.token_requests import (
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
from boxauth.urls import BaseUrls

GRANT_TYPE = {
    Grant.AUTHORIZATION_CODE: "authorization_code",
    Grant.REFRESH_TOKEN: "refresh_token",
    Grant.CLIENT_CREDENTIALS: "client_credentials",
    Grant.JWT: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    Grant.TOKEN_EXCHANGE: "urn:ietf:params:oauth:grant-type:token-exchange",
}
# The fields of Box's token and revoke references, written out independently.
REQUIRED_FIELDS = {
    Grant.AUTHORIZATION_CODE: {"grant_type", "code", "client_id", "client_secret"},
    Grant.REFRESH_TOKEN: {"grant_type", "refresh_token", "client_id", "client_secret"},
    Grant.CLIENT_CREDENTIALS: {
        "grant_type",
        "client_id",
        "client_secret",
        "box_subject_type",
        "box_subject_id",
    },
    Grant.JWT: {"grant_type", "assertion", "client_id", "client_secret"},
    Grant.TOKEN_EXCHANGE: {"grant_type", "subject_token", "subject_token_type", "scope"},
    Grant.REVOKE: {"client_id", "client_secret", "token"},
}
OPTIONAL_FIELDS = {
    Grant.AUTHORIZATION_CODE: {"redirect_uri"},
    Grant.TOKEN_EXCHANGE: {"resource", "box_shared_link"},
}
URLS = BaseUrls()
OAUTH = oauth_settings_with()
base_urls = st.sampled_from(
    [BaseUrls(), BaseUrls(base_url="https://box.example.test/x"), BaseUrls("http://127.0.0.1:9")]
)
downscopes = st.builds(
    lambda scopes, target: validate_downscope(scopes, **target).unwrap(),
    st.lists(st.sampled_from(["item_preview", "item_upload", "base_explorer"]), min_size=1),
    st.sampled_from(
        [
            {},
            {"resource": "https://api.box.com/2.0/files/123"},
            {"resource": "https://api.box.com/2.0/folders/9"},
            {"shared_link": "https://app.box.com/s/abc123"},
        ]
    ),
)


@st.composite
def requests(draw: st.DrawFn, values: st.SearchStrategy[str] = secrets) -> TokenRequest:
    """Every kind of request, built through its public builder."""
    urls = draw(base_urls)
    kind = draw(st.sampled_from(list(Grant)))
    oauth: OAuthSettings = draw(oauth_settings(text=values))
    if kind is Grant.AUTHORIZATION_CODE:
        redirect = draw(st.none() | values)
        return authorization_code_request(urls, oauth, draw(values), redirect).unwrap()
    if kind is Grant.REFRESH_TOKEN:
        return refresh_request(urls, oauth, draw(values)).unwrap()
    if kind is Grant.CLIENT_CREDENTIALS:
        return client_credentials_request(urls, draw(ccg_settings(text=values)))
    if kind is Grant.JWT:
        assertion = Assertion(jti="j" * 16, exp=1, token=draw(values))
        return jwt_request(urls, oauth.client_id, oauth.client_secret, assertion)
    if kind is Grant.TOKEN_EXCHANGE:
        return token_exchange_request(urls, draw(values), draw(downscopes)).unwrap()
    return revoke_request(urls, draw(values), draw(values), draw(values)).unwrap()


@given(requests(values=nonblank_unicode))
def test_form_round_trips_through_urlencode(request: TokenRequest) -> None:
    encoded = body(request)
    assert encoded == urlencode(request.fields).encode("ascii")
    assert parse_qsl(encoded.decode("ascii"), keep_blank_values=True) == list(request.fields)


@given(requests(values=nonblank_unicode))
def test_field_sets_follow_the_protocol_table(request: TokenRequest) -> None:
    names = [name for name, _ in request.fields]
    assert len(names) == len(set(names)), "a field is sent twice"
    required = REQUIRED_FIELDS[request.grant]
    allowed = required | OPTIONAL_FIELDS.get(request.grant, set())
    assert required <= set(names) <= allowed
    assert not {"resource", "box_shared_link"} <= set(names)
    fields = dict(request.fields)
    if request.grant is Grant.REVOKE:
        assert "grant_type" not in fields
        assert request.url.endswith("/oauth2/revoke")
    else:
        assert fields["grant_type"] == GRANT_TYPE[request.grant]
        assert request.url.endswith("/oauth2/token")
    if request.grant is Grant.TOKEN_EXCHANGE:
        assert "client_id" not in fields
        assert "client_secret" not in fields
        assert fields["subject_token_type"] == "urn:ietf:params:oauth:token-type:access_token"
    if request.grant is not Grant.AUTHORIZATION_CODE:
        assert "redirect_uri" not in fields


@given(base_urls)
def test_urls_come_from_base_url(urls: BaseUrls) -> None:
    request = revoke_request(urls, "a", "b", "c").unwrap()
    assert request.url == f"{urls.base_url}/oauth2/revoke"


@given(base_urls, ccg_settings())
def test_ccg_subject_fields(urls: BaseUrls, settings: CCGSettings) -> None:
    fields = dict(client_credentials_request(urls, settings).fields)
    assert fields["box_subject_type"] == settings.subject.kind.value
    assert fields["box_subject_id"] == settings.subject.id
    assert fields["client_secret"] == settings.client_secret


@st.composite
def secret_requests(draw: st.DrawFn) -> tuple[TokenRequest, dict[str, str]]:
    """A request plus which secret value belongs to which field."""
    urls = draw(base_urls)
    oauth = draw(oauth_settings())
    kind = draw(st.sampled_from(list(Grant)))
    one, two = draw(st.lists(secrets, min_size=2, max_size=2, unique=True))
    if kind is Grant.AUTHORIZATION_CODE:
        return (
            authorization_code_request(urls, oauth, one, draw(st.none() | plain)).unwrap(),
            {"client_secret": oauth.client_secret, "code": one},
        )
    if kind is Grant.REFRESH_TOKEN:
        return (
            refresh_request(urls, oauth, one).unwrap(),
            {"client_secret": oauth.client_secret, "refresh_token": one},
        )
    if kind is Grant.CLIENT_CREDENTIALS:
        ccg = draw(ccg_settings())
        return client_credentials_request(urls, ccg), {"client_secret": ccg.client_secret}
    if kind is Grant.JWT:
        assertion = Assertion(jti="j" * 16, exp=1, token=one)
        return (
            jwt_request(urls, oauth.client_id, oauth.client_secret, assertion),
            {"client_secret": oauth.client_secret, "assertion": one},
        )
    if kind is Grant.TOKEN_EXCHANGE:
        return (
            token_exchange_request(urls, one, draw(downscopes)).unwrap(),
            {"subject_token": one},
        )
    return (
        revoke_request(urls, draw(plain), two, one).unwrap(),
        {"client_secret": two, "token": one},
    )


@given(secret_requests())
def test_secrets_only_where_box_requires_them(case: tuple[TokenRequest, dict[str, str]]) -> None:
    request, owned = case
    values = list(owned.values())
    assume(all(i == j or a not in b for i, a in enumerate(values) for j, b in enumerate(values)))
    fields = dict(request.fields)
    for name, secret in owned.items():
        assert fields[name] == secret
    for name, value in request.fields:
        for owner, secret in owned.items():
            if secret in value:
                assert name == owner, f"{owner}'s secret leaked into {name}"
    for secret in owned.values():
        for text in (repr(request), str(request), repr(Success(request))):
            assert secret not in text
        assert secret not in request.url


@given(base_urls, secrets, downscopes)
def test_exchange_with_both_targets_fails(
    urls: BaseUrls, subject: str, downscope: DownscopeRequest
) -> None:
    both = DownscopeRequest(
        downscope.scopes, "https://api.box.com/2.0/files/1", "https://app.box.com/s/x"
    )
    result = token_exchange_request(urls, subject, both)
    assert isinstance(result, Failure)
    assert subject not in result.failure().message()


bad_values = st.one_of(non_strings, st.just(""), st.text(" \t\n", min_size=1, max_size=3))


@given(base_urls, oauth_settings(), bad_values, downscopes)
def test_bad_inputs_fail_without_raising(
    urls: BaseUrls, oauth: OAuthSettings, bad: object, downscope: DownscopeRequest
) -> None:
    assert isinstance(authorization_code_request(urls, oauth, bad), Failure)
    assert isinstance(refresh_request(urls, oauth, bad), Failure)
    assert isinstance(token_exchange_request(urls, bad, downscope), Failure)
    assert isinstance(revoke_request(urls, bad, "s", "t"), Failure)
    assert isinstance(revoke_request(urls, "c", bad, "t"), Failure)
    assert isinstance(revoke_request(urls, "c", "s", bad), Failure)


@given(base_urls, oauth_settings(), any_text, any_text | st.none())
def test_arbitrary_text_never_breaks_body(
    urls: BaseUrls, oauth: OAuthSettings, code: str, redirect: str | None
) -> None:
    """Whatever text arrives (lone surrogates too), a request either fails or encodes."""
    for result in (
        authorization_code_request(urls, oauth, code, redirect),
        refresh_request(urls, oauth, code),
        revoke_request(urls, code, code, code),
    ):
        if isinstance(result, Success):
            fields = result.unwrap().fields
            assert parse_qsl(body(result.unwrap()).decode(), keep_blank_values=True) == list(fields)


# -- Exact forms -----------------------------------------------------------------------


def test_each_refusal_names_its_field() -> None:
    refused(authorization_code_request(URLS, OAUTH, ""), "authorization_code")
    refused(authorization_code_request(URLS, OAUTH, "c", ""), "redirect_uri")
    refused(refresh_request(URLS, OAUTH, None), "refresh_token")
    refused(revoke_request(URLS, None, "s", "t"), "client_id")
    refused(revoke_request(URLS, "c", None, "t"), "client_secret")
    refused(revoke_request(URLS, "c", "s", None), "token")
    scopes = DownscopeRequest(("item_preview",))
    refused(token_exchange_request(URLS, "", scopes), "subject_token")
    both = DownscopeRequest(
        ("item_preview",), "https://api.box.com/2.0/files/1", "https://app.box.com/s/x"
    )
    refused(token_exchange_request(URLS, "T", both), "resource/shared_link")


def test_fields() -> None:
    jwt = jwt_request(URLS, "cid", "SEC", Assertion(jti="j", exp=1, token="a.b.c"))
    assert jwt.grant is Grant.JWT
    assert jwt.fields == (
        ("grant_type", Grant.JWT.value),
        ("assertion", "a.b.c"),
        ("client_id", "cid"),
        ("client_secret", "SEC"),
    )
    down = token_exchange_request(
        URLS,
        "T",
        DownscopeRequest(("item_preview", "item_upload"), shared_link="https://app.box.com/s/x"),
    ).unwrap()
    assert down.fields == (
        ("grant_type", Grant.TOKEN_EXCHANGE.value),
        ("subject_token", "T"),
        ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
        ("scope", "item_preview item_upload"),
        ("box_shared_link", "https://app.box.com/s/x"),
    )
    code = authorization_code_request(URLS, OAUTH, "C", "https://app.example/cb").unwrap()
    assert parse_qsl(body(code).decode("ascii")) == list(code.fields)
    assert body(code) == (
        b"grant_type=authorization_code&code=C&client_id=cid&client_secret=SEC"
        b"&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
    )


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    item = ("item_preview",)
    cases: list[tuple[Result[TokenRequest, InvalidInput], str]] = [
        (refresh_request(None, OAUTH, "r"), "base_urls: must be a BaseUrls"),  # type: ignore[arg-type]
        (refresh_request(URLS, None, "r"), "settings: must be OAuthSettings"),  # type: ignore[arg-type]
        (
            authorization_code_request(URLS, None, "c"),  # type: ignore[arg-type]
            "settings: must be OAuthSettings",
        ),
        (token_exchange_request(URLS, "T", None), "downscope: must be a DownscopeRequest"),  # type: ignore[arg-type]
        (
            token_exchange_request(URLS, "T", DownscopeRequest((1,))),  # type: ignore[arg-type]
            "downscope: every scope must be a string",
        ),
        (
            token_exchange_request(URLS, "T", DownscopeRequest(item, resource=1)),  # type: ignore[arg-type]
            "downscope: resource and shared_link must be URLs",
        ),
        (
            token_exchange_request(
                URLS,
                "T",
                DownscopeRequest(
                    item, "https://api.box.com/2.0/files/1", "https://app.box.com/s/x"
                ),
            ),
            "resource/shared_link: give at most one, not both",
        ),
    ]
    for result, message in cases:
        assert result.failure().message() == message


def test_malformed_values_give_an_unsendable_request_or_an_empty_body() -> None:
    ccg = ccg_settings_with()
    unsendable = TokenRequest(Grant.CLIENT_CREDENTIALS, "", ())
    assert client_credentials_request(None, ccg) == unsendable  # type: ignore[arg-type]
    assert client_credentials_request(URLS, None) == unsendable  # type: ignore[arg-type]
    no_subject = dataclasses.replace(ccg, subject=None)
    assert client_credentials_request(URLS, no_subject) == unsendable
    assertion = Assertion(jti="j" * 16, exp=1, token="a.b.c")
    assert jwt_request(URLS, "cid", "SEC", None) == TokenRequest(Grant.JWT, "", ())  # type: ignore[arg-type]
    assert jwt_request(None, "cid", "SEC", assertion) == TokenRequest(Grant.JWT, "", ())  # type: ignore[arg-type]
    assert body("not a request") == b""  # type: ignore[arg-type]
    assert body(TokenRequest(Grant.REVOKE, "u", (("a",),))) == b""  # type: ignore[arg-type]
    assert body(TokenRequest(Grant.REVOKE, "u", (("a", 1),))) == b""  # type: ignore[arg-type]
    assert body(TokenRequest(Grant.REVOKE, "u", "a=b")) == b""  # type: ignore[arg-type]
    assert body(TokenRequest(Grant.REVOKE, "u", (("a", "b"),))) == b"a=b"
