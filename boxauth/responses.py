"""Reading what Box sends back: token responses, errors, and the headers that matter.

A response is a plain value (status, headers, body bytes). Interpretation
never raises: any status, any bytes, indeed any Python value, gives either a
Success or a typed Failure (or the documented plain value). Sizes are checked
before parsing.

Success (OAS ``AccessToken``, developer.box.com/reference/resources/access-token/):
only ``access_token`` (see ``access_token.check_token_text``) and
``expires_in`` (a positive number of seconds) are required, because Box's own
examples disagree on ``token_type`` and ``issued_token_type``
(developer.box.com/guides/authentication/tokens/access-tokens/ shows a body
without ``token_type``). Everything else is optional but, when present, must
have the right type.

Errors: ``{error, error_description}`` (OAS ``OAuth2Error``) or
``{code, message}`` (OAS ``ClientError``) are both read, like Box's SDKs do,
and a 401's ``WWW-Authenticate`` parameters (RFC 6750 §3) when the body has
no code.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from returns.result import Failure, Result, Success

from .access_token import MAX_TOKEN, AccessToken, RestrictedTo, check_token_text
from .errors import (
    BoxRefused,
    ErrorKind,
    InvalidInput,
    clean_text,
    is_real_number,
    kind_of,
    malformed,
)
from .wire import HttpResponse

MAX_BODY = 1024 * 1024  # token responses are < 2 KiB; 1 MiB is generous
MAX_EXPIRES_IN = 366 * 86_400
MAX_RETRY_AFTER = 86_400.0
MAX_SKEW = 86_400.0
MAX_HEADER = 4096
MAX_HEADERS = 256
MAX_SHOWN_HEADER = 256
# A lifetime under a second is no lifetime: the token would be dead on arrival.
MIN_EXPIRES_IN = 1
# A clock reading past 2**53 s is not a real time (and float(int) could overflow).
MAX_CLOCK = 2**53


# Headers an exception may show (box_sdk_gen's ``response_info.headers``): none
# of them carries a secret. Set-Cookie and the rest are never kept.
SHOWN_HEADERS = ("date", "content-type", "box-request-id", "retry-after", "www-authenticate")
# The documented fields of Box's two error bodies (OAS OAuth2Error, ClientError).
SHOWN_BODY_FIELDS = (
    "error",
    "error_description",
    "type",
    "status",
    "code",
    "message",
    "request_id",
    "help_url",
)


def response(status: int, headers: Iterable[tuple[str, str]], body: bytes) -> HttpResponse:
    """An ``HttpResponse`` from loose parts; what is not a (str, str) header is dropped.

    Never raises: a status that is not an int is 0, a body that is not bytes is empty.
    """
    kept: list[tuple[str, str]] = []
    if isinstance(headers, list | tuple):
        for pair in headers[:MAX_HEADERS]:
            if isinstance(pair, tuple) and len(pair) == 2:
                name, value = pair
                if isinstance(name, str) and isinstance(value, str):
                    kept.append((name, value))
    code = status if type(status) is int else 0
    return HttpResponse(code, tuple(kept), body if isinstance(body, bytes) else b"")


def is_response(resp: object) -> bool:
    """An ``HttpResponse`` whose fields have their declared types (nothing else is read)."""
    if not isinstance(resp, HttpResponse):
        return False
    if type(resp.status) is not int or not isinstance(resp.body, bytes):
        return False
    headers = resp.headers
    return isinstance(headers, tuple) and all(
        isinstance(pair, tuple)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], str)
        for pair in headers
    )


def request_id(resp: HttpResponse) -> str | None:
    """Box's ``box-request-id`` header, cleaned; None if absent (or not a response)."""
    if not is_response(resp):
        return None
    value = resp.header("box-request-id")
    return clean_text(value, 128) if value else None


def shown_headers(resp: HttpResponse) -> tuple[tuple[str, str], ...]:
    """The ``SHOWN_HEADERS`` of a response, lower-cased names, cleaned values."""
    if not is_response(resp):
        return ()
    out = []
    for name in SHOWN_HEADERS:
        value = resp.header(name)
        if value is not None:
            out.append((name, clean_text(value, MAX_SHOWN_HEADER)))
    return tuple(out)


_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_MON = f"({'|'.join(_MONTH_NAMES)})"
_TIME = r"(\d{2}):(\d{2}):(\d{2})"
# RFC 9110 §5.6.7: IMF-fixdate, plus the two obsolete forms recipients must accept.
_IMF_FIXDATE = re.compile(rf"[A-Za-z]{{3}}, (\d{{2}}) {_MON} (\d{{4}}) {_TIME} GMT")
_RFC850 = re.compile(rf"[A-Za-z]{{6,9}}, (\d{{2}})-{_MON}-(\d{{2}}) {_TIME} GMT")
_ASCTIME = re.compile(rf"[A-Za-z]{{3}} {_MON} ([ \d]\d) {_TIME} (\d{{4}})")


