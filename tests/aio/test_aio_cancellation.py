"""Cancellation safety (README "Async (asyncio) and httpx"), against the emulator.

Cancelling the coroutine that started a renewal does not cancel the renewal
the others wait on, leaves no lock held and loses no refresh token;
cancelling a waiter affects only that waiter; ``asyncio.timeout`` behaves the
same; a loop shut down mid-renewal (``asyncio.run`` returning, Ctrl-C) still
keeps the token Box sent. property_tests/test_aio_cancellation_props.py
draws random schedules of the same over a fake transport.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from aio_support import oauth, run, signed_in
from returns.result import Success

import boxauth
from boxauth import Effects, FileTokenStorage

DELAY = 0.6  # the emulator holds each refresh this long


def _expired_oauth(box: Any, urls: boxauth.BaseUrls, path: Path) -> Any:
    """A signed-in aio OAuth whose access token expired (its refresh token lives)."""
    auth = oauth(
        box, urls, effects=Effects(clock=box.emu.now), token_storage=FileTokenStorage(path)
    )
    run(signed_in(auth))
    box.emu.advance(3700)
    box.emu.reset_counters()
    box.emu.inject_fault(path="/oauth2/token", kind="delay", seconds=DELAY)
    return auth


def _nothing_lost_nothing_held(box: Any, auth: Any) -> boxauth.AccessToken:
    """One refresh; the stored pair is the new one and live; every lock is free."""
    assert box.emu.grant_counts["refresh_token"] == 1
    stored = auth.token_storage.get()
    assert box.emu.refresh_token_is_live(stored.refresh_token)
    assert auth._twin._lock.acquire(blocking=False)
    auth._twin._lock.release()
    with FileTokenStorage(auth.token_storage.filename).lock(0.5):
        pass
    return stored


async def _on_the_wire(box: Any) -> None:
    """Until the refresh request has reached the emulator."""
    while box.emu.request_count("/oauth2/token") == 0:
        await asyncio.sleep(0.01)


def test_cancelling_the_initiator_does_not_cancel_the_renewal_the_others_wait_on(
    box: Any, urls: boxauth.BaseUrls, tmp_path: Path
) -> None:
    auth = _expired_oauth(box, urls, tmp_path / "t.json")

    async def scenario() -> tuple[bool, list[Any]]:
        initiator = asyncio.ensure_future(auth.retrieve_token_result())
        await _on_the_wire(box)
        waiters = [asyncio.ensure_future(auth.retrieve_token_result()) for _ in range(10)]
        await asyncio.sleep(0.05)
        initiator.cancel()
        results = await asyncio.gather(*waiters)
        await asyncio.gather(initiator, return_exceptions=True)
        return initiator.cancelled(), results

    cancelled, results = run(scenario())
    stored = _nothing_lost_nothing_held(box, auth)
    assert cancelled
    assert results == [Success(stored)] * 10


def test_a_cancelled_waiter_affects_only_itself(
    box: Any, urls: boxauth.BaseUrls, tmp_path: Path
) -> None:
    auth = _expired_oauth(box, urls, tmp_path / "t.json")

    async def scenario() -> list[Any]:
        tasks = [asyncio.ensure_future(auth.retrieve_token_result())]
        await _on_the_wire(box)
        tasks += [asyncio.ensure_future(auth.retrieve_token_result()) for _ in range(5)]
        await asyncio.sleep(0.05)
        tasks[3].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = run(scenario())
    stored = _nothing_lost_nothing_held(box, auth)
    assert isinstance(results[3], asyncio.CancelledError)
    assert [r for i, r in enumerate(results) if i != 3] == [Success(stored)] * 5


def test_a_timeout_on_the_initiator_behaves_the_same(
    box: Any, urls: boxauth.BaseUrls, tmp_path: Path
) -> None:
    auth = _expired_oauth(box, urls, tmp_path / "t.json")

    async def scenario() -> tuple[str, Any]:
        waiter = None
        try:
            async with asyncio.timeout(0.2):
                first = asyncio.ensure_future(auth.retrieve_token_result())
                await _on_the_wire(box)
                waiter = asyncio.ensure_future(auth.retrieve_token_result())
                await first
        except TimeoutError:
            outcome = "timed out"
        else:
            outcome = "finished"
        assert waiter is not None
        return outcome, await waiter

    outcome, waited = run(scenario())
    stored = _nothing_lost_nothing_held(box, auth)
    assert outcome == "timed out"
    assert waited == Success(stored)
    assert run(auth.retrieve_token()) == stored  # no second refresh
    assert box.emu.grant_counts["refresh_token"] == 1


def test_a_loop_that_ends_mid_renewal_still_keeps_the_new_pair(
    box: Any, urls: boxauth.BaseUrls, tmp_path: Path
) -> None:
    """``asyncio.run`` returns while a renewal is in flight: it cancels the flight's
    task, which finishes first (asyncio.run waits for it), so the pair Box sent is
    saved, never dropped with its spent predecessor still stored."""
    auth = _expired_oauth(box, urls, tmp_path / "t.json")

    async def leave_early() -> asyncio.Future[Any]:
        left = asyncio.ensure_future(auth.retrieve_token_result())
        await _on_the_wire(box)
        return left  # not awaited: asyncio.run cancels it, and the flight, on return

    run(leave_early())
    stored = _nothing_lost_nothing_held(box, auth)
    assert stored.expires_at is not None and stored.expires_at > box.emu.now()


CTRL_C = r"""
import asyncio, json, os, signal, sys, threading, urllib.request
import boxauth
from boxauth import aio
from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

