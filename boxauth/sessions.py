"""box_sdk_gen's ``NetworkSession``, read as the settings of one call.

box_sdk_gen passes its ``NetworkSession`` to every auth method
(``retrieve_token(network_session=...)``), and its ``BoxClient`` does so on
every API call. We never ignore one silently: what maps onto our own transport
is honoured, and what cannot is refused with the setting's name.

- ``base_urls``: used for this call when the auth object was built without
  ``base_urls`` of its own (explicit ones win: the auth was told where Box is).
- ``timeout_config``: bounds this call: the deadline becomes the smaller of
  ours and the session's connect + read timeouts.
- ``proxy_url``: our transport is built once, with its own proxy; a session
  that names another proxy is refused (``TransportSettings(proxy_url=...)`` is
  the way), so a token request never silently bypasses the proxy the user set.
- ``additional_headers``: headers for API calls (``As-User`` among them). Token
  requests carry none: Box's token endpoint takes no such header, and an
  ``As-User`` must not be sent where a client secret goes.
- ``network_client``, ``retry_strategy``, ``data_sanitizer``: API-call
  machinery. Token requests use boxauth's transport and retry rules (single-use
  grants are never resent), by design.

The session is read by attribute only (duck typing): the core never imports
box_sdk_gen.
"""

from __future__ import annotations

from dataclasses import dataclass

from returns.result import Failure, Result, Success

from .errors import InvalidInput, is_real_number
from .urls import BaseUrls, validate_base_urls

MAX_SESSION_TIMEOUT_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class CallSettings:
    """Where this call's requests go, and how long the whole call may take."""

    urls: BaseUrls
    deadline: float


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _session_urls(session: object) -> Result[BaseUrls | None, InvalidInput]:
    given = getattr(session, "base_urls", None)
    if given is None:
        return Success(None)
    names = ("base_url", "upload_url", "oauth_2_url")
    parts = [_text(getattr(given, name, None)) for name in names]
    if any(part is None for part in parts):
        problem = "must have three URL strings"
        return Failure(InvalidInput("network_session.base_urls", problem))
    base, upload, oauth2 = (p or "" for p in parts)
    checked = validate_base_urls(BaseUrls(base_url=base, upload_url=upload, oauth_2_url=oauth2))
    if not isinstance(checked, Success):
        return Failure(InvalidInput("network_session.base_urls", checked.failure().problem))
    return Success(checked.unwrap())


def _session_deadline(session: object, deadline: float) -> Result[float, InvalidInput]:
    config = getattr(session, "timeout_config", None)
    if config is None:
        return Success(deadline)
    total = 0.0
    for name in ("connection_timeout_ms", "read_timeout_ms"):
        value = getattr(config, name, None)
        if value is None:
            return Success(deadline)  # unbounded there: ours bounds it
        if not is_real_number(value) or not 0 < value <= MAX_SESSION_TIMEOUT_MS:
            problem = "must be positive numbers of milliseconds"
            return Failure(InvalidInput("network_session.timeout_config", problem))
        total += float(value) / 1000.0
    return Success(min(deadline, total))


def call_settings(
    session: object,
    *,
    urls: BaseUrls,
    own_urls: bool,
    deadline: float,
    proxy_url: str | None,
) -> Result[CallSettings, InvalidInput]:
    """This call's settings: ours, with what ``session`` may change (see the module docstring)."""
    if not isinstance(urls, BaseUrls) or not is_real_number(deadline) or deadline <= 0:
        return Failure(InvalidInput("network_session", "our own settings are malformed"))
    if proxy_url is not None and not isinstance(proxy_url, str):
        return Failure(InvalidInput("network_session", "our own settings are malformed"))
    if session is None:
        return Success(CallSettings(urls, deadline))
    session_proxy = getattr(session, "proxy_url", None)
    if session_proxy is not None and not isinstance(session_proxy, str):
        return Failure(InvalidInput("network_session.proxy_url", "must be a URL string"))
    if session_proxy and session_proxy != proxy_url:
        problem = (
            "names a proxy boxauth's transport does not use; "
            "pass TransportSettings(proxy_url=...) to the auth object instead"
        )
        return Failure(InvalidInput("network_session.proxy_url", problem))
    theirs = _session_urls(session)
    if not isinstance(theirs, Success):
        return Failure(theirs.failure())
    limit = _session_deadline(session, deadline)
    if not isinstance(limit, Success):
        return Failure(limit.failure())
    chosen = urls if own_urls or theirs.unwrap() is None else theirs.unwrap()
    return Success(CallSettings(chosen or urls, limit.unwrap()))