def _date_fields(text: str) -> tuple[int, int, int, int, int, int] | None:
    if m := _IMF_FIXDATE.fullmatch(text):
        day, mon, year, hh, mm, ss = m.groups()
    elif m := _RFC850.fullmatch(text):
        day, mon, yy, hh, mm, ss = m.groups()
        year = str(1900 + int(yy) if int(yy) >= 70 else 2000 + int(yy))
    elif m := _ASCTIME.fullmatch(text):
        mon, day, hh, mm, ss, year = m.groups()
    else:
        return None
    return int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss)


def parse_http_date(value: str | None) -> float | None:
    """An HTTP date (Box sends IMF-fixdate) as Unix seconds, or None.

    Our own parser rather than ``email.utils``: that module pulls in socket and
    random, which the pure core must not load.
    """
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    fields = _date_fields(value.strip())
    if fields is None:
        return None
    try:
        moment = datetime(*fields, tzinfo=UTC)
    except ValueError:
        return None
    return moment.timestamp()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from ``now``: delta-seconds or an HTTP date (RFC 9110 §10.2.3).

    Bounded to [0, 1 day]; unparseable (or not a str) gives None (the caller
    backs off instead). A ``now`` that is not a finite number gives no date delay.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > 64:
        return None
    if text.isascii() and text.isdigit():
        return min(float(int(text)), MAX_RETRY_AFTER)  # at most 64 digits
    moment = parse_http_date(text)
    if moment is None or not is_real_number(now) or abs(now) > MAX_CLOCK:
        return None
    return min(max(moment - now, 0.0), MAX_RETRY_AFTER)


def server_skew(resp: HttpResponse, received_at: float) -> float | None:
    """Box's clock minus ours, from the Date header; None if absent or absurd."""
    if not is_response(resp):
        return None
    server = parse_http_date(resp.header("date"))
    if server is None or not is_real_number(received_at) or abs(received_at) > MAX_CLOCK:
        return None
    skew = server - received_at
    return skew if abs(skew) <= MAX_SKEW else None


def _json_object(body: bytes) -> dict[str, Any] | None:
    if not body or len(body) > MAX_BODY:
        return None
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _malformed(resp: HttpResponse, why: str) -> BoxRefused:
    return malformed(why, resp.status, request_id(resp), shown_headers(resp))


_SKEW_TEXT = re.compile(r"'(exp|jti)'")


def _first_text(*candidates: object) -> str | None:
    for candidate in candidates:
        if isinstance(candidate, str):
            return candidate
    return None


def _details(data: dict[str, Any]) -> tuple[tuple[str, str | int], ...]:
    out: list[tuple[str, str | int]] = []
    for key in SHOWN_BODY_FIELDS:
        value = data.get(key)
        if isinstance(value, str):
            out.append((key, clean_text(value)))
        elif type(value) is int and 0 <= value <= 999:
            out.append((key, value))
    return tuple(out)


def parse_error(resp: HttpResponse, now: float) -> BoxRefused:
    """Any non-success answer as a BoxRefused. Never raises.

    The code and text come from the body (``error``/``error_description``,
    else ``code``/``message``), else from ``WWW-Authenticate`` (RFC 6750 §3:
    Box's API answers an expired token with an empty body and
    ``Bearer realm="Service", error="invalid_token", error_description=...``).
    Every 401 that names no token-endpoint error is ``INVALID_TOKEN``: the
    access token was refused.
    """
    if not is_response(resp):
        return malformed("the answer is not an HTTP response")
    data = _json_object(resp.body) or {}
    challenge = parse_www_authenticate(resp.header("www-authenticate"))
    said = challenge.unwrap() if isinstance(challenge, Success) else Challenge("", ())
    raw_error = _first_text(data.get("error"), data.get("code"), said.param("error"))
    raw_text = _first_text(
        data.get("error_description"), data.get("message"), said.param("error_description")
    )
    error = clean_text(raw_error, 64) if raw_error else f"http_{resp.status}"
    text = clean_text(raw_text) if raw_text else ""
    retry_after = parse_retry_after(resp.header("retry-after"), now)
    if resp.status == 429:
        kind = ErrorKind.RATE_LIMITED
    elif resp.status >= 500:
        kind = ErrorKind.SERVER_ERROR
    elif len(resp.body) > MAX_BODY:
        return _malformed(resp, "error body larger than 1 MiB")
    else:
        kind = kind_of(error)
        if kind in (ErrorKind.MALFORMED_RESPONSE, ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR):
            kind = ErrorKind.UNRECOGNIZED  # those three are ours to assign, not the body's
        if resp.status == 401 and kind is ErrorKind.UNRECOGNIZED:
            kind = ErrorKind.INVALID_TOKEN
    clock_skew = kind is ErrorKind.INVALID_GRANT and bool(_SKEW_TEXT.search(text))
    return BoxRefused(
        kind=kind,
        status=resp.status,
        error=error,
        description=text,
        request_id=request_id(resp),
        retry_after=retry_after,
        clock_skew=clock_skew,
        headers=shown_headers(resp),
        details=_details(data),
    )


