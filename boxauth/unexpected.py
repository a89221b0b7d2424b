"""What it means when an effect raises something it should not have.

Adapters never raise on purpose: the transport returns failures, storages
raise only ``BoxStorageError``. But a user's own storage, transport or signer
can raise anything, and an auth object must still answer with a value (the
``*_result()`` methods never raise). This table says which error each effect's
unexpected exception becomes. Only the exception's class name is kept: its
text may hold a token or a file's contents.
"""

from __future__ import annotations

import enum

from .errors import (
    AuthError,
    InvalidInput,
    StorageFailure,
    StorageFailureKind,
    TransportFailure,
    TransportFailureKind,
)


class Effect(enum.Enum):
    READ = "read the token storage"
    STORE = "save to the token storage"
    CLEAR = "clear the token storage"
    LOCK = "lock the token storage"
    SIGN = "sign the JWT assertion"
    SEND = "send the request"

    def __repr__(self) -> str:
        return f"Effect.{self.name}"


# A send that raised may have reached Box: count it as sent, so a single-use
# grant is never repeated after it.
_SENT_IF_RAISED = True

STORAGE_KIND: dict[Effect, StorageFailureKind] = {
    Effect.READ: StorageFailureKind.READ,
    Effect.STORE: StorageFailureKind.WRITE,
    Effect.CLEAR: StorageFailureKind.CLEAR,
    Effect.LOCK: StorageFailureKind.LOCK,
}


def class_name(exception: object, unknown: str = "an exception") -> str:
    """The class name of ``exception`` (or of any value) for a message, or ``unknown``.

    Never raises: a user's class can make ``__name__`` raise (a metaclass
    property), return a non-string, or return a ``str`` subclass whose
    methods raise. Only a plain identifier of at most 64 characters is kept,
    so a name cannot carry a message's worth of text.
    """
    try:
        name = type(exception).__name__
        plain = str.__str__(name) if isinstance(name, str) else ""
    except Exception:  # the class's own code raised: describe it, do not name it
        return unknown
    return plain if plain.isidentifier() and len(plain) <= 64 else unknown


def unexpected(effect: Effect, exception: BaseException) -> AuthError:
    """The error value for ``effect`` raising ``exception`` (only its class name is kept)."""
    return _failed(effect, f"{class_name(exception)} while trying to {effect.value}")


def wrong_type(effect: Effect) -> AuthError:
    """The error value for ``effect`` returning a value of the wrong type."""
    return _failed(
        effect, f"the plug-in asked to {effect.value} returned a value of the wrong type"
    )


def _failed(effect: Effect, text: str) -> AuthError:
    """The error value of the kind ``effect``'s failures take, saying ``text``."""
    if effect is Effect.SEND:
        return TransportFailure(TransportFailureKind.PROTOCOL, text, _SENT_IF_RAISED)
    if effect is Effect.SIGN:
        return InvalidInput("signer", text)
    return StorageFailure(STORAGE_KIND[effect], text)
