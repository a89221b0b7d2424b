"""The marker-secret scan, over Redis: reprs, log records, errors, and Redis itself.

With encryption on, ``redis-cli --scan`` and ``GET`` of every key show no token
text, no client secret and no key; nothing the storage prints or logs shows a
token, a key or the Redis password.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from typing import Any

import pytest
import redis
from boxauth.adapters.redis_records import names_of
from support import authorize_redirect

from boxauth import (
    BaseUrls,
    BoxAuthError,
    BoxCCGAuth,
    BoxJWTAuth,
    BoxOAuth,
    CCGConfig,
    Effects,
    JWTConfig,
    OAuthConfig,
    RedisTokenStorage,
)

ENCRYPTION_KEY = bytes.fromhex("6b" * 32)
PASSWORD = "redis-pass-marker-5513"


def _texts(obj: object) -> list[str]:
    out = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        out += [" ".join(str(a) for a in obj.args), repr(getattr(obj, "error", None))]
        out += [repr(obj.__cause__), repr(obj.__context__)]
    return out


def test_no_secret_in_redis_reprs_logs_or_errors(
    box: Any,
    redis_server: Any,
    redis_url: str,
    storages: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    assert redis_url.endswith(f":{redis_server.port}/0")  # emptied for this test
    urls = BaseUrls(base_url=box.emu.base_url, oauth_2_url=box.emu.oauth_2_url)
    with redis_server.client() as admin:
        admin.execute_command(
            "ACL", "SETUSER", "boxauth", "on", f">{PASSWORD}", "~*", "&*", "+@all"
        )
    url = f"redis://boxauth:{PASSWORD}@127.0.0.1:{redis_server.port}/0"
    offset = [0.0]
    effects = Effects(clock=lambda: time.time() + offset[0])

    def storage(name: str, **options: Any) -> RedisTokenStorage:
        made = RedisTokenStorage.from_url(url, name, encryption_keys=[ENCRYPTION_KEY], **options)
        storages.append(made)
        return made

    fx = box.fx
    oauth = BoxOAuth(
        OAuthConfig(fx.client_id, fx.client_secret, token_storage=storage("oauth")),
        base_urls=urls,
        effects=effects,
    )
    pair = oauth.get_tokens_from_redirect(authorize_redirect(oauth.get_authorize_url()))
    box.emu.advance(3700)
    offset[0] = box.emu.now() - time.time()
    renewed = oauth.retrieve_token()
    jwt = BoxJWTAuth(
        JWTConfig.from_config_json_string(fx.config_json, token_storage=storage("jwt")),
        base_urls=urls,
        effects=effects,
    )
    ccg = BoxCCGAuth(
        CCGConfig(fx.client_id, fx.client_secret, user_id=fx.user_id, token_storage=storage("ccg")),
        base_urls=urls,
        effects=effects,
    )
    issued = [
        t
        for token in (pair, renewed, jwt.retrieve_token(), ccg.retrieve_token())
        for t in (token.access_token, token.refresh_token)
        if t
    ]
    assert len(issued) == 6
    objects: list[object] = [oauth, jwt, ccg, *storages]

    # Error paths: a wrong password, an unreachable server, a superseded write.
    errors: list[BaseException] = []
    wrong = RedisTokenStorage.from_url(url.replace(PASSWORD, PASSWORD + "-wrong"), "oauth")
    unreachable = RedisTokenStorage.from_url(
        f"redis://boxauth:{PASSWORD}@127.0.0.1:1/0", "oauth", socket_timeout=0.5
    )
    storages.extend([wrong, unreachable])
    for broken in (wrong, unreachable):
        auth = BoxOAuth(
            OAuthConfig(fx.client_id, fx.client_secret, token_storage=broken), base_urls=urls
        )
        objects.append(auth)
        for call in (auth.retrieve_token, broken.get, lambda b=broken: b.store(renewed)):
            try:
                call()
            except BoxAuthError as exc:
                errors.append(exc)
    late = storage("oauth")
    with late.lock(5):
        late.get()
        with redis.Redis.from_url(url) as client:
            client.delete(names_of("oauth").lease)
        storage("oauth").store(renewed)
        try:
            late.store(pair)
        except BoxAuthError as exc:
            errors.append(exc)
    assert len(errors) == 7, errors

    secrets = [*issued, fx.client_secret, fx.passphrase, PASSWORD, ENCRYPTION_KEY.hex()]
    texts = [t for obj in [*objects, *errors] for t in _texts(obj)] + [caplog.text]
    for secret in secrets:
        assert not any(secret in text for text in texts), secret

    cli = shutil.which("redis-cli")
    assert cli is not None
    base = [cli, "-p", str(redis_server.port), "--user", "boxauth", "--pass", PASSWORD]
    scanned = subprocess.run(
        [*base, "--no-auth-warning", "--scan"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert {names_of(k).record for k in ("oauth", "jwt", "ccg")} <= set(scanned)
    for name in scanned:
        kind = subprocess.run(
            [*base, "--no-auth-warning", "TYPE", name], capture_output=True, text=True, check=True
        ).stdout.strip()
        if kind != "string":
            continue
        value = subprocess.run(
            [*base, "--no-auth-warning", "GET", name], capture_output=True, text=True, check=True
        ).stdout
        for secret in [*issued, fx.client_secret, PASSWORD]:
            assert secret not in value, name
