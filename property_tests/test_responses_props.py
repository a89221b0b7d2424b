"""Properties of response interpretation (protocol notes §2, §9, §10)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import any_text, json_values

from boxauth.access_token import AccessToken
from boxauth.errors import BoxRefused, ErrorKind
from boxauth.responses import (
    Challenge,
    HttpResponse,
    parse_error,
    parse_http_date,
    parse_retry_after,
    parse_token_response,
    parse_www_authenticate,
    refresh_may_help,
    response,
    server_skew,
)

MIB = 1024 * 1024
MAX_EXPIRES_IN = 366 * 86_400
times = st.floats(0, 4e9, allow_nan=False)
header_names = st.sampled_from(
    ["Retry-After", "retry-after", "Date", "WWW-Authenticate", "box-request-id", "X-Other"]
)
headers = st.lists(st.tuples(header_names | any_text, any_text), max_size=6)
statuses = st.integers(-1000, 100_000)
bodies = st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())


@given(statuses, headers, bodies, times, times)
def test_never_raises_on_anything(
    status: int, hdrs: list[tuple[str, str]], body: bytes, sent: float, received: float
) -> None:
    resp = response(status, hdrs, body)
    result = parse_token_response(resp, sent_at=sent, received_at=received)
    assert isinstance(result, Success | Failure)
    if isinstance(result, Failure):
        assert isinstance(result.failure(), BoxRefused)
    assert isinstance(parse_error(resp, received), BoxRefused)
    assert isinstance(refresh_may_help(resp), bool)
    skew = server_skew(resp, received)
    assert skew is None or abs(skew) <= 86_400
    for _, value in hdrs:
        retry = parse_retry_after(value, received)
        assert retry is None or 0 <= retry <= 86_400
        date = parse_http_date(value)
        assert date is None or isinstance(date, float)
        assert isinstance(parse_www_authenticate(value), Success | Failure)


# RFC 6750 b64token: what parse_token_body accepts as a token (review finding 1).
bearer_tokens = st.from_regex(r"[A-Za-z0-9\-._~+/]{1,40}=*", fullmatch=True)
valid_token_bodies = st.fixed_dictionaries(
    {
        "access_token": bearer_tokens,
        "expires_in": st.integers(1, MAX_EXPIRES_IN),
    },
    optional={
        "token_type": st.none() | st.text(max_size=10),
        "refresh_token": st.none() | bearer_tokens,
        "issued_token_type": st.none() | st.text(max_size=10),
        "restricted_to": st.lists(
            st.fixed_dictionaries(
                {"scope": st.text(max_size=10)},
                optional={
                    "object": st.fixed_dictionaries(
                        {},
                        optional={
                            "type": st.text(max_size=6),
                            "id": st.text(max_size=6),
                            "name": st.text(max_size=6),
                        },
                    )
                },
            ),
            max_size=3,
        ),
        "extra": json_values,
    },
)


@given(valid_token_bodies, times, times)
def test_valid_bodies_round_trip(data: dict[str, Any], sent: float, received: float) -> None:
    resp = response(200, [], json.dumps(data).encode())
    token = parse_token_response(resp, sent_at=sent, received_at=received).unwrap()
    assert isinstance(token, AccessToken)
    assert token.access_token == data["access_token"]
    assert token.expires_in == data["expires_in"]
    assert token.expires_at == sent + data["expires_in"]
    assert token.token_type == data.get("token_type")
    assert token.refresh_token == data.get("refresh_token")
    assert token.issued_token_type == data.get("issued_token_type")
    items = data.get("restricted_to", [])
    assert [r.scope for r in token.restricted_to] == [i["scope"] for i in items]
    for parsed, item in zip(token.restricted_to, items, strict=True):
        obj = item.get("object", {})
        assert (parsed.object_type, parsed.object_id, parsed.object_name) == (
            obj.get("type"),
            obj.get("id"),
            obj.get("name"),
        )


@given(
    valid_token_bodies,
    st.integers(201, 299)
    | st.sampled_from([0, 100, 199, 204, 400, 401, 429, 500])
    | statuses.filter(lambda s: s != 200),
    headers,
    times,
)
def test_every_status_but_200_fails(
    data: dict[str, Any], status: int, hdrs: list[tuple[str, str]], now: float
) -> None:
    """Even a perfect token body is refused unless the status is exactly 200."""
    resp = response(status, hdrs, json.dumps(data).encode())
    result = parse_token_response(resp, sent_at=now, received_at=now)
    assert isinstance(result, Failure)
    assert result.failure().status == status


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return True


bad_strings = st.one_of(
    st.integers(), st.booleans(), st.lists(st.integers(), max_size=2), st.just({"a": 1})
)


@st.composite
def malformed_bodies(draw: st.DrawFn) -> bytes:
    """Every way a 200 body can be unusable."""
    base = draw(valid_token_bodies)
    how = draw(
        st.sampled_from(
            [
                "not_json",
                "not_object",
                "no_token",
                "empty_token",
                "token_type",
                "no_expiry",
                "bad_expiry",
                "optional_type",
                "empty_refresh",
                "bad_restricted",
                "oversized",
            ]
        )
    )
    if how == "not_json":
        raw = draw(st.binary(max_size=100))
        assume(not _is_json(raw))
        return raw
    if how == "not_object":
        value = draw(json_values)
        assume(not isinstance(value, dict))
        return json.dumps(value).encode()
    if how == "no_token":
        del base["access_token"]
    elif how == "empty_token":
        base["access_token"] = draw(st.text(" \t\n\r", max_size=4))
    elif how == "token_type":
        base["access_token"] = draw(bad_strings | st.none())
    elif how == "no_expiry":
        del base["expires_in"]
    elif how == "bad_expiry":
        base["expires_in"] = draw(
            st.one_of(
                st.integers(max_value=0),
                st.integers(min_value=MAX_EXPIRES_IN + 1),
                # A fraction in range is rounded down, not refused: only out of range.
                st.floats(-1e9, 1e9).filter(lambda f: not 1 <= f <= MAX_EXPIRES_IN),
                st.booleans(),
                st.text(max_size=5),
                st.none(),
                st.lists(st.integers(1, 9), max_size=2),
            )
        )
    elif how == "optional_type":
        base[draw(st.sampled_from(["token_type", "refresh_token", "issued_token_type"]))] = draw(
            bad_strings
        )
    elif how == "empty_refresh":
        base["refresh_token"] = draw(st.text(" \t", max_size=3))
    elif how == "bad_restricted":
        base["restricted_to"] = draw(
            st.one_of(
                st.text(max_size=5),
                st.integers(),
                st.just({"scope": "x"}),
                st.lists(
                    st.integers() | st.just({"object": {}}) | st.just({"scope": 1}), min_size=1
                ),
            )
        )
    raw = json.dumps(base).encode()
    if how == "oversized":
        raw = raw[:-1] + b" " * (MIB + 1 - len(raw)) + b"}"
        assert _is_json(raw)
    return raw


@given(malformed_bodies(), headers, times)
def test_malformed_200_bodies_fail_as_malformed(
    raw: bytes, hdrs: list[tuple[str, str]], now: float
) -> None:
    result = parse_token_response(response(200, hdrs, raw), sent_at=now, received_at=now)
    assert isinstance(result, Failure)
    assert result.failure().kind is ErrorKind.MALFORMED_RESPONSE
    assert result.failure().status == 200


@given(valid_token_bodies, st.sampled_from([1.0, 60.0, 3600.0, 4123.0]), times)
def test_integral_float_expiry_is_accepted(
    data: dict[str, Any], seconds: float, now: float
) -> None:
    data["expires_in"] = seconds
    token = parse_token_response(
        response(200, [], json.dumps(data).encode()), sent_at=now, received_at=now
    ).unwrap()
    assert token.expires_in == int(seconds)
    assert token.expires_at == now + seconds


KNOWN = [k.value for k in ErrorKind if k.value not in ("rate_limited", "server_error")]
SKEW_SNIPPETS = [
    "Please check the 'exp' claim.",
    "Please check the 'jti' claim. A unique 'jti' value is required.",
    "Current date/time MUST be before the expiration date/time listed in the 'exp' claim",
    "Refresh token has expired",
    "The 'sub' specified is invalid.",
    "jti exp expired",
    "",
]
descriptions = st.one_of(
    st.sampled_from(SKEW_SNIPPETS),
    st.builds(
        lambda a, b, c: a + b + c,
        st.text(max_size=20),
        st.sampled_from(SKEW_SNIPPETS),
        st.text(max_size=20),
    ),
)
error_statuses = st.one_of(st.sampled_from([400, 401, 403, 429, 500, 503]), st.integers(300, 599))


@given(error_statuses, st.sampled_from(KNOWN) | st.text(max_size=15), descriptions, times)
def test_clock_skew_flag(status: int, error: str, description: str, now: float) -> None:
    body = json.dumps({"error": error, "error_description": description}).encode()
    refused = parse_error(response(status, [], body), now)
    shown = refused.description
    is_invalid_grant = status != 429 and status < 500 and error == "invalid_grant"
    expected = is_invalid_grant and ("'exp'" in shown or "'jti'" in shown)
    assert refused.clock_skew == expected
    assert (refused.kind is ErrorKind.INVALID_GRANT) == is_invalid_grant
    if status == 429:
        assert refused.kind is ErrorKind.RATE_LIMITED
    elif status >= 500:
        assert refused.kind is ErrorKind.SERVER_ERROR
    # Through the full interpretation too.
    result = parse_token_response(response(status, [], body), sent_at=now, received_at=now)
    assert result.failure().clock_skew == expected


@given(
    st.integers(0, 10**9),
    st.integers(0, 20),
    st.sampled_from(["", " ", "\t"]),
    times,
)
def test_retry_after_seconds(seconds: int, zeros: int, pad: str, now: float) -> None:
    text = pad + "0" * zeros + str(seconds) + pad
    assume(len(text.strip()) <= 64)
    assert parse_retry_after(text, now) == min(seconds, 86_400)


_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_LONG_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2069, 12, 31, 23, 59, 59)
).map(lambda d: d.replace(microsecond=0, tzinfo=UTC))


def imf_fixdate(d: datetime) -> str:
    return (
        f"{_DAYS[d.weekday()]}, {d.day:02d} {_MONS[d.month - 1]} {d.year:04d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} GMT"
    )


def rfc850(d: datetime) -> str:
    return (
        f"{_LONG_DAYS[d.weekday()]}, {d.day:02d}-{_MONS[d.month - 1]}-{d.year % 100:02d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} GMT"
    )


def asctime(d: datetime) -> str:
    return (
        f"{_DAYS[d.weekday()]} {_MONS[d.month - 1]} {d.day:2d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d} {d.year:04d}"
    )


def _epoch(d: datetime) -> float:
    return (d - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(seconds=1)


@given(moments, st.sampled_from([imf_fixdate, rfc850, asctime]))
def test_http_dates_parse(moment: datetime, form: Any) -> None:
    assert parse_http_date(form(moment)) == _epoch(moment)


@given(moments, st.floats(-1e6, 1e6, allow_nan=False))
def test_retry_after_date_is_relative_and_bounded(moment: datetime, offset: float) -> None:
    now = _epoch(moment) + offset
    got = parse_retry_after(imf_fixdate(moment), now)
    assert got == min(max(_epoch(moment) - now, 0.0), 86_400.0)
    assert got is not None
    assert 0 <= got <= 86_400


@given(any_text, times)
def test_retry_after_is_bounded(text: str, now: float) -> None:
    got = parse_retry_after(text, now)
    assert got is None or 0 <= got <= 86_400


token_chars = st.text("abcdefghijklmnopqrstuvwxyzABC0123456789_-", min_size=1, max_size=10)
param_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@given(
    st.sampled_from(["Bearer", "bearer", "Basic"]),
    st.lists(st.tuples(token_chars, param_values), max_size=6),
)
def test_www_authenticate_round_trips(scheme: str, params: list[tuple[str, str]]) -> None:
    quoted = [
        f'{name}="{value.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for name, value in params
    ]
    header = f"{scheme} {', '.join(quoted)}".strip()
    challenge = parse_www_authenticate(header).unwrap()
    assert challenge == Challenge(scheme.lower(), tuple((n.lower(), v) for n, v in params))


@given(st.binary(max_size=50), headers, statuses)
def test_refresh_may_help(body: bytes, hdrs: list[tuple[str, str]], status: int) -> None:
    resp = HttpResponse(status, tuple(hdrs), body)
    if status != 401:
        assert refresh_may_help(resp) is False
        return
    if not body.strip():
        assert refresh_may_help(resp) is True
    invalid = HttpResponse(
        401,
        (("WWW-Authenticate", 'Bearer realm="Service", error="invalid_token"'),),
        body,
    )
    assert refresh_may_help(invalid) is True
    other = HttpResponse(
        401, (("WWW-Authenticate", 'Bearer realm="Service"'),), body + b'{"code":"unauthorized"}'
    )
    assert refresh_may_help(other) is False


@given(
    st.sampled_from([400, 401, 403]),
    descriptions | st.sampled_from(["Refresh token has expired", "Invalid jti", "exp", "jti"]),
    times,
)
def test_clock_skew_needs_the_quoted_claim(status: int, description: str, now: float) -> None:
    """'Refresh token has expired' is invalid_grant too, but not clock skew."""
    body = json.dumps({"error": "invalid_grant", "error_description": description}).encode()
    refused = parse_error(response(status, [], body), now)
    assert refused.kind is ErrorKind.INVALID_GRANT
    shown = refused.description
    assert refused.clock_skew == ("'exp'" in shown or "'jti'" in shown)


def test_retry_after_and_skew_are_none_for_a_non_finite_clock() -> None:
    from boxauth.responses import parse_retry_after, response, server_skew

    date = "Mon, 19 Mar 2018 15:43:29 GMT"
    for bad in (float("nan"), float("inf"), float("-inf")):
        assert parse_retry_after(date, bad) is None
        assert server_skew(response(400, [("Date", date)], b""), bad) is None
