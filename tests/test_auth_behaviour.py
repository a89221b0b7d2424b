"""How the auth objects behave under retries, skew, concurrency, revocation and a
failing token storage.

All against the emulator over real loopback HTTP. Sleeps are recorded, not
slept, so Retry-After and backoff are asserted without waiting.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
from typing import Any
from urllib.parse import parse_qsl

import pytest
from returns.result import Failure, Success
from support import Sleeps, authorize_redirect, ccg_auth, jwt_auth, oauth_auth, signed_in

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxCCGAuth,
    BoxClient,
    BoxConfigError,
    BoxDeveloperTokenAuth,
    BoxJWTAuth,
    BoxNetworkError,
    BoxRateLimitedError,
    BoxReauthRequiredError,
    BoxRefusedError,
    CCGConfig,
    DeveloperTokenConfig,
    Effects,
    InMemoryTokenStorage,
    JWTConfig,
    RetryPolicy,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.errors import InvalidInput, StorageFailure, StorageFailureKind
from boxauth.wire import HttpRequest

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class RecordingTransport(Urllib3Transport):
    """The real transport, keeping a copy of each form body for inspection."""

    def __init__(self, settings: TransportSettings | None = None) -> None:
        super().__init__(settings)
        self.bodies: list[dict[str, str]] = []

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        if request.body:
            self.bodies.append(dict(parse_qsl(request.body.decode())))
        return super().send(request, timeout=timeout)


def jti_of(form: dict[str, str]) -> str:
    claims = form["assertion"].split(".")[1]
    padded = claims + "=" * (-len(claims) % 4)
    return str(json.loads(base64.urlsafe_b64decode(padded))["jti"])


# -- retries -------------------------------------------------------------------


def test_429_with_retry_after_is_honoured(box: Any, urls: BaseUrls) -> None:
    sleeps = Sleeps()
    auth = ccg_auth(box, urls, effects=Effects(sleep=sleeps))
    box.emu.inject_fault(path="/oauth2/token", kind="status", count=2, status=429, retry_after="3")
    assert auth.retrieve_token().access_token
    assert sleeps.delays == [3.0, 3.0]
    assert box.emu.grant_counts["client_credentials"] == 3


def test_retry_after_beyond_the_cap_gives_up_with_a_typed_error(box: Any, urls: BaseUrls) -> None:
    sleeps = Sleeps()
    auth = ccg_auth(box, urls, effects=Effects(sleep=sleeps))
    box.emu.inject_fault(
        path="/oauth2/token", kind="status", count=1, status=429, retry_after="600"
    )
    with pytest.raises(BoxRateLimitedError) as caught:
        auth.retrieve_token()
    assert caught.value.retry_after == 600.0
    assert sleeps.delays == []


def test_503_backs_off_with_bounded_jitter(box: Any, urls: BaseUrls) -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0)
    auth = ccg_auth(
        box, urls, effects=Effects(sleep=sleeps, jitter=lambda: 0.999), retry_policy=policy
    )
    box.emu.inject_fault(path="/oauth2/token", kind="status", count=3, status=503)
    assert auth.retrieve_token().access_token
    assert len(sleeps.delays) == 3
    for n, delay in enumerate(sleeps.delays, 1):
        assert 0 <= delay <= min(8.0, 0.5 * 2 ** (n - 1))


def test_retries_are_bounded(box: Any, urls: BaseUrls) -> None:
    sleeps = Sleeps()
    auth = ccg_auth(
        box, urls, effects=Effects(sleep=sleeps), retry_policy=RetryPolicy(max_attempts=3)
    )
    box.emu.inject_fault(path="/oauth2/token", kind="status", count=10, status=500)
    with pytest.raises(BoxRefusedError):
        auth.retrieve_token()
    assert box.emu.grant_counts["client_credentials"] == 3
    assert len(sleeps.delays) == 2


def test_dropped_connection_is_retried_for_ccg(box: Any, urls: BaseUrls) -> None:
    auth = ccg_auth(box, urls, effects=Effects(sleep=Sleeps()))
    box.emu.inject_fault(path="/oauth2/token", kind="drop", count=1)
    assert auth.retrieve_token().access_token
    assert box.emu.grant_counts["client_credentials"] == 2


def test_refresh_is_never_retried_once_it_may_have_reached_box(box: Any, urls: BaseUrls) -> None:
    sleeps = Sleeps()
    auth = signed_in(box, urls, effects=Effects(clock=box.emu.now, sleep=sleeps))
    held = auth.token_storage.get()
    box.emu.advance(3700)
    box.emu.reset_counters()
    box.emu.inject_fault(path="/oauth2/token", kind="drop", count=1)
    with pytest.raises(BoxNetworkError) as caught:
        auth.retrieve_token()
    assert caught.value.maybe_sent
    assert box.emu.grant_counts.get("refresh_token", 0) == 1
    assert sleeps.delays == []
    assert auth.token_storage.get() == held  # nothing lost or overwritten


def test_jwt_retry_signs_a_new_assertion_with_a_new_jti(box: Any, urls: BaseUrls) -> None:
    transport = RecordingTransport()
    auth = jwt_auth(box, urls, transport=transport, effects=Effects(sleep=Sleeps()))
    box.emu.inject_fault(path="/oauth2/token", kind="status", count=2, status=429, retry_after="0")
    assert auth.retrieve_token().access_token
    jtis = [jti_of(b) for b in transport.bodies]
    assert len(jtis) == 3
    assert len(set(jtis)) == 3
    assert all(16 <= len(j) <= 128 for j in jtis)


# -- clock skew ----------------------------------------------------------------


@pytest.mark.parametrize("offset", [-300.0, 300.0])
def test_jwt_recovers_from_clock_skew_with_the_date_header(
    box: Any, urls: BaseUrls, offset: float
) -> None:
    box.emu.clock_offset = offset  # Box's clock runs ahead of or behind ours
    transport = RecordingTransport()
    auth = jwt_auth(box, urls, transport=transport)
    assert auth.retrieve_token().access_token
    assert len(transport.bodies) == 2  # refused once, re-signed on Box's clock
    assert jti_of(transport.bodies[0]) != jti_of(transport.bodies[1])
    # The learned correction is kept: the next fetch is right first time.
    auth.refresh_token()
    assert len(transport.bodies) == 3


# -- single flight -------------------------------------------------------------


def _herd(call: Any, threads: int = 64) -> list[Any]:
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            value: Any = call()
        except Exception as exc:
            value = exc
        with lock:
            results.append(value)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=60)
    return results


def test_64_threads_make_exactly_one_jwt_grant(box: Any, urls: BaseUrls) -> None:
    auth = jwt_auth(box, urls)
    box.emu.reset_counters()
    results = _herd(auth.retrieve_token)
    assert len(results) == 64
    assert len({r.access_token for r in results}) == 1
    assert box.emu.grant_counts[JWT_GRANT] == 1


def test_64_threads_make_exactly_one_oauth_refresh(box: Any, urls: BaseUrls) -> None:
    auth = signed_in(box, urls, effects=Effects(clock=box.emu.now))
    box.emu.advance(3700)
    box.emu.reset_counters()
    results = _herd(auth.retrieve_token)
    assert all(not isinstance(r, Exception) for r in results), results[:1]
    assert len({r.access_token for r in results}) == 1
    assert box.emu.grant_counts["refresh_token"] == 1
    assert not any(
        k[0] == "invalid_grant" if isinstance(k, tuple) else k == "invalid_grant"
        for k in box.emu.error_counts
    )


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


class FailingStore(InMemoryTokenStorage):
    """A storage whose next ``failures`` saves raise something other than an OSError."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 0

    def store(self, token: AccessToken) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("redis down")  # not an OSError
        super().store(token)


