"""Every snippet of Box's SDK authentication guide, against the emulator.

Each test is the guide's code with two changes only: ``box_sdk_gen`` becomes
``boxauth``, and ``base_urls=`` points the auth object at the emulator.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from support import authorize_redirect

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxCCGAuth,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxJWTAuth,
    BoxOAuth,
    BoxReauthRequiredError,
    CCGConfig,
    Effects,
    FileTokenStorage,
    FileWithInMemoryCacheTokenStorage,
    GetAuthorizeUrlOptions,
    JWTConfig,
    OAuthConfig,
    TokenStorage,
)


def test_developer_token(box: Any, urls: BaseUrls) -> None:
    dev_token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    auth = BoxDeveloperTokenAuth(token=dev_token, base_urls=urls)
    client = BoxClient(auth=auth)
    me = client.users.get_user_me()
    assert me.id == box.fx.user_id


def test_jwt_from_config_file(box: Any, urls: BaseUrls, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(box.fx.config_json)
    jwt_config = JWTConfig.from_config_file(config_file_path=str(path))
    auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
    client = BoxClient(auth=auth)
    service_account = client.users.get_user_me()
    assert service_account.id == box.fx.service_account_id


def test_jwt_from_config_json_string(box: Any, urls: BaseUrls) -> None:
    jwt_config = JWTConfig.from_config_json_string(box.fx.config_json)
    auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
    assert BoxClient(auth=auth).users.get_user_me().id == box.fx.service_account_id


def test_jwt_constructor_enterprise(box: Any, urls: BaseUrls) -> None:
    jwt_config = JWTConfig(
        client_id=box.fx.client_id,
        client_secret=box.fx.client_secret,
        jwt_key_id=box.fx.key_id,
        private_key=box.fx.private_key_pem,
        private_key_passphrase=box.fx.passphrase,
        enterprise_id=box.fx.enterprise_id,
    )
    auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
    service_account_client = BoxClient(auth=auth)
    assert service_account_client.users.get_user_me().id == box.fx.service_account_id


def test_jwt_with_user_subject(box: Any, urls: BaseUrls, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(box.fx.config_json)
    jwt_config = JWTConfig.from_config_file(config_file_path=str(path))
    auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
    user_auth = auth.with_user_subject(box.fx.app_user_id)
    user_client = BoxClient(auth=user_auth)
    assert user_client.users.get_user_me().id == box.fx.app_user_id
    # The original is unchanged: still the Service Account.
    assert BoxClient(auth=auth).users.get_user_me().id == box.fx.service_account_id


def test_jwt_constructor_user(box: Any, urls: BaseUrls) -> None:
    jwt_config = JWTConfig(
        client_id=box.fx.client_id,
        client_secret=box.fx.client_secret,
        jwt_key_id=box.fx.key_id,
        private_key=box.fx.private_key_pem,
        private_key_passphrase=box.fx.passphrase,
        user_id=box.fx.app_user_id,
    )
    auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
    user_client = BoxClient(auth=auth)
    assert user_client.users.get_user_me().id == box.fx.app_user_id


def test_ccg_user(box: Any, urls: BaseUrls) -> None:
    ccg_config = CCGConfig(
        client_id=box.fx.client_id,
        client_secret=box.fx.client_secret,
        user_id=box.fx.user_id,
    )
    auth = BoxCCGAuth(config=ccg_config, base_urls=urls)
    client = BoxClient(auth=auth)
    assert client.users.get_user_me().id == box.fx.user_id


def test_ccg_enterprise_and_switching(box: Any, urls: BaseUrls) -> None:
    ccg_config = CCGConfig(
        client_id=box.fx.client_id,
        client_secret=box.fx.client_secret,
        enterprise_id=box.fx.enterprise_id,
    )
    auth = BoxCCGAuth(config=ccg_config, base_urls=urls)
    client = BoxClient(auth=auth)
    assert client.users.get_user_me().id == box.fx.service_account_id

    enterprise_auth = auth.with_enterprise_subject(enterprise_id=box.fx.enterprise_id)
    enterprise_client = BoxClient(auth=enterprise_auth)
    assert enterprise_client.users.get_user_me().id == box.fx.service_account_id

    user_auth = auth.with_user_subject(user_id=box.fx.user_id)
    user_client = BoxClient(auth=user_auth)
    assert user_client.users.get_user_me().id == box.fx.user_id


def _oauth(box: Any, urls: BaseUrls, **shell: Any) -> BoxOAuth:
    return BoxOAuth(
        OAuthConfig(client_id=box.fx.client_id, client_secret=box.fx.client_secret),
        base_urls=urls,
        **shell,
    )


def test_oauth_code_flow(box: Any, urls: BaseUrls) -> None:
    auth = _oauth(box, urls)
    auth_url = auth.get_authorize_url()
    assert auth_url.startswith(urls.oauth_2_url + "/authorize?")
    code = parse_qs(urlsplit(authorize_redirect(auth_url)).query)["code"][0]

    auth.get_tokens_authorization_code_grant(code)
    client = BoxClient(auth=auth)
    assert client.users.get_user_me().id == box.fx.user_id


def test_oauth_refreshes_automatically(box: Any, urls: BaseUrls) -> None:
    # The client reads the emulator's clock, so moving it expires the token.
    auth = _oauth(box, urls, effects=Effects(clock=box.emu.now))
    location = authorize_redirect(auth.get_authorize_url())
    first = auth.get_tokens_from_redirect(location)
    box.emu.advance(3700)
    box.emu.reset_counters()
    second = auth.retrieve_token()
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    assert box.emu.grant_counts.get("refresh_token", 0) == 1
    assert auth.token_storage.get() == second


def test_flask_example(box: Any, urls: BaseUrls) -> None:
    from flask import Flask, redirect, request

    app = Flask(__name__)
    AUTH = _oauth(box, urls)  # noqa: N806 - the guide's name

    @app.route("/")
    def get_auth() -> Any:
        auth_url = AUTH.get_authorize_url(
            options=GetAuthorizeUrlOptions(redirect_uri=box.fx.redirect_uri)
        )
        return redirect(auth_url, code=302)

    @app.route("/oauth2callback")
    def callback() -> Any:
        AUTH.get_tokens_authorization_code_grant(request.args.get("code"))
        client = BoxClient(auth=AUTH)
        items_in_root_folder = [
            item.name for item in client.folders.get_folder_items(folder_id="0").entries
        ]
        return ", ".join(i or "" for i in items_in_root_folder)

    web = app.test_client()
    to_box = web.get("/")
    assert to_box.status_code == 302
    back = authorize_redirect(to_box.headers["Location"])
    answer = web.get("/oauth2callback?" + urlsplit(back).query)
    assert answer.status_code == 200
    assert box.fx.folder_name in answer.get_data(as_text=True)


def test_inject_tokens_camel_case(box: Any, urls: BaseUrls) -> None:
    donor = _oauth(box, urls)
    donor.get_tokens_from_redirect(authorize_redirect(donor.get_authorize_url()))
    held = donor.retrieve_token()

    auth = _oauth(box, urls)
    access_token = AccessToken(accessToken=held.access_token, refreshToken=held.refresh_token)
    auth.token_storage.store(access_token)
    client = BoxClient(auth=auth)
    assert client.users.get_user_me().id == box.fx.user_id


def test_retrieve_refresh_revoke(box: Any, urls: BaseUrls) -> None:
    auth = BoxCCGAuth(
        config=CCGConfig(
            box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id
        ),
        base_urls=urls,
    )
    first = auth.retrieve_token()
    assert auth.retrieve_token() == first  # cached, no new grant
    refreshed = auth.refresh_token()
    assert refreshed.access_token != first.access_token
    client = BoxClient(auth=auth)
    client.auth.revoke_token()
    assert auth.token_storage.get() is None
    assert box.emu.token_info(refreshed.access_token).revoked
    # CCG/JWT: the next call fetches a new token.
    assert client.users.get_user_me().id == box.fx.service_account_id


def test_oauth_revoke_requires_reauthorization(box: Any, urls: BaseUrls) -> None:
    auth = _oauth(box, urls)
    tokens = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    auth.revoke_token()
    assert auth.token_storage.get() is None
    assert not box.emu.refresh_token_is_live(tokens.refresh_token)
    with pytest.raises(BoxReauthRequiredError):
        auth.retrieve_token()


def test_downscope_snippet(box: Any, urls: BaseUrls) -> None:
    auth = BoxCCGAuth(
        config=CCGConfig(box.fx.client_id, box.fx.client_secret, user_id=box.fx.user_id),
        base_urls=urls,
    )
    parent = auth.retrieve_token()
    resource = f"https://api.box.com/2.0/files/{box.fx.file_id}"
    downscoped_token: AccessToken = auth.downscope_token(
        scopes=["item_preview"],
        resource=resource,
    )
    assert downscoped_token.refresh_token is None
    assert [r.scope for r in downscoped_token.restricted_to] == ["item_preview"]
    assert auth.retrieve_token() == parent  # the auth's own token is untouched
    downscoped_auth = BoxDeveloperTokenAuth(token=downscoped_token.access_token, base_urls=urls)
    client = BoxClient(auth=downscoped_auth)
    assert client.users.get_user_me().id == box.fx.user_id


@pytest.mark.parametrize("storage_class", [FileTokenStorage, FileWithInMemoryCacheTokenStorage])
def test_file_storages(
    box: Any, urls: BaseUrls, tmp_path: Path, monkeypatch: Any, storage_class: type
) -> None:
    monkeypatch.chdir(tmp_path)  # the guide's FileTokenStorage() writes to the cwd
    auth = BoxOAuth(
        OAuthConfig(
            client_id=box.fx.client_id,
            client_secret=box.fx.client_secret,
            token_storage=storage_class(),
        ),
        base_urls=urls,
    )
    tokens = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    files = [p for p in tmp_path.iterdir() if not p.name.endswith(".lock")]
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    stored = json.loads(files[0].read_text())
    assert stored["refresh_token"] == tokens.refresh_token
    # A second run of the application reuses the file.
    again = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage_class()),
        base_urls=urls,
    )
    assert again.retrieve_token() == tokens


def test_custom_storage(box: Any, urls: BaseUrls) -> None:
    class MyCustomTokenStorage(TokenStorage):
        def __init__(self) -> None:
            self.value: AccessToken | None = None

        def store(self, token: AccessToken) -> None:
            self.value = token

        def get(self) -> AccessToken | None:
            return self.value

        def clear(self) -> None:
            self.value = None

    storage = MyCustomTokenStorage()
    auth = BoxOAuth(
        OAuthConfig(
            client_id=box.fx.client_id,
            client_secret=box.fx.client_secret,
            token_storage=storage,
        ),
        base_urls=urls,
    )
    tokens = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    assert storage.value == tokens
