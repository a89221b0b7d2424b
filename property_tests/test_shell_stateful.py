"""A stateful property test of the auth *shell* over a fake transport and clock.

Hypothesis drives a CCG and an OAuth auth object through expiries, failing
renewals (5xx, dropped connections, invalid_grant) and revocations. Whatever
happens, every call either returns a token that is valid at that moment or
raises a typed ``BoxAuthError``; a failed renewal never overwrites or loses the
stored token; and a refresh token is never spent twice.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from returns.result import Failure, Success

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxAuthError,
    BoxCCGAuth,
    BoxOAuth,
    CCGConfig,
    Effects,
    OAuthConfig,
    RetryPolicy,
    TransportSettings,
)
from boxauth.errors import TransportFailure, TransportFailureKind
from boxauth.wire import HttpResponse

LIFETIME = 3600


class FakeBox:
    """Answers token, refresh and revoke requests like Box, or fails on demand."""

    settings = TransportSettings(deadline=30.0)

    def __init__(self, clock: list[float]) -> None:
        self.clock = clock
        self.mode = "ok"
        self.issued = 0
        self.live_refresh: set[str] = set()
        self.spent_refresh: set[str] = set()
        self.reused_refresh = 0

    def _json(self, status: int, data: dict[str, Any]) -> Success[HttpResponse]:
        return Success(HttpResponse(status, (), json.dumps(data).encode()))

    def send(self, request: Any, *, timeout: float) -> Any:
        url = request.url
        if self.mode == "drop":
            return Failure(TransportFailure(TransportFailureKind.PROTOCOL, "dropped", True))
        if self.mode == "5xx":
            return Success(HttpResponse(503, (), b""))
        form = dict(parse_qsl(request.body.decode()))
        if url.endswith("/oauth2/revoke"):
            self.live_refresh.discard(form["token"])
            return Success(HttpResponse(200, (), b""))
        refresh = None
        if form["grant_type"] == "refresh_token":
            old = form["refresh_token"]
            if old in self.spent_refresh:
                self.reused_refresh += 1
            if self.mode == "invalid_grant":  # e.g. the user revoked the app at Box
                self.live_refresh.discard(old)
            if old not in self.live_refresh:
                return self._json(
                    400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
                )
            self.live_refresh.discard(old)
            self.spent_refresh.add(old)
            refresh = self.new_refresh()
        self.issued += 1
        data: dict[str, Any] = {"access_token": f"at-{self.issued}", "expires_in": LIFETIME}
        if refresh:
            data["refresh_token"] = refresh
        return self._json(200, data)

    def new_refresh(self) -> str:
        self.issued += 1
        token = f"rt-{self.issued}"
        self.live_refresh.add(token)
        return token


class ShellMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = [1_000_000.0]
        self.box = FakeBox(self.clock)

        def sleep(seconds: float) -> None:
            self.clock[0] += seconds

        effects = Effects(
            clock=lambda: self.clock[0],
            monotonic=lambda: self.clock[0],
            sleep=sleep,
            jitter=lambda: 0.5,
        )
        shell: dict[str, Any] = {
            "base_urls": BaseUrls(),
            "transport": self.box,
            "effects": effects,
            "retry_policy": RetryPolicy(max_attempts=3),
        }
        self.ccg = BoxCCGAuth(CCGConfig("cid", "csecret", enterprise_id="1"), **shell)
        self.oauth = BoxOAuth(OAuthConfig("cid", "csecret"), **shell)
        seed = AccessToken(
            access_token="at-seed",
            refresh_token=self.box.new_refresh(),
            expires_in=LIFETIME,
            expires_at=self.clock[0] + LIFETIME,
        )
        self.oauth.token_storage.store(seed)

    def _check(self, auth: Any, forced: bool) -> None:
        before = auth.token_storage.get()
        try:
            token = auth.refresh_token() if forced else auth.retrieve_token()
        except BoxAuthError:
            after = auth.token_storage.get()
            if before is not None and before.refresh_token in self.box.live_refresh:
                # A failed renewal leaves a live refresh token exactly where it was.
                assert after == before
            elif before is not None and before.refresh_token is not None:
                # Box refused it (spent or revoked): it is dropped, nothing else changes,
                # so no process ever sends it again.
                assert after is not None and after.refresh_token is None
                assert after.access_token == before.access_token
            return
        assert token.access_token
        assert token.expires_at is None or self.clock[0] < token.expires_at

    @rule(seconds=st.sampled_from([0, 1, 59, 61, 1800, 3540, 3599, 3600, 3601, 7200]))
    def advance(self, seconds: int) -> None:
        self.clock[0] += seconds

    @rule(mode=st.sampled_from(["ok", "ok", "5xx", "drop", "invalid_grant"]))
    def set_mode(self, mode: str) -> None:
        self.box.mode = mode

    @rule(forced=st.booleans())
    def ccg_call(self, forced: bool) -> None:
        self._check(self.ccg, forced)

    @rule(forced=st.booleans())
    def oauth_call(self, forced: bool) -> None:
        self._check(self.oauth, forced)

    @rule()
    def ccg_revoke(self) -> None:
        result = self.ccg.revoke_token_result()
        if isinstance(result, Success):
            assert self.ccg.token_storage.get() is None

    @rule()
    def oauth_revoke(self) -> None:
        before = self.oauth.token_storage.get()
        result = self.oauth.revoke_token_result()
        if isinstance(result, Success):
            assert self.oauth.token_storage.get() is None
        else:
            assert self.oauth.token_storage.get() == before

    @invariant()
    def a_refresh_token_is_never_spent_twice(self) -> None:
        assert self.box.reused_refresh == 0

    @invariant()
    def stored_oauth_refresh_token_is_the_live_one(self) -> None:
        stored = self.oauth.token_storage.get()
        if stored is not None and stored.refresh_token is not None:
            # Either still live at the server, or revoked (mode-independent).
            assert stored.refresh_token not in self.box.spent_refresh


TestShell = ShellMachine.TestCase
