"""An OAuth user's refresh token is single use and is never lost, never left live untracked.

- A save that fails during the code exchange is reported, and
  the freshly issued pair wins over the older stored one: it is used and saved
  again on the next call (it used to lose to the older pair and stay live at Box,
  untracked, unrevocable).
- A 200 to a refresh whose refresh token is usable but whose
  rest is not is never thrown away: the refresh token is stored and the next
  call refreshes with it.
- Revoking after the access token expired revokes the refresh
  token (it used to send only the expired access token).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from returns.result import Failure, Success
from support import authorize_redirect

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxOAuth,
    Effects,
    FileTokenStorage,
    OAuthConfig,
    RetryPolicy,
    Urllib3Transport,
)
from boxauth.errors import BoxRefused, StorageFailure
from boxauth.wire import HttpRequest, HttpResponse


class SaveFailsOnce(FileTokenStorage):
    fail_next = False

    def store(self, token: AccessToken) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError(28, "No space left on device")
        super().store(token)


def test_a_failed_save_during_sign_in_is_reported_and_the_new_pair_wins(
    box: Any, urls: BaseUrls, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    storage = SaveFailsOnce(str(tmp_path / "tok.json"))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage), base_urls=urls
    )
    older = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    storage.fail_next = True
    with caplog.at_level(logging.WARNING, logger="boxauth"):
        result = auth.get_tokens_from_redirect_result(
            authorize_redirect(auth.get_authorize_url())
        )
    assert isinstance(result, Failure) and isinstance(result.failure(), StorageFailure)
    assert auth.unsaved
    assert "newer token" not in caplog.text  # the old wrong warning
    assert storage.get() == older  # the file still holds the older pair ...
    current = auth.retrieve_token()  # ... but the new pair is used, and saved now
    assert current != older and current.refresh_token != older.refresh_token
    assert storage.get() == current and not auth.unsaved
    # Revoking revokes the live pair, the one the failed save would have orphaned.
    assert isinstance(auth.revoke_token_result(), Success)
    assert not box.emu.refresh_token_is_live(current.refresh_token)


class BreakExpiresIn(Urllib3Transport):
    """The real answer to the next refresh, with an unusable ``expires_in``."""

    armed = False

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        result = super().send(request, timeout=timeout)
        if self.armed and b"grant_type=refresh_token" in (request.body or b""):
            self.armed = False
            answer: HttpResponse = result.unwrap()
            data = json.loads(answer.body)
            data["expires_in"] = "soon"
            return Success(HttpResponse(answer.status, answer.headers, json.dumps(data).encode()))
        return result


def test_a_refresh_answer_with_a_usable_refresh_token_is_never_thrown_away(
    box: Any, urls: BaseUrls
) -> None:
    transport = BreakExpiresIn()
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret),
        base_urls=urls,
        transport=transport,
        effects=Effects(clock=box.emu.now),
    )
    first = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3700)
    transport.armed = True
    broken = auth.retrieve_token_result()
    assert isinstance(broken, Failure) and isinstance(broken.failure(), BoxRefused)
    assert "expires_in" in broken.failure().message()
    kept = auth.token_storage.get()
    assert kept is not None and kept.access_token is None
    assert kept.refresh_token != first.refresh_token
    assert box.emu.refresh_token_is_live(kept.refresh_token)
    renewed = auth.retrieve_token()  # refreshes with the kept refresh token
    assert box.emu.token_info(renewed.access_token) is not None


def test_revoke_after_the_access_token_expired_revokes_the_refresh_token(
    box: Any, urls: BaseUrls
) -> None:
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret),
        base_urls=urls,
        effects=Effects(clock=box.emu.now),
    )
    token = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3700)  # the access token expired; the refresh token is live
    assert box.emu.refresh_token_is_live(token.refresh_token)
    auth.revoke_token()
    assert not box.emu.refresh_token_is_live(token.refresh_token)
    assert auth.token_storage.get() is None


class DropRefreshToken(Urllib3Transport):
    """The real answer to a refresh, without its refresh_token field."""

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        result = super().send(request, timeout=timeout)
        if b"grant_type=refresh_token" in (request.body or b""):
            answer: HttpResponse = result.unwrap()
            data = json.loads(answer.body)
            data.pop("refresh_token", None)
            return Success(HttpResponse(answer.status, answer.headers, json.dumps(data).encode()))
        return result


def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one(
    box: Any, urls: BaseUrls
) -> None:
    """RFC 6749 section 6: the old refresh token is discarded only when a new one is issued."""
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret),
        base_urls=urls,
        transport=DropRefreshToken(),
        effects=Effects(clock=box.emu.now),
    )
    first = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3700)
    renewed = auth.retrieve_token()
    assert renewed.access_token != first.access_token
    stored = auth.token_storage.get()
    assert stored is not None and stored.refresh_token == first.refresh_token


@pytest.mark.parametrize(
    ("status", "retry_after"), [(500, None), (503, None), (429, "1"), (400, None)]
)
def test_a_refused_revoke_of_the_refresh_token_is_a_failure_and_keeps_the_storage(
    box: Any, urls: BaseUrls, status: int, retry_after: str | None
) -> None:
    """The refresh token is revoked first; Box refusing it is never taken for a
    revoked pair: the caller is told, the storage is unchanged and the pair is
    still live (and still revocable by the next revoke)."""
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret),
        base_urls=urls,
        retry_policy=RetryPolicy(max_attempts=1),
    )
    held = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.inject_fault(
        path="/oauth2/revoke", kind="status", count=1, status=status, retry_after=retry_after
    )
    result = auth.revoke_token_result()
    assert isinstance(result, Failure) and isinstance(result.failure(), BoxRefused)
    assert auth.token_storage.get() == held
    assert box.emu.refresh_token_is_live(held.refresh_token)
    # The token is still handed out (it was never revoked), and a revoke again works.
    assert auth.retrieve_token().access_token == held.access_token
    auth.revoke_token()
    assert not box.emu.refresh_token_is_live(held.refresh_token)
    assert auth.token_storage.get() is None
