"""OAuth redirect handling refuses a missing state and a wrong one (CSRF)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from support import authorize_redirect

from boxauth import BaseUrls, BoxConfigError, BoxOAuth, GetAuthorizeUrlOptions, OAuthConfig


def _auth(box: Any, urls: BaseUrls) -> BoxOAuth:
    return BoxOAuth(OAuthConfig(box.fx.client_id, box.fx.client_secret), base_urls=urls)


def _with_query(location: str, **changes: str | None) -> str:
    parts = urlsplit(location)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts._replace(query=urlencode(query)).geturl()


def test_generated_state_is_long_and_random(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    states = {dict(parse_qsl(urlsplit(auth.get_authorize_url()).query))["state"] for _ in range(20)}
    assert len(states) == 20
    assert all(len(s) >= 32 for s in states)


def test_missing_state_is_refused(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    box.emu.reset_counters()
    with pytest.raises(BoxConfigError, match="state"):
        auth.get_tokens_from_redirect(_with_query(location, state=None))
    assert box.emu.request_count(path="/oauth2/token") == 0
    assert auth.token_storage.get() is None


def test_wrong_state_is_refused(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    with pytest.raises(BoxConfigError, match="CSRF"):
        auth.get_tokens_from_redirect(_with_query(location, state="attacker-chosen-state-value"))
    assert auth.token_storage.get() is None


def test_a_state_is_single_use(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    auth.get_tokens_from_redirect(location)
    with pytest.raises(BoxConfigError, match="state"):
        auth.get_tokens_from_redirect(location)


def test_callers_own_state_is_checked_too(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    options = GetAuthorizeUrlOptions(
        redirect_uri=box.fx.redirect_uri, state="my-own-state-0123456789"
    )
    location = authorize_redirect(auth.get_authorize_url(options=options))
    assert dict(parse_qsl(urlsplit(location).query))["state"] == "my-own-state-0123456789"
    assert auth.get_tokens_from_redirect(location).access_token


def test_error_on_the_redirect_is_a_typed_refusal(box: Any, urls: BaseUrls) -> None:
    from boxauth import BoxRefusedError

    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    denied = _with_query(
        location, code=None, error="access_denied", error_description="The user denied"
    )
    with pytest.raises(BoxRefusedError, match="access_denied"):
        auth.get_tokens_from_redirect(denied)


def test_redirect_may_be_a_url_a_path_or_a_query(box: Any, urls: BaseUrls) -> None:
    for shape in ("url", "path", "query"):
        auth = _auth(box, urls)
        location = authorize_redirect(auth.get_authorize_url())
        parts = urlsplit(location)
        given = {
            "url": location,
            "path": f"{parts.path}?{parts.query}",
            "query": f"?{parts.query}",
        }[shape]
        assert auth.get_tokens_from_redirect(given).access_token, shape
