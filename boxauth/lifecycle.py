"""When to use the stored token, fetch a new one, refresh, or give up.

Theory of operation
-------------------
The shell (an auth object in ``boxauth.adapters``) owns the storage, the clock,
the lock and the network. This module owns every *decision*, as two literal
tables, in the manner of h11's ``_state.py``:

1. ``ACTIONS[(renewal, freshness)]``: given what the storage holds *now*, what
   to do. ``freshness`` comes from the clock and the refresh margin;
   ``renewal`` is how this kind of auth can get a replacement:
   a new grant (JWT, CCG), the stored refresh token (OAuth), or not at all
   (developer tokens, downscoped tokens, OAuth with no refresh token).

2. ``TRANSITIONS[phase][event]``: the shell's loop. It feeds ``Wanted`` (a
   token is needed), and when that starts a renewal, exactly one of
   ``Succeeded`` / ``Failed`` carrying the renewal's ticket. ``Revoked`` may
   come at any time. An event that is illegal in the current phase (a second
   ``Wanted`` mid-renewal, a result with a stale ticket) is refused and the
   machine is left unchanged, so an old renewal's answer can never overwrite a
   newer token.

Rules (Box: protocol notes §5; ours where Box is silent):
- A token is renewed ``margin`` seconds before it expires (default 60 s,
  JAVALEG's figure), but never earlier than half-way through its life, so a
  short-lived token does not trigger a renewal on every call.
- A token is *never* handed out at or after ``expires_at``.
- A token with unknown expiry (built by the user, e.g. the guide's
  ``AccessToken(accessToken=..., refreshToken=...)``) is used as is; the API's
  401 is then the signal, and the client refreshes once.
- If an early renewal fails while the old token is still valid, the old token
  is used (the failure is reported to the shell for logging); a renewal the
  caller forced (``refresh_token()``) reports the failure instead.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from returns.result import Failure, Result, Success

from .access_token import MAX_TIME, AccessToken
from .errors import AuthError, InvalidInput, ReauthRequired, is_real_number, malformed

DEFAULT_MARGIN = 60.0


class AuthKind(enum.Enum):
    DEVELOPER = "developer"
    JWT = "jwt"
    CCG = "ccg"
    OAUTH = "oauth"

    def __repr__(self) -> str:
        return f"AuthKind.{self.name}"


class Freshness(enum.Enum):
    ABSENT = "absent"
    FRESH = "fresh"
    STALE = "stale"  # still valid, inside the refresh margin
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # valid as far as we know: no expiry recorded

    def __repr__(self) -> str:
        return f"Freshness.{self.name}"


class Renewal(enum.Enum):
    GRANT = "grant"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105  # nosec B105
    NONE = "none"

    def __repr__(self) -> str:
        return f"Renewal.{self.name}"


class Act(enum.Enum):
    USE = "use"
    FETCH = "fetch"
    REFRESH = "refresh"
    REAUTH = "reauth"

    def __repr__(self) -> str:
        return f"Act.{self.name}"


ACTIONS: dict[tuple[Renewal, Freshness], Act] = {
    (Renewal.GRANT, Freshness.ABSENT): Act.FETCH,
    (Renewal.GRANT, Freshness.FRESH): Act.USE,
    (Renewal.GRANT, Freshness.STALE): Act.FETCH,
    (Renewal.GRANT, Freshness.EXPIRED): Act.FETCH,
    (Renewal.GRANT, Freshness.UNKNOWN): Act.USE,
    # A stored refresh token with no access token (restored by the user): refresh.
    (Renewal.REFRESH_TOKEN, Freshness.ABSENT): Act.REFRESH,
    (Renewal.REFRESH_TOKEN, Freshness.FRESH): Act.USE,
    (Renewal.REFRESH_TOKEN, Freshness.STALE): Act.REFRESH,
    (Renewal.REFRESH_TOKEN, Freshness.EXPIRED): Act.REFRESH,
    (Renewal.REFRESH_TOKEN, Freshness.UNKNOWN): Act.USE,
    (Renewal.NONE, Freshness.ABSENT): Act.REAUTH,
    (Renewal.NONE, Freshness.FRESH): Act.USE,
    (Renewal.NONE, Freshness.STALE): Act.USE,
    (Renewal.NONE, Freshness.EXPIRED): Act.REAUTH,
    (Renewal.NONE, Freshness.UNKNOWN): Act.USE,
}

# What a forced renewal (the caller's refresh_token()) does, by renewal means.
FORCED: dict[Renewal, Act] = {
    Renewal.GRANT: Act.FETCH,
    Renewal.REFRESH_TOKEN: Act.REFRESH,
    Renewal.NONE: Act.REAUTH,
}


def renewal_of(kind: AuthKind, token: AccessToken | None) -> Renewal:
    """How a replacement for ``token`` can be had."""
    if kind in (AuthKind.JWT, AuthKind.CCG):
        return Renewal.GRANT
    if kind is AuthKind.OAUTH and token is not None and token.refresh_token:
        return Renewal.REFRESH_TOKEN
    return Renewal.NONE


def _time_ok(value: object) -> bool:
    """A usable time or duration: a real number within ±2**53 (no overflow in arithmetic)."""
    return is_real_number(value) and abs(value) <= MAX_TIME  # type: ignore[arg-type]


def renew_at(token: AccessToken, margin: float) -> float | None:
    """The moment renewal starts: ``expires_at - min(margin, lifetime / 2)``."""
    if token.expires_at is None:
        return None
    early = margin
    if _time_ok(token.expires_in) and token.expires_in is not None and token.expires_in > 0:
        early = min(margin, token.expires_in / 2)
    return token.expires_at - early


def freshness(token: AccessToken | None, now: float, margin: float) -> Freshness:
    """Classify ``token`` at ``now``. Comparisons: expired iff ``now >= expires_at``."""
    if token is None or not token.access_token:
        return Freshness.ABSENT
    if token.expires_at is None:
        return Freshness.UNKNOWN
    if not _time_ok(token.expires_at) or not _time_ok(now) or now >= token.expires_at:
        # Fail closed: an expiry that is NaN, infinite or not a number (a user's
        # storage can return anything) never makes a token usable.
        return Freshness.EXPIRED
    start = renew_at(token, margin)
    if start is not None and now >= start:
        return Freshness.STALE
    return Freshness.FRESH


def usable(token: AccessToken | None, now: float) -> bool:
    """May this token be sent at ``now``? Never at or after its expiry."""
    return freshness(token, now, 0.0) not in (Freshness.ABSENT, Freshness.EXPIRED)


def decide(kind: AuthKind, token: AccessToken | None, now: float, margin: float) -> Act:
    """The whole decision for "a token is wanted at ``now``"."""
    return ACTIONS[(renewal_of(kind, token), freshness(token, now, margin))]


def fresh_until(kind: AuthKind, token: AccessToken | None, margin: float) -> float | None:
    """Until when (exclusive) ``decide`` keeps answering USE for this token.

    Lets a shell skip its locks while the answer cannot change: for every
    ``now < fresh_until(...)``, ``decide(kind, token, now, margin) is Act.USE``.
    None means "ask ``decide`` every time" (no token, or no expiry recorded).
    """
    if token is None or not token.access_token or token.expires_at is None:
        return None
    if renewal_of(kind, token) is Renewal.NONE:
        return token.expires_at
    return renew_at(token, margin)


def tokens_to_revoke(*held: AccessToken | None) -> tuple[str, ...]:
    """Every distinct credential to revoke, in order (protocol notes §6).

    Box revokes a pair from either half, so one per record: its access token,
    else its refresh token. The shell passes every record it holds (the stored
    one and one the storage failed to save), so no live pair survives a revoke.
    """
    out: list[str] = []
    for token in held:
        if token is None:
            continue
        secret = token.access_token or token.refresh_token
        if secret and secret not in out:
            out.append(secret)
    return tuple(out)


def check_margin(margin: object) -> Result[float, InvalidInput]:
    if isinstance(margin, bool) or not isinstance(margin, int | float):
        return Failure(InvalidInput("refresh_margin", "must be a number of seconds"))
    if not is_real_number(margin) or not 0 <= margin <= 86_400:
        return Failure(InvalidInput("refresh_margin", "must be between 0 and 86400 seconds"))
    return Success(float(margin))


# ---------------------------------------------------------------------------
# The event machine the shell drives.


class Phase(enum.Enum):
    IDLE = "idle"
    RENEWING = "renewing"

    def __repr__(self) -> str:
        return f"Phase.{self.name}"


@dataclass(frozen=True, slots=True)
class Wanted:
    token: AccessToken | None  # what the storage holds right now
    now: float
    forced: bool = False
    # With ``forced``: renew only if the storage still holds this token. A
    # caller that saw it rejected (an API 401) must not renew a token another
    # thread already replaced (PYLEG's rule; protocol notes §5).
    replacing: AccessToken | None = None


@dataclass(frozen=True, slots=True)
class Succeeded:
    ticket: int
    token: AccessToken
    now: float


@dataclass(frozen=True, slots=True)
class Failed:
    ticket: int
    error: AuthError
    previous: AccessToken | None  # what the storage held when renewal started
    now: float


@dataclass(frozen=True, slots=True)
class Revoked:
    pass


Event = Wanted | Succeeded | Failed | Revoked


@dataclass(frozen=True, slots=True)
class Use:
    token: AccessToken
    # Set when an early renewal failed and the still-valid old token is used.
    renewal_error: AuthError | None = None


@dataclass(frozen=True, slots=True)
class Fetch:
    ticket: int


@dataclass(frozen=True, slots=True)
class Refresh:
    ticket: int
    token: AccessToken  # holds the refresh token to spend


@dataclass(frozen=True, slots=True)
class StoreAndUse:
    token: AccessToken


@dataclass(frozen=True, slots=True)
class StoreAndFail:
    """Keep ``token`` (its refresh token is live) but report ``error``."""

    token: AccessToken
    error: AuthError


@dataclass(frozen=True, slots=True)
class Fail:
    error: AuthError


@dataclass(frozen=True, slots=True)
class Clear:
    pass


Action = Use | Fetch | Refresh | StoreAndUse | StoreAndFail | Fail | Clear


@dataclass(frozen=True, slots=True)
class Machine:
    kind: AuthKind
    margin: float = DEFAULT_MARGIN
    phase: Phase = Phase.IDLE
    ticket: int = 0
    # The renewal in flight was asked for by the caller (refresh_token()).
    forced: bool = False


@dataclass(frozen=True, slots=True)
class IllegalEvent:
    """The shell fed an event the current phase does not accept (a shell bug)."""

    phase: Phase
    event: str


_REAUTH_REASONS = {
    AuthKind.DEVELOPER: "developer tokens cannot be refreshed; create a new one",
    AuthKind.OAUTH: "no valid OAuth token or refresh token; the user must authorize again",
    AuthKind.JWT: "the token cannot be renewed",
    AuthKind.CCG: "the token cannot be renewed",
}


def _on_wanted(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    renewal = renewal_of(m.kind, e.token)
    superseded = e.replacing is not None and (
        e.token is None or e.token.access_token != e.replacing.access_token
    )
    if e.forced and not superseded:
        act = FORCED[renewal]
    else:
        act = decide(m.kind, e.token, e.now, m.margin)
    if act is Act.USE and e.token is not None:
        return m, Use(e.token)
    started = replace(m, phase=Phase.RENEWING, ticket=m.ticket + 1, forced=e.forced)
    if act is Act.FETCH:
        return started, Fetch(started.ticket)
    if act is Act.REFRESH and e.token is not None:
        return started, Refresh(started.ticket, e.token)
    reason = _REAUTH_REASONS[m.kind]
    if m.kind is AuthKind.DEVELOPER and e.token is not None and e.token.is_restricted:
        reason = "downscoped tokens cannot be refreshed; downscope a fresh parent token"
    return m, Fail(ReauthRequired(reason))


def _on_succeeded(m: Machine, e: Succeeded) -> tuple[Machine, Action]:
    idle = replace(m, phase=Phase.IDLE, forced=False)
    if not usable(e.token, e.now):
        error = malformed("the new token was already expired when it arrived")
        if e.token.refresh_token:
            # Box has already spent the old refresh token; the new one is the
            # only live credential left (e.g. the clock jumped mid-call). Keep it.
            return idle, StoreAndFail(e.token, error)
        return idle, Fail(error)
    return idle, StoreAndUse(e.token)


def _on_failed(m: Machine, e: Failed) -> tuple[Machine, Action]:
    idle = replace(m, phase=Phase.IDLE, forced=False)
    if not m.forced and e.previous is not None and usable(e.previous, e.now):
        return idle, Use(e.previous, renewal_error=e.error)
    return idle, Fail(e.error)


def _on_revoked(m: Machine, _: Revoked) -> tuple[Machine, Action]:
    # Bumping the ticket voids any renewal in flight: its answer must not
    # resurrect a token the user just revoked.
    return replace(m, phase=Phase.IDLE, ticket=m.ticket + 1, forced=False), Clear()


# phase -> the events it accepts. Anything else is illegal (h11's rule).
TRANSITIONS: dict[Phase, frozenset[type]] = {
    Phase.IDLE: frozenset({Wanted, Revoked}),
    Phase.RENEWING: frozenset({Succeeded, Failed, Revoked}),
}


def step(m: Machine, event: Event) -> Result[tuple[Machine, Action], IllegalEvent]:
    """Apply one event. Illegal pairs and stale tickets leave ``m`` unchanged."""
    if type(event) not in TRANSITIONS[m.phase]:
        return Failure(IllegalEvent(m.phase, type(event).__name__))
    match event:
        case Wanted():
            return Success(_on_wanted(m, event))
        case Revoked():
            return Success(_on_revoked(m, event))
        case Succeeded() | Failed() if event.ticket != m.ticket:
            return Failure(IllegalEvent(m.phase, f"{type(event).__name__} with a stale ticket"))
        case Succeeded():
            return Success(_on_succeeded(m, event))
        case Failed():
            return Success(_on_failed(m, event))