class ClearFails(InMemoryTokenStorage):
    def clear(self) -> None:
        raise PermissionError(13, "Permission denied")


# -- revoke semantics ----------------------------------------------------------


def test_developer_token_revoke_needs_the_config(box: Any, urls: BaseUrls) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    bare = BoxDeveloperTokenAuth(token=token, base_urls=urls)
    with pytest.raises(BoxConfigError) as caught:
        bare.revoke_token()
    assert caught.value.field == "config"
    assert bare.token_storage.get() is not None  # nothing lost
    with pytest.raises(BoxReauthRequiredError):
        bare.refresh_token()
    configured = BoxDeveloperTokenAuth(
        token=token,
        config=DeveloperTokenConfig(client_id=box.fx.client_id, client_secret=box.fx.client_secret),
        base_urls=urls,
    )
    configured.revoke_token()
    assert box.emu.token_info(token).revoked
    with pytest.raises(BoxReauthRequiredError):
        configured.retrieve_token()


def test_jwt_revoke_then_next_call_fetches(box: Any, urls: BaseUrls) -> None:
    auth = jwt_auth(box, urls)
    first = auth.retrieve_token()
    auth.revoke_token()
    assert box.emu.token_info(first.access_token).revoked
    second = auth.retrieve_token()
    assert second.access_token != first.access_token


