"""Typed exceptions for callers who prefer raising to Results.

Each wraps one ``AuthError`` value (``.error``) and carries Box's error code,
description and request id where there is one. Messages are built from those
values only, so, like the values, they never contain a secret. The base class
is also exported as ``BoxSDKError`` so ``except BoxSDKError`` ports from
box_sdk_gen unchanged.
"""

from __future__ import annotations

from .errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    StorageFailure,
    TransportFailure,
)


class BoxAuthError(Exception):
    """Base of every boxauth exception."""

    def __init__(self, error: AuthError) -> None:
        super().__init__(error.message())
        self.error = error

    @property
    def error_code(self) -> str | None:
        return self.error.error if isinstance(self.error, BoxRefused) else None

    @property
    def description(self) -> str | None:
        return self.error.description if isinstance(self.error, BoxRefused) else None

    @property
    def request_id(self) -> str | None:
        return self.error.request_id if isinstance(self.error, BoxRefused) else None

    @property
    def status(self) -> int | None:
        return self.error.status if isinstance(self.error, BoxRefused) else None


class BoxConfigError(BoxAuthError, ValueError):
    """Bad configuration or argument; ``.field`` names it."""

    @property
    def field(self) -> str:
        return self.error.field if isinstance(self.error, InvalidInput) else ""


class BoxRefusedError(BoxAuthError):
    """Box answered with a refusal (or an answer we cannot use)."""


class BoxRateLimitedError(BoxRefusedError):
    """429 that outlasted the retry budget; ``.retry_after`` is Box's hint, if any."""

    @property
    def retry_after(self) -> float | None:
        return self.error.retry_after if isinstance(self.error, BoxRefused) else None


class BoxMalformedResponseError(BoxRefusedError):
    """The answer was not what Box sends: not JSON, wrong types, too big."""


class BoxNetworkError(BoxAuthError):
    """No usable answer: connection, timeout, TLS, redirect refused, deadline."""

    @property
    def maybe_sent(self) -> bool:
        return self.error.maybe_sent if isinstance(self.error, TransportFailure) else False


class BoxReauthRequiredError(BoxAuthError):
    """No token without a person: a new developer token or a new OAuth sign-in."""


class BoxStorageError(BoxAuthError):
    """The token storage failed (unreadable, unwritable, untrusted, locked)."""


BoxSDKError = BoxAuthError


def exception_for(error: AuthError) -> BoxAuthError:
    """The one mapping from error values to exceptions."""
    match error:
        case InvalidInput():
            return BoxConfigError(error)
        case ReauthRequired():
            return BoxReauthRequiredError(error)
        case StorageFailure():
            return BoxStorageError(error)
        case TransportFailure():
            return BoxNetworkError(error)
        case BoxRefused(kind=ErrorKind.RATE_LIMITED):
            return BoxRateLimitedError(error)
        case BoxRefused(kind=ErrorKind.MALFORMED_RESPONSE):
            return BoxMalformedResponseError(error)
        case BoxRefused():
            return BoxRefusedError(error)


class BoxAPIError(BoxRefusedError):
    """An API call (not a token request) answered with an error status."""
