"""A stored token is used only by the identity it was issued to (``boxauth.identity``).

Two auth objects of different subjects sharing one storage (one token file,
one in-memory storage) must never get each other's token: each reads the
other's record as no token, fetches its own, and replaces the record with a
warning that names no secret. Another identity's *sign-in* (a record with a
refresh token) is never overwritten: that would destroy a user's OAuth session.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from returns.result import Failure
from support import authorize_redirect

from boxauth import (
    BaseUrls,
    BoxCCGAuth,
    BoxClient,
    BoxJWTAuth,
    BoxOAuth,
    CCGConfig,
    FileTokenStorage,
    InMemoryTokenStorage,
    JWTConfig,
    OAuthConfig,
)
from boxauth.errors import StorageFailure


def _storages(tmp_path: Path) -> list[Any]:
    return [InMemoryTokenStorage(), FileTokenStorage(str(tmp_path / "shared.json"))]


@pytest.mark.parametrize("which", [0, 1], ids=["memory", "file"])
def test_jwt_service_account_and_user_never_share_a_token(
    box: Any, urls: BaseUrls, tmp_path: Path, which: int, caplog: pytest.LogCaptureFixture
) -> None:
    storage = _storages(tmp_path)[which]
    config = JWTConfig.from_config_json_string(box.fx.config_json, token_storage=storage)
    service = BoxJWTAuth(config, base_urls=urls)
    user = service.with_user_subject(box.fx.app_user_id, token_storage=storage)
    sa_token = service.retrieve_token()
    with caplog.at_level(logging.WARNING, logger="boxauth"):
        user_token = user.retrieve_token()
    assert user_token.access_token != sa_token.access_token
    assert box.emu.token_info(user_token.access_token).user_id == box.fx.app_user_id
    assert box.emu.token_info(sa_token.access_token).user_id == box.fx.service_account_id
    assert "another identity" in caplog.text
    assert sa_token.access_token not in caplog.text and user_token.access_token not in caplog.text
    # Back and forth: each always acts as itself.
    assert BoxClient(service).users.get_user_me().id == box.fx.service_account_id
    assert BoxClient(user).users.get_user_me().id == box.fx.app_user_id
    assert BoxClient(service).users.get_user_me().id == box.fx.service_account_id


def test_ccg_enterprise_and_user_never_share_a_token(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    storage = FileTokenStorage(str(tmp_path / "ccg.json"))
    as_user = BoxCCGAuth(
        CCGConfig(
            box.fx.client_id, box.fx.client_secret, user_id=box.fx.user_id, token_storage=storage
        ),
        base_urls=urls,
    )
    assert BoxClient(as_user).users.get_user_me().id == box.fx.user_id
    as_enterprise = BoxCCGAuth(
        CCGConfig(
            box.fx.client_id,
            box.fx.client_secret,
            enterprise_id=box.fx.enterprise_id,
            token_storage=FileTokenStorage(str(tmp_path / "ccg.json")),
        ),
        base_urls=urls,
    )
    assert BoxClient(as_enterprise).users.get_user_me().id == box.fx.service_account_id


def test_another_identitys_sign_in_is_never_overwritten(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    path = str(tmp_path / "oauth.json")
    oauth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=FileTokenStorage(path)),
        base_urls=urls,
    )
    signed_in = oauth.get_tokens_from_redirect(authorize_redirect(oauth.get_authorize_url()))
    ccg = BoxCCGAuth(
        CCGConfig(
            box.fx.client_id,
            box.fx.client_secret,
            enterprise_id=box.fx.enterprise_id,
            token_storage=FileTokenStorage(path),
        ),
        base_urls=urls,
    )
    result = ccg.retrieve_token_result()
    assert isinstance(result, Failure) and isinstance(result.failure(), StorageFailure)
    assert "another identity's sign-in" in result.failure().message()
    kept = FileTokenStorage(path).get()
    assert kept is not None and kept.refresh_token == signed_in.refresh_token
    assert box.emu.refresh_token_is_live(signed_in.refresh_token)


def test_a_sign_in_never_replaces_another_apps_sign_in(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    """App B signing in over app A's token file (``boxauth login`` from the same
    directory) is refused before B's code is exchanged: A's refresh token stays
    stored and live, and Box receives no code exchange."""
    path = str(tmp_path / ".boxauth_token.json")
    app_a = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=FileTokenStorage(path)),
        base_urls=urls,
    )
    signed_in = app_a.get_tokens_from_redirect(authorize_redirect(app_a.get_authorize_url()))
    other = box.emu.add_app(box.fx.enterprise_id, redirect_uris=["http://127.0.0.1/callback"])
    app_b = BoxOAuth(
        OAuthConfig(other.client_id, other.client_secret, token_storage=FileTokenStorage(path)),
        base_urls=urls,
    )
    redirect = authorize_redirect(app_b.get_authorize_url())
    exchanges = box.emu.grant_counts["authorization_code"]
    result = app_b.get_tokens_from_redirect_result(redirect)
    assert isinstance(result, Failure) and isinstance(result.failure(), StorageFailure)
    assert "another identity's sign-in" in result.failure().message()
    assert box.emu.grant_counts["authorization_code"] == exchanges
    kept = FileTokenStorage(path).get()
    assert kept is not None and kept.refresh_token == signed_in.refresh_token
    assert box.emu.refresh_token_is_live(signed_in.refresh_token)
    # Once A's sign-in is gone (revoked by A), B signs in with a fresh code.
    app_a.revoke_token()
    tokens = app_b.get_tokens_from_redirect(authorize_redirect(app_b.get_authorize_url()))
    stored = FileTokenStorage(path).get()
    assert stored is not None and stored.refresh_token == tokens.refresh_token


def test_a_token_the_user_stored_by_hand_is_used(box: Any, urls: BaseUrls) -> None:
    """The guide's injection (``auth.token_storage.store(AccessToken(...))``) has no owner."""
    from boxauth import AccessToken

    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    auth = BoxOAuth(OAuthConfig(box.fx.client_id, box.fx.client_secret), base_urls=urls)
    auth.token_storage.store(AccessToken(accessToken=token))
    assert auth.retrieve_token().access_token == token


def test_revoke_over_another_identitys_token_fails_and_leaves_it_alone(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    """Never a false success: nothing of this identity's was revoked."""
    path = str(tmp_path / "oauth.json")
    oauth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=FileTokenStorage(path)),
        base_urls=urls,
    )
    signed_in = oauth.get_tokens_from_redirect(authorize_redirect(oauth.get_authorize_url()))
    config = JWTConfig.from_config_json_string(
        box.fx.config_json, token_storage=FileTokenStorage(path)
    )
    result = BoxJWTAuth(config, base_urls=urls).revoke_token_result()
    assert isinstance(result, Failure) and isinstance(result.failure(), StorageFailure)
    assert "another identity's token" in result.failure().message()
    assert box.emu.refresh_token_is_live(signed_in.refresh_token)
    assert FileTokenStorage(path).get() == signed_in
