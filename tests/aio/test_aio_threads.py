"""``adapters/aio_threads``: where the asyncio shell's blocking work runs."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aio_support import run
from boxauth.adapters.aio_threads import elsewhere, in_a_thread


def test_a_flight_thread_is_its_own_not_a_daemon_and_gives_its_outcome() -> None:
    seen: list[tuple[str, bool]] = []

    def work() -> str:
        me = threading.current_thread()
        seen.append((me.name, me.daemon))
        return "answer"

    assert in_a_thread(work, "boxauth-flight").result(5) == "answer"
    # Not a daemon: an interpreter exiting mid-renewal waits for it to save.
    assert seen == [("boxauth-flight", False)]


def test_a_flight_outlives_a_cancelled_waiter_and_still_ends() -> None:
    gate = threading.Event()
    job = in_a_thread(lambda: gate.wait(5) and "saved", "boxauth-flight")

    async def waiter() -> str:
        return await asyncio.wrap_future(job)

    async def scenario() -> None:
        task = asyncio.ensure_future(asyncio.shield(waiter()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(scenario())
    gate.set()
    assert job.result(5) == "saved"


@pytest.mark.parametrize("where", ["flight", "elsewhere"])
def test_a_jobs_exception_is_raised_in_the_awaiting_task_base_exceptions_too(
    where: str,
) -> None:
    class Stop(BaseException):
        pass

    def boom() -> None:
        raise Stop

    async def scenario() -> None:
        job = in_a_thread(boom, "boxauth-flight") if where == "flight" else elsewhere(boom)
        await asyncio.wrap_future(job)

    with pytest.raises(Stop):
        run(scenario())
