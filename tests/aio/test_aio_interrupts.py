"""The sync shell's rules hold in the async shell too: interrupts, and a total Result API.

- An interrupt (KeyboardInterrupt, SystemExit, any other BaseException) at each
  point of a renewal, in the worker thread that carries it out: the exception
  reaches the caller, every lock is released, the next call works and no
  refresh token Box sent is lost (the same points as tests/test_interrupts.py).
- The Result API is total: no ``*_result()`` coroutine raises, whatever a
  storage or a transport does or a caller passes (the plug-ins of
  tests/test_hostile_plugins.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from aio_support import run, signed_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success
from test_aio_cancellation_props import GatedBox
from test_hostile_plugins import (
    RAISED,
    SECRET,
    WRONG,
    HostileStorage,
    HostileTransport,
    _check,
    plans,
)
from test_interrupts import (
    INTERRUPTS,
    POINTS,
    StrikeAfterStore,
    Striking,
    StrikingClock,
    StrikingStorage,
    arm,
)

from boxauth import (
    AccessToken,
    BaseUrls,
    CCGConfig,
    Effects,
    FileTokenStorage,
    InMemoryTokenStorage,
    JWTConfig,
    OAuthConfig,
    aio,
)


def _oauth(box: Any, urls: BaseUrls, path: Path, transport: Striking) -> aio.BoxOAuth:
    storage = StrikingStorage(str(path / "tok.json"))
    auth = aio.BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
        transport=transport,
        effects=Effects(clock=StrikingClock(transport, box.emu.now)),
    )
    run(signed_in(auth))
    return auth


def _locks_are_free(auth: Any) -> None:
    """The twin's lock, and the storage's from another storage object on the same file."""
    assert auth._twin._lock.acquire(timeout=0.5)
    auth._twin._lock.release()
    with FileTokenStorage(auth.token_storage.filename).lock(0.5):
        pass


@pytest.mark.parametrize("interrupt", INTERRUPTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("point", POINTS)
def test_an_interrupted_refresh_frees_everything_and_keeps_the_refresh_token(  # noqa: PLR0917
    box: Any,
    urls: BaseUrls,
    tmp_path: Path,
    point: str,
    interrupt: type[BaseException],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transport = Striking()
    auth = _oauth(box, urls, tmp_path, transport)
    box.emu.advance(3700)  # expired: the next call refreshes
    arm(point, interrupt, auth, transport, monkeypatch)
    with pytest.raises(interrupt):
        run(auth.retrieve_token())
    _locks_are_free(auth)
    after = run(auth.retrieve_token_result())
    if point == "mid-read":
        # Box spent the refresh token and its answer never arrived (SECURITY.md,
        # "The ambiguous refresh"): the object still answers, with Box's refusal.
        assert isinstance(after, Failure)
        assert "invalid_grant" in after.failure().message()
        return
    assert isinstance(after, Success)
    stored = auth.token_storage.get()
    assert stored is not None and stored.refresh_token is not None
    assert box.emu.refresh_token_is_live(stored.refresh_token)
    assert box.emu.token_info(after.unwrap().access_token) is not None


@pytest.mark.parametrize("interrupt", INTERRUPTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("point", ["before send", "mid-read", "after the answer"])
def test_an_interrupted_jwt_grant_leaves_a_working_object(
    box: Any, urls: BaseUrls, point: str, interrupt: type[BaseException]
) -> None:
    transport = Striking()
    auth = aio.BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json),
        base_urls=urls,
        transport=transport,
        effects=Effects(clock=StrikingClock(transport, box.emu.now)),
    )
    transport.raise_ = interrupt
    transport.point = point
    with pytest.raises(interrupt):
        run(auth.retrieve_token())
    assert auth._twin._lock.acquire(timeout=0.5)
    auth._twin._lock.release()
    assert isinstance(run(auth.retrieve_token_result()), Success)


def test_a_renewal_thread_that_cannot_start_leaves_a_working_object(
    box: Any, urls: BaseUrls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread limit (``RuntimeError: can't start new thread``) fails that one
    call with a value; the next call on the same loop gets a token at once,
    instead of waiting its whole deadline on a renewal that never began."""
    start = threading.Thread.start
    failures = [RuntimeError("can't start new thread")]

    def limited(thread: threading.Thread) -> None:
        if thread.name == "boxauth-flight" and failures:
            raise failures.pop()
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", limited)
    auth = aio.BoxCCGAuth(
        CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id),
        base_urls=urls,
        deadline=5,
    )

    async def twice() -> tuple[Any, Any]:
        return await auth.retrieve_token_result(), await auth.retrieve_token_result()

    first, second = run(twice())
    assert isinstance(first, Failure)
    # Before: a deadline failure, after waiting on a renewal that never began.
    assert isinstance(second, Success), second


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(
    plan=plans,
    wrong=st.sampled_from(WRONG),
    transport=st.sampled_from(["work", "raise", "wrong type", "wrong inside"]),
    kind=st.sampled_from(["ccg", "oauth", "developer"]),
    raised=st.sampled_from(range(len(RAISED))),
)
def test_no_result_coroutine_raises_whatever_the_plugins_do(  # noqa: PLR0917
    box: Any,
    urls: BaseUrls,
    plan: dict[str, str],
    wrong: object,
    transport: str,
    kind: str,
    raised: int,
) -> None:
    storage = HostileStorage(plan, wrong, raised)
    shell: dict[str, Any] = {
        "base_urls": urls,
        "transport": HostileTransport(transport, wrong, raised),
        "effects": Effects(sleep=lambda _s: None),
    }
    auth: Any
    if kind == "ccg":
        config = CCGConfig(
            box.fx.client_id,
            box.fx.client_secret,
            enterprise_id=box.fx.enterprise_id,
            token_storage=storage,
        )
        auth = aio.BoxCCGAuth(config, **shell)
    elif kind == "oauth":
        config = OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage)
        auth = aio.BoxOAuth(config, **shell)
    else:
        auth = aio.BoxDeveloperTokenAuth(token=SECRET, **shell)

    async def every_call() -> list[Any]:
        calls = [
            auth.retrieve_token_result(),
            auth.refresh_token_result(),
            auth.refresh_token_result(replacing=wrong),  # a caller passing junk
            auth.downscope_token_result(["item_preview"]),
            auth.downscope_token_result(wrong),
            auth.revoke_token_result(),
            aio.BoxClient(auth).request_result("GET", "users/me"),
        ]
        if isinstance(auth, aio.BoxOAuth):
            calls.append(auth.get_tokens_from_redirect_result(wrong))  # type: ignore[arg-type]
            calls.append(auth.get_tokens_authorization_code_grant_result(wrong))  # type: ignore[arg-type]
        return [await call for call in calls]

    for result in run(every_call()):
        _check(result)


