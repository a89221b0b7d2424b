"""A Box API call with a bearer token, and what its answer means.

Box answers 401 to any call without a valid access token
(https://developer.box.com/guides/authentication/tokens/api-calls/), and its
best practices say to refresh and retry. Two 401 shapes have been seen: an
empty body with ``WWW-Authenticate: Bearer ... error="invalid_token"`` (an
expired or revoked token), and a JSON body explaining something a new token
cannot fix (an app not authorized in the enterprise). So (our rule, a design
inference from those shapes): renew once, only on the first shape, only if
the token can be renewed, and only if it is still the stored one (the auth
object's ``replacing``); a second 401 is reported, never retried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from returns.result import Failure, Result, Success

from .access_token import AccessToken
from .errors import BoxRefused, InvalidInput, without_secrets
from .lifecycle import AuthKind, Renewal, renewal_of
from .responses import parse_error, refresh_may_help
from .urls import BaseUrls, api_url, check_secure_url
from .wire import HttpRequest, HttpResponse

MAX_PARAMS = 64


@dataclass(frozen=True, slots=True)
class Accept:
    """A 2xx: hand the answer to the caller."""


@dataclass(frozen=True, slots=True)
class RenewAndRetry:
    """A 401 a new token may fix: renew (if ``rejected`` is still stored), then retry once."""

    rejected: AccessToken


@dataclass(frozen=True, slots=True)
class Reject:
    error: BoxRefused


Verdict = Accept | RenewAndRetry | Reject


def api_request(
    urls: BaseUrls,
    method: str,
    path: str,
    token: AccessToken,
    *,
    params: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> Result[HttpRequest, InvalidInput]:
    """``{base_url}/2.0/{path}?{params}`` with ``Authorization: Bearer``. Never raises."""
    if not isinstance(urls, BaseUrls) or not isinstance(token, AccessToken):
        return Failure(InvalidInput("token", "must be an AccessToken, with BaseUrls"))
    if not isinstance(method, str) or not method.isalpha() or not method.isupper():
        return Failure(InvalidInput("method", "must be an HTTP method such as GET"))
    if not isinstance(path, str) or not path or len(path) > 2048:
        return Failure(InvalidInput("path", "must be an API path such as users/me"))
    if not isinstance(token.access_token, str) or not token.access_token:
        return Failure(InvalidInput("token", "has no access token"))
    if params is not None and (not isinstance(params, Mapping) or len(params) > MAX_PARAMS):
        return Failure(InvalidInput("params", "must be a mapping of at most 64 items"))
    if headers is not None and (
        not isinstance(headers, Mapping)
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    ):
        return Failure(InvalidInput("headers", "must be a mapping of strings"))
    if body is not None and not isinstance(body, bytes):
        return Failure(InvalidInput("body", "must be bytes"))
    url = api_url(urls, path.lstrip("/"))
    if params:
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in params.values()):
            return Failure(InvalidInput("params", "values must be strings or integers"))
        if not all(isinstance(k, str) for k in params):
            return Failure(InvalidInput("params", "names must be strings"))
        url = f"{url}?{urlencode(dict(params))}"
    sent = {"Accept": "application/json", **(headers or {})}
    sent["Authorization"] = f"Bearer {token.access_token}"
    return Success(HttpRequest(method, url, tuple(sent.items()), body))


def _origin(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    return parts.scheme, parts.hostname or "", port


_DEFAULT_PORTS = {"https": 443, "http": 80}


def token_may_go_to(urls: BaseUrls, url: object) -> bool:
    """May a bearer token be sent to ``url``? Only to Box's API: a URL
    ``check_secure_url`` accepts, at the origin (scheme, host, port) of
    ``base_url`` or ``upload_url``. RFC 6750 section 5.3: clients "MUST ensure
    that bearer tokens are not leaked to unintended parties"."""
    if not isinstance(url, str) or not isinstance(check_secure_url(url, "url"), Success):
        return False
    target = _origin(url)
    return target is not None and target in (_origin(urls.base_url), _origin(urls.upload_url))


def item_path(kind: str, item_id: object) -> str:
    """``folders/{id}/items`` style paths with the id percent-encoded."""
    return f"{kind}/{quote(str(item_id), safe='')}"


def after_answer(
    resp: HttpResponse, token: AccessToken, kind: AuthKind, *, retried: bool, now: float
) -> Verdict:
    """What an API answer means for the call that sent ``token``."""
    if 200 <= resp.status < 300:
        return Accept()
    renewable = renewal_of(kind, token) is not Renewal.NONE
    if not retried and renewable and refresh_may_help(resp):
        return RenewAndRetry(token)
    # The token we sent never comes back in Box's text (a proxy or a bad server may echo it).
    sent = (token.access_token,) if isinstance(token.access_token, str) else ()
    return Reject(_scrubbed(parse_error(resp, now), sent))


def _scrubbed(error: BoxRefused, sent: tuple[str, ...]) -> BoxRefused:
    cleaned = without_secrets(error, sent)
    return cleaned if isinstance(cleaned, BoxRefused) else error
