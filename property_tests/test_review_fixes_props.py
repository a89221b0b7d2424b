"""Properties for the security-review fixes in the pure core (/tmp/review.md).

Each property fails on the code before its fix: tokens that could break an
HTTP header are refused, numbers that cannot be an expiry are refused, and
wrongly typed input gives a Failure (or False / None), never an exception.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import ANY_CHAR

from boxauth import access_token, config, downscope
from boxauth.access_token import MAX_TOKEN, AccessToken, check_token, check_token_text
from boxauth.authorize import (
    MIN_STATE,
    AuthorizeRequest,
    authorize_url,
    code_from_redirect,
    query_of_redirect,
    state_matches,
)
from boxauth.errors import (
    BoxRefused,
    ErrorKind,
    InvalidInput,
    clean_text,
    is_real_number,
    kind_of,
)
from boxauth.jwt import build_claims
from boxauth.responses import (
    parse_error,
    parse_retry_after,
    parse_token_body,
    parse_token_response,
    response,
    server_skew,
)
from boxauth.retry import RetryPolicy, check_policy
from boxauth.urls import BaseUrls

# Issue 12: any visible ASCII (%x21-7E); Box's downscoped tokens begin with "1!".
VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
TOKEN_CHARS = "ABCXYZabcxyz0189-._~+/=!\"#$%&'()*,:;<>?@[\\]^`{|}"
good_tokens: st.SearchStrategy[str] = st.text(TOKEN_CHARS, min_size=1, max_size=64) | st.builds(
    lambda body: "1!" + body, st.text(TOKEN_CHARS, max_size=62)
)
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
non_str = wrong_types.filter(lambda v: not isinstance(v, str))
# Characters a token may never hold: CR, LF, space, other controls, DEL, non-ASCII...
bad_chars = st.sampled_from(
    ["\r", "\n", "\r\n", " ", "\t", "\0", "\x7f", "\x1b", "€", "é", "\x85", "\u2028", "\ufeff"]
)


@st.composite
def broken_tokens(draw: st.DrawFn) -> str:
    """A good token with one bad character put somewhere."""
    token = draw(good_tokens)
    bad = draw(bad_chars)
    at = draw(st.integers(0, len(token)))
    return token[:at] + bad + token[at:]


def _field_named_value_not(result: object, field: str, secret: str) -> None:
    assert isinstance(result, Failure)
    error = result.failure()
    text = error.message() if hasattr(error, "message") else str(error)
    assert field in text
    if len(secret) >= 8:  # a short value can occur in any sentence by chance
        assert secret not in text


# -- Finding 1, revised by issue 12: tokens are visible ASCII --------------------------


@given(good_tokens)
def test_good_tokens_pass(token: str) -> None:
    assert check_token_text(token, "access_token") == Success(token)


@given(st.text(ANY_CHAR, max_size=50))
def test_token_check_agrees_with_visible_ascii(text: str) -> None:
    ok = isinstance(check_token_text(text, "access_token"), Success)
    assert ok is bool(VISIBLE_ASCII.fullmatch(text) and len(text) <= MAX_TOKEN)


@given(broken_tokens())
def test_header_breaking_tokens_refused_without_echo(token: str) -> None:
    result = check_token_text(token, "access_token")
    assert isinstance(result, Failure)
    assert result.failure().field == "access_token"
    if len(token) >= 8:  # a short token can occur in any sentence by chance
        assert token not in result.failure().message()


@given(non_str)
def test_token_check_never_raises_on_wrong_type(value: Any) -> None:
    assert isinstance(check_token_text(value, "refresh_token"), Failure)


def test_token_length_bound() -> None:
    assert isinstance(check_token_text("a" * MAX_TOKEN, "t"), Success)
    assert isinstance(check_token_text("a" * (MAX_TOKEN + 1), "t"), Failure)
    assert isinstance(check_token_text("", "t"), Failure)


@given(broken_tokens(), st.sampled_from(["access_token", "refresh_token"]))
def test_token_response_with_bad_token_is_malformed(token: str, field: str) -> None:
    data = {"access_token": "good", "refresh_token": "good-r", "expires_in": 60, field: token}
    body = json.dumps(data).encode()
    result = parse_token_response(response(200, (), body), sent_at=0.0, received_at=0.0)
    assert isinstance(result, Failure)
    refused = result.failure()
    assert refused.kind is ErrorKind.MALFORMED_RESPONSE
    assert field in refused.description
    if len(token) >= 8:  # a short token can occur in any sentence by chance
        assert token not in refused.message()
    assert isinstance(parse_token_body(data, 0.0), Failure)


@given(good_tokens, st.none() | good_tokens)
def test_token_response_with_good_tokens_is_accepted(token: str, refresh: str | None) -> None:
    data = {"access_token": token, "refresh_token": refresh, "expires_in": 60}
    parsed = parse_token_body(data, 10.0).unwrap()
    assert (parsed.access_token, parsed.refresh_token) == (token, refresh)
    assert isinstance(check_token(parsed), Success)


@given(broken_tokens(), st.sampled_from(["access_token", "refresh_token"]))
def test_stored_token_with_bad_token_is_refused(token: str, field: str) -> None:
    text = json.dumps({field: token, "expires_at": 5.0})
    result = access_token.token_from_json(text)
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), InvalidInput)
    _field_named_value_not(result, field, token)


@given(good_tokens, st.none() | good_tokens, st.none() | st.floats(0, 1e10))
def test_stored_form_round_trips_and_passes_check(
    token: str, refresh: str | None, expires_at: float | None
) -> None:
    original = AccessToken(access_token=token, refresh_token=refresh, expires_at=expires_at)
    back = access_token.token_from_json(access_token.token_to_json(original)).unwrap()
    assert back == original
    assert check_token(back) == Success(back)


bad_times: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, True, False, "2030", b"1"]),
    st.sampled_from([10**400, -(10**400), 2**60, 1e300]),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not math.isfinite(f)),
    st.text(max_size=5),
    st.builds(object),
)


@given(bad_times, st.sampled_from(["expires_at", "expires_in"]))
def test_check_token_refuses_non_numbers_and_non_finite(value: Any, field: str) -> None:
    token = AccessToken(access_token="tok", **{field: value})
    result = check_token(token)
    assert isinstance(result, Failure)
    assert field in result.failure().field


@given(broken_tokens(), st.sampled_from(["access_token", "refresh_token"]))
def test_check_token_refuses_bad_token_text(token: str, field: str) -> None:
    fields: dict[str, Any] = {field: token}
    result = check_token(AccessToken(**fields))
    _field_named_value_not(result, field, token)


@given(wrong_types)
def test_check_token_never_raises_on_non_tokens(value: Any) -> None:
    assert isinstance(check_token(value), Failure)


@given(non_str.filter(lambda v: v is not None), st.sampled_from(["access_token", "refresh_token"]))
def test_check_token_refuses_non_str_tokens(value: Any, field: str) -> None:
    assert isinstance(check_token(AccessToken(**{field: value})), Failure)


@given(st.integers(400, 4000))
def test_stored_huge_number_is_a_failure_not_a_raise(digits: int) -> None:
    for key in ("expires_at", "expires_in"):
        text = '{"access_token": "t", "' + key + '": 1' + "0" * digits + "}"
        assert isinstance(access_token.token_from_json(text), Failure)


@given(wrong_types)
def test_token_from_json_never_raises_on_wrong_type(value: Any) -> None:
    assert isinstance(access_token.token_from_json(value), Success | Failure)


# -- Finding 11: wrongly typed or absurd input gives a Failure, never a raise ---------


@given(st.integers(min_value=10**32) | st.sampled_from([10**4300, 10**5000, -(10**5000), -1]))
def test_huge_or_negative_int_ids_fail_before_str(value: int) -> None:
    assert isinstance(config.id_field(value, "enterprise_id"), Failure)
    result = config.ccg_settings(client_id="id", client_secret="s", enterprise_id=value)
    assert isinstance(result, Failure)
    assert result.failure().field == "enterprise_id"


@given(st.integers(0, 10**32 - 1))
def test_int_ids_up_to_32_digits_are_kept(value: int) -> None:
    assert config.id_field(value, "user_id") == Success(str(value))


@st.composite
def authorize_requests(draw: st.DrawFn) -> AuthorizeRequest:
    """A valid request with one field (or one scope) replaced by a wrongly typed value."""
    fields: dict[str, Any] = {
        "client_id": "client",
        "redirect_uri": None,
        "state": "s" * MIN_STATE,
        "scopes": ("root_readonly",),
    }
    name = draw(st.sampled_from(["client_id", "redirect_uri", "state", "scopes", "scope"]))
    # (An empty list is a valid ``scopes``; every other value here is not.)
    bad = draw(non_str.filter(lambda v: v is not None and v != []))
    if name == "scope":
        fields["scopes"] = ("root_readonly", bad)
    else:
        fields[name] = bad
    return AuthorizeRequest(**fields)


@given(authorize_requests())
def test_authorize_url_never_raises_on_wrong_types(request: AuthorizeRequest) -> None:
    assert isinstance(authorize_url(BaseUrls(), request), Failure)


@given(wrong_types)
def test_authorize_url_refuses_non_requests(value: Any) -> None:
    assert isinstance(authorize_url(BaseUrls(), value), Failure)
    good = AuthorizeRequest("client", None, "s" * MIN_STATE)
    assert isinstance(authorize_url(value, good), Failure)


non_numbers: st.SearchStrategy[Any] = wrong_types.filter(
    lambda v: isinstance(v, bool) or not isinstance(v, int | float)
) | st.sampled_from(["1", "1000.0", 10**400, -(10**400), 2**60, math.nan, math.inf, True])


@given(st.sampled_from(["now", "skew"]), non_numbers)
def test_build_claims_refuses_non_numbers(name: str, value: Any) -> None:
    settings = config.jwt_settings(
        client_id="c",
        client_secret="s",
        jwt_key_id="k",
        private_key="p",
        private_key_passphrase=None,
        enterprise_id="1",
    ).unwrap()
    kwargs: dict[str, Any] = {"now": 1000.0, "skew": 0.0, name: value}
    result = build_claims(settings, jti="j" * 16, **kwargs)
    assert isinstance(result, Failure)
    assert result.failure().field == name


@given(wrong_types | st.text(max_size=5), wrong_types | st.text(max_size=5))
def test_state_matches_is_false_for_non_str(expected: Any, received: Any) -> None:
    matched = state_matches(expected, received)
    assert isinstance(matched, bool)
    if not isinstance(expected, str) or not isinstance(received, str):
        assert matched is False


@given(non_str, st.floats(allow_nan=True) | st.integers())
def test_parse_retry_after_is_none_for_non_str(value: Any, now: float) -> None:
    assert parse_retry_after(value, now) is None


@given(wrong_types | st.sampled_from(["1000", 10**400]))
def test_parse_retry_after_date_with_a_bad_clock_is_none(now: Any) -> None:
    result = parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now)
    assert result is None or isinstance(now, int | float)


@given(st.sampled_from(sorted(downscope.KNOWN_SCOPES)), st.integers(1, 3))
def test_validate_scopes_ends_on_an_endless_iterable(scope: str, variety: int) -> None:
    known = sorted(downscope.KNOWN_SCOPES)[:variety]
    for endless in (itertools.repeat(scope), itertools.cycle([scope, *known])):
        result = downscope.validate_scopes(endless)
        assert isinstance(result, Failure)
        assert "too many" in result.failure().problem


@given(st.lists(st.sampled_from(sorted(downscope.KNOWN_SCOPES)), min_size=1, max_size=256))
def test_validate_scopes_accepts_repeats_up_to_the_bound(scopes: list[str]) -> None:
    assert downscope.validate_scopes(scopes) == Success(tuple(dict.fromkeys(scopes)))


# -- Review item 3: redirect URLs are read in the core ---------------------------------

query_text = st.text(ANY_CHAR.filter(lambda c: c not in "#"), max_size=40)
prefixes = st.sampled_from(
    [
        "https://app.example.test/cb?",
        "http://127.0.0.1:8765/callback?",
        "https://[x/?",  # urlsplit raises "Invalid IPv6 URL" on this one
        "/callback?",
        "?",
        "",
    ]
)


@given(prefixes, query_text, st.none() | st.text(ANY_CHAR, max_size=10))
def test_query_of_redirect_finds_the_query(prefix: str, query: str, fragment: str | None) -> None:
    if prefix == "":  # a bare query: it must not look like a URL or a path itself
        query = query.replace("?", "").replace("://", "")
        query = query.lstrip("/")  # a leading "/" would make it a path
    redirect = prefix + query + ("" if fragment is None else "#" + fragment)
    assert query_of_redirect(redirect) == Success(query)


@given(st.text(ANY_CHAR, max_size=60))
def test_query_of_redirect_never_raises_and_never_keeps_a_fragment(text: str) -> None:
    query = query_of_redirect(text).unwrap()
    assert "#" not in query
    assert query in text


@given(wrong_types)
def test_query_of_redirect_refuses_non_str(value: Any) -> None:
    assert isinstance(query_of_redirect(value), Failure)


def test_query_of_redirect_examples() -> None:
    assert query_of_redirect("https://[x/?code=a&state=b") == Success("code=a&state=b")
    assert query_of_redirect("https://app/cb#frag?code=a") == Success("")
    assert query_of_redirect("https://app/cb") == Success("")
    assert query_of_redirect("/cb") == Success("")
    assert query_of_redirect("code=a&state=b#x") == Success("code=a&state=b")
    assert isinstance(query_of_redirect("?" + "a" * 20_000), Failure)


# -- Review item 4: one error-code table; caller states of at least MIN_STATE --------


@given(st.sampled_from(ErrorKind))
def test_kind_of_knows_every_kind(kind: ErrorKind) -> None:
    assert kind_of(kind.value) is kind


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


@given(st.text(ANY_CHAR.filter(str.isprintable), min_size=1, max_size=MIN_STATE - 1))
def test_short_caller_state_is_refused(state: str) -> None:
    result = authorize_url(BaseUrls(), AuthorizeRequest("client", None, state))
    assert isinstance(result, Failure)
    assert result.failure().field == "state"


@given(st.text(min_size=MIN_STATE, max_size=64))
def test_long_enough_state_is_accepted(state: str) -> None:
    url = authorize_url(BaseUrls(), AuthorizeRequest("client", None, state)).unwrap()
    assert ("state", state) in parse_qsl(urlsplit(url).query, keep_blank_values=True)


# -- Numbers: a huge int is refused by comparison, never passed to math.isfinite -------

huge_ints = st.integers(400, 4000).map(lambda digits: 10**digits) | st.just(-(10**400))


@given(huge_ints)
def test_token_body_with_a_huge_integer_lifetime_is_malformed(value: int) -> None:
    body = ('{"access_token": "tok", "expires_in": ' + str(value) + "}").encode()
    result = parse_token_response(response(200, (), body), sent_at=0.0, received_at=0.0)
    assert isinstance(result, Failure)
    assert result.failure().kind is ErrorKind.MALFORMED_RESPONSE


@given(huge_ints | wrong_types)
def test_a_bad_clock_gives_no_skew_and_no_date_delay(now: Any) -> None:
    date = (("date", "Sun, 06 Nov 1994 08:49:37 GMT"),)
    assert server_skew(response(200, date, b""), now) is None
    assert parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) is None or (
        is_real_number(now) and abs(now) <= 2**53
    )


@given(
    st.sampled_from(["max_attempts", "base_delay", "max_delay", "max_retry_after"]),
    huge_ints
    | wrong_types.filter(lambda v: not is_real_number(v))
    | st.sampled_from(["3", -1, -0.5, math.nan, math.inf]),
)
def test_retry_policy_check_never_raises(name: str, value: Any) -> None:
    policy = dataclasses.replace(RetryPolicy(), **{name: value})
    result = check_policy(policy)
    assert isinstance(result, Failure)
    assert result.failure().field == name


@given(wrong_types)
def test_retry_policy_check_refuses_non_policies(value: Any) -> None:
    assert isinstance(check_policy(value), Failure)


@given(wrong_types | huge_ints | st.floats(allow_nan=True, allow_infinity=True))
def test_is_real_number(value: Any) -> None:
    expected = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and (isinstance(value, int) or math.isfinite(value))
    )
    assert is_real_number(value) is expected