def test_failed_revoke_keeps_the_token(box: Any, urls: BaseUrls) -> None:
    auth = ccg_auth(
        box, urls, effects=Effects(sleep=Sleeps()), retry_policy=RetryPolicy(max_attempts=1)
    )
    held = auth.retrieve_token()
    box.emu.inject_fault(path="/oauth2/revoke", kind="status", count=1, status=500)
    with pytest.raises(BoxRefusedError):
        auth.revoke_token()
    assert auth.token_storage.get() == held


def test_revoke_also_revokes_a_pair_the_storage_failed_to_save(box: Any, urls: BaseUrls) -> None:
    storage = FailingStore()
    auth = signed_in(box, urls, token_storage=storage)
    old = storage.get()
    storage.failures = 1
    new = auth.refresh_token()
    assert storage.get() == old
    auth.revoke_token()
    assert box.emu.token_info(new.access_token).revoked
    assert not box.emu.refresh_token_is_live(new.refresh_token)
    with pytest.raises(BoxReauthRequiredError):
        auth.retrieve_token()


def test_a_failed_clear_after_revoke_is_reported_and_the_token_never_reused(
    box: Any, urls: BaseUrls
) -> None:
    config = JWTConfig.from_config_json_string(box.fx.config_json, token_storage=ClearFails())
    auth = BoxJWTAuth(config, base_urls=urls)
    first = auth.retrieve_token()
    result = auth.revoke_token_result()
    assert isinstance(result, Failure)
    failure = result.failure()
    assert isinstance(failure, StorageFailure) and failure.kind is StorageFailureKind.CLEAR
    assert box.emu.token_info(first.access_token).revoked
    assert auth.retrieve_token().access_token != first.access_token


# -- immutability and downscoping ----------------------------------------------


def test_with_user_subject_keeps_every_setting_and_leaves_the_original(
    box: Any, urls: BaseUrls
) -> None:
    config = JWTConfig(
        box.fx.client_id,
        box.fx.client_secret,
        box.fx.key_id,
        box.fx.private_key_pem,
        box.fx.passphrase,
        enterprise_id=box.fx.enterprise_id,
        algorithm="RS512",
    )
    auth = BoxJWTAuth(config, base_urls=urls, refresh_margin=120)
    user_auth = auth.with_user_subject(box.fx.app_user_id)
    assert user_auth is not auth
    assert user_auth.config.algorithm.value == "RS512"
    assert user_auth.config.user_id == box.fx.app_user_id
    assert user_auth.base_urls == auth.base_urls
    assert auth.config.enterprise_id == box.fx.enterprise_id and auth.config.user_id is None
    assert user_auth.token_storage is not auth.token_storage
    assert BoxClient(user_auth).users.get_user_me().id == box.fx.app_user_id
    assert auth.token_storage.get() is None  # the original fetched nothing


