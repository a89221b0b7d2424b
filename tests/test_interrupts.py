"""Whatever ends a renewal, the auth object stays usable and keeps its refresh token.

Ctrl-C (``KeyboardInterrupt``), ``SystemExit`` or any other
``BaseException`` (gevent and eventlet timeouts are ones) raised during a
renewal used to leave the lifecycle machine mid-renewal, so every later call
raised. Here an interrupt strikes at each point of an OAuth refresh (before the
request is sent, while the answer is read, right after it arrived, during the
store) and at the same points of a JWT grant. Required each time: the exception
propagates; every lock is released (another thread and another auth object on
the same file get in at once); the next call works; and no refresh token Box
sent us is lost (the one exception is an answer that never arrived whole: Box
spent the old refresh token and its successor died on the wire, which no client
can avoid; SECURITY.md, "The ambiguous refresh").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from boxauth.adapters import plugins
from returns.result import Failure, Success
from support import authorize_redirect

from boxauth import (
    AccessToken,
    BaseUrls,
    BoxJWTAuth,
    BoxOAuth,
    Effects,
    FileTokenStorage,
    JWTConfig,
    OAuthConfig,
    Urllib3Transport,
)
from boxauth.errors import ReauthRequired
from boxauth.wire import HttpRequest


class Interrupt(BaseException):
    """Stands for a gevent or eventlet timeout: a BaseException, not an Exception."""


INTERRUPTS: list[type[BaseException]] = [KeyboardInterrupt, Interrupt, SystemExit]


class Striking(Urllib3Transport):
    """The real transport, with an interrupt armed for one point of the next token request."""

    def __init__(self) -> None:
        super().__init__()
        self.point: str | None = None
        self.raise_: type[BaseException] = KeyboardInterrupt

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        point, self.point = self.point, None
        if point == "before send":
            raise self.raise_()
        result = super().send(request, timeout=timeout)
        if point == "mid-read":  # the request reached Box; its answer never arrives
            raise self.raise_()
        if point == "after the answer":
            self.clock_reads = 1  # the shell's first read of the clock: the answer's time
        if point == "as the answer is fed":
            self.clock_reads = 2  # the second: the time the answer is fed to the machine at
        return result


class StrikingClock:
    """The wall clock; armed by the transport, it raises once, at its Nth read after an answer."""

    def __init__(self, transport: Striking, base: Callable[[], float]) -> None:
        self.transport = transport
        self.base = base

    def __call__(self) -> float:
        reads = getattr(self.transport, "clock_reads", 0)
        if reads > 0:
            self.transport.clock_reads = reads - 1
            if reads == 1:
                raise self.transport.raise_()
        return self.base()


class StrikingStorage(FileTokenStorage):
    """A file storage whose next store is interrupted half-way (after the temp file is written)."""

    strike: type[BaseException] | None = None

    def store(self, token: AccessToken) -> None:
        strike, self.strike = self.strike, None
        if strike is not None:
            raise strike()
        super().store(token)


def _oauth(box: Any, urls: BaseUrls, path: Path, transport: Striking) -> BoxOAuth:
    storage = StrikingStorage(str(path / "tok.json"))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
        transport=transport,
        effects=Effects(clock=StrikingClock(transport, box.emu.now)),
    )
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    return auth


def _locks_are_free(auth: Any) -> None:
    """Another thread, and another auth object on the same file, get the locks at once."""
    assert auth._lock.acquire(timeout=0.5)
    auth._lock.release()
    other = FileTokenStorage(auth.token_storage.filename)
    with other.lock(0.5):
        pass
    done = threading.Event()
    threading.Thread(target=lambda: (auth.retrieve_token_result(), done.set())).start()
    assert done.wait(10)


def arm(
    point: str,
    interrupt: type[BaseException],
    auth: Any,
    transport: Striking,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Arm ``interrupt`` to strike the next refresh at ``point`` (one of POINTS)."""
    transport.raise_ = interrupt
    if point == "during the store":
        auth.token_storage.strike = interrupt
    elif point == "as the answer is checked":
        # The first Python code after the transport returned the answer whole.
        checked = plugins.sent
        strikes = [interrupt]

        def strike_once(answer: object) -> Any:
            if strikes:
                raise strikes.pop()()
            return checked(answer)

        monkeypatch.setattr(plugins, "sent", strike_once)
    else:
        transport.point = point


POINTS = [
    "before send",
    "mid-read",
    "as the answer is checked",
    "after the answer",
    "as the answer is fed",
    "during the store",
]


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
    box.emu.advance(3700)  # the access token is expired: the next call refreshes
    arm(point, interrupt, auth, transport, monkeypatch)
    with pytest.raises(interrupt):
        auth.retrieve_token()
    if point == "mid-read":
        # Box spent the refresh token and its answer never arrived: the one
        # unavoidable loss. The object still answers, with Box's refusal, and
        # drops the spent refresh token so that nothing sends it again.
        first = auth.retrieve_token_result()
        assert isinstance(first, Failure) and isinstance(first.failure(), ReauthRequired)
        assert "invalid_grant" in first.failure().message()
        stored = auth.token_storage.get()
        assert stored is not None and stored.refresh_token is None
        _locks_are_free(auth)
        again = auth.retrieve_token_result()
        assert isinstance(again, Failure) and isinstance(again.failure(), ReauthRequired)
        refused = sum(n for key, n in box.emu.error_counts.items() if "invalid_grant" in key)
        assert refused == 1  # the later calls never asked Box again
        return
    _locks_are_free(auth)
    after = auth.retrieve_token_result()
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
    auth = BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json),
        base_urls=urls,
        transport=transport,
        effects=Effects(clock=StrikingClock(transport, box.emu.now)),
    )
    transport.raise_ = interrupt
    transport.point = point
    with pytest.raises(interrupt):
        auth.retrieve_token()
    assert auth._lock.acquire(timeout=0.5)
    auth._lock.release()
    assert isinstance(auth.retrieve_token_result(), Success)


