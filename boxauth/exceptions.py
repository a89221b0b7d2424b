"""Typed exceptions for callers who prefer raising to Results.

Each wraps one ``AuthError`` value (``.error``) and carries Box's error code,
description and request id where there is one. Messages are built from those
values only, so, like the values, they never contain a secret.

The hierarchy lines up with box_sdk_gen's (``box_sdk_gen/box/errors.py``), so
``except`` clauses port unchanged:

- ``BoxSDKError`` (the same class as ``BoxAuthError``) is the base of every
  error; ``BoxSDKError("x")`` and ``BoxSDKError(message="x")`` work.
- ``BoxAPIError``: Box answered with an error status (a refusal from the token
  endpoint or from the API), as in box_sdk_gen.
- ``BoxMalformedResponseError``: an answer we cannot use; a ``BoxSDKError``
  (and a ``BoxRefusedError``), not a ``BoxAPIError``: nobody refused anything.

Every error has box_sdk_gen's attributes: ``message``, ``timestamp`` (None
unless the raiser gave one: the pure core reads no clock), ``error``,
``request_info`` and ``response_info`` (None when there was no HTTP exchange),
``name`` and ``extra``; and ours: ``status``, ``error_code``, ``description``,
``request_id``, ``retry_after``. ``.error`` is our ``AuthError`` value when
there is one, else what the caller passed (box_sdk_gen's underlying exception).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    StateMismatch,
    StorageFailure,
    TransportFailure,
)
from .redaction import REDACTED
from .wire import HttpRequest

_VALUES = (
    InvalidInput,
    BoxRefused,
    TransportFailure,
    ReauthRequired,
    StorageFailure,
    StateMismatch,
)
# Request headers that never hold a secret; every other value shows as <redacted>.
_PLAIN_REQUEST_HEADERS = frozenset({"accept", "content-type", "user-agent", "as-user"})


@dataclass(frozen=True, slots=True, eq=False)
class RequestInfo:
    """box_sdk_gen's ``RequestInfo``, redacted: never a body, never a header secret.

    The URL keeps scheme, host and path (the query is dropped: it may hold a
    shared link or a state). Header values show only for ``_PLAIN_REQUEST_HEADERS``.
    """

    method: str
    url: str
    query_params: dict[str, str]
    headers: dict[str, str]
    body: None = None
    content_type: str | None = None

    def print(self, data_sanitizer: object) -> str:
        """box_sdk_gen's ``RequestInfo.print``: the fields, one per line (already redacted)."""
        return "".join(
            (
                f"\n\tMethod: {self.method}",
                f"\n\tURL: {self.url}",
                f"\n\tQuery params: {self.query_params}",
                f"\n\tHeaders: {self.headers}",
                "\n\tBody: None",
            )
        )


@dataclass(frozen=True, slots=True, eq=False)
class ResponseInfo:
    """box_sdk_gen's ``ResponseInfo``: what Box answered, as far as it is safe to show.

    ``headers`` is a fixed set (Date, Content-Type, box-request-id,
    Retry-After, WWW-Authenticate); ``body`` holds only the documented fields
    of Box's error bodies (``error``, ``error_description``, ``type``,
    ``status``, ``code``, ``message``, ``request_id``, ``help_url``), cleaned;
    ``raw_body`` is always None: a 200 body holds tokens.
    """

    status_code: int
    headers: dict[str, str]
    body: dict[str, str | int] | None = None
    raw_body: None = None
    code: str | None = None
    context_info: None = None
    request_id: str | None = None
    help_url: str | None = None

    def print(self, data_sanitizer: object) -> str:
        """box_sdk_gen's ``ResponseInfo.print``: the fields, one per line."""
        return "".join(
            (
                f"\n\tStatus code: {self.status_code}",
                f"\n\tHeaders: {self.headers}",
                f"\n\tCode: {self.code}",
                f"\n\tRequest Id: {self.request_id}",
                f"\n\tHelp Url: {self.help_url}",
                f"\n\tBody: {self.body}",
            )
        )


def request_info_of(request: object) -> RequestInfo | None:
    """The redacted ``RequestInfo`` of an ``HttpRequest``; None for anything else."""
    if not isinstance(request, HttpRequest):
        return None
    url = ""
    if isinstance(request.url, str):
        try:
            parts = urlsplit(request.url)
            url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        except ValueError:  # e.g. an unbalanced "[" in the host
            url = ""
    headers: dict[str, str] = {}
    content_type = None
    pairs = request.headers if isinstance(request.headers, tuple) else ()
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            continue
        name, value = pair
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        plain = name.lower() in _PLAIN_REQUEST_HEADERS
        headers[name.lower()] = value if plain else REDACTED
        if name.lower() == "content-type":
            content_type = value
    method = request.method if isinstance(request.method, str) else ""
    return RequestInfo(method, url, {}, headers, content_type=content_type)


def response_info_of(error: object) -> ResponseInfo | None:
    """The ``ResponseInfo`` of a refusal; None for errors without an HTTP answer."""
    if not isinstance(error, BoxRefused) or error.redirect:
        return None
    body = dict(error.details) or None
    body_request_id = body.get("request_id") if body else None
    help_url = body.get("help_url") if body else None
    return ResponseInfo(
        status_code=error.status,
        headers=dict(error.headers),
        body=body,
        code=error.error,
        request_id=body_request_id if isinstance(body_request_id, str) else error.request_id,
        help_url=help_url if isinstance(help_url, str) else None,
    )


