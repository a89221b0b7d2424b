"""The closed set of errors the core can return.

Every core function that can fail returns ``Result[T, AuthError]``, where
``AuthError`` is one of four frozen values. In the manner of h11 they split by
whose fault it is:

- ``InvalidInput``: we were given something wrong (a config, a URL, a scope).
- ``BoxRefused``: Box (or whatever answers at its address) said no, or answered
  with something we cannot use.
- ``TransportFailure``: no usable answer arrived at all (built by adapters).
- ``ReauthRequired``: no token can be had without a person signing in again.
- ``StorageFailure``: the token storage could not be read, written, locked or
  cleared, or holds a file we must not trust (built by adapters).

None of them ever holds a secret. Texts that come from the server are cut to a
bounded length and stripped of control characters before they are kept.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

# Box's own descriptions are one short sentence; anything longer is not Box.
MAX_TEXT = 300


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Printable, single-line, bounded: safe to put in an exception message."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."


def is_unicode_text(text: str) -> bool:
    """False for a str with lone surrogates: it has no UTF-8 form to send or compare."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_real_number(value: object) -> bool:
    """An int or a finite float, never a bool.

    Callers compare it with bounds rather than call ``math.isfinite`` or
    ``float`` on it: those raise OverflowError on an int past 1.8e308.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


class ErrorKind(enum.Enum):
    """Box's ``error`` codes that the token endpoint uses, plus our own two."""

    INVALID_GRANT = "invalid_grant"
    INVALID_CLIENT = "invalid_client"
    UNAUTHORIZED_CLIENT = "unauthorized_client"
    INVALID_REQUEST = "invalid_request"
    INVALID_SCOPE = "invalid_scope"
    INVALID_RESOURCE = "invalid_resource"
    ACCESS_DENIED = "access_denied"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    # The answer could not be understood: not JSON, wrong types, empty token, too big.
    MALFORMED_RESPONSE = "malformed_response"
    # A well-formed error whose code Box does not document for this endpoint.
    UNRECOGNIZED = "unrecognized"

    def __repr__(self) -> str:
        return f"ErrorKind.{self.name}"


_KINDS = {k.value: k for k in ErrorKind}


def kind_of(code: object) -> ErrorKind:
    """The ErrorKind for an ``error`` code Box sent; UNRECOGNIZED for anything else."""
    if not isinstance(code, str):
        return ErrorKind.UNRECOGNIZED
    return _KINDS.get(code, ErrorKind.UNRECOGNIZED)


@dataclass(frozen=True, slots=True)
class InvalidInput:
    """Something we were given is wrong. ``field`` names it; ``problem`` says how."""

    field: str
    problem: str

    def message(self) -> str:
        return f"{self.field}: {self.problem}"


@dataclass(frozen=True, slots=True)
class BoxRefused:
    """Box answered, and the answer is a refusal (or unusable).

    ``error`` and ``description`` are Box's ``error`` / ``error_description``
    (already passed through ``clean_text``). ``clock_skew`` marks the JWT
    ``invalid_grant`` family about the 'exp' or 'jti' claim, which a shell may
    answer by re-signing once with the server's clock (protocol notes §3).
    """

    kind: ErrorKind
    status: int
    error: str
    description: str
    request_id: str | None = None
    retry_after: float | None = None
    clock_skew: bool = False

    def message(self) -> str:
        text = f"Box refused the request ({self.status} {self.error})"
        if self.description:
            text += f": {self.description}"
        hint = _HINTS.get((self.kind, self.description.rstrip(".")))
        if hint:
            text += f". {hint}"
        if self.request_id:
            text += f" [box-request-id {self.request_id}]"
        return text


# Box's texts are terse; these say what usually fixes them (engineering notes,
# "What Box users have asked for": box-python-sdk-gen 217 and 220).
_HINTS = {
    (ErrorKind.INVALID_GRANT, "Grant credentials are invalid"): (
        "Check the client id and secret, that the app is authorized by the enterprise "
        "admin, and, for a user subject, that 'Generate user access tokens' is enabled"
    ),
    (ErrorKind.UNAUTHORIZED_CLIENT, "This app is not authorized by the enterprise admin"): (
        "An admin must authorize (or re-authorize) the app in the Admin Console"
    ),
    (ErrorKind.INVALID_CLIENT, "The client credentials are invalid"): (
        "Check the client id and client secret"
    ),
}


def malformed(description: str, status: int = 0, request_id: str | None = None) -> BoxRefused:
    """An answer we cannot use (not JSON, wrong types, too big, dead on arrival)."""
    return BoxRefused(
        kind=ErrorKind.MALFORMED_RESPONSE,
        status=status,
        error="malformed_response",
        description=description,
        request_id=request_id,
    )


class TransportFailureKind(enum.Enum):
    CONNECT = "connect"
    TIMEOUT = "timeout"
    DEADLINE = "deadline"
    PROTOCOL = "protocol"
    REDIRECT_REFUSED = "redirect_refused"
    TOO_LARGE = "too_large"
    INSECURE_URL = "insecure_url"
    TLS = "tls"

    def __repr__(self) -> str:
        return f"TransportFailureKind.{self.name}"


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """No usable HTTP answer. ``maybe_sent``: the request may have reached Box.

    ``maybe_sent`` matters for single-use credentials (refresh tokens,
    authorization codes): once it is True, repeating the request may burn them.
    """

    kind: TransportFailureKind
    detail: str
    maybe_sent: bool

    def message(self) -> str:
        return f"network failure ({self.kind.value}): {self.detail}"


@dataclass(frozen=True, slots=True)
class ReauthRequired:
    """No token can be obtained without a new sign-in or a new developer token."""

    reason: str

    def message(self) -> str:
        return f"re-authentication required: {self.reason}"


class StorageFailureKind(enum.Enum):
    READ = "read"  # could not read what is stored
    WRITE = "write"  # could not save a token
    CLEAR = "clear"  # could not remove the stored token
    LOCK = "lock"  # could not take the storage's lock (not a timeout: that is DEADLINE)
    UNTRUSTED = "untrusted"  # the file is not safe to trust: another owner, wide mode, a link
    UNEXPECTED = "unexpected"  # a custom storage raised or returned something unexpected
    # A compare-and-set store lost: a newer token was stored meanwhile (another
    # machine renewed while our lease had lapsed). Ours was not written.
    SUPERSEDED = "superseded"

    def __repr__(self) -> str:
        return f"StorageFailureKind.{self.name}"


@dataclass(frozen=True, slots=True)
class StorageFailure:
    """The token storage failed. ``detail`` may name a file, never its contents."""

    kind: StorageFailureKind
    detail: str

    def message(self) -> str:
        return f"token storage failure ({self.kind.value}): {self.detail}"


AuthError = InvalidInput | BoxRefused | TransportFailure | ReauthRequired | StorageFailure