def test_downscope_leaves_the_parent_token_untouched(box: Any, urls: BaseUrls) -> None:
    auth = signed_in(box, urls)
    parent = auth.retrieve_token()
    child = auth.downscope_token(
        ["item_preview"], resource=f"{urls.base_url}/2.0/files/{box.fx.file_id}"
    )
    assert child.refresh_token is None
    assert child.access_token != parent.access_token
    assert auth.token_storage.get() == parent
    assert box.emu.refresh_token_is_live(parent.refresh_token)
    listing = BoxClient(BoxDeveloperTokenAuth(token=child, base_urls=urls))
    with pytest.raises(BoxRefusedError) as caught:
        listing.folders.get_folder_items(box.fx.folder_id)
    assert caught.value.status == 403


def test_downscope_input_is_checked_before_any_request(box: Any, urls: BaseUrls) -> None:
    auth = ccg_auth(box, urls)
    box.emu.reset_counters()
    with pytest.raises(BoxConfigError) as caught:
        auth.downscope_token(["item_everything"])
    assert caught.value.field == "scopes"
    with pytest.raises(BoxConfigError) as caught:
        auth.downscope_token(
            ["item_preview"],
            resource=f"{urls.base_url}/2.0/files/1",
            shared_link="https://app.box.com/s/x",
        )
    assert caught.value.field == "resource/shared_link"
    assert box.emu.request_count() == 0


def test_a_misspelt_option_is_refused_by_every_method_sync_and_async(
    box: Any, urls: BaseUrls
) -> None:
    """The options are declared once (``**options``), yet a misspelt one is
    refused before anything is sent: a value from the Result API (which never
    raises), ``BoxConfigError`` from the raising API. A name that could be a
    pasted token is never quoted."""
    from boxauth import aio

    auth = ccg_auth(box, urls)
    twin = aio.BoxCCGAuth._around(auth)
    box.emu.reset_counters()
    token_like = "Xy7" + "a1B2" * 8
    results: list[Any] = [
        auth.downscope_token_result(["item_preview"], shared_links="x"),
        BoxClient(auth).request_result("GET", "users/me", header={}),
        asyncio.run(twin.downscope_token_result(["item_preview"], **{token_like: 1})),
        asyncio.run(aio.BoxClient(twin).request_result("GET", "users/me", bodi=b"")),
    ]
    named = ["'shared_links'", "'header'", "an unexpected name", "'bodi'"]
    for result, shown in zip(results, named, strict=True):
        assert isinstance(result, Failure) and isinstance(result.failure(), InvalidInput)
        assert shown in result.failure().message()
        assert token_like not in result.failure().message()
    raising: list[Any] = [
        lambda: auth.downscope_token(["item_preview"], resorce="x"),
        lambda: BoxClient(auth).request("GET", "users/me", param={}),
        lambda: asyncio.run(twin.downscope_token(["item_preview"], resorce="x")),
        lambda: asyncio.run(aio.BoxClient(twin).request("GET", "users/me", bodi=b"")),
    ]
    for call in raising:
        with pytest.raises(BoxConfigError, match="does not take an option named"):
            call()
    assert box.emu.request_count() == 0


# -- secrets -------------------------------------------------------------------


