"""Regression tests for the auth shell, one per finding of the security review."""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest
from returns.result import Failure, Success
from support import authorize_redirect

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxClient,
    BoxConfigError,
    BoxDeveloperTokenAuth,
    BoxJWTAuth,
    BoxOAuth,
    BoxReauthRequiredError,
    Effects,
    InMemoryTokenStorage,
    JWTConfig,
    OAuthConfig,
    Urllib3Transport,
)


def signed_in(box: Any, urls: BaseUrls, **shell: Any) -> BoxOAuth:
    auth = BoxOAuth(OAuthConfig(box.fx.client_id, box.fx.client_secret), base_urls=urls, **shell)
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    return auth


class ExplodingOnce(Urllib3Transport):
    """A transport whose first send raises, like a plug-in or a bad proxy would."""

    armed = True

    def send(self, request: Any, *, timeout: float) -> Any:
        if self.armed:
            self.armed = False
            raise RuntimeError("boom")
        return super().send(request, timeout=timeout)


def test_an_exception_during_renewal_is_a_failure_and_does_not_brick_the_object(
    box: Any, urls: BaseUrls
) -> None:
    auth = BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json),
        base_urls=urls,
        transport=ExplodingOnce(),
    )
    first = auth.retrieve_token_result()
    assert isinstance(first, Failure)
    assert "RuntimeError" in first.failure().message()
    assert isinstance(auth.retrieve_token_result(), Success)


class FailingStore(InMemoryTokenStorage):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def store(self, token: AccessToken) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("redis down")  # not an OSError
        super().store(token)


def test_any_storage_error_keeps_the_renewed_pair(box: Any, urls: BaseUrls) -> None:
    storage = FailingStore()
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
        effects=Effects(clock=box.emu.now),
    )
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3700)
    box.emu.reset_counters()
    storage.failures = 1
    renewed = auth.retrieve_token_result()
    assert isinstance(renewed, Success)
    assert auth.retrieve_token() == renewed.unwrap()
    assert storage.get() == renewed.unwrap()
    assert box.emu.grant_counts["refresh_token"] == 1


def test_revoke_also_revokes_a_pair_the_storage_failed_to_save(box: Any, urls: BaseUrls) -> None:
    storage = FailingStore()
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
    )
    old = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    storage.failures = 1
    new = auth.refresh_token()
    assert storage.get() == old
    auth.revoke_token()
    assert box.emu.token_info(new.access_token).revoked
    assert not box.emu.refresh_token_is_live(new.refresh_token)
    with pytest.raises(BoxReauthRequiredError):
        auth.retrieve_token()


class ClearFails(InMemoryTokenStorage):
    def clear(self) -> None:
        raise PermissionError(13, "Permission denied")


def test_a_failed_clear_after_revoke_is_reported_and_the_token_never_reused(
    box: Any, urls: BaseUrls
) -> None:
    config = JWTConfig.from_config_json_string(box.fx.config_json, token_storage=ClearFails())
    auth = BoxJWTAuth(config, base_urls=urls)
    first = auth.retrieve_token()
    result = auth.revoke_token_result()
    assert isinstance(result, Failure)
    assert "clearing failed" in result.failure().message()
    assert box.emu.token_info(first.access_token).revoked
    assert auth.retrieve_token().access_token != first.access_token


def test_concurrent_401s_refresh_once(box: Any, urls: BaseUrls) -> None:
    auth = signed_in(box, urls)  # our clock says fresh ...
    box.emu.advance(3700)  # ... Box's says expired: every API call gets 401
    box.emu.reset_counters()
    client = BoxClient(auth)
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def call() -> None:
        barrier.wait()
        try:
            client.users.get_user_me()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert box.emu.grant_counts["refresh_token"] == 1


def test_a_nan_expiry_is_never_used(box: Any, urls: BaseUrls) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    with pytest.raises(BoxConfigError, match="expires_at"):
        BoxDeveloperTokenAuth(token=AccessToken(access_token=token, expires_at=math.nan))
    # A user's storage can hand back anything; a NaN expiry counts as no token.
    storage = InMemoryTokenStorage()
    storage.store(AccessToken(access_token=token, expires_at=math.nan))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage), base_urls=urls
    )
    with pytest.raises(BoxReauthRequiredError):
        auth.retrieve_token()


class JumpingClock:
    """Wall clock that jumps forward an hour while a refresh is on the wire."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.jump = 0.0

    def __call__(self) -> float:
        return float(self.emu.now()) + self.jump


class JumpDuringRefresh(Urllib3Transport):
    clock: JumpingClock

    def send(self, request: Any, *, timeout: float) -> Any:
        result = super().send(request, timeout=timeout)
        if b"grant_type=refresh_token" in (request.body or b""):
            self.clock.jump += 4000
            self.clock.emu.advance(4000)
        return result


def test_a_refresh_answer_dead_on_arrival_keeps_its_new_refresh_token(
    box: Any, urls: BaseUrls
) -> None:
    clock = JumpingClock(box.emu)
    transport = JumpDuringRefresh()
    transport.clock = clock
    auth = signed_in(box, urls, effects=Effects(clock=clock), transport=transport)
    assert isinstance(auth.refresh_token_result(), Failure)  # expired on arrival
    kept = auth.token_storage.get()
    assert kept is not None and box.emu.refresh_token_is_live(kept.refresh_token)
    transport.clock = JumpingClock(box.emu)  # no more jumps
    transport.send = Urllib3Transport.send.__get__(transport)  # type: ignore[method-assign]
    assert auth.retrieve_token().access_token  # refreshed with the kept token


def test_a_nul_byte_in_the_config_path_is_a_config_error() -> None:
    with pytest.raises(BoxConfigError, match="config_file_path"):
        JWTConfig.from_config_file("a\0b")


def test_a_developer_token_with_a_trailing_newline_works_and_a_broken_one_is_refused(
    box: Any, urls: BaseUrls
) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    auth = BoxDeveloperTokenAuth(token=token + "\n", base_urls=urls)
    assert BoxClient(auth).users.get_user_me().id == box.fx.user_id
    with pytest.raises(BoxConfigError) as caught:
        BoxDeveloperTokenAuth(token=token + "\r\nX-Injected: 1", base_urls=urls)
    assert token not in str(caught.value)


def test_after_a_failed_store_the_new_token_is_served_not_the_replaced_one(
    box: Any, urls: BaseUrls
) -> None:
    storage = FailingStore()
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
    )
    old = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    assert auth.retrieve_token() == old  # primes the lock-free path with the old token
    storage.failures = 1
    new = auth.refresh_token()  # the store fails; the old token is still fresh by its clock
    assert storage.get() == old
    assert auth.retrieve_token() == new
