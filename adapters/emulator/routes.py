"""Which endpoint answers a parsed request, and the injected faults.

Endpoints (each answers other methods with 405 and an ``Allow`` header):
``POST /oauth2/token``, ``POST /oauth2/revoke``, ``GET /api/oauth2/authorize``,
``GET /2.0/...``. Anything else is 404.

The token and revoke endpoints read an ``application/x-www-form-urlencoded``
body (https://developer.box.com/reference/post-oauth2-token/); a body in
another content type, or one that is not UTF-8 percent-encoding, answers
Box's ``invalid_request`` "Invalid grant_type parameter or parameter missing",
which is what Box says when it cannot read the form. A field sent twice is
refused (RFC 6749 §3.2).
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl

from . import texts
from .api import api_request
from .authorize import authorize, error_page
from .client_errors import JSON, client_error
from .grants import JWT_GRANT, token_request
from .jwtcheck import peek_jti
from .reader import Request
from .records import Fault, Reply
from .state import State
from .texts import OAuthError

TOKEN_PATH = "/oauth2/token"  # noqa: S105  # nosec B105
REVOKE_PATH = "/oauth2/revoke"
AUTHORIZE_PATH = "/api/oauth2/authorize"
FORM_TYPE = "application/x-www-form-urlencoded"
_FORM_PATHS = (TOKEN_PATH, REVOKE_PATH)


class _FormError(Exception):
    pass


def parse_form(body: bytes) -> dict[str, str]:
    """Form fields; a repeated field is an error (RFC 6749 §3.2)."""
    if not body:
        return {}
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        raise _FormError(texts.BAD_GRANT_TYPE) from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise _FormError(texts.DUPLICATE_PARAMETER)
        form[name] = value
    return form


def parse_query(query: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in out:
            raise OAuthError("invalid_request", texts.DUPLICATE_PARAMETER)
        out[name] = value
    return out


def oauth_error(state: State, error: OAuthError) -> Reply:
    state.count_error((error.error, error.description))
    body = json.dumps({"error": error.error, "error_description": error.description})
    return Reply(error.status, body.encode(), (JSON,))


def split_target(target: str) -> tuple[str, str]:
    """(path, query) of an origin-form target.

    Split by hand: ``urlsplit`` reads a target beginning with ``//`` as a
    network location and raises ValueError on "//[".
    """
    path, _, query = target.partition("#")[0].partition("?")
    return path, query


def _form(request: Request, path: str) -> tuple[dict[str, str] | None, str | None]:
    """(form, None) or (None, the error description)."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return None, texts.BAD_GRANT_TYPE if path == TOKEN_PATH else texts.BAD_CONTENT_TYPE
    try:
        return parse_form(request.body), None
    except _FormError as bad:
        return None, str(bad)


def respond(state: State, base_url: str, request: Request) -> Reply | None:
    """The reply to ``request``; None means drop the connection unanswered (a fault)."""
    path, _ = split_target(request.target)
    with state.lock:
        state.request_counts[path] += 1
    form, form_error = (None, None)
    if request.method == "POST" and path in _FORM_PATHS:
        form, form_error = _form(request, path)
    if path == TOKEN_PATH and request.method == "POST":
        with state.lock:
            state.grant_counts[(form or {}).get("grant_type", "")] += 1
    fault = state.take_fault(path)
    if fault is not None:
        if fault.kind != "delay":
            return _fault(state, fault, form)
        time.sleep(fault.seconds)
    return _route(state, base_url, request, path, form=form, form_error=form_error)


def _not_allowed(allowed: str) -> Reply:
    return client_error(405, headers=(("Allow", allowed),))


def _route(
    state: State,
    base_url: str,
    request: Request,
    path: str,
    *,
    form: Mapping[str, str] | None,
    form_error: str | None,
) -> Reply:
    method, (_, query) = request.method, split_target(request.target)
    if path in _FORM_PATHS:
        if method != "POST":
            return _not_allowed("POST")
        if form is None:
            return oauth_error(
                state, OAuthError("invalid_request", form_error or texts.BAD_GRANT_TYPE)
            )
        try:
            if path == TOKEN_PATH:
                reply = token_request(state, form, base_url)
                return Reply(200, json.dumps(reply).encode(), (JSON,))
            return _revoke(state, form)
        except OAuthError as refused:
            return oauth_error(state, refused)
    if path == AUTHORIZE_PATH:
        if method != "GET":
            return _not_allowed("GET")
        try:
            return authorize(state, parse_query(query))
        except OAuthError as refused:
            state.count_error((refused.error, refused.description))
            return error_page(refused)
    if path.startswith("/2.0/"):
        if method != "GET":
            return _not_allowed("GET")
        try:
            params = parse_query(query)
        except OAuthError:
            return client_error(400)
        return api_request(state, path, params, request.headers)
    return client_error(404)


def _fault(state: State, fault: Fault, form: Mapping[str, str] | None) -> Reply | None:
    # Box had already read the request: a JWT's jti is spent even though the
    # client never got an answer (box-python-sdk-gen#731).
    if form is not None and form.get("grant_type") == JWT_GRANT:
        jti = peek_jti(form.get("assertion", ""))
        if jti is not None:
            with state.lock:
                state.jtis.add(jti)
    if fault.kind == "drop":
        return None
    status = fault.status or (200 if fault.kind == "malformed" else 500)
    headers: tuple[tuple[str, str], ...] = ()
    if fault.retry_after is not None:
        headers = (("retry-after", fault.retry_after),)
    if fault.body is not None:
        return Reply(status, fault.body, (JSON, *headers))
    if fault.kind == "malformed":
        return Reply(status, b"not json", (JSON, *headers))
    return client_error(status, headers=headers)


def _revoke(state: State, form: Mapping[str, str]) -> Reply:
    """200 and an empty body, also for an unknown token (RFC 7009 §2.2)."""
    with state.lock:
        app = state.apps.get(form.get("client_id", ""))
        secret = form.get("client_secret", "")
        if (
            app is None
            or not secret
            or not hmac.compare_digest(secret.encode(), app.client_secret.encode())
        ):
            raise OAuthError("invalid_client", texts.INVALID_CLIENT)
        token = form.get("token", "")
        if not token:
            raise OAuthError("invalid_request", texts.MISSING_PARAMETER.format(name="token"))
        state.revoke(token, app.client_id)
    return Reply(200)
