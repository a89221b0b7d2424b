"""authorize: exact refusals of the request and the redirect, limits, state comparison.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.authorize import (
    MAX_QUERY,
    MAX_REDIRECT,
    AuthorizeRequest,
    Redirect,
    authorize_url,
    code_from_redirect,
    parse_redirect_query,
    query_of_redirect,
    state_matches,
)
from boxauth.errors import BoxRefused, ErrorKind, InvalidInput, StateMismatch
from boxauth.urls import BaseUrls

STATE = "s" * 16
URLS = BaseUrls()


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"response_type": "token"}, _bad("response_type", "Box supports only 'code'")),
        ({"client_id": ""}, _bad("client_id", "is empty")),
        ({"client_id": 5}, _bad("client_id", "must be a string, not int")),
        ({"client_id": "a\ud800"}, _bad("client_id", "has text with a lone surrogate")),
        ({"state": ""}, _bad("state", "is empty; it is the CSRF defence")),
        (
            {"state": "s" * 15},
            _bad("state", "is shorter than 16 characters: too weak a CSRF defence"),
        ),
        ({"redirect_uri": "http://example.com/cb"}, None),
        ({"scopes": ("a b",)}, _bad("scope", "each scope must be a non-empty word")),
        ({"scopes": ("",)}, _bad("scope", "each scope must be a non-empty word")),
        ({"scopes": (1,)}, _bad("scope", "must be a string, not int")),
        ({"scopes": "root_readwrite"}, _bad("scope", "must be a list of scope names")),
    ],
)
def test_each_bad_authorize_request_is_refused_with_its_reason(
    fields: dict[str, Any], expected: Failure[InvalidInput] | None
) -> None:
    request = AuthorizeRequest(
        **{"client_id": "cid", "redirect_uri": None, "state": STATE, **fields}
    )
    got = authorize_url(URLS, request)
    if expected is None:
        assert got.failure().field == "redirect_uri"
    else:
        assert got == expected


def test_authorize_url_shape() -> None:
    request = AuthorizeRequest("cid", "https://app.example/cb", STATE, ("a", "b_c"))
    assert authorize_url(URLS, request) == Success(
        "https://account.box.com/api/oauth2/authorize?response_type=code&client_id=cid"
        "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=" + STATE + "&scope=a+b_c"
    )
    assert authorize_url(URLS, AuthorizeRequest("cid", None, STATE)) == Success(
        "https://account.box.com/api/oauth2/authorize?response_type=code&client_id=cid"
        "&state=" + STATE
    )
    assert authorize_url(None, request) == _bad(  # type: ignore[arg-type]
        "base_urls", "must be a BaseUrls"
    )
    assert authorize_url(URLS, None) == _bad(  # type: ignore[arg-type]
        "authorize request", "must be an AuthorizeRequest"
    )


@given(st.text(min_size=1, max_size=20))
def test_state_matches_itself_even_with_lone_surrogates(state: str) -> None:
    assert state_matches(state, state)
    assert state_matches(state + "\ud800", state + "\ud800")
    assert not state_matches(state + "\ud800", state + "\ud801")
    assert not state_matches(state, state + "x")


def test_state_matches_refuses_missing_and_non_str() -> None:
    assert not state_matches("", "")
    assert not state_matches(None, None)
    assert not state_matches(b"x", b"x")


def test_query_of_redirect() -> None:
    assert query_of_redirect("https://a/cb?code=a&state=b#f?x") == Success("code=a&state=b")
    assert query_of_redirect("/cb") == Success("")
    assert query_of_redirect("https://a/cb") == Success("")
    assert query_of_redirect("code=a") == Success("code=a")
    assert query_of_redirect(1) == _bad("redirect", "must be a string")
    assert query_of_redirect("a" * MAX_REDIRECT) == Success("a" * MAX_REDIRECT)
    assert query_of_redirect("a" * (MAX_REDIRECT + 1)) == _bad("redirect", "is too long")


def test_parse_redirect_query() -> None:
    got = parse_redirect_query("?code=c&state=s&error=e&error_description=d+x&other=1&other=2")
    assert got == Success(Redirect(code="c", state="s", error="e", error_description="d x"))
    assert parse_redirect_query("code=&state=s") == Success(Redirect(code="", state="s"))
    assert parse_redirect_query(None) == _bad(  # type: ignore[arg-type]
        "redirect query", "must be a string"
    )
    assert parse_redirect_query("code=a&code=b") == _bad("redirect code", "appears more than once")
    assert parse_redirect_query("a" * MAX_QUERY) == Success(Redirect())
    assert parse_redirect_query("a" * (MAX_QUERY + 1)) == _bad("redirect query", "is too long")
    fields32 = "&".join(["x=1"] * 31 + ["code=c"])
    assert parse_redirect_query(fields32) == Success(Redirect(code="c"))
    assert parse_redirect_query(fields32 + "&y=2") == _bad("redirect query", "is malformed")


def test_code_from_redirect() -> None:
    assert code_from_redirect(f"code=c&state={STATE}", STATE) == Success("c")
    missing = Failure(StateMismatch("is missing"))
    assert code_from_redirect("code=c", STATE) == missing
    assert code_from_redirect("code=c&state=", STATE) == missing
    assert code_from_redirect("code=c&state=x", STATE) == Failure(
        StateMismatch("does not match the one this sign-in sent")
    )
    assert code_from_redirect(f"state={STATE}", STATE) == _bad(
        "code", "is missing from the redirect"
    )
    assert code_from_redirect(f"code=&state={STATE}", STATE) == _bad(
        "code", "is missing from the redirect"
    )
    denied = code_from_redirect(f"code=c&state={STATE}&error=access_denied", STATE)
    assert denied == Failure(
        BoxRefused(
            kind=ErrorKind.ACCESS_DENIED,
            status=302,
            error="access_denied",
            description="",
            redirect=True,
        )
    )
    # Issue 13: not "302 access_denied", which reads as if 302 were Box's answer.
    assert denied.failure().message() == "the user denied access (access_denied)"
    long_error = "e" * 100
    got = code_from_redirect(
        f"state={STATE}&error={long_error}&error_description=a%0Ab", STATE
    ).failure()
    assert (got.error, got.description, got.kind) == (
        "e" * 61 + "...",
        "a b",
        ErrorKind.UNRECOGNIZED,
    )
    assert code_from_redirect("code=a&code=b", STATE) == _bad(
        "redirect code", "appears more than once"
    )


def test_field_names_in_type_refusals() -> None:
    assert authorize_url(URLS, AuthorizeRequest("cid", None, 5)) == _bad(  # type: ignore[arg-type]
        "state", "must be a string, not int"
    )
    assert authorize_url(URLS, AuthorizeRequest("cid", b"x", STATE)) == _bad(  # type: ignore[arg-type]
        "redirect_uri", "must be a string, not bytes"
    )


def test_query_is_everything_after_the_first_question_mark() -> None:
    assert query_of_redirect("https://a/cb?code=a&state=b?c") == Success("code=a&state=b?c")


def test_only_exact_parameter_names_are_taken() -> None:
    assert parse_redirect_query("Xcode=c&xstate=s") == Success(Redirect())
    assert parse_redirect_query("??code=c") == Success(Redirect(code="c"))
