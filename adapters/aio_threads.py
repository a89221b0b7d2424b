"""Blocking effects of the asyncio shell, run off the event loop and awaited to their end.

Two places a blocking call can run:

- ``StorageSession``: one thread, started for one flight (one locked section of
  ``aio_auth``), that enters the storage's lock, makes every storage call of
  that flight under it, and leaves it. A storage's lock may belong to the
  thread that took it (``FileTokenStorage.lock`` is an RLock plus a flock, and
  its ``store`` takes the RLock again), so entering, using and leaving it all
  happen in that one thread. Jobs run in the order they were given, so the
  lock is left after the last job, whenever ``close`` is called.
- ``elsewhere``: any other blocking call (a request, the JWT signing before
  it) in the event loop's default executor, as ``asyncio.to_thread`` does.

Both hand back a ``concurrent.futures.Future``. ``settled`` awaits one to its
end even if the awaiting task is cancelled meanwhile: a flight is never cut
short, so it never leaves a lock held, and never drops an answer Box already
sent (a new refresh token whose predecessor Box has spent). A job's
exception, ``BaseException`` included, is raised in the awaiting task, as the
sync shell would raise it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from contextlib import ExitStack
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger("boxauth")

Job = tuple[Callable[[ExitStack], Any], "Future[Any]"]


def _run(fn: Callable[[], T], job: Future[T]) -> None:
    """Run ``fn`` and put what it did into ``job``; never raises (it runs in a thread)."""
    if not job.set_running_or_notify_cancel():
        return
    try:
        job.set_result(fn())
    except BaseException as exc:  # handed to the awaiting task, which raises it
        job.set_exception(exc)


def elsewhere(fn: Callable[[], T]) -> Future[T]:
    """Start ``fn`` in the running loop's default executor."""
    job: Future[T] = Future()
    asyncio.get_running_loop().run_in_executor(None, _run, fn, job)
    return job


async def settled(job: Future[T]) -> T:
    """``job``'s result, awaited to its end: a cancellation meanwhile is absorbed.

    Only flights await this way (see the module docstring); a caller's own
    wait for a flight stays cancellable.
    """
    waiting = asyncio.wrap_future(job)
    while True:
        try:
            return await asyncio.shield(waiting)
        except asyncio.CancelledError:
            if waiting.done():  # the job ended as the cancellation came: its outcome
                return waiting.result()
            log.debug("a flight was cancelled; finishing its current step first")


def finished(job: Future[T], timeout: float) -> T | None:
    """Block until ``job`` ends (at most ``timeout`` s): its result, or None.

    Only for an interrupt (KeyboardInterrupt, SystemExit) that struck the
    event loop's thread while a job ran: the loop is unwinding, and the job's
    answer may carry a token that must not be lost.
    """
    wait([job], timeout=max(timeout, 0.0))
    if not job.done() or job.cancelled() or job.exception() is not None:
        return None
    return job.result()


class StorageSession:
    """One thread that holds the storage's lock for one flight (see the module docstring)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._closed: Future[None] = Future()
        # A daemon: an interpreter exiting with a loop abandoned mid-flight must
        # not hang on it (asyncio.run waits for every flight before it returns).
        thread = threading.Thread(target=self._serve, name="boxauth-storage", daemon=True)
        thread.start()

    def call(self, fn: Callable[[ExitStack], T]) -> Future[T]:
        """Run ``fn(held)`` in this session's thread, after the jobs before it.

        ``held`` is the thread's ExitStack: a lock entered on it is left when
        the session closes, in this thread.
        """
        job: Future[T] = Future()
        self._jobs.put((fn, job))
        return job

    def close(self) -> Future[None]:
        """Leave every lock entered here once the jobs before this are done; never blocks."""
        self._jobs.put(None)
        return self._closed

    def _serve(self) -> None:
        held = ExitStack()
        try:
            while (item := self._jobs.get()) is not None:
                fn, job = item
                _run(partial(fn, held), job)
        finally:
            _leave(held)
            self._closed.set_result(None)


def _leave(held: ExitStack) -> None:
    """Leave the locks; a storage whose lock raises on exit is reported, not propagated."""
    try:
        held.close()
    except BaseException as exc:  # a worker thread: nobody to raise it to
        log.error("unexpected %s while leaving the token storage's lock", type(exc).__name__)
