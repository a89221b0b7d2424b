"""The closed set of errors the core can return.

Every core function that can fail returns ``Result[T, AuthError]``, where
``AuthError`` is one of six frozen values. In the manner of h11 they split by
whose fault it is:

- ``InvalidInput``: we were given something wrong (a config, a URL, a scope).
- ``BoxRefused``: Box (or whatever answers at its address) said no, or answered
  with something we cannot use.
- ``TransportFailure``: no usable answer arrived at all (built by adapters).
- ``ReauthRequired``: no token can be had without a person signing in again.
- ``StateMismatch``: the OAuth redirect's ``state`` is missing or not the one we
  issued: possibly a login CSRF (RFC 6749 §10.12), never a configuration error.
- ``StorageFailure``: the token storage could not be read, written, locked or
  cleared, or holds a file we must not trust (built by adapters).

None of them ever holds a secret. Texts that come from the server are cut to a
bounded length and stripped of control characters before they are kept.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, replace

# Box's own descriptions are one short sentence; anything longer is not Box.
MAX_TEXT = 300


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Printable, single-line, bounded: safe to put in an exception message.

    Never raises: anything but a str is ``""``; a limit that is not an int of
    at least 4 is ``MAX_TEXT``.
    """
    if not isinstance(text, str):
        return ""
    if type(limit) is not int or limit < 4:
        limit = MAX_TEXT
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return printable if len(printable) <= limit else printable[: limit - 3] + "..."


def is_unicode_text(text: str) -> bool:
    """False for a str with lone surrogates: it has no UTF-8 form to send or compare.

    False for anything but a str.
    """
    if not isinstance(text, str):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_REAL = (int, float)


