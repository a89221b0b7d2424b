"""Calls to plug-ins that always come back with a value.

A storage, a transport and a signer may be the user's own, and may raise
anything or return anything. Each call here turns that into the value the
core expects: a typed failure named by ``boxauth.unexpected`` (the exception's
class name only: its text may hold a token or a file's contents). Storages
that follow the contract raise ``BoxStorageError`` with the value inside.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any

from returns.result import Failure, Result, Success

from ..access_token import AccessToken
from ..errors import AuthError, TransportFailure
from ..exceptions import BoxStorageError
from ..lifecycle import Cleared, ClearFailed, Event, Stored, StoreFailed
from ..unexpected import Effect, unexpected, wrong_type
from ..wire import HttpRequest, HttpResponse, Transport
from .storage import StorageLockTimeout, TokenStorage


def _value(exc: BoxStorageError, effect: Effect) -> AuthError:
    """The failure a storage raised, or (a bare BoxStorageError) what the effect's failure is.

    A user's subclass may override ``value`` or ``error``: whatever they raise
    or return, the answer is still an error value.
    """
    try:
        value: object = exc.value
    except Exception:  # a subclass's own property raised
        value = None
    return value if isinstance(value, AuthError) else unexpected(effect, exc)


def read(storage: TokenStorage) -> Result[AccessToken | None, AuthError]:
    """What the storage holds (the core checks its type and shape)."""
    try:
        return Success(storage.get())
    except BoxStorageError as exc:
        return Failure(_value(exc, Effect.READ))
    except Exception as exc:  # a user's storage: any failure becomes a value
        return Failure(unexpected(Effect.READ, exc))


def peek(storage: TokenStorage) -> Result[AccessToken | None, AuthError]:
    """What the storage holds without waiting on a network (``TokenStorage.peek``).

    A user's storage written before ``peek`` existed, or one whose ``peek`` is
    broken, is read with ``get()``'s rules.
    """
    try:
        # A storage not derived from TokenStorage may have no peek: its get.
        return Success(storage.peek() if hasattr(storage, "peek") else storage.get())
    except BoxStorageError as exc:
        return Failure(_value(exc, Effect.READ))
    except Exception as exc:  # a user's storage: any failure becomes a value
        return Failure(unexpected(Effect.READ, exc))


def writable(storage: TokenStorage) -> bool:
    """Can the storage save (``TokenStorage.writable``)? A storage without the
    method, or whose check raises, is taken at its word later: its save reports."""
    try:
        return storage.writable() is not False
    except Exception:  # none (not derived from TokenStorage), or it raised: its save reports
        return True


def save(storage: TokenStorage, token: AccessToken, clock: Callable[[], float]) -> Event:
    """Store ``token``; the outcome carries the time it finished (a token can expire meanwhile)."""
    try:
        storage.store(token)
    except BoxStorageError as exc:
        return StoreFailed(_value(exc, Effect.STORE), clock())
    except Exception as exc:  # a user's storage: any failure becomes a value
        return StoreFailed(unexpected(Effect.STORE, exc), clock())
    return Stored(clock())


def clear(storage: TokenStorage) -> Event:
    try:
        storage.clear()
    except BoxStorageError as exc:
        return ClearFailed(_value(exc, Effect.CLEAR))
    except Exception as exc:  # a user's storage: any failure becomes a value
        return ClearFailed(unexpected(Effect.CLEAR, exc))
    return Cleared()


class _Leave:
    """The exit of a storage's lock, registered on ``held`` before it is entered.

    ``ExitStack.enter_context`` registers the exit only after ``__enter__``
    returns, and Python runs signal handlers right after a call returns: a
    Ctrl-C there would leave the lock held. Registered first, this exits the
    lock if it was entered, or if it is a generator-based lock (``contextlib``,
    as the bundled storages' are) paused at its ``yield``, which means taken.
    """

    __slots__ = ("cm", "entered")

    def __init__(self, cm: AbstractContextManager[object]) -> None:
        self.cm = cm
        self.entered = False

    def __call__(self, *exc: Any) -> bool | None:
        generator = getattr(self.cm, "gen", None)
        if self.entered or getattr(generator, "gi_suspended", False) is True:
            return self.cm.__exit__(*exc)
        return None


def hold_lock(storage: TokenStorage, held: ExitStack, timeout: float) -> Result[bool, AuthError]:
    """Enter the storage's lock on ``held``: True if taken, False if busy past ``timeout``."""
    try:
        cm = storage.lock(timeout)
        leave = _Leave(cm)
        held.push(leave)
        cm.__enter__()
        leave.entered = True
    except StorageLockTimeout:
        return Success(False)
    except BoxStorageError as exc:
        return Failure(_value(exc, Effect.LOCK))
    except Exception as exc:  # a user's storage: any failure becomes a value
        return Failure(unexpected(Effect.LOCK, exc))
    return Success(True)


def send(
    transport: Transport,
    request: HttpRequest,
    timeout: float,
    received: list[object] | None = None,
) -> Result[HttpResponse, AuthError]:
    """Send ``request``; what the transport answered is also appended to
    ``received``, if given, before anything else runs (see ``sent``)."""
    answer: object
    try:
        if received is None:
            answer = transport.send(request, timeout=timeout)
        else:
            # One expression: no Python code runs between the transport's return
            # and the append, so no signal handler (Ctrl-C) can land there.
            received.append(transport.send(request, timeout=timeout))
            answer = received[-1]
    except Exception as exc:  # a user's transport: any failure becomes a value
        return Failure(unexpected(Effect.SEND, exc))
    return sent(answer)


def sent(answer: object) -> Result[HttpResponse, AuthError]:
    """A transport's answer as a value: a response, a transport failure, or a
    wrong-type failure for anything else (an object whose type check raises too)."""
    try:
        if isinstance(answer, Success) and isinstance(answer.unwrap(), HttpResponse):
            return answer
        if isinstance(answer, Failure) and isinstance(answer.failure(), TransportFailure):
            return answer
    except Exception:  # a hostile object's __class__ or unwrap: not a value of ours
        return Failure(wrong_type(Effect.SEND))
    return Failure(wrong_type(Effect.SEND))


def sign(signer: Callable[[bytes], object], message: bytes) -> Result[bytes, AuthError]:
    try:
        signed = signer(message)
    except Exception as exc:  # a user's signer: any failure becomes a value
        return Failure(unexpected(Effect.SIGN, exc))
    if isinstance(signed, Success | Failure):
        return signed
    return Failure(wrong_type(Effect.SIGN))
