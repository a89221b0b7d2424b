"""Small helpers shared by the integration tests: the user's browser, and auth objects
built against the emulator (``box`` and ``urls`` are conftest.py's fixtures)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from boxauth import (
    BaseUrls,
    BoxCCGAuth,
    BoxJWTAuth,
    BoxOAuth,
    CCGConfig,
    JWTConfig,
    OAuthConfig,
    TokenStorage,
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def authorize_redirect(authorize_url: str) -> str:
    """Play the user's browser: GET the authorize URL, return the redirect Location."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(authorize_url, timeout=10)
    except urllib.error.HTTPError as answer:
        if answer.code == 302:
            return str(answer.headers["Location"])
        raise
    raise AssertionError("the authorize endpoint did not redirect")


class Sleeps:
    """An ``Effects(sleep=...)`` that records each delay instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def jwt_auth(box: Any, urls: BaseUrls, **shell: Any) -> BoxJWTAuth:
    """The emulator app's JWT auth (its service account), from its config JSON."""
    return BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json), base_urls=urls, **shell
    )


def ccg_auth(box: Any, urls: BaseUrls, **shell: Any) -> BoxCCGAuth:
    """The emulator app's CCG auth for its enterprise."""
    config = CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id)
    return BoxCCGAuth(config, base_urls=urls, **shell)


def oauth_auth(
    box: Any, urls: BaseUrls, *, token_storage: TokenStorage | None = None, **shell: Any
) -> BoxOAuth:
    """The emulator app's OAuth auth, not signed in yet (in its own memory storage, or
    ``token_storage``)."""
    config = OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=token_storage)
    return BoxOAuth(config, base_urls=urls, **shell)


def signed_in(
    box: Any, urls: BaseUrls, *, token_storage: TokenStorage | None = None, **shell: Any
) -> BoxOAuth:
    """The emulator app's OAuth auth, signed in through the authorize URL."""
    auth = oauth_auth(box, urls, token_storage=token_storage, **shell)
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    return auth