def is_real_number(value: object) -> bool:
    """An int or a finite float, never a bool.

    Callers compare it with bounds rather than call ``math.isfinite`` or
    ``float`` on it: those raise OverflowError on an int past 1.8e308.
    """
    kind = type(value)  # the common cases first: this runs on every cached call
    if kind is float:
        return math.isfinite(value)  # type: ignore[arg-type]
    if kind is int:
        return True
    if isinstance(value, bool) or not isinstance(value, _REAL):
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
    # RFC 6750 §3.1: the access token is expired, revoked, malformed or not Box's.
    # Also every 401 whose code names no token-endpoint error (Box's API answers
    # ``unauthorized`` or an empty body; developer.box.com/guides/api-calls/
    # permissions-and-errors/common-errors/).
    INVALID_TOKEN = "invalid_token"  # noqa: S105  # nosec B105
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
    (or ``code`` / ``message``, or the ``WWW-Authenticate`` parameters; already
    passed through ``clean_text``). ``clock_skew`` marks the JWT
    ``invalid_grant`` family about the 'exp' or 'jti' claim, which a shell may
    answer by re-signing once with the server's clock
    (developer.box.com/guides/authentication/jwt/without-sdk/).

    ``headers`` and ``details`` are what an exception may show of the answer
    (box_sdk_gen's ``response_info``): a fixed set of headers and of error-body
    fields, cleaned and bounded. Never a token, never a request body.
    ``redirect`` marks an error reported on the OAuth redirect rather than by
    an HTTP answer (RFC 6749 §4.1.2.1).
    """

    kind: ErrorKind
    status: int
    error: str
    description: str
    request_id: str | None = None
    retry_after: float | None = None
    clock_skew: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    details: tuple[tuple[str, str | int], ...] = ()
    redirect: bool = False

    def message(self) -> str:
        text = self._situation()
        if self.description:
            text += f": {self.description}"
        hint = _HINTS.get((self.kind, self.description.rstrip(".")))
        if hint:
            text += f". {hint}"
        if self.retry_after is not None and self.kind in _WAIT_KINDS:
            text += f" (Box asks to retry after {self.retry_after:g} s)"
        if self.request_id:
            text += f" [box-request-id {self.request_id}]"
        return text

    def _situation(self) -> str:
        """What happened, in the user's words, before Box's own text."""
        if self.redirect:
            if self.kind is ErrorKind.ACCESS_DENIED:
                # Box's code, but not the 302: it reads as if it were Box's answer.
                return f"the user denied access ({self.error})"
            return f"the sign-in failed on the redirect ({self.error})"
        answered = str(self.status)
        if self.error != f"http_{self.status}":
            answered += f" {self.error}"
        if self.kind is ErrorKind.INVALID_TOKEN:
            return (
                "the access token was refused (expired, revoked or not a Box token); "
                f"Box answered {answered}"
            )
        return f"Box refused the request ({answered})"


_WAIT_KINDS = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR})

# Box's texts are terse; these say what usually fixes them (box-python-sdk-gen
# issues 217 and 220; the 401 text: developer.box.com/guides/authentication/
# jwt/jwt-setup/, "App Authorization").
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
    (ErrorKind.INVALID_TOKEN, "Unauthorized - Cannot authorize with this service"): (
        "The app may not be authorized in this enterprise: an admin must authorize it "
        "in the Admin Console"
    ),
}


def malformed(
    description: str,
    status: int = 0,
    request_id: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> BoxRefused:
    """An answer we cannot use (not JSON, wrong types, too big, dead on arrival)."""
    return BoxRefused(
        kind=ErrorKind.MALFORMED_RESPONSE,
        status=status,
        error="malformed_response",
        description=description,
        request_id=request_id,
        headers=headers,
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


@dataclass(frozen=True, slots=True)
class StateMismatch:
    """The OAuth redirect's ``state`` is missing or is not one we issued.

    ``state`` is the CSRF defence of the authorization code flow (RFC 6749
    §10.12): a redirect that fails it may carry an attacker's code, meant to
    sign the user in to the attacker's account. ``reason`` says which check
    failed; it never quotes either state.
    """

    reason: str

    def message(self) -> str:
        return f"possible login CSRF: the redirect's state {self.reason}"


AuthError = (
    InvalidInput | BoxRefused | TransportFailure | ReauthRequired | StorageFailure | StateMismatch
)


# A secret shorter than this is not looked for in server text: replacing every
# "abc" in a description would garble it and hide nothing of value.
MIN_SCRUBBED = 8


# A secret cut by ``clean_text`` (the text ends in "...") is looked for down to
# this many characters at the cut: fewer could be any word.
MIN_CUT = 4


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` without any piece of ``secrets``: whole echoes, any run of at
    least ``MIN_SCRUBBED`` characters found in a secret (a partial echo), and a
    secret's beginning cut short by the "..." of ``clean_text``.

    Errors are clipped to ``MAX_TEXT`` before we see them, so an exact match
    alone misses a secret that straddles the cut.
    """
    for secret in secrets:
        text = text.replace(secret, "<redacted>")
    grams = {s[i : i + MIN_SCRUBBED] for s in secrets for i in range(len(s) - MIN_SCRUBBED + 1)}
    hit = [False] * len(text)
    for i in range(len(text) - MIN_SCRUBBED + 1):
        if text[i : i + MIN_SCRUBBED] in grams:
            hit[i : i + MIN_SCRUBBED] = [True] * MIN_SCRUBBED
    if text.endswith("..."):
        end = len(text) - 3
        for secret in secrets:
            cut = next(
                (n for n in range(min(len(secret), end), MIN_CUT - 1, -1)
                 if text[end - n : end] == secret[:n]),
                0,
            )  # fmt: skip
            hit[end - cut : end] = [True] * cut
    if not any(hit):
        return text
    out: list[str] = []
    for i, ch in enumerate(text):
        if not hit[i]:
            out.append(ch)
        elif i == 0 or not hit[i - 1]:
            out.append("<redacted>")
    return "".join(out)


def without_secrets(error: AuthError, secrets: object) -> AuthError:
    """``error`` with every secret we just sent replaced, wherever the server echoed it.

    A token endpoint (or anything answering at its address) may quote the
    request back: a refresh token or a client secret in ``error_description``.
    We know exactly which secrets went out, so none of them ever reaches a
    message, an exception's ``response_info`` or a log. Never raises.
    """
    if not isinstance(error, BoxRefused) or not isinstance(secrets, tuple | list):
        return error
    sent = tuple(s for s in secrets if isinstance(s, str) and len(s) >= MIN_SCRUBBED)
    if not sent:
        return error
    return replace(
        error,
        error=_scrub(error.error, sent),
        description=_scrub(error.description, sent),
        request_id=None if error.request_id is None else _scrub(error.request_id, sent),
        headers=tuple((k, _scrub(v, sent)) for k, v in error.headers),
        details=tuple((k, _scrub(v, sent) if isinstance(v, str) else v) for k, v in error.details),
    )
