"""``adapters/aio_threads``: a flight's step is awaited to its end, whatever cancels it."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future

import pytest
from aio_support import run
from boxauth.adapters.aio_threads import StorageSession, settled


def test_a_job_that_ends_as_the_cancellation_arrives_gives_its_outcome() -> None:
    """Regression: the job's answer (a new refresh token) was dropped and the
    cancellation raised, when both landed in the same turn of the loop."""

    async def scenario() -> str:
        job: Future[str] = Future()
        task = asyncio.ensure_future(settled(job))
        await asyncio.sleep(0)  # the task awaits the job
        job.set_result("answer")  # the job ends ...
        task.cancel()  # ... as the cancellation comes
        return await task

    assert run(scenario()) == "answer"


def test_a_cancellation_while_the_job_runs_is_absorbed_until_it_ends() -> None:
    async def scenario() -> tuple[str, int]:
        job: Future[str] = Future()
        task = asyncio.ensure_future(settled(job))
        cancels = 0
        for _ in range(3):
            await asyncio.sleep(0)
            cancels += task.cancel()
        await asyncio.sleep(0.01)
        assert not task.done()  # still waiting for the job
        job.set_result("answer")
        return await task, cancels

    assert run(scenario()) == ("answer", 3)


def test_a_jobs_exception_is_raised_in_the_awaiting_task_base_exceptions_too() -> None:
    class Stop(BaseException):
        pass

    async def scenario() -> None:
        job: Future[str] = Future()
        job.set_exception(Stop())
        await settled(job)

    with pytest.raises(Stop):
        run(scenario())


def test_a_storage_session_runs_every_job_and_leaves_its_locks_in_its_own_thread() -> None:
    seen: list[str] = []
    lock = threading.RLock()

    class Held:
        def __enter__(self) -> None:
            lock.acquire()
            seen.append(threading.current_thread().name)

        def __exit__(self, *exc: object) -> None:
            seen.append(threading.current_thread().name)
            lock.release()  # an RLock: raises if another thread releases it

    session = StorageSession()
    session.call(lambda held: held.enter_context(Held())).result(5)
    boom = session.call(lambda held: 1 / 0)
    session.call(lambda held: seen.append("after")).result(5)
    session.close().result(5)
    assert isinstance(boom.exception(5), ZeroDivisionError)
    assert seen == ["boxauth-storage", "after", "boxauth-storage"]
    assert lock.acquire(blocking=False)  # left: free for this thread