def test_no_secret_in_repr_str_exception_or_debug_log(
    box: Any, urls: BaseUrls, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="boxauth")
    auth = jwt_auth(box, urls, effects=Effects(sleep=Sleeps()))
    box.emu.inject_fault(path="/oauth2/token", kind="status", count=1, status=429, retry_after="0")
    token = auth.retrieve_token()
    user = signed_in(box, urls)
    pair = user.retrieve_token()
    errors: list[BaseException] = []
    bad = BoxCCGAuth(
        CCGConfig(box.fx.client_id, "wrong-" + box.fx.client_secret, user_id=box.fx.user_id),
        base_urls=urls,
    )
    try:
        bad.retrieve_token()
    except BoxRefusedError as exc:
        errors.append(exc)
    try:
        JWTConfig(
            box.fx.client_id,
            box.fx.client_secret,
            box.fx.key_id,
            box.fx.private_key_pem,
            "not-the-passphrase",
            enterprise_id="1",
        )
        BoxJWTAuth(
            JWTConfig(
                box.fx.client_id,
                box.fx.client_secret,
                box.fx.key_id,
                box.fx.private_key_pem,
                "not-the-passphrase",
                enterprise_id="1",
            )
        )
    except BoxConfigError as exc:
        errors.append(exc)
    assert len(errors) == 2
    secrets = [
        box.fx.client_secret,
        box.fx.passphrase,
        box.fx.private_key_pem.splitlines()[1],
        token.access_token,
        pair.access_token,
        pair.refresh_token,
        "not-the-passphrase",
    ]
    shown = [
        repr(auth),
        str(auth),
        repr(auth.config),
        repr(token),
        str(token),
        repr(pair),
        repr(user),
        repr(user.config),
        repr(auth.token_storage),
        *map(str, errors),
        *map(repr, errors),
        caplog.text,
    ]
    assert caplog.records, "expected DEBUG records from the grant and the retry"
    for text in shown:
        for secret in secrets:
            assert secret not in text


# -- a failing token storage -----------------------------------------------------


def test_a_storage_failure_does_not_lose_the_renewed_token(
    box: Any, urls: BaseUrls, caplog: pytest.LogCaptureFixture
) -> None:
    class FlakyStorage(InMemoryTokenStorage):
        failures = 1

        def store(self, token: AccessToken) -> None:
            if self.failures:
                self.failures -= 1
                raise OSError(28, "No space left on device")
            super().store(token)

    storage = FlakyStorage()
    auth = signed_in(box, urls, effects=Effects(clock=box.emu.now))
    held = auth.token_storage.get()
    auth.token_storage = storage
    storage.failures = 0
    storage.store(held)
    storage.failures = 1
    box.emu.advance(3700)
    renewed = auth.retrieve_token()  # refreshed; the store fails
    assert renewed.refresh_token != held.refresh_token
    assert storage.get() == held
    assert "could not save the new token" in caplog.text
    assert renewed.refresh_token not in caplog.text
    again = auth.retrieve_token()  # saved now, and no second refresh
    assert again == renewed
    assert storage.get() == renewed
    assert box.emu.grant_counts["refresh_token"] == 1


def test_any_storage_error_keeps_the_renewed_pair(box: Any, urls: BaseUrls) -> None:
    storage = FailingStore()
    auth = signed_in(box, urls, token_storage=storage, effects=Effects(clock=box.emu.now))
    box.emu.advance(3700)
    box.emu.reset_counters()
    storage.failures = 1
    renewed = auth.retrieve_token_result()
    assert isinstance(renewed, Success)
    assert auth.retrieve_token() == renewed.unwrap()
    assert storage.get() == renewed.unwrap()
    assert box.emu.grant_counts["refresh_token"] == 1


def test_after_a_failed_store_the_new_token_is_served_not_the_replaced_one(
    box: Any, urls: BaseUrls
) -> None:
    storage = FailingStore()
    auth = oauth_auth(box, urls, token_storage=storage)
    old = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    assert auth.retrieve_token() == old  # primes the lock-free path with the old token
    storage.failures = 1
    new = auth.refresh_token()  # the store fails; the old token is still fresh by its clock
    assert storage.get() == old
    assert auth.retrieve_token() == new
