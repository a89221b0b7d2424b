"""Helpers shared by the asyncio tests (tests/aio/)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from support import authorize_redirect

import boxauth
from boxauth import aio

T = TypeVar("T")

LIMIT = 120.0  # no test here may run longer than this: a hang fails, never blocks the suite


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` with a ceiling, so a hang is a failure."""

    async def bounded() -> T:
        async with asyncio.timeout(LIMIT):
            return await coro

    return asyncio.run(bounded())


def oauth(box: Any, urls: boxauth.BaseUrls, **shell: Any) -> aio.BoxOAuth:
    config = boxauth.OAuthConfig(
        box.fx.client_id, box.fx.client_secret, token_storage=shell.pop("token_storage", None)
    )
    return aio.BoxOAuth(config, base_urls=urls, **shell)


async def signed_in(auth: aio.BoxOAuth) -> boxauth.AccessToken:
    """Sign in through the emulator's authorize page (the browser's part runs in a thread)."""
    location = await asyncio.to_thread(authorize_redirect, auth.get_authorize_url())
    return await auth.get_tokens_from_redirect(location)


def jwt(box: Any, urls: boxauth.BaseUrls, **shell: Any) -> aio.BoxJWTAuth:
    return aio.BoxJWTAuth(boxauth.JWTConfig.from_config_json_string(box.fx.config_json),
                          base_urls=urls, **shell)  # fmt: skip


def ccg(box: Any, urls: boxauth.BaseUrls, **shell: Any) -> aio.BoxCCGAuth:
    config = boxauth.CCGConfig(box.fx.client_id, box.fx.client_secret,
                               enterprise_id=box.fx.enterprise_id)  # fmt: skip
    return aio.BoxCCGAuth(config, base_urls=urls, **shell)


class Heartbeat:
    """A task ticking every ``period`` s; ``worst`` is the longest stall of the loop:
    the largest gap between two ticks, less the period."""

    def __init__(self, period: float = 0.001) -> None:
        self.period = period
        self.worst = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.period)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - self.period)
            self.ticks += 1
            last = now

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.get_running_loop().create_task(self._beat())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def gather_in_batches(
    make: Callable[[], Awaitable[T]], count: int, batch: int = 50
) -> list[asyncio.Task[T]]:
    """Start ``count`` tasks, ``batch`` per turn of the loop (as requests arrive at a
    server), and return them without waiting for them."""
    tasks: list[asyncio.Task[T]] = []
    for i in range(count):
        tasks.append(asyncio.ensure_future(make()))
        if i % batch == batch - 1:
            await asyncio.sleep(0)
    return tasks