def _flights_ended() -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t.name == "boxauth-flight"]:
            return True
        time.sleep(0.01)
    return False


def _expired_oauth(box: GatedBox, storage: Any) -> aio.BoxOAuth:
    storage.store(AccessToken(access_token="at-old", refresh_token=box.new_refresh(),
                              expires_in=3600, expires_at=time.time() - 10))  # fmt: skip
    return aio.BoxOAuth(OAuthConfig("cid", "csecret", token_storage=storage), transport=box)


def test_an_interrupt_on_the_loop_thread_mid_request_stops_only_the_caller() -> None:
    """A KeyboardInterrupt raised in the loop's own thread while a refresh is on
    the wire reaches the caller; the flight, in its own thread, still carries the
    refresh to its end, saves the new pair and leaves every lock."""
    box = GatedBox()
    storage = InMemoryTokenStorage()
    auth = _expired_oauth(box, storage)

    def interrupt() -> None:
        raise KeyboardInterrupt

    async def scenario() -> None:
        asyncio.get_running_loop().call_later(0.05, interrupt)
        threading.Timer(0.3, box.gate.set).start()  # Box answers after the interrupt
        await auth.retrieve_token()

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(scenario())
    assert _flights_ended()
    saved = storage.get()
    assert box.refreshes == 1 and saved is not None and saved.refresh_token in box.live
    assert not auth.unsaved
    assert auth._twin._lock.acquire(blocking=False)
    auth._twin._lock.release()
    assert run(auth.retrieve_token()) == saved


def test_a_loop_closed_mid_renewal_loses_no_token_and_leaves_no_lock(tmp_path: Path) -> None:
    """Sync code often drives asyncio by hand: a loop, ``run_until_complete`` of a
    call under a short ``wait_for``, then ``close``. The renewal Box is answering
    still ends in its own thread: the new pair is saved, the twin's lock and the
    file's flock are left, and the object works on the next loop."""
    box = GatedBox()
    storage = FileTokenStorage(str(tmp_path / "tok.json"))
    auth = _expired_oauth(box, storage)
    loop = asyncio.new_event_loop()
    threading.Timer(0.3, box.gate.set).start()
    with pytest.raises(TimeoutError):
        loop.run_until_complete(asyncio.wait_for(auth.retrieve_token(), 0.1))
    loop.close()
    assert _flights_ended()
    saved = storage.get()
    assert box.refreshes == 1 and saved is not None and saved.refresh_token in box.live
    with FileTokenStorage(storage.filename).lock(0.5):  # another process's view of the flock
        pass
    assert run(auth.retrieve_token()) == saved


@pytest.mark.parametrize("interrupt", INTERRUPTS, ids=lambda c: c.__name__)
def test_an_interrupt_after_the_save_landed_keeps_nothing_unsaved(
    box: Any, urls: BaseUrls, tmp_path: Path, interrupt: type[BaseException]
) -> None:
    """As in the sync shell: the machine learns what the storage holds when the
    flight ends, so a token that was saved is not held as unsaved."""
    storage = StrikeAfterStore(str(tmp_path / "tok.json"))
    auth = aio.BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
        effects=Effects(clock=box.emu.now),
    )
    run(signed_in(auth))
    box.emu.advance(3700)
    storage.strike = interrupt
    with pytest.raises(interrupt):
        run(auth.retrieve_token())
    saved = storage.get()
    assert saved is not None and box.emu.refresh_token_is_live(saved.refresh_token)
    assert not auth._twin.unsaved
    assert run(auth.retrieve_token()).access_token == saved.access_token
