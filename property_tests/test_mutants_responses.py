"""responses: exact refusals, boundaries, header handling and date arithmetic.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.access_token import AccessToken, RestrictedTo
from boxauth.errors import BoxRefused, ErrorKind, InvalidInput, malformed
from boxauth.responses import (
    MAX_BODY,
    MAX_EXPIRES_IN,
    MAX_HEADER,
    MAX_SKEW,
    Challenge,
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
    assert parse_error(huge, T0) == malformed(
        "error body larger than 1 MiB", 400, "r", (("box-request-id", "r"),)
    )
    edge = response(400, [], b" " * MAX_BODY)
    assert parse_error(edge, T0).kind is ErrorKind.UNRECOGNIZED


def _refusal(status: int, why: str) -> Failure[BoxRefused]:
    return Failure(malformed(why, status, "rid", (("box-request-id", "rid"),)))


H = [("box-request-id", "rid")]
OUT_OF_RANGE = "'expires_in' is out of range (1 second to 366 days)"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"[]", "response body is not a JSON object"),
        (b"", "response body is not a JSON object"),
        (b"{", "response body is not a JSON object"),
        (b'{"expires_in": 1}', "'access_token' is missing or empty"),
        (b'{"access_token": " ", "expires_in": 1}', "'access_token' is missing or empty"),
        (
            b'{"access_token": "a b", "expires_in": 1}',
            "'access_token' is not a token (visible ASCII only, at most 4096 characters)",
        ),
        (b'{"access_token": "A"}', "'expires_in' is missing or not a number"),
        (b'{"access_token": "A", "expires_in": true}', "'expires_in' is missing or not a number"),
        (b'{"access_token": "A", "expires_in": 0.5}', OUT_OF_RANGE),
        (b'{"access_token": "A", "expires_in": 0.999}', OUT_OF_RANGE),
        (b'{"access_token": "A", "expires_in": 0}', OUT_OF_RANGE),
        (b'{"access_token": "A", "expires_in": "0"}', OUT_OF_RANGE),
        (b'{"access_token": "A", "expires_in": "3600 "}', "'expires_in' is not a number"),
        (b'{"access_token": "A", "expires_in": "-1"}', "'expires_in' is not a number"),
        (b'{"access_token": "A", "expires_in": "1e3"}', "'expires_in' is not a number"),
        (b'{"access_token": "A", "expires_in": "nan"}', "'expires_in' is not a number"),
        (
            json.dumps({"access_token": "A", "expires_in": MAX_EXPIRES_IN + 1}).encode(),
            OUT_OF_RANGE,
        ),
        (
            json.dumps({"access_token": "A", "expires_in": MAX_EXPIRES_IN + 0.5}).encode(),
            OUT_OF_RANGE,
        ),
        (_ok_body(token_type=1), "'token_type' is not a string"),
        (_ok_body(refresh_token=""), "'refresh_token' is empty"),
        (
            _ok_body(refresh_token="a\nb"),
            "'refresh_token' is not a token (visible ASCII only, at most 4096 characters)",
        ),
        (_ok_body(issued_token_type=[]), "'issued_token_type' is not a string"),
        (_ok_body(restricted_to={}), "'restricted_to' is not a list"),
        (_ok_body(restricted_to=[{"scope": "s"}] * 1001), "'restricted_to' is not a list"),
        (_ok_body(restricted_to=[{}]), "'restricted_to' has an entry without a scope"),
        (_ok_body(restricted_to=[3]), "'restricted_to' has an entry without a scope"),
    ],
)
def test_each_unusable_token_answer_is_refused_with_its_reason(body: bytes, why: str) -> None:
    assert parse_token_response(response(200, H, body), sent_at=T0, received_at=T0) == (
        _refusal(200, why)
    )


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
    assert parse_token_response(over, sent_at=T0, received_at=T0) == _refusal(
        200, "response body larger than 1 MiB"
    )
    over_err = response(400, H, exact + b" ")
    assert parse_token_response(over_err, sent_at=T0, received_at=T0) == _refusal(
        400, "response body larger than 1 MiB"
    )


@pytest.mark.parametrize("status", [201, 204, 299])
def test_other_success_statuses_are_not_a_token(status: int) -> None:
    got = parse_token_response(response(status, H, _ok_body()), sent_at=T0, received_at=T0)
    assert got == _refusal(status, f"unexpected success status {status}")


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


def _www(field_problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput("WWW-Authenticate", field_problem))


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
    assert parse_www_authenticate(None) == _www("is missing or too long")
    assert parse_www_authenticate("") == _www("is missing or too long")
    assert parse_www_authenticate("9x") == _www("has no auth scheme")
    assert parse_www_authenticate(" ") == _www("has no auth scheme")
    assert parse_www_authenticate("Bearer ,,") == _www("has malformed parameters")
    long_ok = "Bearer a=" + "b" * (MAX_HEADER - 9)
    assert parse_www_authenticate(long_ok).unwrap().scheme == "bearer"
    assert parse_www_authenticate(long_ok + "b") == _www("is missing or too long")
    params = ", ".join(f"p{i}=v" for i in range(32))
    assert len(parse_www_authenticate("Bearer " + params).unwrap().params) == 32
    assert parse_www_authenticate("Bearer " + params + ", q=v") == _www("has too many parameters")


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


# -- Issue 10 item 13: a refresh answer is never thrown away -----------------------


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
    assert got.expires_in is not None
    assert got.expires_in <= seconds < got.expires_in + 1


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