with BoxEmulator() as emu:
    fx = make_app_fixture(emu)
    urls = boxauth.BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url)
    storage = boxauth.FileTokenStorage(sys.argv[1])
    auth = aio.BoxOAuth(boxauth.OAuthConfig(fx.client_id, fx.client_secret, token_storage=storage),
                        base_urls=urls, effects=boxauth.Effects(clock=emu.now))
    try:
        urllib.request.build_opener(NoRedirect).open(auth.get_authorize_url())
    except urllib.error.HTTPError as answer:
        location = answer.headers["Location"]
    asyncio.run(auth.get_tokens_from_redirect(location))
    emu.advance(3700)
    emu.inject_fault(path="/oauth2/token", kind="delay", seconds=1.0)

    def ctrl_c():
        while emu.request_count("/oauth2/token") < 2:  # the sign-in was the first
            threading.Event().wait(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c, daemon=True).start()
    try:
        asyncio.run(auth.retrieve_token())
        outcome = "finished"
    except KeyboardInterrupt:
        outcome = "KeyboardInterrupt"
    stored = storage.get()
    print(json.dumps({
        "outcome": outcome,
        "refreshes": emu.grant_counts["refresh_token"],
        "live": emu.refresh_token_is_live(stored.refresh_token),
        "fresh": stored.expires_at > emu.now(),
        "next": asyncio.run(auth.retrieve_token()) == stored,
    }))
"""


def test_ctrl_c_during_a_renewal_under_asyncio_run_keeps_the_new_pair(tmp_path: Path) -> None:
    """A real SIGINT: asyncio.run cancels the caller and raises KeyboardInterrupt, and
    the renewal, which no caller owns, finishes and saves the pair first."""
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C, str(tmp_path / "t.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONSAFEPATH": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {
        "outcome": "KeyboardInterrupt",
        "refreshes": 1,
        "live": True,
        "fresh": True,
        "next": True,
    }


def test_waiting_callers_take_the_thread_twins_renewal(
    box: Any, urls: boxauth.BaseUrls, tmp_path: Path
) -> None:
    """Single flight across threads: the aio object's sync twin renews in a thread
    while coroutines ask; one refresh, and every coroutine gets its token."""
    auth = _expired_oauth(box, urls, tmp_path / "t.json")
    in_thread: list[Any] = []
    thread = threading.Thread(target=lambda: in_thread.append(auth._twin.retrieve_token()))

    async def scenario() -> list[Any]:
        thread.start()
        await _on_the_wire(box)
        return await asyncio.gather(*(auth.retrieve_token() for _ in range(50)))

    tokens = run(scenario())
    thread.join(10)
    stored = _nothing_lost_nothing_held(box, auth)
    assert tokens == [stored] * 50 and in_thread == [stored]
