"""Cancellation: cancelling waiters and the initiator at random points.

Hypothesis draws a schedule for one OAuth auth object of ``boxauth.aio`` whose
access token has expired: callers start (some under ``asyncio.timeout``),
callers are cancelled (the first one, the initiator of the refresh, among
them), the flight's own task is cancelled as a loop shutting down would,
the loop turns, and the fake Box answers the refresh at a drawn moment.
Whatever the schedule, once every task has ended:

- 0 lost tokens: the storage holds the new pair and its refresh token is live
  at Box; at most one refresh was made (exactly one if any caller survived),
  and no refresh token was sent twice;
- 0 locks left held: the auth object's lock, the storage's lock (taken from
  another thread) and the machine (idle), and no storage thread still alive;
- every caller that was not cancelled and did not time out got that token.

The fake Box is a transport: no network, so each schedule runs in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth import AccessToken, FileTokenStorage, InMemoryTokenStorage, OAuthConfig
from boxauth.aio import BoxOAuth
from boxauth.errors import TransportFailure, TransportFailureKind
from boxauth.lifecycle import Phase
from boxauth.wire import HttpResponse


class GatedBox:
    """Box's token endpoint for refresh grants; each answer waits for ``gate``."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.live: set[str] = set()
        self.spent: set[str] = set()
        self.reused = 0
        self.refreshes = 0
        self.issued = 0

    def new_refresh(self) -> str:
        with self.lock:
            self.issued += 1
            token = f"rt-{self.issued}"
            self.live.add(token)
            return token

    def send(self, request: Any, *, timeout: float) -> Any:
        if not self.gate.wait(timeout):
            return Failure(TransportFailure(TransportFailureKind.DEADLINE, "gate", True))
        old = dict(parse_qsl(request.body.decode())).get("refresh_token", "")
        with self.lock:
            if old in self.spent:
                self.reused += 1
            if old not in self.live:
                body = {"error": "invalid_grant", "error_description": "spent"}
                return Success(HttpResponse(400, (), json.dumps(body).encode()))
            self.live.discard(old)
            self.spent.add(old)
            self.refreshes += 1
            self.issued += 1
            access = f"at-{self.issued}"
        body = {"access_token": access, "expires_in": 3600, "refresh_token": self.new_refresh()}
        return Success(HttpResponse(200, (), json.dumps(body).encode()))


# One step of a schedule.
calls = st.tuples(st.just("call"), st.sampled_from([None, 0.0, 0.001, 0.005]))
cancels = st.tuples(st.just("cancel"), st.integers(0, 40))
steps = st.one_of(
    calls,
    cancels,
    st.tuples(st.just("cancel initiator"), st.none()),
    st.tuples(st.just("cancel flight"), st.none()),
    st.tuples(st.just("tick"), st.none()),
    st.tuples(st.just("sleep"), st.none()),
    st.tuples(st.just("answer"), st.none()),
)
schedules = st.lists(steps, min_size=1, max_size=40).map(lambda s: [("call", None), *s])


async def _caller(auth: BoxOAuth, limit: float | None) -> Any:
    if limit is None:
        return await auth.retrieve_token_result()
    async with asyncio.timeout(limit):
        return await auth.retrieve_token_result()


async def _play(auth: BoxOAuth, box: GatedBox, schedule: list[tuple[str, Any]]) -> list[Any]:
    tasks: list[asyncio.Task[Any]] = []
    for kind, arg in schedule:
        if kind == "call":
            tasks.append(asyncio.ensure_future(_caller(auth, arg)))
        elif kind == "cancel" and tasks:
            tasks[arg % len(tasks)].cancel()
        elif kind == "cancel initiator":
            tasks[0].cancel()
        elif kind == "cancel flight":
            flight = auth._flight
            if flight is not None and flight.task is not None:
                flight.task.cancel()
        elif kind == "tick":
            await asyncio.sleep(0)
        elif kind == "sleep":
            await asyncio.sleep(0.002)
        elif kind == "answer":
            box.gate.set()
    box.gate.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return tasks


def _storage_lock_is_free(storage: Any) -> bool:
    """Taken from a thread that never held it, without waiting."""
    taken: list[bool] = []

    def take() -> None:
        try:
            with storage.lock(0.0):
                taken.append(True)
        except Exception:
            taken.append(False)

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(5)
    return taken == [True]


def _no_storage_thread_left() -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t.name == "boxauth-storage"]:
            return True
        time.sleep(0.01)
    return False


@given(schedule=schedules, file_storage=st.booleans())
def test_cancellations_lose_no_token_leave_no_lock_and_spare_every_other_caller(
    schedule: list[tuple[str, Any]], file_storage: bool
) -> None:
    box = GatedBox()
    with tempfile.TemporaryDirectory() as folder:
        storage: Any = (
            FileTokenStorage(Path(folder) / "token.json")
            if file_storage
            else InMemoryTokenStorage()
        )
        first_refresh = box.new_refresh()
        storage.store(
            AccessToken(
                access_token="at-old",
                refresh_token=first_refresh,
                expires_in=3600,
                expires_at=time.time() - 10,  # expired: every caller wants a refresh
            )
        )
        auth = BoxOAuth(OAuthConfig("cid", "csecret", token_storage=storage), transport=box)
        tasks = asyncio.run(_play(auth, box, schedule))

        stored = storage.get()
        assert box.reused == 0
        assert box.refreshes <= 1
        # 0 lost tokens: the stored refresh token is the live one (the new one
        # if the refresh happened, the first if every caller was cancelled first).
        assert stored is not None and stored.refresh_token in box.live
        assert (stored.access_token == "at-old") == (box.refreshes == 0)
        survivors = [
            t for t in tasks if not t.cancelled() and not isinstance(t.exception(), TimeoutError)
        ]
        for task in survivors:  # a cancelled or timed-out caller affected only itself
            assert task.result() == Success(stored)
        assert box.refreshes == 1 or not survivors
        assert auth._twin._machine.phase is Phase.IDLE
        assert auth._twin._lock.acquire(blocking=False)
        auth._twin._lock.release()
        assert _storage_lock_is_free(storage)
        assert _no_storage_thread_left()
