"""The OAuth 2.0 authorize URL and the redirect that comes back.

Box's rules: developer.box.com/reference/get-authorize/ and
developer.box.com/guides/authentication/oauth2/without-sdk/.

Box echoes ``state`` unchanged; comparing it with what we sent is the CSRF
defence (RFC 6749 §10.12), so the comparison is constant-time and a missing
state is a failure (``StateMismatch``), never a pass. ``PendingStates``
remembers the states an app issued: single use, for ten minutes, a bounded
number of them.

How Box reports a denial on the redirect is UNCONFIRMED (Box does not document
it); we follow RFC 6749 §4.1.2.1 (``error``, ``error_description``) and treat
any ``error`` as a refusal even if a ``code`` is also present. The state is
checked first: the most defensive order.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from returns.result import Failure, Result, Success

from .errors import (
    BoxRefused,
    InvalidInput,
    StateMismatch,
    clean_text,
    is_real_number,
    is_unicode_text,
    kind_of,
)
from .redaction import Redacted, secret_field
from .unexpected import class_name
from .urls import BaseUrls, authorize_endpoint, check_secure_url

MAX_QUERY = 8 * 1024
# A whole redirect URL: the query plus a generous scheme, host and path.
MAX_REDIRECT = 2 * MAX_QUERY
MIN_STATE = 16
# A state longer than this is not one we issued (ours are 43 characters).
MAX_STATE = 512
# RFC 6749 §10.12 asks for a state bound to the user's session; ten minutes
# covers a sign-in (Box's codes live 30 s: developer.box.com/guides/
# authentication/oauth2/without-sdk/), and a bounded list keeps a flood of
# authorize requests from growing memory without end.
STATE_LIFETIME = 600.0
MAX_PENDING_STATES = 256
MAX_CLOCK = float(2**53)


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str | None
    state: str
    scopes: tuple[str, ...] = ()
    response_type: str = "code"


@dataclass(frozen=True, slots=True, repr=False)
class Redirect(Redacted):
    """The redirect's query, parsed. ``code`` is a one-time secret."""

    code: str | None = secret_field(default=None)
    state: str | None = None
    error: str | None = None
    error_description: str | None = None


def _text(value: object, name: str) -> Result[str, InvalidInput]:
    """A str with a UTF-8 form; anything else (bytes, int, None...) is a Failure."""
    if not isinstance(value, str):
        kind = class_name(value, "an unnamed type")
        return Failure(InvalidInput(name, f"must be a string, not {kind}"))
    if not is_unicode_text(value):
        return Failure(InvalidInput(name, "has text with a lone surrogate"))
    return Success(value)


def _checked_request(request: AuthorizeRequest) -> Result[AuthorizeRequest, InvalidInput]:
    """Type and content checks for every field; never raises on wrongly typed fields."""
    if not isinstance(request.response_type, str) or request.response_type != "code":
        return Failure(InvalidInput("response_type", "Box supports only 'code'"))
    for value, name in ((request.client_id, "client_id"), (request.state, "state")):
        checked = _text(value, name)
        if not isinstance(checked, Success):
            return Failure(checked.failure())
    if not request.client_id:
        return Failure(InvalidInput("client_id", "is empty"))
    if not request.state:
        return Failure(InvalidInput("state", "is empty; it is the CSRF defence"))
    if len(request.state) < MIN_STATE:
        why = f"is shorter than {MIN_STATE} characters: too weak a CSRF defence"
        return Failure(InvalidInput("state", why))
    if len(request.state) > MAX_STATE:
        return Failure(InvalidInput("state", f"is longer than {MAX_STATE} characters"))
    if request.redirect_uri is not None:
        uri = _text(request.redirect_uri, "redirect_uri").bind(
            lambda u: check_secure_url(u, "redirect_uri")
        )
        if not isinstance(uri, Success):
            return Failure(uri.failure())
    if not isinstance(request.scopes, tuple | list):
        return Failure(InvalidInput("scope", "must be a list of scope names"))
    for scope in request.scopes:
        checked = _text(scope, "scope")
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        if not scope or " " in scope:
            return Failure(InvalidInput("scope", "each scope must be a non-empty word"))
    return Success(request)


