"""responses: Box's answers read as values: a token, a refusal, Retry-After, the Date
header's skew, WWW-Authenticate, and what a 401 means for a refresh.

The shapes: developer.box.com/reference/resources/access-token/ (a token answer) and
developer.box.com/reference/resources/oauth2-error/ (an error); Retry-After and HTTP
dates per RFC 9110 §10.2.3 and §5.6.7; WWW-Authenticate per RFC 6750 §3. Only a 200
carries a token; an unusable answer is a ``BoxRefused`` of kind MALFORMED_RESPONSE
whose description names the field, never its value.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import any_text, json_values, refused

from boxauth.access_token import AccessToken, RestrictedTo, check_token
from boxauth.errors import BoxRefused, ErrorKind, is_real_number
from boxauth.responses import (
    MAX_BODY,
    MAX_EXPIRES_IN,
    MAX_HEADER,
    MAX_SKEW,
    Challenge,
    HttpResponse,
    parse_empty_success,
    parse_error,
    parse_http_date,
    parse_retry_after,
    parse_token_body,
    parse_token_response,
    parse_www_authenticate,
    refresh_may_help,
    request_id,
    response,
    salvage_refresh_token,
    server_skew,
)

T0 = 1_700_000_000.0
IMF = "Tue, 14 Nov 2023 22:13:20 GMT"  # == T0


def _ok_body(**extra: object) -> bytes:
    return json.dumps({"access_token": "AT", "expires_in": 3600, **extra}).encode()


def test_header_lookup_ignores_case_and_takes_the_first() -> None:
    resp = response(200, [("Box-Request-Id", "r1"), ("BOX-REQUEST-ID", "r2")], b"")
    assert resp.header("box-request-id") == "r1"
    assert resp.header("BOX-request-ID") == "r1"
    assert resp.header("x") is None
    assert request_id(resp) == "r1"
    assert request_id(response(200, [], b"")) is None
    assert request_id(response(200, [("box-request-id", "")], b"")) is None


@given(st.integers(1, 300))
def test_request_id_is_cut_to_128(n: int) -> None:
    rid = "r" * n
    got = request_id(response(400, [("box-request-id", rid)], b""))
    assert got == (rid if n <= 128 else rid[:125] + "...")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (IMF, T0),
        ("Tuesday, 14-Nov-23 22:13:20 GMT", T0),
        ("Thursday, 01-Jan-70 00:00:00 GMT", 0.0),
        ("Tuesday, 31-Dec-69 00:00:00 GMT", datetime(2069, 12, 31, tzinfo=UTC).timestamp()),
        ("Tue Nov 14 22:13:20 2023", T0),
        ("Tue Nov  4 22:13:20 2023", T0 - 10 * 86_400),
        ("  " + IMF + "  ", T0),
        (" " * (64 - len(IMF)) + IMF, T0),
        (" " * (65 - len(IMF)) + IMF, None),
        ("Tue, 31 Feb 2023 22:13:20 GMT", None),
        ("", None),
        (None, None),
        ("yesterday", None),
    ],
)
def test_http_dates(text: str | None, expected: float | None) -> None:
    assert parse_http_date(text) == expected


def test_http_dates_do_not_depend_on_the_local_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert parse_http_date(IMF) == T0
    finally:
        monkeypatch.undo()
        time.tzset()


def test_retry_after() -> None:
    assert parse_retry_after("7", T0) == 7.0
    assert parse_retry_after(" 7 ", T0) == 7.0
    assert parse_retry_after("9" * 64, T0) == 86_400.0
    assert parse_retry_after("9" * 65, T0) is None
    assert parse_retry_after(IMF, T0 - 30) == 30.0
    assert parse_retry_after(IMF, T0 + 30) == 0.0
    assert parse_retry_after(IMF, float("nan")) is None
    assert parse_retry_after(IMF, 2.0**54) is None
    assert parse_retry_after(None, T0) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (10.0, 10.0),
        (-10.0, -10.0),
        (MAX_SKEW, MAX_SKEW),
        (-MAX_SKEW, -MAX_SKEW),
        (MAX_SKEW + 1, None),
        (-MAX_SKEW - 1, None),
    ],
)
def test_server_skew_is_server_minus_ours(offset: float, expected: float | None) -> None:
    resp = response(200, [("Date", IMF)], b"")
    assert server_skew(resp, T0 - offset) == expected


def test_server_skew_needs_a_date_and_a_real_clock() -> None:
    assert server_skew(response(200, [], b""), T0) is None
    assert server_skew(response(200, [("date", IMF)], b""), float("inf")) is None
    assert server_skew(response(200, [("date", IMF)], b""), 2.0**54) is None


def test_parse_error_reads_both_error_shapes_and_the_headers() -> None:
    oauth = response(
        400,
        [("Box-Request-Id", "rid"), ("Retry-After", "5")],
        b'{"error": "invalid_grant", "error_description": "Bad \'exp\' claim"}',
    )
    assert parse_error(oauth, T0) == BoxRefused(
        kind=ErrorKind.INVALID_GRANT,
        status=400,
        error="invalid_grant",
        description="Bad 'exp' claim",
        request_id="rid",
        retry_after=5.0,
        clock_skew=True,
        headers=(("box-request-id", "rid"), ("retry-after", "5")),
        details=(("error", "invalid_grant"), ("error_description", "Bad 'exp' claim")),
    )
    client = response(403, [], b'{"code": "access_denied", "message": "no"}')
    assert parse_error(client, T0) == BoxRefused(
        kind=ErrorKind.ACCESS_DENIED,
        status=403,
        error="access_denied",
        description="no",
        details=(("code", "access_denied"), ("message", "no")),
    )
    # The OAuth fields win over the ClientError ones.
    both = response(
        400,
        [],
        b'{"error": "invalid_client", "code": "x", "error_description": "d", "message": "m"}',
    )
    got = parse_error(both, T0)
    assert (got.error, got.description) == ("invalid_client", "d")
    plain = parse_error(response(418, [], b"teapot"), T0)
    assert (plain.kind, plain.error, plain.description) == (ErrorKind.UNRECOGNIZED, "http_418", "")
    assert (
        parse_error(response(400, [], json.dumps({"error": "e" * 100}).encode()), T0).error
        == "e" * 61 + "..."
    )
    assert (
        parse_error(response(400, [], json.dumps({"error": "e" * 64}).encode()), T0).error
        == "e" * 64
    )


def test_parse_error_statuses_and_size() -> None:
    assert parse_error(response(429, [], b""), T0).kind is ErrorKind.RATE_LIMITED
    assert parse_error(response(500, [], b""), T0).kind is ErrorKind.SERVER_ERROR
    assert parse_error(response(499, [], b""), T0).kind is ErrorKind.UNRECOGNIZED
    huge = response(400, [("box-request-id", "r")], b" " * (MAX_BODY + 1))
    got = parse_error(huge, T0)
    assert (got.kind, got.status, got.request_id) == (ErrorKind.MALFORMED_RESPONSE, 400, "r")
    edge = response(400, [], b" " * MAX_BODY)
    assert parse_error(edge, T0).kind is ErrorKind.UNRECOGNIZED


def _malformed(result: Result[Any, BoxRefused], status: int) -> BoxRefused:
    """A MALFORMED_RESPONSE refusal of an answer of ``status`` carrying request id "rid"."""
    assert isinstance(result, Failure), result
    error = result.failure()
    assert (error.kind, error.status, error.error) == (
        ErrorKind.MALFORMED_RESPONSE,
        status,
        "malformed_response",
    )
    assert (error.request_id, error.headers) == ("rid", (("box-request-id", "rid"),))
    return error


H = [("box-request-id", "rid")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[]", None),
        (b"", None),
        (b"{", None),
        (b'{"expires_in": 1}', "access_token"),
        (b'{"access_token": " ", "expires_in": 1}', "access_token"),
        (b'{"access_token": "a b", "expires_in": 1}', "access_token"),
        (b'{"access_token": "A"}', "expires_in"),
        (b'{"access_token": "A", "expires_in": true}', "expires_in"),
        (b'{"access_token": "A", "expires_in": 0.5}', "expires_in"),
        (b'{"access_token": "A", "expires_in": 0.999}', "expires_in"),
        (b'{"access_token": "A", "expires_in": 0}', "expires_in"),
        (b'{"access_token": "A", "expires_in": "0"}', "expires_in"),
        (b'{"access_token": "A", "expires_in": "3600 "}', "expires_in"),
        (b'{"access_token": "A", "expires_in": "-1"}', "expires_in"),
        (b'{"access_token": "A", "expires_in": "1e3"}', "expires_in"),
        (b'{"access_token": "A", "expires_in": "nan"}', "expires_in"),
        (
            json.dumps({"access_token": "A", "expires_in": MAX_EXPIRES_IN + 1}).encode(),
            "expires_in",
        ),
        (
            json.dumps({"access_token": "A", "expires_in": MAX_EXPIRES_IN + 0.5}).encode(),
            "expires_in",
        ),
        (_ok_body(token_type=1), "token_type"),
        (_ok_body(refresh_token=""), "refresh_token"),
        (_ok_body(refresh_token="a\nb"), "refresh_token"),
        (_ok_body(issued_token_type=[]), "issued_token_type"),
        (_ok_body(restricted_to={}), "restricted_to"),
        (_ok_body(restricted_to=[{"scope": "s"}] * 1001), "restricted_to"),
        (_ok_body(restricted_to=[{}]), "restricted_to"),
        (_ok_body(restricted_to=[3]), "restricted_to"),
    ],
)
def test_each_unusable_token_answer_is_refused_naming_its_field(
    body: bytes, field: str | None
) -> None:
    """The description names the field (quoted), or the body when it is not a JSON object."""
    error = _malformed(
        parse_token_response(response(200, H, body), sent_at=T0, received_at=T0), 200
    )
    if field is None:
        assert error.description == "response body is not a JSON object"
    else:
        assert error.description.startswith(f"'{field}' ")


def test_token_answer_fields_and_expiry_from_sent_at() -> None:
    body = _ok_body(
        expires_in=MAX_EXPIRES_IN,
        token_type="bearer",
        refresh_token="RT",
        issued_token_type="urn:t",
        restricted_to=[
            {"scope": "item_preview", "object": {"type": "file", "id": "42", "name": "n"}},
            {"scope": "s2", "object": {"type": 1, "id": 2, "name": None}},
            {"scope": "s3", "object": "x"},
        ]
        + [{"scope": "s"}] * 997,
    )
    got = parse_token_response(response(200, H, body), sent_at=T0, received_at=T0 + 99)
    assert got == Success(
        AccessToken(
            access_token="AT",
            expires_in=MAX_EXPIRES_IN,
            token_type="bearer",
            refresh_token="RT",
            issued_token_type="urn:t",
            expires_at=T0 + MAX_EXPIRES_IN,
            restricted_to=(
                RestrictedTo("item_preview", "file", "42", "n"),
                RestrictedTo("s2"),
                RestrictedTo("s3"),
                *[RestrictedTo("s")] * 997,
            ),
        )
    )
    assert parse_token_body({"access_token": "A", "expires_in": 2.0}, 1.0) == Success(
        AccessToken(access_token="A", expires_in=2, expires_at=3.0)
    )
    assert isinstance(
        parse_token_body({"access_token": "A", "expires_in": 2.0}, 1.0).unwrap().expires_in, int
    )


def test_token_answer_size_limit_is_inclusive() -> None:
    body = _ok_body()
    exact = body + b" " * (MAX_BODY - len(body))
    assert parse_token_response(response(200, H, exact), sent_at=T0, received_at=T0) == Success(
        AccessToken(access_token="AT", expires_in=3600, expires_at=T0 + 3600)
    )
    over = response(200, H, exact + b" ")
    _malformed(parse_token_response(over, sent_at=T0, received_at=T0), 200)
    over_err = response(400, H, exact + b" ")
    _malformed(parse_token_response(over_err, sent_at=T0, received_at=T0), 400)


@pytest.mark.parametrize("status", [201, 204, 299])
def test_other_success_statuses_are_not_a_token(status: int) -> None:
    got = parse_token_response(response(status, H, _ok_body()), sent_at=T0, received_at=T0)
    assert _malformed(got, status).description.endswith(str(status))


@pytest.mark.parametrize("status", [199, 300, 400, 429, 503])
def test_non_2xx_token_answers_are_box_errors(status: int) -> None:
    resp = response(status, [*H, ("retry-after", IMF)], b'{"error": "invalid_grant"}')
    got = parse_token_response(resp, sent_at=T0 - 100, received_at=T0 - 20)
    assert got == Failure(parse_error(resp, T0 - 20))
    assert got.failure().retry_after == 20.0


@pytest.mark.parametrize(
    ("status", "ok"),
    [(199, False), (200, True), (204, True), (299, True), (300, False), (401, False)],
)
def test_revoke_accepts_any_2xx(status: int, ok: bool) -> None:
    resp = response(status, [("retry-after", IMF)], b"")
    got = parse_empty_success(resp, T0 - 3)
    assert got == (Success(None) if ok else Failure(parse_error(resp, T0 - 3)))


def test_www_authenticate() -> None:
    got = parse_www_authenticate(
        'Bearer realm="Service", Error="invalid_token", error_description="a \\"b\\"", x=y'
    )
    assert got == Success(
        Challenge(
            "bearer",
            (
                ("realm", "Service"),
                ("error", "invalid_token"),
                ("error_description", 'a "b"'),
                ("x", "y"),
            ),
        )
    )
    assert got.unwrap().param("error") == "invalid_token"
    assert got.unwrap().param("Error") is None
    assert got.unwrap().param("nope") is None
    assert parse_www_authenticate('Bearer a=""') == Success(Challenge("bearer", (("a", ""),)))
    assert parse_www_authenticate("Basic") == Success(Challenge("basic", ()))
    refused(parse_www_authenticate(None), "WWW-Authenticate")
    refused(parse_www_authenticate(""), "WWW-Authenticate")
    refused(parse_www_authenticate("9x"), "WWW-Authenticate")
    refused(parse_www_authenticate(" "), "WWW-Authenticate")
    refused(parse_www_authenticate("Bearer ,,"), "WWW-Authenticate")
    long_ok = "Bearer a=" + "b" * (MAX_HEADER - 9)
    assert parse_www_authenticate(long_ok).unwrap().scheme == "bearer"
    refused(parse_www_authenticate(long_ok + "b"), "WWW-Authenticate")
    params = ", ".join(f"p{i}=v" for i in range(32))
    assert len(parse_www_authenticate("Bearer " + params).unwrap().params) == 32
    refused(parse_www_authenticate("Bearer " + params + ", q=v"), "WWW-Authenticate")


@pytest.mark.parametrize(
    ("status", "header", "body", "expected"),
    [
        (401, None, b"", True),
        (401, None, b"  \n", True),
        (401, 'Bearer error="invalid_token"', b'{"x": 1}', True),
        (401, 'Bearer error="insufficient_scope"', b'{"x": 1}', False),
        (401, None, b'{"code": "unauthorized"}', False),
        (403, None, b"", False),
        (400, 'Bearer error="invalid_token"', b"", False),
    ],
)
def test_refresh_may_help(status: int, header: str | None, body: bytes, expected: bool) -> None:
    headers = [("WWW-Authenticate", header)] if header else []
    assert refresh_may_help(response(status, headers, body)) is expected


def test_non_str_dates_and_the_largest_clock() -> None:
    assert parse_http_date(5) is None  # type: ignore[arg-type]
    assert parse_retry_after(IMF, 2.0**53) == 0.0


def test_a_huge_5xx_body_is_not_read() -> None:
    body = json.dumps(
        {"error": "invalid_grant", "error_description": "d", "pad": "x" * MAX_BODY}
    ).encode()
    got = parse_error(response(503, [], body), T0)
    assert (got.kind, got.error, got.description) == (ErrorKind.SERVER_ERROR, "http_503", "")


def test_non_str_object_fields_are_dropped() -> None:
    body = _ok_body(restricted_to=[{"scope": "s", "object": {"type": 1, "id": [], "name": 5}}])
    got = parse_token_response(response(200, [], body), sent_at=T0, received_at=T0)
    assert got.unwrap().restricted_to == (RestrictedTo("s"),)


# -- A refresh answer is never thrown away --------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (3600, 3600),
        (3600.0, 3600),
        (3600.5, 3600),  # rounded DOWN: renewed half a second early, never late
        (3600.999, 3600),
        (1, 1),
        (1.0, 1),
        (1.5, 1),
        ("3600", 3600),
        ("3600.5", 3600),
        ("1", 1),
        (MAX_EXPIRES_IN, MAX_EXPIRES_IN),
        (float(MAX_EXPIRES_IN), MAX_EXPIRES_IN),
        (str(MAX_EXPIRES_IN), MAX_EXPIRES_IN),
    ],
)
def test_expires_in_accepts_any_finite_positive_number_and_numeric_text(
    given: object, kept: int
) -> None:
    got = parse_token_body({"access_token": "A", "expires_in": given}, T0).unwrap()
    assert got.expires_in == kept
    assert type(got.expires_in) is int
    assert got.expires_at == T0 + kept


@given(st.floats(1, MAX_EXPIRES_IN, allow_nan=False))
def test_expires_in_never_rounds_up(seconds: float) -> None:
    got = parse_token_body({"access_token": "A", "expires_in": seconds}, T0).unwrap()
    assert got.expires_in <= seconds < got.expires_in + 1  # type: ignore[operator]


@pytest.mark.parametrize(
    "absurd", [float("inf"), float("nan"), -1, 10**400, "1" * 17, "1." + "1" * 17, "", " 1"]
)
def test_absurd_expires_in_is_still_refused(absurd: object) -> None:
    assert isinstance(parse_token_body({"access_token": "A", "expires_in": absurd}, T0), Failure)


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "A", "expires_in": "soon", "refresh_token": "RT!1"},
        {"access_token": "a b", "expires_in": 3600, "refresh_token": "RT!1"},
        {"expires_in": 3600, "refresh_token": "RT!1"},
        {"access_token": "A", "expires_in": 3600, "refresh_token": "RT!1", "token_type": 5},
        {"refresh_token": "RT!1"},
    ],
)
def test_salvage_keeps_the_refresh_token_of_an_unusable_200(body: dict[str, object]) -> None:
    resp = response(200, H, json.dumps(body).encode())
    assert isinstance(parse_token_response(resp, sent_at=T0, received_at=T0), Failure)
    assert salvage_refresh_token(resp) == "RT!1"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b'{"access_token": "A", "expires_in": "x", "refresh_token": "a b"}'),
        (200, b'{"access_token": "A", "expires_in": "x", "refresh_token": ""}'),
        (200, b'{"access_token": "A", "expires_in": "x", "refresh_token": 7}'),
        (200, b'{"access_token": "A", "expires_in": "x"}'),
        (200, b"not json"),
        (200, b'["RT"]'),
        (201, b'{"refresh_token": "RT"}'),
        (400, b'{"refresh_token": "RT"}'),
        (200, b'{"refresh_token": "RT"}' + b" " * MAX_BODY),
    ],
)
def test_salvage_returns_none_without_a_well_formed_refresh_token(status: int, body: bytes) -> None:
    assert salvage_refresh_token(response(status, H, body)) is None


@pytest.mark.parametrize("junk", [None, 1, "x", b"{}", object()])
def test_salvage_is_total(junk: object) -> None:
    assert salvage_refresh_token(junk) is None  # type: ignore[arg-type]


# -- Properties over any answer -------------------------------------------------------

MIB = 1024 * 1024
times = st.floats(0, 4e9, allow_nan=False)
header_names = st.sampled_from(
    ["Retry-After", "retry-after", "Date", "WWW-Authenticate", "box-request-id", "X-Other"]
)
headers = st.lists(st.tuples(header_names | any_text, any_text), max_size=6)
statuses = st.integers(-1000, 100_000)
bodies = st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode())


@given(statuses, headers, bodies, times, times)
def test_anything_is_a_checked_token_or_a_refusal(
    status: int, hdrs: list[tuple[str, str]], body: bytes, sent: float, received: float
) -> None:
    resp = response(status, hdrs, body)
    result = parse_token_response(resp, sent_at=sent, received_at=received)
    if isinstance(result, Success):
        assert status == 200
        assert check_token(result.unwrap()) == result
    else:
        assert isinstance(result.failure(), BoxRefused)
        assert result.failure().status == status
    assert isinstance(parse_error(resp, received), BoxRefused)
    assert isinstance(refresh_may_help(resp), bool)
    skew = server_skew(resp, received)
    assert skew is None or abs(skew) <= 86_400
    for _, value in hdrs:
        retry = parse_retry_after(value, received)
        assert retry is None or 0 <= retry <= 86_400
        date = parse_http_date(value)
        assert date is None or isinstance(date, float)
        challenge = parse_www_authenticate(value)
        if isinstance(challenge, Success):
            assert challenge.unwrap().scheme == challenge.unwrap().scheme.lower() != ""
        else:
            refused(challenge, "WWW-Authenticate")


# RFC 6750 b64token characters: a subset of what parse_token_body accepts as a token.
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
def test_refresh_may_help_only_for_a_401_about_the_token(
    body: bytes, hdrs: list[tuple[str, str]], status: int
) -> None:
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
    date = "Mon, 19 Mar 2018 15:43:29 GMT"
    for bad in (float("nan"), float("inf"), float("-inf")):
        assert parse_retry_after(date, bad) is None
        assert server_skew(response(400, [("Date", date)], b""), bad) is None


# -- Tokens in answers, and clocks that are not clocks ----------------------------------

# RFC 9110 §5.6.7's example date, and the Unix time it names.
RFC_9110_EXAMPLE = "Sun, 06 Nov 1994 08:49:37 GMT"
RFC_9110_EXAMPLE_AT = 784_111_777.0
TOKEN_CHARS = "ABCXYZabcxyz0189-._~+/=!\"#$%&'()*,:;<>?@[\\]^`{|}"
good_tokens: st.SearchStrategy[str] = st.text(TOKEN_CHARS, min_size=1, max_size=64) | st.builds(
    lambda body: "1!" + body, st.text(TOKEN_CHARS, max_size=62)
)
bad_chars = st.sampled_from(
    ["\r", "\n", "\r\n", " ", "\t", "\0", "\x7f", "\x1b", "€", "é", "\x85", "\u2028", "\ufeff"]
)
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
huge_ints = st.integers(400, 4000).map(lambda digits: 10**digits) | st.just(-(10**400))


@st.composite
def broken_tokens(draw: st.DrawFn) -> str:
    """A good token with one bad character put somewhere."""
    token = draw(good_tokens)
    bad = draw(bad_chars)
    at = draw(st.integers(0, len(token)))
    return token[:at] + bad + token[at:]


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


@given(non_str, st.floats(allow_nan=True) | st.integers())
def test_parse_retry_after_is_none_for_non_str(value: Any, now: float) -> None:
    assert parse_retry_after(value, now) is None


@given(wrong_types | st.sampled_from(["1000", 10**400]))
def test_parse_retry_after_date_with_a_bad_clock_is_none(now: Any) -> None:
    result = parse_retry_after(RFC_9110_EXAMPLE, now)
    if is_real_number(now) and abs(now) <= 2**53:
        assert result == min(max(RFC_9110_EXAMPLE_AT - now, 0.0), 86_400.0)
    else:
        assert result is None


@given(huge_ints)
def test_token_body_with_a_huge_integer_lifetime_is_malformed(value: int) -> None:
    body = ('{"access_token": "tok", "expires_in": ' + str(value) + "}").encode()
    result = parse_token_response(response(200, (), body), sent_at=0.0, received_at=0.0)
    assert isinstance(result, Failure)
    assert result.failure().kind is ErrorKind.MALFORMED_RESPONSE


@given(huge_ints | wrong_types)
def test_a_bad_clock_gives_no_skew_and_no_date_delay(now: Any) -> None:
    skew = server_skew(response(200, (("date", RFC_9110_EXAMPLE),), b""), now)
    delay = parse_retry_after(RFC_9110_EXAMPLE, now)
    if is_real_number(now) and abs(now) <= 2**53:
        assert skew == (
            None if abs(RFC_9110_EXAMPLE_AT - now) > 86_400 else RFC_9110_EXAMPLE_AT - now
        )
        assert delay is not None
    else:
        assert (skew, delay) == (None, None)


# -- Wording: the one test that pins this module's texts -------------------------------


def test_refusal_wording() -> None:
    """Every description and refusal text of this module, once; the other tests check the
    kind, the status and the field a description names."""

    def described(body: bytes, status: int = 200) -> str:
        answer = parse_token_response(response(status, H, body), sent_at=T0, received_at=T0)
        return str(answer.failure().description)

    rule = "(visible ASCII only, at most 4096 characters)"
    huge = b" " * (MAX_BODY + 1)
    cases: list[tuple[str, str]] = [
        (described(b"[]"), "response body is not a JSON object"),
        (described(b'{"expires_in": 1}'), "'access_token' is missing or empty"),
        (described(b'{"access_token": "a b"}'), f"'access_token' is not a token {rule}"),
        (described(b'{"access_token": "A"}'), "'expires_in' is missing or not a number"),
        (
            described(_ok_body(expires_in=0)),
            "'expires_in' is out of range (1 second to 366 days)",
        ),
        (described(_ok_body(expires_in="3600 ")), "'expires_in' is not a number"),
        (described(_ok_body(token_type=1)), "'token_type' is not a string"),
        (described(_ok_body(issued_token_type=[])), "'issued_token_type' is not a string"),
        (described(_ok_body(refresh_token="")), "'refresh_token' is empty"),
        (described(_ok_body(refresh_token="a b")), f"'refresh_token' is not a token {rule}"),
        (described(_ok_body(restricted_to={})), "'restricted_to' is not a list"),
        (described(_ok_body(restricted_to=[{}])), "'restricted_to' has an entry without a scope"),
        (described(huge), "response body larger than 1 MiB"),
        (described(_ok_body(), 201), "unexpected success status 201"),
        (parse_error(response(400, [], huge), T0).description, "error body larger than 1 MiB"),
        (
            parse_token_response("x", sent_at=T0, received_at=T0).failure().description,  # type: ignore[arg-type]
            "the answer is not an HTTP response",
        ),
        (
            parse_empty_success("x", T0).failure().description,  # type: ignore[arg-type]
            "the answer is not an HTTP response",
        ),
        (parse_error("x", T0).description, "the answer is not an HTTP response"),  # type: ignore[arg-type]
        (parse_token_body([], T0).failure(), "the answer is not a JSON object"),  # type: ignore[arg-type]
        (
            parse_token_body({}, float("nan")).failure(),
            "the send time is not a finite clock reading",
        ),
        (
            parse_www_authenticate(None).failure().message(),
            "WWW-Authenticate: is missing or too long",
        ),
        (parse_www_authenticate("9x").failure().message(), "WWW-Authenticate: has no auth scheme"),
        (
            parse_www_authenticate("Bearer ,,").failure().message(),
            "WWW-Authenticate: has malformed parameters",
        ),
        (
            parse_www_authenticate("Bearer " + ", ".join(f"p{i}=v" for i in range(33)))
            .failure()
            .message(),
            "WWW-Authenticate: has too many parameters",
        ),
    ]
    for text, expected in cases:
        assert text == expected


# -- Loose parts and edges -------------------------------------------------------------


def test_response_keeps_only_str_pairs_an_int_status_and_bytes() -> None:
    loose = [("a", "b"), ("c",), ("d", 5), 7, ("e", "f")]
    assert response("200", loose, "x") == HttpResponse(0, (("a", "b"), ("e", "f")), b"")  # type: ignore[arg-type]
    assert response(201, (("a", "b"),), b"x") == HttpResponse(201, (("a", "b"),), b"x")
    assert response(200, "not pairs", b"") == HttpResponse(200, (), b"")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "odd",
    [
        HttpResponse(200, (("a", 1),), b"{}"),  # type: ignore[arg-type]
        HttpResponse(200, ((1, "a"),), b"{}"),  # type: ignore[arg-type]
        HttpResponse(200, (("a",),), b"{}"),  # type: ignore[arg-type]
        HttpResponse(200, [("a", "b")], b"{}"),  # type: ignore[arg-type]
        HttpResponse("200", (), b"{}"),  # type: ignore[arg-type]
        HttpResponse(200, (), "{}"),  # type: ignore[arg-type]
    ],
)
def test_an_answer_that_is_not_an_http_response_is_malformed(odd: HttpResponse) -> None:
    got = parse_token_response(odd, sent_at=T0, received_at=T0)
    assert isinstance(got, Failure)
    assert (got.failure().kind, got.failure().status) == (ErrorKind.MALFORMED_RESPONSE, 0)


def test_error_details_keep_short_texts_and_small_numbers() -> None:
    body = {"error": "e", "error_description": "d", "status": 0, "type": 999, "code": 1000}
    got = parse_error(response(400, [], json.dumps(body).encode()), T0)
    assert dict(got.details) == {"error": "e", "error_description": "d", "status": 0, "type": 999}
    negative = parse_error(response(400, [], b'{"error": "e", "status": -1}'), T0)
    assert dict(negative.details) == {"error": "e"}


def test_shown_headers_are_cut_to_256_characters() -> None:
    got = parse_error(response(400, [("Box-Request-Id", "r" * 300)], b""), T0)
    assert dict(got.headers)["box-request-id"] == "r" * 253 + "..."


def test_the_largest_clock_and_body_are_still_read() -> None:
    assert parse_token_body({"access_token": "A", "expires_in": 1}, 2.0**53) == Success(
        AccessToken(access_token="A", expires_in=1, expires_at=2.0**53 + 1)
    )
    body = b'{"refresh_token": "RT"}'
    exact = body + b" " * (MAX_BODY - len(body))
    assert salvage_refresh_token(response(200, H, exact)) == "RT"
