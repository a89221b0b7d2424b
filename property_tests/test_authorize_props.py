"""Properties of the authorize URL and the redirect (protocol notes §7)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import ANY_CHAR, any_text

from boxauth.authorize import (
    MIN_STATE,
    AuthorizeRequest,
    authorize_url,
    code_from_redirect,
    parse_redirect_query,
    state_matches,
)
from boxauth.errors import BoxRefused, ErrorKind, StateMismatch
from boxauth.urls import BaseUrls

nonempty = st.text(min_size=1, max_size=30)
# authorize_url refuses a caller state shorter than MIN_STATE (review finding 15).
states = st.text(min_size=MIN_STATE, max_size=40)
words = st.text(min_size=1, max_size=12).filter(lambda s: " " not in s)
redirects = st.none() | st.sampled_from(
    ["https://app.example.test/cb?x=1", "http://127.0.0.1:8765/callback", "http://localhost/cb"]
)
bases = st.sampled_from(
    [BaseUrls(), BaseUrls(oauth_2_url="https://ent.box.com/api/oauth2"), BaseUrls("https://x.test")]
)


@given(bases, nonempty, redirects, states, st.lists(words, max_size=4))
def test_query_parses_back_exactly(
    urls: BaseUrls, client_id: str, redirect: str | None, state: str, scopes: list[str]
) -> None:
    url = authorize_url(urls, AuthorizeRequest(client_id, redirect, state, tuple(scopes))).unwrap()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{urls.oauth_2_url}/authorize"
    expected = [("response_type", "code"), ("client_id", client_id)]
    if redirect is not None:
        expected.append(("redirect_uri", redirect))
    expected.append(("state", state))
    if scopes:
        expected.append(("scope", " ".join(scopes)))
    assert parse_qsl(parts.query, keep_blank_values=True) == expected
    assert " " not in url
    assert "#" not in url


@given(
    st.text(ANY_CHAR, max_size=10), st.text(ANY_CHAR, max_size=10), st.lists(any_text, max_size=3)
)
def test_authorize_never_raises(client_id: str, state: str, scopes: list[str]) -> None:
    result = authorize_url(BaseUrls(), AuthorizeRequest(client_id, None, state, tuple(scopes)))
    assert isinstance(result, Success | Failure)
    if not client_id or not state:
        assert isinstance(result, Failure)


@given(nonempty, nonempty, st.sampled_from(["token", "", "CODE", "code id_token"]))
def test_only_code_response_type(client_id: str, state: str, response_type: str) -> None:
    request = AuthorizeRequest(client_id, None, state, (), response_type)
    assert isinstance(authorize_url(BaseUrls(), request), Failure)


@given(nonempty, nonempty, st.sampled_from(["http://evil.test/cb", "ftp://x/", "https://u@h/"]))
def test_insecure_redirect_refused(client_id: str, state: str, redirect: str) -> None:
    assert isinstance(
        authorize_url(BaseUrls(), AuthorizeRequest(client_id, redirect, state)), Failure
    )


@given(st.text(ANY_CHAR, max_size=30))
def test_state_matches_is_reflexive(state: str) -> None:
    assert state_matches(state, state) is bool(state)


@given(st.text(ANY_CHAR, max_size=30), st.text(ANY_CHAR, max_size=30))
def test_state_differs(expected: str, received: str) -> None:
    assume(expected != received)
    assert state_matches(expected, received) is False


@given(st.text(ANY_CHAR, max_size=30))
def test_missing_state_never_matches(expected: str) -> None:
    assert state_matches(expected, None) is False
    assert state_matches(expected, "") is False
    assert state_matches("", expected) is False


def _query(**params: str) -> str:
    return urlencode(params)


@given(nonempty, nonempty)
def test_code_returned_when_state_matches(code: str, state: str) -> None:
    assert code_from_redirect(_query(code=code, state=state), state).unwrap() == code
    assert code_from_redirect("?" + _query(state=state, code=code), state).unwrap() == code


@given(nonempty, nonempty, nonempty)
def test_wrong_or_missing_state_refused(code: str, state: str, other: str) -> None:
    assume(state != other)
    wrong = code_from_redirect(_query(code=code, state=other), state)
    assert isinstance(wrong, Failure)
    # Issue 13: a possible CSRF, not a configuration error.
    assert wrong.failure() == StateMismatch("does not match the one this sign-in sent")
    for query in (_query(code=code), _query(code=code, state="")):
        missing = code_from_redirect(query, state)
        assert isinstance(missing, Failure)
        assert missing.failure() == StateMismatch("is missing")
    # A code short enough to occur in any sentence proves nothing; judge long ones.
    if len(code) >= 8:
        assert code not in wrong.failure().message()
    assert (
        wrong.failure().message()
        == code_from_redirect(_query(code="x" * 9, state=other), state).failure().message()
    )


@given(nonempty, st.none() | nonempty, nonempty, st.none() | nonempty)
def test_error_param_is_a_refusal(
    error: str, description: str | None, state: str, code: str | None
) -> None:
    params = {"error": error, "state": state}
    if description is not None:
        params["error_description"] = description
    if code is not None:
        params["code"] = code
    result = code_from_redirect(_query(**params), state)
    assert isinstance(result, Failure)
    refused = result.failure()
    assert isinstance(refused, BoxRefused)
    if error == "access_denied":
        assert refused.kind is ErrorKind.ACCESS_DENIED


@given(nonempty, nonempty, nonempty)
def test_repeated_parameters_refused(first: str, second: str, state: str) -> None:
    query = f"{_query(code=first, state=state)}&{_query(code=second)}"
    assert isinstance(code_from_redirect(query, state), Failure)


@given(nonempty)
def test_missing_code_refused(state: str) -> None:
    result = code_from_redirect(_query(state=state), state)
    assert isinstance(result, Failure)
    assert result.failure().field == "code"


@given(st.text(ANY_CHAR, max_size=200), st.text(ANY_CHAR, max_size=20))
def test_redirect_parsing_never_raises(query: str, state: str) -> None:
    assert isinstance(parse_redirect_query(query), Success | Failure)
    result = code_from_redirect(query, state)
    if isinstance(result, Success):
        assert state_matches(state, parse_redirect_query(query).unwrap().state)