def _optional_str(data: dict[str, Any], key: str) -> Result[str | None, str]:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return Success(value)
    return Failure(f"'{key}' is not a string")


def _restricted(items: object) -> Result[tuple[RestrictedTo, ...], str]:
    if items is None:
        return Success(())
    if not isinstance(items, list) or len(items) > 1000:
        return Failure("'restricted_to' is not a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("scope"), str):
            return Failure("'restricted_to' has an entry without a scope")
        obj = item.get("object")
        obj = obj if isinstance(obj, dict) else {}
        kind, ident, name = (obj.get(k) for k in ("type", "id", "name"))
        out.append(
            RestrictedTo(
                scope=item["scope"],
                object_type=kind if isinstance(kind, str) else None,
                object_id=ident if isinstance(ident, str) else None,
                object_name=name if isinstance(name, str) else None,
            )
        )
    return Success(tuple(out))


# A numeric string ("3600", "3600.5"): some proxies and gateways re-encode JSON.
_NUMERIC_TEXT = re.compile(r"[0-9]{1,16}(\.[0-9]{1,16})?")


def _expires_in(value: object) -> Result[int, str]:
    """Any finite number of seconds from 1 to 366 days, or such a numeric string.

    OAS says integer; Box's Node SDK accepts any number. A fraction is rounded
    DOWN (3600.5 -> 3600): the conservative end, the token is renewed half a
    second early. Under one second is refused: that token is dead on arrival.
    """
    if isinstance(value, str):
        if _NUMERIC_TEXT.fullmatch(value) is None:
            return Failure("'expires_in' is not a number")
        value = float(value) if "." in value else int(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Failure("'expires_in' is missing or not a number")
    # A range check, not math.isfinite: that overflows on a 400-digit JSON integer.
    if not is_real_number(value) or not MIN_EXPIRES_IN <= value <= MAX_EXPIRES_IN:
        return Failure("'expires_in' is out of range (1 second to 366 days)")
    return Success(math.floor(value))


_TOKEN_RULE = f"visible ASCII only, at most {MAX_TOKEN} characters"


def parse_token_body(data: dict[str, Any], sent_at: float) -> Result[AccessToken, str]:
    """The fields of a 200 answer. ``expires_at`` counts from when we *sent* the request."""
    if not isinstance(data, dict):
        return Failure("the answer is not a JSON object")
    if not is_real_number(sent_at) or abs(sent_at) > MAX_CLOCK:
        return Failure("the send time is not a finite clock reading")
    token = data.get("access_token")
    if not isinstance(token, str) or not token.strip():
        return Failure("'access_token' is missing or empty")
    if not isinstance(check_token_text(token, "access_token"), Success):
        # Never the value: it is a secret, and it may hold CR/LF or anything else.
        return Failure(f"'access_token' is not a token ({_TOKEN_RULE})")
    lifetime = _expires_in(data.get("expires_in"))
    if not isinstance(lifetime, Success):
        return Failure(lifetime.failure())
    texts = {
        k: _optional_str(data, k) for k in ("token_type", "refresh_token", "issued_token_type")
    }
    for checked in texts.values():
        if not isinstance(checked, Success):
            return Failure(checked.failure())
    refresh = texts["refresh_token"].unwrap()
    if refresh is not None and not refresh.strip():
        return Failure("'refresh_token' is empty")
    if refresh is not None and not isinstance(check_token_text(refresh, "refresh_token"), Success):
        return Failure(f"'refresh_token' is not a token ({_TOKEN_RULE})")
    restricted = _restricted(data.get("restricted_to"))
    if not isinstance(restricted, Success):
        return Failure(restricted.failure())
    seconds = lifetime.unwrap()
    return Success(
        AccessToken(
            access_token=token,
            expires_in=seconds,
            token_type=texts["token_type"].unwrap(),
            restricted_to=restricted.unwrap(),
            refresh_token=refresh,
            issued_token_type=texts["issued_token_type"].unwrap(),
            expires_at=sent_at + seconds,
        )
    )


def parse_token_response(
    resp: HttpResponse, *, sent_at: float, received_at: float
) -> Result[AccessToken, BoxRefused]:
    """(status, headers, body) to a token or a typed refusal.

    The shapes are OAS ``AccessToken`` and ``OAuth2Error``.
    Only 200 is success. ``sent_at`` is when the request left (the conservative
    base for expiry); ``received_at`` anchors an HTTP-date Retry-After.
    """
    if not is_response(resp):
        return Failure(malformed("the answer is not an HTTP response"))
    if len(resp.body) > MAX_BODY:
        return Failure(_malformed(resp, "response body larger than 1 MiB"))
    if resp.status != 200:
        if 200 <= resp.status < 300:
            return Failure(_malformed(resp, f"unexpected success status {resp.status}"))
        return Failure(parse_error(resp, received_at))
    data = _json_object(resp.body)
    if data is None:
        return Failure(_malformed(resp, "response body is not a JSON object"))
    parsed = parse_token_body(data, sent_at)
    if not isinstance(parsed, Success):
        return Failure(_malformed(resp, parsed.failure()))
    return Success(parsed.unwrap())


def parse_empty_success(resp: HttpResponse, now: float) -> Result[None, BoxRefused]:
    """Revoke answers 200 with an empty body (developer.box.com/reference/post-oauth2-revoke/).

    Any 2xx is accepted as done.
    """
    if not is_response(resp):
        return Failure(malformed("the answer is not an HTTP response"))
    if 200 <= resp.status < 300:
        return Success(None)
    return Failure(parse_error(resp, now))


@dataclass(frozen=True, slots=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` challenge (RFC 6750 §3)."""

    scheme: str
    params: tuple[tuple[str, str], ...]

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None


_AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_\-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s,"]*)\s*(,|$)')


def parse_www_authenticate(value: str | None) -> Result[Challenge, InvalidInput]:
    """``Bearer realm="Service", error="invalid_token", error_description="..."``.

    RFC 9110 §11.6.1 and RFC 6750 §3; the example is the 401 Box's API sent in
    https://github.com/box/box-node-sdk/issues/157. Parameter names are
    lower-cased, values unquoted and cleaned.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_HEADER:
        return Failure(InvalidInput("WWW-Authenticate", "is missing or too long"))
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    if not scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]*", scheme):
        return Failure(InvalidInput("WWW-Authenticate", "has no auth scheme"))
    params: list[tuple[str, str]] = []
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        match = _AUTH_PARAM.match(rest, pos)
        if match is None or match.end() == pos:
            return Failure(InvalidInput("WWW-Authenticate", "has malformed parameters"))
        raw = match.group(3) if match.group(3) is not None else match.group(2)
        unescaped = re.sub(r"\\(.)", r"\1", raw)
        params.append((match.group(1).lower(), clean_text(unescaped)))
        pos = match.end()
        if len(params) > 32:
            return Failure(InvalidInput("WWW-Authenticate", "has too many parameters"))
    return Success(Challenge(scheme=scheme.lower(), params=tuple(params)))


def refresh_may_help(resp: HttpResponse) -> bool:
    """After a 401 from the API: is one refresh-and-retry worth it? (design inference)

    Yes for an empty body or ``error="invalid_token"``; no for a 401 that
    explains something else (e.g. the app is not authorized in the enterprise:
    ``{"code": "unauthorized", "message": "Unauthorized - Cannot authorize with
    this service"}``). Sources: box-node-sdk issue 157 and its
    ``isUnauthorizedDueToExpiredAccessToken``.
    """
    if not is_response(resp) or resp.status != 401:
        return False
    challenge = parse_www_authenticate(resp.header("www-authenticate"))
    if isinstance(challenge, Success) and challenge.unwrap().param("error") == "invalid_token":
        return True
    return not resp.body.strip()


def salvage_refresh_token(resp: HttpResponse) -> str | None:
    """The refresh token of a 200 JSON answer, even when the rest is unusable; else None.

    Box's refresh tokens are single use: the refresh that produced this answer
    spent the old one (developer.box.com/guides/authentication/tokens/refresh/).
    If the answer fails validation for any other reason (an odd ``expires_in``,
    a malformed access token), throwing it away would strand the user; a shell
    stores this refresh token (without an access token) and reports the
    malformed answer. Only a well-formed token (``check_token_text``) is returned.
    """
    if not is_response(resp) or resp.status != 200 or len(resp.body) > MAX_BODY:
        return None
    data = _json_object(resp.body)
    if data is None:
        return None
    token = data.get("refresh_token")
    return token if isinstance(check_token_text(token, "refresh_token"), Success) else None
