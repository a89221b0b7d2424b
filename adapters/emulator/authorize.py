"""GET /api/oauth2/authorize: validate, auto-approve, redirect with a code.

The configured authorize user (``BoxEmulator.set_authorize_user``) plays the
person who clicks "Grant access". Errors answer 400 with a small HTML page
and never redirect: Box shows its errors to the user
(https://developer.box.com/guides/authentication/oauth2/oauth2-setup/), and
redirecting to a URI that failed validation would be an open redirect. Even
after the URI is verified we answer errors with the page, not a redirect
(how Box reports those is UNCONFIRMED; the page is the stricter choice, as a
client then never receives an ``error`` it could mistake for a code).

Redirect URI matching (the same guide): exact string match, except that a loopback
``http`` URI matches any port (scheme, host, path and query still exact).
If the app has exactly one registered URI and the request sends none, that
one is used; with several, a missing URI is ``redirect_uri_missing``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from .records import App, AuthCode, Reply
from .scopes import STANDARD_SCOPES, implied
from .state import AUTH_CODE_SECONDS, State, random_token
from .texts import OAuthError

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def redirect_matches(registered: str, sent: str) -> bool:
    if registered == sent:
        return True
    try:
        a, b = urlsplit(registered), urlsplit(sent)  # "http://[::1" raises ValueError
        a.port, b.port  # noqa: B018 - a malformed port raises ValueError here
    except ValueError:
        return False
    return (
        a.scheme == b.scheme == "http"
        and a.hostname is not None
        and a.hostname == b.hostname
        and a.hostname in _LOOPBACK_HOSTS
        and (a.path, a.query, a.fragment, a.username, a.password)
        == (b.path, b.query, b.fragment, b.username, b.password)
    )


def _redirect_uri(app: App, sent: str | None) -> str:
    # urlsplit drops tabs and line breaks before comparing, so a URI holding
    # them could match a registered one and then reach the Location header:
    # only visible ASCII is ever compared or echoed.
    if sent is not None and not all("!" <= c <= "~" for c in sent):
        raise OAuthError("redirect_uri_mismatch", "The redirect_uri is not registered")
    if sent is None:
        if len(app.redirect_uris) == 1:
            return app.redirect_uris[0]
        raise OAuthError("redirect_uri_missing", "The redirect_uri parameter is required")
    if not any(redirect_matches(uri, sent) for uri in app.redirect_uris):
        raise OAuthError("redirect_uri_mismatch", "The redirect_uri is not registered")
    return sent


def _checked(state: State, query: Mapping[str, str]) -> AuthCode:
    client_id = query.get("client_id", "")
    if not client_id:
        raise OAuthError("invalid_request", "The client_id parameter is required")
    app = state.apps.get(client_id)
    if app is None:
        raise OAuthError("invalid_client", "The client_id is invalid")
    redirect_uri = _redirect_uri(app, query.get("redirect_uri"))
    if query.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code")
    if "authorization_code" not in app.grants:
        raise OAuthError("unauthorized_client", "The app may not use the authorization code grant")
    scopes = app.scopes
    if "scope" in query:
        scopes = frozenset(query["scope"].split())
        # root_readwrite covers root_readonly; downscope-only scopes are not
        # OAuth scopes, so they cannot be asked for here.
        if not scopes or not scopes <= implied(app.scopes) & STANDARD_SCOPES:
            raise OAuthError("invalid_scope", "The requested scope is not configured for the app")
    user_id = state.authorize_user
    if user_id is None or user_id not in state.users:
        raise OAuthError("access_denied", "No user is set to approve (set_authorize_user)")
    return AuthCode(
        code=random_token(),
        client_id=app.client_id,
        user_id=user_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        expires_at=state.now() + AUTH_CODE_SECONDS,
    )


def error_page(error: OAuthError) -> Reply:
    body = (
        "<!doctype html><title>Box</title>"
        f'<p id="error">{html.escape(error.error)}</p>'
        f'<p id="error_description">{html.escape(error.description)}</p>'
    ).encode()
    return Reply(error.status, body, (("Content-Type", "text/html; charset=utf-8"),))


def authorize(state: State, query: Mapping[str, str]) -> Reply:
    with state.lock:
        code = _checked(state, query)
        state.codes[code.code] = code
    params = {"code": code.code}
    if "state" in query:
        params["state"] = query["state"]
    sep = "&" if urlsplit(code.redirect_uri).query else "?"
    location = code.redirect_uri + sep + urlencode(params)
    return Reply(302, b"", (("Location", location),))
