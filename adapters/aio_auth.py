"""The asyncio shell: the sync shell's loop, run off the event loop.

An aio auth object wraps a sync one of the same kind (its *twin*, built from
the same arguments) and drives the same machine (``boxauth.lifecycle``)
through the twin: only the waiting differs. It shares the twin's lock, so a
renewal is single flight across coroutines, across threads that use the
twin, across processes (the storage's lock: a file's flock) and across
machines (a storage whose lock spans them).

A *flight* is one locked section of a public call, and it is the twin's own
(``BaseAuth._run``: the locks, read, step, carry out, feed back, until a
terminal action), run in a thread of its own (``aio_threads.in_a_thread``).
The caller that started it awaits it shielded, so it can be cancelled, time
out, be interrupted or have its loop closed without stopping the flight: the
flight goes on, saves the token Box sent and leaves every lock. Other callers
on the same loop take the core's early answer (``while_busy``) or wait,
cancellably and at most until their deadline, for the flight to end, then
look again; they are woken a few at a time (``WAKE_BATCH`` per turn of the
loop), so a thousand of them never stall the loop at once. Callers on another
loop, or threads using the twin, meet the flight at the twin's lock, as the
sync shell's callers do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future
from typing import Any, Self, Unpack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..errors import AuthError
from ..grants import Plan
from ..lifecycle import (
    Event,
    Fail,
    RevokeWanted,
    Use,
    Wanted,
    fast_use,
    while_busy,
)
from ..unexpected import class_name
from ..urls import BaseUrls
from ..wire import Transport
from . import plugins
from .aio_threads import elsewhere, in_a_thread
from .auth import BaseAuth, Stored_, Terminal, _token, downscoped, exchange_plan
from .call_options import DownscopeOptions, downscope_signature, downscope_wanted
from .raising import unwrap
from .sending import Call, internal
from .storage import InMemoryTokenStorage, TokenStorage
from .system import Effects

log = logging.getLogger("boxauth")

WAKE_BATCH = 16  # waiters woken per turn of the loop when a flight ends
POLL = 0.005  # seconds before looking again when a flight ended a moment ago

First = Callable[[Stored_], Event]
Early = Callable[[Stored_], AccessToken | None]


def _never(stored: Stored_) -> AccessToken | None:
    return None


class _Flight:
    """One flight: the loop whose callers wait for it, and those callers."""

    __slots__ = ("ended", "keeper", "loop", "waiters")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.ended = False
        self.waiters: list[asyncio.Future[None]] = []
        self.keeper: asyncio.Task[None] | None = None


async def _held_open(job: Future[Terminal]) -> None:
    """A task that ends when the flight's thread does: ``asyncio.run`` cancels and
    awaits every task before it returns, so it returns only once the flight has
    saved what Box sent. Cancellations are absorbed; the flight's own outcome is
    its caller's to raise, not this task's."""
    waiting = asyncio.wrap_future(job)
    while True:
        try:
            await asyncio.shield(waiting)
            return
        except asyncio.CancelledError:
            if waiting.done():
                return
        except BaseException:
            if waiting.done():
                return
            raise


def _wake(loop: asyncio.AbstractEventLoop, waiters: list[asyncio.Future[None]], at: int) -> None:
    """Wake ``WAKE_BATCH`` waiters from ``at``, and the rest on the next turns of the loop."""
    for waiter in waiters[at : at + WAKE_BATCH]:
        if not waiter.done():
            waiter.set_result(None)
    if at + WAKE_BATCH < len(waiters):
        loop.call_soon(_wake, loop, waiters, at + WAKE_BATCH)


def _wake_one(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class AsyncAuth:
    """What every aio auth object shares. Subclasses build the twin."""

    _twin: BaseAuth
    _flight: _Flight | None

    def _bind(self, twin: BaseAuth) -> None:
        self._twin = twin
        self._flight = None

    @classmethod
    def _around(cls, twin: BaseAuth) -> Self:
        """An aio object over an existing sync one (they share the machine and the lock)."""
        made = cls.__new__(cls)
        made._bind(twin)
        return made

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_urls.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError(f"{type(self).__name__} holds secrets and cannot be pickled")

    # -- the twin's settings, read-only -----------------------------------------------

    @property
    def base_urls(self) -> BaseUrls:
        return self._twin.base_urls

    @property
    def token_storage(self) -> TokenStorage:
        return self._twin.token_storage

    @property
    def transport(self) -> Transport:
        return self._twin.transport

    @property
    def effects(self) -> Effects:
        return self._twin.effects

    @property
    def unsaved(self) -> bool:
        """A renewed token the storage refused is held in memory (saved again next call)."""
        return self._twin.unsaved

    # -- reading the storage outside a flight ------------------------------------------

    async def _read(self) -> Stored_:
        """What the storage holds at hand (``peek``: never a wait on a network). Only
        the in-memory storage is read on the loop: any other may block (a file, a
        user's storage), so it is read in a thread."""
        storage = self._twin.token_storage
        if type(storage) is InMemoryTokenStorage:
            return plugins.peek(storage)
        return await asyncio.wrap_future(elsewhere(lambda: plugins.peek(storage)))

    async def _fast(self) -> AccessToken | None:
        """The core's lock-free fast path (``fast_use``)."""
        current = (await self._read()).value_or(None)
        return fast_use(self._twin._machine, current, self._twin.effects.clock())

    def _fast_on_the_loop(self) -> AccessToken | None:
        """The fast path, when the storage can be read on the loop (else None)."""
        twin = self._twin
        storage = twin.token_storage
        if type(storage) is not InMemoryTokenStorage:
            return None
        return fast_use(twin._machine, storage.get(), twin.effects.clock())

    # -- the loop ------------------------------------------------------------------------

    async def _obtain(
        self, call: Call, forced: bool, replacing: AccessToken | None = None
    ) -> Result[AccessToken, AuthError]:
        twin = self._twin
        if not forced:
            fast = await self._fast()
            if fast is not None:
                return Success(fast)

        def wanted(stored: Stored_) -> Wanted:
            return Wanted(stored, twin.effects.clock(), forced, replacing)

        def early(stored: Stored_) -> AccessToken | None:
            return while_busy(twin._machine, wanted(stored))

        # ``first`` runs in the flight's thread: the storage's writable() never on the loop.
        return _token(await self._run(lambda s: twin._savable(wanted(s)), call, early=early))

    async def _run(
        self, first: First, call: Call, *, early: Early = _never, code: Plan | None = None
    ) -> Terminal:
        """One public call to its terminal action: fly, or take the early answer, or wait."""
        loop = asyncio.get_running_loop()
        waited = False
        while True:
            flight = self._flight
            busy = flight is not None and not flight.ended and flight.loop is loop
            # A flight in progress, or one just waited for: what it stored may
            # answer this call, without a thread of its own (a herd woken
            # after a renewal must not start a thread per caller).
            if busy or waited:
                answered = early(await self._read())
                if answered is not None:
                    return Use(answered)
            if not busy:
                return await self._fly(loop, first, call, early, code)
            if not await self._wait(call):
                return Fail(call.spent("this auth object").failure())
            waited = True

    async def _wait(self, call: Call) -> bool:
        """Wait for the flight in progress to end, at most until the deadline."""
        left = call.left()
        if left <= 0:
            return False
        loop = asyncio.get_running_loop()
        flight = self._flight
        if flight is None or flight.ended or flight.loop is not loop:
            # A thread using the twin, or another loop's flight, holds the lock
            # (or a flight ended a moment ago): look again shortly.
            await asyncio.sleep(min(POLL, left))
            return True
        waiter: asyncio.Future[None] = loop.create_future()
        flight.waiters.append(waiter)
        timer = loop.call_later(left, _wake_one, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
        return True

    async def _fly(
        self,
        loop: asyncio.AbstractEventLoop,
        first: First,
        call: Call,
        early: Early,
        code: Plan | None,
    ) -> Terminal:
        """The sync twin's locked section (``BaseAuth._run``), in a thread of its own.

        Nothing the loop does can stop it midway: a cancelled or timed-out
        caller, an interrupt on the loop's thread, a loop stopped or closed
        mid-renewal. The thread takes the locks, carries the renewal to its
        end, saves what Box sent and leaves every lock; the caller awaits its
        outcome (shielded), and the loop's other callers wait for it to end.
        The thread is not a daemon: an interpreter exiting mid-renewal waits
        for it (at most the call's deadline), so the token Box sent is saved.
        """
        twin = self._twin
        storage = twin.token_storage
        flight = _Flight(loop)

        def body() -> Terminal:
            return twin._run(first, call, early=lambda: early(plugins.peek(storage)), code=code)

        def landed(_: object) -> None:
            flight.ended = True
            # The loop may be closed by now: then no one is left waiting on it.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_wake, loop, flight.waiters, 0)

        # The flight is recorded only once its thread runs and will say when it
        # ends (a callback added to a job already done runs at once): a thread
        # that cannot start (a thread limit) or an interrupt before this point
        # leaves nothing for later callers to wait on.
        job = in_a_thread(body, "boxauth-flight")
        job.add_done_callback(landed)
        self._flight = flight
        flight.keeper = loop.create_task(_held_open(job))
        # shield: cancelling this caller cancels its wait, never the flight.
        return await asyncio.shield(asyncio.wrap_future(job))

    async def _called(
        self,
        network_session: object,
        body: Callable[[Call], Awaitable[Result[Any, AuthError]]],
    ) -> Result[Any, AuthError]:
        """One public call: its settings and deadline (``BaseAuth._begin``), then ``body``."""
        begun = self._twin._begin(network_session)
        if not isinstance(begun, Success):
            return Failure(begun.failure())
        return await body(begun.unwrap())

    # -- Result API ----------------------------------------------------------------------

    async def retrieve_token_result(
        self, *, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """The current token, renewed first if the lifecycle rules say so."""
        return await total(
            lambda: self._called(network_session, lambda c: self._obtain(c, forced=False))
        )

    async def refresh_token_result(
        self, *, replacing: AccessToken | None = None, network_session: object = None
    ) -> Result[AccessToken, AuthError]:
        """A new token now. With ``replacing``: only if the storage still holds it."""
        return await total(
            lambda: self._called(
                network_session, lambda c: self._obtain(c, forced=True, replacing=replacing)
            )
        )

    async def revoke_token_result(
        self, *, network_session: object = None
    ) -> Result[None, AuthError]:
        """Revoke what this object holds at Box, then clear the storage."""

        async def revoke(call: Call) -> Result[None, AuthError]:
            clock = self._twin.effects.clock
            done = await self._run(lambda stored: RevokeWanted(stored, clock()), call)
            return Failure(done.error) if isinstance(done, Fail) else Success(None)

        return await total(lambda: self._called(network_session, revoke))

    @downscope_signature
    async def downscope_token_result(
        self, scopes: Iterable[str], **options: Unpack[DownscopeOptions]
    ) -> Result[AccessToken, AuthError]:
        """Exchange the current token for a narrower one. Nothing is stored."""

        async def downscope(call: Call) -> Result[AccessToken, AuthError]:
            wanted = downscope_wanted(scopes, options)
            if not isinstance(wanted, Success):
                return Failure(wanted.failure())
            plan = exchange_plan(call, wanted.unwrap(), await self._obtain(call, forced=False))
            sender = self._twin._sender
            job = elsewhere(lambda: sender.carry(plan, 0.0, call, []))
            return downscoped((await asyncio.wrap_future(job))[0])

        return await total(lambda: self._called(options.get("network_session"), downscope))

    # -- box_sdk_gen's raising API, awaited --------------------------------------------

    async def retrieve_token(self, *, network_session: object = None) -> AccessToken:
        if network_session is None:  # the common case: the lock-free fast path
            fast = self._fast_on_the_loop()
            if fast is not None:
                return fast
        return unwrap(await self.retrieve_token_result(network_session=network_session))

    async def refresh_token(self, *, network_session: object = None) -> AccessToken:
        return unwrap(await self.refresh_token_result(network_session=network_session))

    async def revoke_token(self, *, network_session: object = None) -> None:
        unwrap(await self.revoke_token_result(network_session=network_session))

    @downscope_signature
    async def downscope_token(
        self, scopes: Iterable[str], **options: Unpack[DownscopeOptions]
    ) -> AccessToken:
        return unwrap(await self.downscope_token_result(scopes, **options))

    async def retrieve_authorization_header(self, *, network_session: object = None) -> str:
        token = await self.retrieve_token(network_session=network_session)
        return f"Bearer {token.access_token}"


async def total(call: Callable[[], Awaitable[Result[Any, AuthError]]]) -> Result[Any, AuthError]:
    """The Result API never raises (a cancellation or an interrupt still propagates)."""
    try:
        return await call()
    except Exception as exc:  # a bug here or in a plug-in: still a value
        name = class_name(exc)
        log.error("unexpected %s in boxauth; please report it", name)
        return Failure(internal(name))
