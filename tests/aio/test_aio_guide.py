"""The guide's snippets (tests/test_guide_snippets.py), rewritten
with ``await``, against the emulator.

Each is the sync snippet with three changes: the auth classes and ``BoxClient``
come from ``boxauth.aio``, every call that may do I/O is awaited, and the
browser's part of a sign-in runs in a thread (``authorize_redirect``).
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aio_support import run
from support import authorize_redirect

from boxauth.aio import (
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
    JWTConfig,
    OAuthConfig,
    TokenStorage,
)


async def _redirect(auth: BoxOAuth) -> str:
    return await asyncio.to_thread(authorize_redirect, auth.get_authorize_url())


def _oauth(box: Any, urls: BaseUrls, **shell: Any) -> BoxOAuth:
    return BoxOAuth(
        OAuthConfig(client_id=box.fx.client_id, client_secret=box.fx.client_secret),
        base_urls=urls,
        **shell,
    )


def test_developer_token(box: Any, urls: BaseUrls) -> None:
    dev_token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)

    async def main() -> Any:
        auth = BoxDeveloperTokenAuth(token=dev_token, base_urls=urls)
        client = BoxClient(auth=auth)
        return await client.users.get_user_me()

    assert run(main()).id == box.fx.user_id


def test_jwt_from_config_file_and_user_subject(box: Any, urls: BaseUrls, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(box.fx.config_json)

    async def main() -> tuple[Any, Any, Any]:
        jwt_config = JWTConfig.from_config_file(config_file_path=str(path))
        auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
        service_account = await BoxClient(auth=auth).users.get_user_me()
        user_auth = auth.with_user_subject(box.fx.app_user_id)
        user = await BoxClient(auth=user_auth).users.get_user_me()
        again = await BoxClient(auth=auth).users.get_user_me()
        return service_account, user, again

    service_account, user, again = run(main())
    assert service_account.id == box.fx.service_account_id
    assert user.id == box.fx.app_user_id
    assert again.id == box.fx.service_account_id  # the original is unchanged


def test_jwt_constructor_user(box: Any, urls: BaseUrls) -> None:
    async def main() -> Any:
        jwt_config = JWTConfig(
            client_id=box.fx.client_id,
            client_secret=box.fx.client_secret,
            jwt_key_id=box.fx.key_id,
            private_key=box.fx.private_key_pem,
            private_key_passphrase=box.fx.passphrase,
            user_id=box.fx.app_user_id,
        )
        auth = BoxJWTAuth(config=jwt_config, base_urls=urls)
        return await BoxClient(auth=auth).users.get_user_me()

    assert run(main()).id == box.fx.app_user_id


def test_ccg_enterprise_and_switching(box: Any, urls: BaseUrls) -> None:
    async def main() -> list[str]:
        ccg_config = CCGConfig(
            client_id=box.fx.client_id,
            client_secret=box.fx.client_secret,
            enterprise_id=box.fx.enterprise_id,
        )
        auth = BoxCCGAuth(config=ccg_config, base_urls=urls)
        client = BoxClient(auth=auth)
        enterprise_auth = auth.with_enterprise_subject(enterprise_id=box.fx.enterprise_id)
        user_auth = auth.with_user_subject(user_id=box.fx.user_id)
        return [
            (await client.users.get_user_me()).id,
            (await BoxClient(auth=enterprise_auth).users.get_user_me()).id,
            (await BoxClient(auth=user_auth).users.get_user_me()).id,
        ]

    sa = box.fx.service_account_id
    assert run(main()) == [sa, sa, box.fx.user_id]


def test_oauth_code_flow_and_folder_items(box: Any, urls: BaseUrls) -> None:
    async def main() -> tuple[str, Any]:
        auth = _oauth(box, urls)
        auth_url = auth.get_authorize_url()  # no I/O: not awaited
        location = await asyncio.to_thread(authorize_redirect, auth_url)
        code = parse_qs(urlsplit(location).query)["code"][0]
        await auth.get_tokens_authorization_code_grant(code)
        client = BoxClient(auth=auth)
        items = await client.folders.get_folder_items(folder_id="0")
        return (await client.users.get_user_me()).id, items

    me, items = run(main())
    assert me == box.fx.user_id
    assert box.fx.folder_name in [item.name for item in items.entries]


def test_oauth_refreshes_automatically(box: Any, urls: BaseUrls) -> None:
    auth = _oauth(box, urls, effects=Effects(clock=box.emu.now))

    async def main() -> tuple[AccessToken, AccessToken]:
        first = await auth.get_tokens_from_redirect(await _redirect(auth))
        box.emu.advance(3700)
        box.emu.reset_counters()
        return first, await auth.retrieve_token()

    first, second = run(main())
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token
    assert box.emu.grant_counts.get("refresh_token", 0) == 1
    assert auth.token_storage.get() == second


def test_inject_tokens_camel_case(box: Any, urls: BaseUrls) -> None:
    async def main() -> Any:
        donor = _oauth(box, urls)
        await donor.get_tokens_from_redirect(await _redirect(donor))
        held = await donor.retrieve_token()
        auth = _oauth(box, urls)
        access_token = AccessToken(accessToken=held.access_token, refreshToken=held.refresh_token)
        auth.token_storage.store(access_token)
        return await BoxClient(auth=auth).users.get_user_me()

    assert run(main()).id == box.fx.user_id


def test_retrieve_refresh_revoke(box: Any, urls: BaseUrls) -> None:
    auth = BoxCCGAuth(
        config=CCGConfig(
            box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id
        ),
        base_urls=urls,
    )

    async def main() -> tuple[AccessToken, AccessToken, AccessToken, str, str]:
        first = await auth.retrieve_token()
        cached = await auth.retrieve_token()
        refreshed = await auth.refresh_token()
        header = await auth.retrieve_authorization_header()
        client = BoxClient(auth=auth)
        await client.auth.revoke_token()
        assert auth.token_storage.get() is None
        return first, cached, refreshed, header, (await client.users.get_user_me()).id

    first, cached, refreshed, header, me = run(main())
    assert cached == first  # no new grant
    assert refreshed.access_token != first.access_token
    assert header == f"Bearer {refreshed.access_token}"
    assert box.emu.token_info(refreshed.access_token).revoked
    assert me == box.fx.service_account_id  # CCG: the next call fetches a new token


def test_oauth_revoke_requires_reauthorization(box: Any, urls: BaseUrls) -> None:
    auth = _oauth(box, urls)

    async def main() -> AccessToken:
        tokens = await auth.get_tokens_from_redirect(await _redirect(auth))
        await auth.revoke_token()
        return tokens

    tokens = run(main())
    assert auth.token_storage.get() is None
    assert not box.emu.refresh_token_is_live(tokens.refresh_token)
    with pytest.raises(BoxReauthRequiredError):
        run(auth.retrieve_token())


def test_downscope_snippet(box: Any, urls: BaseUrls) -> None:
    auth = BoxCCGAuth(
        config=CCGConfig(box.fx.client_id, box.fx.client_secret, user_id=box.fx.user_id),
        base_urls=urls,
    )

    async def main() -> tuple[AccessToken, AccessToken, AccessToken, str]:
        parent = await auth.retrieve_token()
        resource = f"https://api.box.com/2.0/files/{box.fx.file_id}"
        downscoped_token = await auth.downscope_token(scopes=["item_preview"], resource=resource)
        downscoped_auth = BoxDeveloperTokenAuth(token=downscoped_token.access_token, base_urls=urls)
        me = await BoxClient(auth=downscoped_auth).users.get_user_me()
        return parent, downscoped_token, await auth.retrieve_token(), me.id

    parent, downscoped_token, again, me = run(main())
    assert downscoped_token.refresh_token is None
    assert [r.scope for r in downscoped_token.restricted_to] == ["item_preview"]
    assert again == parent  # the auth's own token is untouched
    assert me == box.fx.user_id


@pytest.mark.parametrize("storage_class", [FileTokenStorage, FileWithInMemoryCacheTokenStorage])
def test_file_storages(
    box: Any, urls: BaseUrls, tmp_path: Path, monkeypatch: Any, storage_class: type
) -> None:
    monkeypatch.chdir(tmp_path)  # the guide's FileTokenStorage() writes to the cwd

    def make() -> BoxOAuth:
        config = OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage_class())
        return BoxOAuth(config, base_urls=urls)

    auth = make()

    async def main() -> tuple[AccessToken, AccessToken]:
        tokens = await auth.get_tokens_from_redirect(await _redirect(auth))
        return tokens, await make().retrieve_token()  # a second run reuses the file

    tokens, again = run(main())
    files = [p for p in tmp_path.iterdir() if not p.name.endswith(".lock")]
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert json.loads(files[0].read_text())["refresh_token"] == tokens.refresh_token
    assert again == tokens


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
        OAuthConfig(client_id=box.fx.client_id, client_secret=box.fx.client_secret,
                    token_storage=storage),
        base_urls=urls,
    )  # fmt: skip

    async def main() -> AccessToken:
        return await auth.get_tokens_from_redirect(await _redirect(auth))

    tokens = run(main())
    assert storage.value == tokens
