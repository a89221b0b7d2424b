"""Helpers shared by the asyncio tests (tests/aio/)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
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
    config = boxauth.JWTConfig.from_config_json_string(
        box.fx.config_json, token_storage=shell.pop("token_storage", None)
    )
    return aio.BoxJWTAuth(config, base_urls=urls, **shell)


def ccg(box: Any, urls: boxauth.BaseUrls, **shell: Any) -> aio.BoxCCGAuth:
    config = boxauth.CCGConfig(
        box.fx.client_id,
        box.fx.client_secret,
        enterprise_id=box.fx.enterprise_id,
        token_storage=shell.pop("token_storage", None),
    )
    return aio.BoxCCGAuth(config, base_urls=urls, **shell)


class Heartbeat:
    """A task ticking every ``period`` s on the loop. Between two ticks it records
    the loop's stall (the gap, less the period: ``worst``) and the CPU time the
    loop's thread spent (``worst_cpu``: what ran on the loop, whatever else the
    machine did meanwhile)."""

    def __init__(self, period: float = 0.001) -> None:
        self.period = period
        self.worst = 0.0
        self.worst_cpu = 0.0
        self.ticks = 0
        self.thread = 0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        self.thread = threading.get_ident()
        last, cpu = time.perf_counter(), time.thread_time()
        while True:
            await asyncio.sleep(self.period)
            now, used = time.perf_counter(), time.thread_time()
            self.worst = max(self.worst, now - last - self.period)
            self.worst_cpu = max(self.worst_cpu, used - cpu)
            self.ticks += 1
            last, cpu = now, used

    async def __aenter__(self) -> Heartbeat:
        gc.collect()
        gc.freeze()  # see test_aio_loop_lag: the test process's heap is not the shell's
        self._task = asyncio.get_running_loop().create_task(self._beat())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        gc.unfreeze()


class Threads:
    """Records which threads a plug-in's methods ran in."""

    def __init__(self) -> None:
        self.seen: dict[str, set[int]] = {}
        self._lock = threading.Lock()

    def note(self, what: str) -> None:
        with self._lock:
            self.seen.setdefault(what, set()).add(threading.get_ident())

    def wrap(self, what: str, fn: Callable[..., T]) -> Callable[..., T]:
        def recorded(*args: Any, **kwargs: Any) -> T:
            self.note(what)
            return fn(*args, **kwargs)

        return recorded

    def on(self, thread: int) -> list[str]:
        """What ran in ``thread``."""
        return sorted(what for what, threads in self.seen.items() if thread in threads)


async def gather_in_batches(
    make: Callable[[], Awaitable[T]], count: int, batch: int = 25
) -> list[asyncio.Task[T]]:
    """Start ``count`` tasks, ``batch`` per turn of the loop (as requests arrive at a
    server), and return them without waiting for them."""
    tasks: list[asyncio.Task[T]] = []
    for i in range(count):
        tasks.append(asyncio.ensure_future(make()))
        if i % batch == batch - 1:
            await asyncio.sleep(0)
    return tasks
