"""The two locks a renewal takes, or an early answer while someone holds them.

This object's lock gives single flight within a process; the storage's lock
(a file's flock, Redis's lease) gives it across processes and machines. A
caller that finds either taken first asks the core for an early answer
(``lifecycle.while_busy``: a still-valid stored token), and only then waits,
at most until its deadline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..errors import AuthError, InvalidInput
from . import plugins
from .sending import Call
from .storage import TokenStorage


def leave(lock: threading.RLock) -> None:
    """Release ``lock`` if this thread holds it.

    This object's lock is an RLock only so that a thread can tell whether it
    holds it (``_is_owned``, which Condition uses too); ``take_locks`` refuses
    re-entry, so it behaves as a plain lock.
    """
    if lock._is_owned():  # type: ignore[attr-defined]
        lock.release()


def take_locks(
    own: threading.RLock,
    storage: TokenStorage,
    held: ExitStack,
    call: Call,
    early: Callable[[], AccessToken | None],
) -> Result[AccessToken | None, AuthError]:
    """Take both locks on ``held`` (Success(None)), or answer early while they are held."""
    if own._is_owned():  # type: ignore[attr-defined]
        # A storage or transport of this object calling back into it.
        problem = "was called from inside its own call (by its storage or transport)"
        return Failure(InvalidInput("auth object", problem))
    # The release is registered before the lock is tried, and leaves only a
    # lock this thread holds: an interrupt that lands as acquire() returns
    # (Python runs signal handlers right after a call) cannot leave it held.
    held.callback(leave, own)
    if not own.acquire(blocking=False):
        now = early()
        if now is not None:
            return Success(now)
        if not own.acquire(timeout=max(call.left(), 0.0)):
            return call.spent("this auth object")
    taken = plugins.hold_lock(storage, held, 0.0)
    if taken == Success(False):
        now = early()
        if now is not None:
            return Success(now)
        taken = plugins.hold_lock(storage, held, max(call.left(), 0.0))
    if taken == Success(False):
        return call.spent("the token storage")
    return taken.map(lambda _: None)