class BoxAuthError(Exception):
    """Base of every boxauth exception; also exported as ``BoxSDKError``.

    ``message`` is our ``AuthError`` value (what the core returns) or a text,
    as box_sdk_gen's ``BoxSDKError(message, timestamp=None, error=None)``.
    """

    def __init__(
        self,
        message: str | AuthError,
        timestamp: datetime | None = None,
        error: AuthError | BaseException | None = None,
        **kwargs: Any,
    ) -> None:
        # The request, if the raiser gave one, becomes the redacted request_info
        # and is not kept: its headers hold the bearer token.
        request = kwargs.pop("request", None)
        value = _value_of(message) or _value_of(error)
        if isinstance(message, str):
            text = message
        elif value is not None:
            text = value.message()
        else:
            text = f"{type(self).__name__} (no message)"
        super().__init__(text)
        self.name = type(self).__name__
        self.message = text
        self.timestamp = timestamp if isinstance(timestamp, datetime) else None
        self.error: AuthError | BaseException | None = value if value is not None else error
        self.extra = kwargs
        self.request_info: Any = request_info_of(request)
        self.response_info: Any = response_info_of(value)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default pickling calls cls(*args): rebuild from the value
        # (or text) by keyword instead, which every subclass accepts.
        return (_rebuild, (type(self), self.value or self.message, self.timestamp))

    @property
    def value(self) -> AuthError | None:
        """Our ``AuthError`` value, whatever ``.error`` holds."""
        return self.error if isinstance(self.error, _VALUES) else None

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

    @property
    def retry_after(self) -> float | None:
        """Box's Retry-After in seconds (429 and 5xx answers), else None."""
        return self.error.retry_after if isinstance(self.error, BoxRefused) else None


def _value_of(candidate: object) -> AuthError | None:
    return candidate if isinstance(candidate, _VALUES) else None


def _rebuild(cls: type[BoxAuthError], message: str | AuthError, timestamp: Any) -> BoxAuthError:
    return cls(message=message, timestamp=timestamp)


BoxSDKError = BoxAuthError


class BoxConfigError(BoxAuthError, ValueError):
    """Bad configuration or argument; ``.field`` names it."""

    @property
    def field(self) -> str:
        return self.error.field if isinstance(self.error, InvalidInput) else ""


class BoxStateMismatchError(BoxAuthError):
    """The redirect's ``state`` is missing or not ours: a possible login CSRF.

    Not a configuration error (RFC 6749 §10.12): do not retry with the same
    redirect; start a new sign-in. The CLI exits with its own code for it.
    """


class BoxRefusedError(BoxAuthError):
    """Box answered with a refusal (or an answer we cannot use)."""


class BoxAPIError(BoxRefusedError):
    """Box answered with an error status: a refusal from the token endpoint or the API.

    box_sdk_gen's signature, ``BoxAPIError(request_info, response_info,
    message, timestamp=None, error=None)``, and ours, ``BoxAPIError(value)``.
    ``request_info`` and ``response_info`` are filled from the value when not
    given.
    """

    def __init__(
        self,
        request_info: Any = None,
        response_info: Any = None,
        message: str | AuthError | None = None,
        timestamp: datetime | None = None,
        error: AuthError | BaseException | None = None,
        *,
        data_sanitizer: object = None,
        **kwargs: Any,
    ) -> None:
        if _value_of(request_info) is not None:  # ours: BoxAPIError(value)
            message, request_info = request_info, None
        if message is None:
            value = _value_of(error)
            message = value if value is not None else "Box answered with an error"
        super().__init__(message, timestamp, error, **kwargs)
        if request_info is not None:
            self.request_info = request_info
        if response_info is not None:
            self.response_info = response_info
        self.data_sanitizer = data_sanitizer


class BoxRateLimitedError(BoxAPIError):
    """429 that outlasted the retry budget; ``.retry_after`` is Box's hint, if any."""


class BoxServerError(BoxAPIError):
    """A 5xx that outlasted the retry budget; ``.retry_after`` is Box's hint, if any."""


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


def exception_for(
    error: AuthError, *, request: HttpRequest | None = None, timestamp: datetime | None = None
) -> BoxAuthError:
    """The one mapping from error values to exceptions.

    ``request`` (what was sent) fills ``request_info``, redacted; ``timestamp``
    is the raiser's clock reading. Never raises, whatever it is given.
    """
    extra: dict[str, Any] = {} if request is None else {"request": request}
    match error:
        case InvalidInput():
            return BoxConfigError(error, timestamp, **extra)
        case StateMismatch():
            return BoxStateMismatchError(error, timestamp, **extra)
        case ReauthRequired():
            return BoxReauthRequiredError(error, timestamp, **extra)
        case StorageFailure():
            return BoxStorageError(error, timestamp, **extra)
        case TransportFailure():
            return BoxNetworkError(error, timestamp, **extra)
        case BoxRefused(kind=ErrorKind.RATE_LIMITED):
            return BoxRateLimitedError(message=error, timestamp=timestamp, **extra)
        case BoxRefused(kind=ErrorKind.SERVER_ERROR):
            return BoxServerError(message=error, timestamp=timestamp, **extra)
        case BoxRefused(kind=ErrorKind.MALFORMED_RESPONSE):
            return BoxMalformedResponseError(error, timestamp, **extra)
        case BoxRefused():
            return BoxAPIError(message=error, timestamp=timestamp, **extra)
        case _:
            return BoxAuthError("an unexpected error value", timestamp)
