"""errors: the closed set of error values, their message() texts (the wording test of
every error family), the one table of Box's error codes, clean_text and the number checks.

Box's OAuth error codes: developer.box.com/reference/resources/oauth2-error/ and
RFC 6749 §5.2; the same table reads a code from a token answer and from a redirect
(RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import ANY_CHAR

from boxauth.authorize import MIN_STATE, code_from_redirect
from boxauth.errors import (
    MAX_TEXT,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    StateMismatch,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
    clean_text,
    is_real_number,
    is_unicode_text,
    kind_of,
    malformed,
)
from boxauth.responses import parse_error, response

# Anything that is not a str: what untyped callers can pass.
wrong_types: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(object),
)
huge_ints = st.integers(400, 4000).map(lambda digits: 10**digits) | st.just(-(10**400))


@given(st.text(max_size=400), st.integers(4, 400))
def test_clean_text_keeps_printables_replaces_the_rest_and_cuts_to_the_limit(
    text: str, limit: int
) -> None:
    printable = "".join(c if c.isprintable() else " " for c in text)
    got = clean_text(text, limit)
    if len(printable) <= limit:
        assert got == printable
    else:
        assert got == printable[: limit - 3] + "..."
        assert len(got) == limit


def test_clean_text_examples() -> None:
    assert clean_text("a\nb\tc\x00") == "a b c "
    assert clean_text("x" * MAX_TEXT) == "x" * MAX_TEXT
    assert clean_text("x" * (MAX_TEXT + 1)) == "x" * (MAX_TEXT - 3) + "..."
    assert clean_text("abcdef", 5) == "ab..."
    assert clean_text("abcde", 5) == "abcde"


def test_is_unicode_text() -> None:
    assert is_unicode_text("héllo ✓")
    assert not is_unicode_text("a\ud800")
    assert is_real_number(1) and is_real_number(1.5)
    assert not is_real_number(True) and not is_real_number(float("nan"))
    assert not is_real_number("1")


class _Float(float):
    pass


class _Int(int):
    pass


@pytest.mark.parametrize(
    ("value", "real"),
    [
        (_Float(1.5), True),
        (_Float("inf"), False),
        (_Float("nan"), False),
        (_Int(7), True),
        (10**400, True),  # past a float's range, and still a real number
        (False, False),
    ],
)
def test_subclasses_of_float_and_int_are_judged_like_their_base(value: object, real: bool) -> None:
    """The fast checks for exact float and int must not be the only route: a
    subclass (numpy's float64 is one) gets the same answer by the slower one."""
    assert is_real_number(value) is real


def test_messages() -> None:
    """The wording of every error value's message(): each family's format, once."""
    assert InvalidInput("f", "is bad").message() == "f: is bad"
    assert ReauthRequired("why").message() == "re-authentication required: why"
    assert TransportFailure(TransportFailureKind.TIMEOUT, "slow", True).message() == (
        "network failure (timeout): slow"
    )
    bare = BoxRefused(ErrorKind.INVALID_REQUEST, 400, "invalid_request", "")
    assert bare.message() == "Box refused the request (400 invalid_request)"
    full = BoxRefused(
        ErrorKind.INVALID_REQUEST, 400, "invalid_request", "Bad thing", request_id="rid"
    )
    assert full.message() == (
        "Box refused the request (400 invalid_request): Bad thing [box-request-id rid]"
    )
    limited = BoxRefused(ErrorKind.RATE_LIMITED, 429, "rate_limited", "slow", retry_after=7.0)
    assert limited.message() == (
        "Box refused the request (429 rate_limited): slow (Box asks to retry after 7 s)"
    )
    assert StorageFailure(StorageFailureKind.LOCK, "busy").message() == (
        "token storage failure (lock): busy"
    )
    assert StateMismatch("is missing").message() == (
        "possible login CSRF: the redirect's state is missing"
    )


def test_hints_follow_boxs_known_texts_with_or_without_a_final_period() -> None:
    for text in ("Grant credentials are invalid", "Grant credentials are invalid."):
        got = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", text).message()
        assert got.startswith(f"Box refused the request (400 invalid_grant): {text}. Check ")
        assert "'Generate user access tokens'" in got
    other = BoxRefused(
        ErrorKind.INVALID_CLIENT, 400, "invalid_grant", "Grant credentials are invalid"
    )
    assert other.message() == (
        "Box refused the request (400 invalid_grant): Grant credentials are invalid"
    )
    leading = BoxRefused(ErrorKind.INVALID_GRANT, 400, "g", ".Grant credentials are invalid")
    assert "Check" not in leading.message()
    client = BoxRefused(
        ErrorKind.INVALID_CLIENT,
        401,
        "invalid_client",
        "The client credentials are invalid",
        request_id="r",
    )
    assert client.message() == (
        "Box refused the request (401 invalid_client): The client credentials are invalid. "
        "Check the client id and client secret [box-request-id r]"
    )


def test_malformed() -> None:
    assert malformed("why") == BoxRefused(
        kind=ErrorKind.MALFORMED_RESPONSE,
        status=0,
        error="malformed_response",
        description="why",
        request_id=None,
    )
    assert malformed("why", 502, "rid") == BoxRefused(
        ErrorKind.MALFORMED_RESPONSE, 502, "malformed_response", "why", "rid"
    )


def test_kind_of() -> None:
    for kind in ErrorKind:
        assert kind_of(kind.value) is kind
        assert repr(kind) == f"ErrorKind.{kind.name}"
    assert kind_of("INVALID_GRANT") is ErrorKind.UNRECOGNIZED
    assert kind_of(None) is ErrorKind.UNRECOGNIZED
    for tkind in TransportFailureKind:
        assert repr(tkind) == f"TransportFailureKind.{tkind.name}"


def test_only_a_final_period_is_ignored_when_matching_a_hint() -> None:
    for tail in ("X", "!", " x", ".."):
        text = "Grant credentials are invalid" + tail
        got = BoxRefused(ErrorKind.INVALID_GRANT, 400, "invalid_grant", text).message()
        has_hint = "Check the client id" in got
        assert has_hint is (tail == "..")


@given(st.text(ANY_CHAR, max_size=20) | wrong_types)
def test_kind_of_anything_else_is_unrecognized(code: Any) -> None:
    if not isinstance(code, str) or code not in {k.value for k in ErrorKind}:
        assert kind_of(code) is ErrorKind.UNRECOGNIZED


@given(st.sampled_from([k.value for k in ErrorKind]) | st.text(max_size=12))
def test_redirect_and_response_errors_share_the_table(code: str) -> None:
    state = "s" * MIN_STATE
    query = urlencode({"state": state, "error": code})
    refused = code_from_redirect(query, state).failure()
    assert isinstance(refused, BoxRefused)
    assert refused.kind is kind_of(clean_text(code, 64))
    body = json.dumps({"error": code}).encode()
    from_body = parse_error(response(400, (), body), 0.0).kind
    ours = (ErrorKind.MALFORMED_RESPONSE, ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR)
    expected = kind_of(clean_text(code, 64))
    assert from_body is (ErrorKind.UNRECOGNIZED if expected in ours else expected)


@given(wrong_types | huge_ints | st.floats(allow_nan=True, allow_infinity=True))
def test_is_real_number(value: Any) -> None:
    expected = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and (isinstance(value, int) or math.isfinite(value))
    )
    assert is_real_number(value) is expected


def test_the_text_checks_refuse_what_is_not_text() -> None:
    assert clean_text(5) == ""  # type: ignore[arg-type]
    assert clean_text(None, 10) == ""  # type: ignore[arg-type]
    assert is_unicode_text(5) is False  # type: ignore[arg-type]