def authorize_url(urls: BaseUrls, request: AuthorizeRequest) -> Result[str, InvalidInput]:
    """``{oauth_2_url}/authorize?response_type=code&client_id=..&redirect_uri=..&state=..&scope=..``.

    Box accepts only ``response_type=code``. ``scope`` is space-joined; the
    query is form-encoded (spaces as ``+``, everything else percent-encoded).
    A caller-supplied ``state`` must have at least ``MIN_STATE`` characters:
    a short one is guessable, and it is the only CSRF defence.
    """
    if not isinstance(urls, BaseUrls):
        return Failure(InvalidInput("base_urls", "must be a BaseUrls"))
    if not isinstance(request, AuthorizeRequest):
        return Failure(InvalidInput("authorize request", "must be an AuthorizeRequest"))
    checked = _checked_request(request)
    if not isinstance(checked, Success):
        return Failure(checked.failure())
    endpoint = authorize_endpoint(urls)
    if not endpoint:
        return Failure(InvalidInput("base_urls", "oauth_2_url must be a URL string"))
    params = [("response_type", "code"), ("client_id", request.client_id)]
    if request.redirect_uri is not None:
        params.append(("redirect_uri", request.redirect_uri))
    params.append(("state", request.state))
    if request.scopes:
        params.append(("scope", " ".join(request.scopes)))
    return Success(f"{endpoint}?{urlencode(params)}")


def state_matches(expected: object, received: object) -> bool:
    """Constant-time equality; a missing, empty or non-str state never matches."""
    if not isinstance(expected, str) or not isinstance(received, str):
        return False
    if not expected or not received:
        return False
    # surrogatepass: a one-to-one encoding even for lone surrogates, so it cannot raise.
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), received.encode("utf-8", "surrogatepass")
    )


def query_of_redirect(redirect: object) -> Result[str, InvalidInput]:
    """The query of a redirect, given as a full URL, a path with a query, or a bare query.

    ``https://app/cb?code=a&state=b#frag``, ``/cb?code=a&state=b``,
    ``?code=a&state=b`` and ``code=a&state=b`` all give ``code=a&state=b``. The
    fragment is never part of the query. A URL or path without ``?`` has an
    empty query. Plain string operations, not ``urlsplit``: a malformed host
    such as ``https://[x/?code=a`` must not raise.
    """
    if not isinstance(redirect, str):
        return Failure(InvalidInput("redirect", "must be a string"))
    if len(redirect) > MAX_REDIRECT:
        return Failure(InvalidInput("redirect", "is too long"))
    before_fragment = redirect.partition("#")[0]
    if "?" in before_fragment:
        return Success(before_fragment.partition("?")[2])
    if "://" in before_fragment or before_fragment.startswith("/"):
        return Success("")
    return Success(before_fragment)


def parse_redirect_query(query: str) -> Result[Redirect, InvalidInput]:
    """Parse ``code``, ``state``, ``error``, ``error_description``; refuse repeats."""
    if not isinstance(query, str):
        return Failure(InvalidInput("redirect query", "must be a string"))
    if len(query) > MAX_QUERY:
        return Failure(InvalidInput("redirect query", "is too long"))
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, max_num_fields=32)
    except ValueError:
        return Failure(InvalidInput("redirect query", "is malformed"))
    wanted = {"code", "state", "error", "error_description"}
    values: dict[str, str] = {}
    for key, value in pairs:
        if key not in wanted:
            continue
        if key in values:
            # Two codes or two states: someone is playing games with the URL.
            return Failure(InvalidInput(f"redirect {key}", "appears more than once"))
        values[key] = value
    return Success(Redirect(**values))


