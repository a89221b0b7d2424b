"""A herd: 1,000 coroutines calling ``retrieve_token()`` at once make
exactly one token request, for a fresh JWT auth, a fresh CCG auth and an OAuth
auth whose access token expired (one refresh, no invalid_grant)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aio_support import ccg, jwt, oauth, run, signed_in
from boxauth.adapters import aio_auth

import boxauth
from boxauth import Effects

HERD = 1000
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _invalid_grants(emu: Any) -> int:
    return sum(n for key, n in emu.error_counts.items() if "invalid_grant" in key)


def test_1000_coroutines_on_a_fresh_jwt_auth_make_one_grant(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    auth = jwt(box, urls)
    box.emu.reset_counters()

    async def herd() -> list[boxauth.AccessToken]:
        return await asyncio.gather(*(auth.retrieve_token() for _ in range(HERD)))

    tokens = run(herd())
    assert box.emu.grant_counts[JWT_GRANT] == 1
    assert sum(box.emu.grant_counts.values()) == 1
    assert len({t.access_token for t in tokens}) == 1
    assert auth.token_storage.get() == tokens[0]


def test_1000_coroutines_on_a_fresh_ccg_auth_make_one_grant(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    auth = ccg(box, urls)
    box.emu.reset_counters()

    async def herd() -> list[boxauth.AccessToken]:
        return await asyncio.gather(*(auth.retrieve_token() for _ in range(HERD)))

    tokens = run(herd())
    assert box.emu.grant_counts["client_credentials"] == 1
    assert sum(box.emu.grant_counts.values()) == 1
    assert len({t.access_token for t in tokens}) == 1


def test_1000_coroutines_after_an_oauth_expiry_make_one_refresh(
    box: Any, urls: boxauth.BaseUrls
) -> None:
    auth = oauth(box, urls, effects=Effects(clock=box.emu.now))

    async def herd() -> tuple[boxauth.AccessToken, list[boxauth.AccessToken]]:
        first = await signed_in(auth)
        box.emu.advance(3700)  # the access token expired; its refresh token lives on
        box.emu.reset_counters()
        return first, await asyncio.gather(*(auth.retrieve_token() for _ in range(HERD)))

    first, tokens = run(herd())
    assert box.emu.grant_counts["refresh_token"] == 1
    assert sum(box.emu.grant_counts.values()) == 1
    assert _invalid_grants(box.emu) == 0
    assert len({t.access_token for t in tokens}) == 1
    stored = auth.token_storage.get()
    assert stored == tokens[0] and stored.refresh_token != first.refresh_token
    assert box.emu.refresh_token_is_live(stored.refresh_token)


def test_a_herd_woken_after_a_renewal_starts_no_thread_per_caller(
    box: Any, urls: boxauth.BaseUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One renewal thread serves the herd: callers woken when it ends take the
    token it stored, on the loop, instead of each starting a thread of its own
    (1,000 thread starts on the loop's thread would stall it)."""
    started: list[str] = []
    real = aio_auth.in_a_thread

    def counted(fn: Any, name: str) -> Any:
        started.append(name)
        return real(fn, name)

    monkeypatch.setattr(aio_auth, "in_a_thread", counted)
    auth = ccg(box, urls)
    box.emu.inject_fault(path="/oauth2/token", kind="delay", seconds=0.3)

    async def herd() -> list[boxauth.AccessToken]:
        return await asyncio.gather(*(auth.retrieve_token() for _ in range(HERD)))

    tokens = run(herd())
    assert len({t.access_token for t in tokens}) == 1
    assert started == ["boxauth-flight"]