def test_an_interrupt_during_a_revoke_leaves_the_rest_to_revoke_next_time(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    transport = Striking()
    auth = _oauth(box, urls, tmp_path, transport)
    token = auth.retrieve_token()
    transport.point = "before send"
    with pytest.raises(KeyboardInterrupt):
        auth.revoke_token()
    assert box.emu.refresh_token_is_live(token.refresh_token)
    assert isinstance(auth.revoke_token_result(), Success)
    assert not box.emu.refresh_token_is_live(token.refresh_token)
    assert auth.token_storage.get() is None


# -- an interrupt while the locks are being taken ----------------------------------------
#
# Python runs a signal handler (Ctrl-C's KeyboardInterrupt) right after a call
# returns: after ``lock.acquire()`` or ``flock`` and before the code that would
# release the lock is registered. Each line of the lock-taking code is struck
# in turn (with sys.settrace, the first time it runs); every lock must be free
# afterwards, for this thread, another thread and another process's view (a
# second storage object on the same file). Release code (``finally`` blocks)
# is not struck: nothing in Python can shield cleanup from an asynchronous
# exception (SECURITY.md, "Known limits").


def _lock_lines() -> list[tuple[str, int]]:
    import ast
    import inspect
    import textwrap

    from boxauth.adapters import locks, plugins, storage

    functions = [
        locks.take_locks,
        plugins.hold_lock,
        storage._acquired.__wrapped__,  # type: ignore[attr-defined]
        storage.FileTokenStorage._locked.__wrapped__,  # type: ignore[attr-defined]
        storage._flock,
    ]
    lines = []
    for fn in functions:
        source, first = inspect.getsourcelines(fn)
        cleanup: set[int] = set()
        for node in ast.walk(ast.parse(textwrap.dedent("".join(source)))):
            for part in getattr(node, "finalbody", []):
                cleanup.update(range(part.lineno - 1, (part.end_lineno or part.lineno)))
        for offset, text in enumerate(source):
            code = text.strip()
            if offset in cleanup or code.startswith(("finally:", "#", '"', "def ", "@", ")")):
                continue
            if code:
                lines.append((inspect.getsourcefile(fn) or "", first + offset))
    return lines


LOCK_LINES = _lock_lines()


@pytest.mark.parametrize(
    ("path", "line"), LOCK_LINES, ids=[f"{p.rsplit('/', 1)[-1]}:{n}" for p, n in LOCK_LINES]
)
def test_an_interrupt_while_the_locks_are_taken_leaves_none_held(
    box: Any, urls: BaseUrls, tmp_path: Path, path: str, line: int
) -> None:
    import sys

    storage = FileTokenStorage(str(tmp_path / "tok.json"))
    config = JWTConfig.from_config_json_string(box.fx.config_json, token_storage=storage)
    auth = BoxJWTAuth(config, base_urls=urls, deadline=5)
    struck = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if event == "line" and frame.f_lineno == line and frame.f_code.co_filename == path:
            sys.settrace(None)
            frame.f_trace = None
            struck.append(line)
            raise KeyboardInterrupt
        return tracer

    sys.settrace(tracer)
    try:
        auth.retrieve_token()
    except KeyboardInterrupt:
        pass
    finally:
        sys.settrace(None)
    if not struck:  # a line this call never runs (a branch for a busy lock)
        return
    _locks_are_free(auth)
    assert isinstance(auth.retrieve_token_result(), Success)


class StrikeAfterStore(FileTokenStorage):
    """A file storage whose next store lands, and then raises."""

    strike: type[BaseException] | None = None

    def store(self, token: AccessToken) -> None:
        super().store(token)
        strike, self.strike = self.strike, None
        if strike is not None:
            raise strike()


@pytest.mark.parametrize("interrupt", INTERRUPTS, ids=lambda c: c.__name__)
def test_an_interrupt_after_the_save_landed_keeps_nothing_unsaved(
    box: Any, urls: BaseUrls, tmp_path: Path, interrupt: type[BaseException]
) -> None:
    """The machine is told what the storage holds when the call ends: a token
    that was saved is not held as unsaved (it would be saved again later,
    perhaps over a revoke made elsewhere meanwhile)."""
    storage = StrikeAfterStore(str(tmp_path / "tok.json"))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
        effects=Effects(clock=box.emu.now),
    )
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3700)
    storage.strike = interrupt
    with pytest.raises(interrupt):
        auth.retrieve_token()
    saved = storage.get()
    assert saved is not None and box.emu.refresh_token_is_live(saved.refresh_token)
    assert not auth.unsaved
    assert auth.retrieve_token().access_token == saved.access_token
