"""Blocking work of the asyncio shell, run off the event loop.

Two places a blocking call can run:

- ``in_a_thread``: a thread of its own, for a flight (``aio_auth``): the sync
  shell's whole locked section (the locks, the storage, the request, the
  save). A storage's lock may belong to the thread that took it
  (``FileTokenStorage.lock`` is an RLock plus a flock), so taking it, using
  it and leaving it all happen in that one thread, and nothing the event
  loop does (a cancellation, an interrupt, the loop closing) can stop it
  halfway.
- ``elsewhere``: any other blocking call (a storage read outside a flight, a
  downscope request, an API request) in the event loop's default executor,
  as ``asyncio.to_thread`` does.

Both hand back a ``concurrent.futures.Future``. A job's exception,
``BaseException`` included, is raised in the task that awaits it, as the sync
shell would raise it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


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


def in_a_thread(fn: Callable[[], T], name: str) -> Future[T]:
    """Start ``fn`` in a new thread that is not a daemon: an interpreter exiting
    meanwhile waits for it, so what it was saving is saved."""
    job: Future[T] = Future()
    threading.Thread(target=_run, args=(fn, job), name=name, daemon=False).start()
    return job