def code_from_redirect(
    query: str, expected_state: str
) -> Result[str, InvalidInput | BoxRefused | StateMismatch]:
    """The authorization code, if and only if the state matches and no error came back.

    A missing or different state is a ``StateMismatch`` (a possible login
    CSRF), checked before anything else in the redirect is believed. An
    ``error`` is a ``BoxRefused`` marked ``redirect``: ``access_denied`` reads
    "the user denied access".
    """
    parsed = parse_redirect_query(query)
    if not isinstance(parsed, Success):
        return Failure(parsed.failure())
    redirect = parsed.unwrap()
    if redirect.state is None or redirect.state == "":
        return Failure(StateMismatch("is missing"))
    if not state_matches(expected_state, redirect.state):
        return Failure(StateMismatch("does not match the one this sign-in sent"))
    if redirect.error is not None:
        error = clean_text(redirect.error, 64)
        return Failure(
            BoxRefused(
                kind=kind_of(error),
                status=302,
                error=error,
                description=clean_text(redirect.error_description or ""),
                redirect=True,
            )
        )
    if not redirect.code:
        return Failure(InvalidInput("code", "is missing from the redirect"))
    return Success(redirect.code)


@dataclass(frozen=True, slots=True, repr=False)
class PendingState(Redacted):
    """One state an app sent to the authorize URL, and what went with it.

    The state is kept out of repr: whoever knows a live state can forge the
    redirect it protects.
    """

    state: str = secret_field()
    redirect_uri: str | None = None
    issued_at: float = 0.0


@dataclass(frozen=True, slots=True, repr=False)
class PendingStates(Redacted):
    """The states issued and not yet used, as one immutable value.

    - ``add`` remembers a state (dropping the oldest past ``MAX_PENDING_STATES``);
    - ``take`` finds the received state, removes it (single use) and returns it;
    - a state expires ``STATE_LIFETIME`` seconds after it was issued: it is
      live while ``0 <= now - issued_at < STATE_LIFETIME``, so a clock that
      went backwards past the issue time also retires it (pass a monotonic
      clock);
    - ``take`` compares the received state with every live entry, with
      ``hmac.compare_digest`` and no early exit, so its timing says nothing
      about which entry (if any) matched, or how much of it.
    """

    entries: tuple[PendingState, ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    def live(self, now: float) -> PendingStates:
        """This value without the expired entries."""
        if not _is_clock(now):
            return PendingStates()
        return PendingStates(tuple(e for e in self.entries if _is_live(e, now)))

    def add(
        self, state: str, redirect_uri: str | None, now: float
    ) -> Result[PendingStates, InvalidInput]:
        """A new value that also remembers ``state``; a state given again is renewed."""
        checked = _text(state, "state")
        if not isinstance(checked, Success):
            return Failure(checked.failure())
        if not MIN_STATE <= len(state) <= MAX_STATE:
            return Failure(InvalidInput("state", f"must be {MIN_STATE} to {MAX_STATE} characters"))
        if redirect_uri is not None and not isinstance(
            _text(redirect_uri, "redirect_uri"), Success
        ):
            return Failure(InvalidInput("redirect_uri", "must be a string or None"))
        if not _is_clock(now):
            return Failure(InvalidInput("now", "must be a finite clock reading"))
        kept = tuple(e for e in self.live(now).entries if not state_matches(e.state, state))
        entries = (*kept, PendingState(state, redirect_uri, float(now)))
        return Success(PendingStates(entries[-MAX_PENDING_STATES:]))

    def take(self, received: object, now: float) -> tuple[PendingStates, PendingState | None]:
        """(the value without the match and without expired entries, the match or None).

        Every live entry is compared, whatever matched first.
        """
        remaining = self.live(now)
        found: PendingState | None = None
        kept: list[PendingState] = []
        for entry in remaining.entries:
            # No break: the loop does the same work wherever the match is.
            if _equal(entry.state, received) and found is None:
                found = entry
            else:
                kept.append(entry)
        return PendingStates(tuple(kept)), found


def _equal(expected: str, received: object) -> bool:
    """The comparison ``take`` makes for every entry (a seam for the property tests)."""
    return state_matches(expected, received)


def _is_clock(now: object) -> bool:
    if not is_real_number(now) or not isinstance(now, int | float):
        return False
    return abs(now) <= MAX_CLOCK


def _is_live(entry: PendingState, now: float) -> bool:
    return 0 <= now - entry.issued_at < STATE_LIFETIME
