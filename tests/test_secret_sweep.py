"""Every public object and every error path, with DEBUG logging on: no secret shows.

The one exception is a token the user asked for (the return value itself).
"""

from __future__ import annotations

import logging
import typing
from typing import Any

import pytest
from support import authorize_redirect

import boxauth
from boxauth import (
    AccessToken,
    BaseUrls,
    BoxAuthError,
    BoxCCGAuth,
    BoxClient,
    BoxDeveloperTokenAuth,
    BoxJWTAuth,
    BoxOAuth,
    CCGConfig,
    DeveloperTokenConfig,
    Effects,
    FileTokenStorage,
    FileWithInMemoryCacheTokenStorage,
    GetAuthorizeUrlOptions,
    InMemoryTokenStorage,
    JWTConfig,
    OAuthConfig,
    RetryPolicy,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.errors import StorageFailure


def _texts(obj: object) -> list[str]:
    out = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        out.append(" ".join(str(a) for a in obj.args))
        error = getattr(obj, "error", None)
        out += [repr(error), str(error)]
    return out


def test_sweep(box: Any, urls: BaseUrls, tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="boxauth")
    fx = box.fx
    objects: list[object] = []
    errors: list[BaseException] = []
    issued: list[str] = []

    def attempt(call: Any) -> Any:
        try:
            value = call()
        except BoxAuthError as exc:
            errors.append(exc)
            return None
        objects.append(value)
        return value

    quick = {"effects": Effects(sleep=lambda _s: None), "retry_policy": RetryPolicy(max_attempts=2)}
    jwt_config = JWTConfig.from_config_json_string(fx.config_json)
    jwt = BoxJWTAuth(jwt_config, base_urls=urls, **quick)
    ccg_config = CCGConfig(fx.client_id, fx.client_secret, user_id=fx.user_id)
    ccg = BoxCCGAuth(ccg_config, base_urls=urls, **quick)
    oauth = BoxOAuth(
        OAuthConfig(
            fx.client_id,
            fx.client_secret,
            token_storage=FileTokenStorage(filename=str(tmp_path / "t.json")),
        ),
        base_urls=urls,
        **quick,
    )
    url = oauth.get_authorize_url(options=GetAuthorizeUrlOptions(redirect_uri=fx.redirect_uri))
    location = authorize_redirect(url)
    code = location.split("code=")[1].split("&")[0]
    pair = oauth.get_tokens_from_redirect(location)
    dev_token = box.emu.add_developer_token(fx.user_id, client_id=fx.client_id)
    dev = BoxDeveloperTokenAuth(
        token=dev_token,
        config=DeveloperTokenConfig(client_id=fx.client_id, client_secret=fx.client_secret),
        base_urls=urls,
    )
    objects += [jwt_config, jwt, ccg_config, ccg, oauth, oauth.config, dev, dev.config, pair]
    objects += [InMemoryTokenStorage(), FileWithInMemoryCacheTokenStorage(str(tmp_path / "c.json"))]
    objects += [
        Urllib3Transport(TransportSettings(proxy_url="http://user:proxy-pass-123@127.0.0.1:3128"))
    ]
    for auth in (jwt, ccg, dev):
        token = attempt(auth.retrieve_token)
        if token is not None:
            issued += [token.access_token]
        objects.append(BoxClient(auth))
    issued += [pair.access_token, pair.refresh_token]
    child = attempt(lambda: ccg.downscope_token(["item_preview"]))
    if child is not None:
        issued.append(child.access_token)
    objects.append(AccessToken(accessToken=pair.access_token, refreshToken=pair.refresh_token))

    # Error paths.
    def fresh() -> CCGConfig:  # its own storage, so no cached token hides the error
        return CCGConfig(fx.client_id, fx.client_secret, user_id=fx.user_id)

    attempt(
        lambda: BoxCCGAuth(
            CCGConfig(fx.client_id, "wrong-" + fx.client_secret, user_id=fx.user_id), base_urls=urls
        ).retrieve_token()
    )
    attempt(
        lambda: BoxJWTAuth(
            JWTConfig(
                fx.client_id,
                fx.client_secret,
                fx.key_id,
                fx.private_key_pem,
                "not-the-passphrase",
                enterprise_id=fx.enterprise_id,
            ),
            base_urls=urls,
        )
    )
    attempt(
        lambda: JWTConfig(
            fx.client_id, fx.client_secret, fx.key_id, fx.private_key_pem, fx.passphrase
        )
    )
    attempt(
        lambda: BoxCCGAuth(
            fresh(), base_urls=BaseUrls(base_url="http://127.0.0.1:1"), **quick
        ).retrieve_token()
    )
    attempt(
        lambda: BoxCCGAuth(
            ccg_config, base_urls=BaseUrls(base_url=f"http://example.com/{fx.client_secret}")
        )
    )
    box.emu.inject_fault(
        path="/oauth2/token", kind="malformed", count=1, status=200, body=b'{"access_token": 5}'
    )
    attempt(BoxCCGAuth(fresh(), base_urls=urls, **quick).retrieve_token)
    box.emu.inject_fault(path="/oauth2/token", kind="status", count=5, status=429, retry_after="0")
    attempt(BoxCCGAuth(fresh(), base_urls=urls, **quick).retrieve_token)
    box.emu.clear_faults()
    attempt(dev.refresh_token)
    attempt(lambda: oauth.get_tokens_authorization_code_grant(code))  # a used code
    attempt(lambda: oauth.get_tokens_from_redirect(location))  # a used state
    attempt(lambda: ccg.downscope_token(["no_such_scope", fx.client_secret]))
    oauth.revoke_token()
    attempt(oauth.retrieve_token)
    assert len(errors) >= 12, " ".join(type(e).__name__ for e in errors)

    secrets = [
        fx.client_secret,
        fx.passphrase,
        *[line for line in fx.private_key_pem.splitlines() if "-----" not in line][:3],
        dev_token,
        code,
        "not-the-passphrase",
        "proxy-pass-123",
        *issued,
    ]
    assert all(len(s) >= 8 for s in secrets)
    texts = [t for obj in objects + errors for t in _texts(obj)] + [caplog.text]
    assert caplog.records
    for secret in secrets:
        for text in texts:
            assert secret not in text


# box_sdk_gen's names for two of ours.
ALIASES = {"BoxSDKError": "BoxAuthError", "JwtAlgorithm": "Algorithm"}


def test_every_public_name_is_importable() -> None:
    """Each public name imports (lazily) as the object boxauth defines under that name, or
    the one it is box_sdk_gen's alias for; ``AuthError`` is the union of the error values."""
    assert len(set(boxauth.__all__)) == len(boxauth.__all__)
    for name in boxauth.__all__:
        value = getattr(boxauth, name)
        if name == "AuthError":
            assert set(typing.get_args(value)) == {
                boxauth.InvalidInput,
                boxauth.BoxRefused,
                boxauth.TransportFailure,
                boxauth.ReauthRequired,
                boxauth.StateMismatch,
                StorageFailure,
            }
            continue
        assert value.__name__ == ALIASES.get(name, name)
        assert value.__module__.startswith("boxauth.")
