"""Every decision about an auth object's token, as two literal tables.

Theory of operation
-------------------
An auth object (``boxauth.adapters.auth``) owns the storage, the clock, the
locks and the network. This module owns every *decision*, in the manner of
h11's ``_state.py``. The auth object runs one short loop per public call:

    take the locks; read the storage; feed an event; carry out the action;
    feed back its outcome as the next event; ... until the action is terminal
    (``Use``, ``Fail`` or ``Done``).

Everything the auth object remembers between calls lives in one immutable
``Machine`` value, swapped whole: the phase, the renewal ticket, a renewed
token the storage failed to save, the credentials revoked at Box that the
storage failed to forget, the clock skew Box taught us, and the lock-free
fast path (``fresh``). Nothing else carries state, so nothing else decides.

Two tables:

1. ``ACTIONS[(renewal, freshness)]``: what to do for "a token is wanted",
   given what the storage holds now. ``freshness`` comes from the clock and
   the refresh margin; ``renewal`` is how this kind of auth gets a
   replacement: a new grant (JWT, CCG), the stored refresh token (OAuth), or
   not at all (developer and downscoped tokens, OAuth with no refresh token).

2. ``TRANSITIONS[(phase, event)]``: rows ``(guard, next phase, do)``, tried in
   order; the first row whose guard holds is taken. Guards (``Guard``) and
   what each ``Do`` builds are small named functions below the table. A pair
   with no row is illegal (h11's rule): ``step`` refuses it and leaves the
   machine unchanged. So does a renewal result whose ticket is not the
   current one, so an old renewal's answer can never overwrite a newer token.

Rules (Box's where Box has one; ours, defensive, where Box is silent):
- A token is renewed ``margin`` seconds before it expires (default 60 s), but
  never earlier than half-way through its life. A token is *never* handed out
  at or after its expiry. A token with no recorded expiry (built by the user)
  is used until the API answers 401.
- A token is used only by the identity that owns it (``boxauth.identity``);
  another identity's token reads as no token, and replacing it logs a warning.
  Another identity's sign-in (a stored refresh token of another app) is never
  replaced: a renewal and a sign-in both fail before sending anything, since
  that refresh token may be the only live one and replacing it would strand
  it, unrevoked, with no one holding it.
- If an early renewal fails while the old token is still valid, the old token
  is used and the failure becomes a warning; a renewal the caller forced
  (``refresh_token()``) reports the failure. A forced renewal for a token that
  someone already replaced is no longer forced: the replacement is used.
- A renewed token is handed out only after the storage took it, or, if the
  storage refused it, kept in memory as ``unsaved``, used, and saved again on
  the next call. If by then the storage holds something other than what the
  unsaved token replaced, another process wrote a newer record: theirs wins.
  A sign-in (code exchange) whose save failed is reported as failed, and its
  tokens are still kept and saved again.
- A refresh token Box refuses (``invalid_grant``: spent or revoked, RFC 6749
  §5.2) is dropped from the storage, keeping the rest of the token, so no
  process sends it again: the caller gets ``ReauthRequired`` (or, unforced,
  the still-valid access token until it expires), and every other process
  reads a token without a refresh token and needs a sign-in without asking
  Box. A storage with a compare-and-set refuses the drop if another process
  stored a newer token meanwhile; that token is then used (``ReadAgain``).
- Box may answer a refresh with a usable refresh token and an unusable rest
  (``Salvaged``): the old refresh token is spent, so the new one is stored
  (without an access token) and the answer is reported as malformed.
- A refresh token is never spent when the storage says it cannot save the
  answer (a token file on a read-only file system): the caller keeps using a
  still-valid token, with a warning, or gets the storage failure.
- Revoking revokes every refresh token held, and each access token while it
  is unexpired (Box revokes a pair from either half, https://developer.box.com/
  guides/authentication/tokens/revoke/; that the other half dies too is
  UNCONFIRMED, so we send both). Credentials Box confirmed revoked are never
  handed out again, even if the storage fails to forget them; one whose revoke
  failed or was interrupted is sent again by the next revoke.
- Whatever ends a call (an exception, Ctrl-C, a gevent timeout), the auth
  object feeds ``Abandoned``: the machine returns to idle, a token that was
  being saved is kept as unsaved, and the renewal's answer, if it ever comes,
  is refused (stale ticket).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from returns.result import Failure, Result, Success

from .access_token import MAX_TIME, AccessToken, check_token
from .errors import (
    AuthError,
    BoxRefused,
    ErrorKind,
    InvalidInput,
    ReauthRequired,
    StorageFailure,
    StorageFailureKind,
    is_real_number,
    malformed,
)
from .identity import Owner, owns
from .redaction import Redacted, secret_field

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


# Table 1: what "a token is wanted" means, by how a replacement can be had
# and how fresh the stored token is.
ACTIONS: dict[tuple[Renewal, Freshness], Act] = {
    (Renewal.GRANT, Freshness.ABSENT): Act.FETCH,
    (Renewal.GRANT, Freshness.FRESH): Act.USE,
    (Renewal.GRANT, Freshness.STALE): Act.FETCH,
    (Renewal.GRANT, Freshness.EXPIRED): Act.FETCH,
    (Renewal.GRANT, Freshness.UNKNOWN): Act.USE,
    # A stored refresh token with no access token (restored by the user, or
    # salvaged from a malformed answer): refresh.
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

    For every ``now < fresh_until(...)``, ``decide(kind, token, now, margin) is
    Act.USE``. None means "ask ``decide`` every time" (no token, or no expiry).
    """
    if token is None or not token.access_token or token.expires_at is None:
        return None
    if renewal_of(kind, token) is Renewal.NONE:
        return token.expires_at
    return renew_at(token, margin)


def tokens_to_revoke(now: float, *held: AccessToken | None) -> tuple[str, ...]:
    """Every credential to revoke at Box, refresh tokens first, without repeats.

    The refresh token is the long-lived credential, so it always goes; an
    access token goes too while it is unexpired (after expiry it is dead
    anyway, and revoking only it could leave its refresh token live).
    """
    out: list[str] = []
    for token in held:
        if token is not None and token.refresh_token and token.refresh_token not in out:
            out.append(token.refresh_token)
    for token in held:
        access = token.access_token if token is not None else None
        if access and usable(token, now) and access not in out:
            out.append(access)
    return tuple(out)


def check_margin(margin: object) -> Result[float, InvalidInput]:
    if isinstance(margin, bool) or not isinstance(margin, int | float):
        return Failure(InvalidInput("refresh_margin", "must be a number of seconds"))
    if not is_real_number(margin) or not 0 <= margin <= 86_400:
        return Failure(InvalidInput("refresh_margin", "must be between 0 and 86400 seconds"))
    return Success(float(margin))


# ---------------------------------------------------------------------------
# The machine.


class Phase(enum.Enum):
    IDLE = "idle"
    RENEWING = "renewing"  # a grant, refresh or code exchange is in flight
    STORING = "storing"  # a token is being saved
    REVOKING = "revoking"  # credentials are being revoked at Box, one by one
    CLEARING = "clearing"  # the storage is being cleared after a revoke

    def __repr__(self) -> str:
        return f"Phase.{self.name}"


class Purpose(enum.Enum):
    """What the public call in progress is for."""

    RETRIEVE = "retrieve"
    SIGN_IN = "sign_in"
    REVOKE = "revoke"

    def __repr__(self) -> str:
        return f"Purpose.{self.name}"


class Level(enum.Enum):
    DEBUG = "debug"
    WARNING = "warning"
    ERROR = "error"

    def __repr__(self) -> str:
        return f"Level.{self.name}"


@dataclass(frozen=True, slots=True)
class Note:
    """Something the auth object should log. Never holds a secret."""

    level: Level
    text: str


@dataclass(frozen=True, slots=True)
class Unsaved:
    """A renewed token the storage refused, and what the storage held before it."""

    token: AccessToken
    replaced: AccessToken | None


@dataclass(frozen=True, slots=True)
class Fresh:
    """The lock-free fast path: ``token`` may be handed out until ``until`` (exclusive)."""

    token: AccessToken
    until: float


@dataclass(frozen=True, slots=True, repr=False)
class Machine(Redacted):
    """Everything an auth object remembers between calls. Swapped whole, never edited."""

    kind: AuthKind
    margin: float = DEFAULT_MARGIN
    owner: Owner | None = None
    phase: Phase = Phase.IDLE
    ticket: int = 0
    purpose: Purpose = Purpose.RETRIEVE
    # The renewal in flight was forced by the caller (refresh_token()).
    forced: bool = False
    # What the storage held when the call began: as read, and if this identity
    # may use it. ``stored_raw`` is what an unsaved token replaced.
    stored_raw: AccessToken | None = None
    previous: AccessToken | None = None
    # STORING: the token being saved, and the error to report once it is saved.
    pending: AccessToken | None = None
    failing: AuthError | None = None
    # REVOKING: credentials still to revoke in this call, and those done.
    to_revoke: tuple[str, ...] = secret_field(default=())
    revoked_now: tuple[str, ...] = secret_field(default=())
    unsaved: Unsaved | None = None
    # Revoked at Box, but maybe still in the storage: never handed out again.
    revoked: frozenset[str] = secret_field(default=frozenset())
    # Box's clock minus ours, learned from a JWT 'exp' error (JWT only).
    skew: float = 0.0
    fresh: Fresh | None = None


# -- events: what the auth object feeds in ------------------------------------------


@dataclass(frozen=True, slots=True)
class Wanted:
    """A token is wanted. ``stored`` is what the storage returned (or why it could not)."""

    stored: Result[AccessToken | None, AuthError]
    now: float
    forced: bool = False
    # With ``forced``: renew only if the storage still holds this token. A
    # caller that saw it rejected (an API 401) must not renew a token another
    # thread already replaced (the legacy SDK's rule, box-python-sdk
    # boxsdk/auth/oauth2.py refresh()).
    replacing: AccessToken | None = None
    # Can the storage save what a renewal brings? (``TokenStorage.writable``:
    # a token file on a read-only filesystem cannot.) A single-use refresh
    # token is never spent when the answer could not be kept.
    savable: bool = True


@dataclass(frozen=True, slots=True)
class SignInWanted:
    """An authorization code is to be exchanged (the auth object holds the code)."""

    stored: Result[AccessToken | None, AuthError]
    now: float


@dataclass(frozen=True, slots=True)
class RevokeWanted:
    stored: Result[AccessToken | None, AuthError]
    now: float


@dataclass(frozen=True, slots=True)
class Succeeded:
    ticket: int
    token: AccessToken
    now: float
    skew: float | None = None


@dataclass(frozen=True, slots=True)
class Salvaged:
    """A 200 whose only usable part is a refresh token (``token`` holds just that)."""

    ticket: int
    token: AccessToken
    error: AuthError
    skew: float | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    ticket: int
    error: AuthError
    now: float
    skew: float | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """The storage took the token, at ``now`` (None: the clock was not read)."""

    now: float | None = None


@dataclass(frozen=True, slots=True)
class StoreFailed:
    error: AuthError
    now: float | None = None


@dataclass(frozen=True, slots=True)
class RevokeDone:
    pass


@dataclass(frozen=True, slots=True)
class RevokeFailed:
    error: AuthError


@dataclass(frozen=True, slots=True)
class Cleared:
    pass


@dataclass(frozen=True, slots=True)
class ClearFailed:
    error: AuthError


@dataclass(frozen=True, slots=True)
class Abandoned:
    """The call ended by an exception while the machine was not idle.

    ``stored``: what the storage held when it ended, if the auth object could
    read it (still under its locks). It tells whether a save that was under way
    landed, so a token already saved is not kept as unsaved (and never saved
    again after someone else revoked it and cleared the storage).
    """

    stored: Result[AccessToken | None, AuthError] | None = None


Event = (
    Wanted
    | SignInWanted
    | RevokeWanted
    | Succeeded
    | Salvaged
    | Failed
    | Stored
    | StoreFailed
    | RevokeDone
    | RevokeFailed
    | Cleared
    | ClearFailed
    | Abandoned
)

EVENT_TYPES = (
    Wanted,
    SignInWanted,
    RevokeWanted,
    Succeeded,
    Salvaged,
    Failed,
    Stored,
    StoreFailed,
    RevokeDone,
    RevokeFailed,
    Cleared,
    ClearFailed,
    Abandoned,
)

# -- actions: what the auth object carries out ----------------------------------------


@dataclass(frozen=True, slots=True)
class Use:
    """Terminal: hand out ``token``."""

    token: AccessToken
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Fail:
    """Terminal: report ``error``."""

    error: AuthError
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Done:
    """Terminal: the revoke finished."""

    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Fetch:
    """Get a new token by this auth's grant (JWT, CCG); answer with the ticket."""

    ticket: int
    skew: float = 0.0
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class Refresh(Redacted):
    """Spend ``refresh_token`` for a new pair; answer with the ticket."""

    ticket: int
    refresh_token: str = secret_field()
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class ExchangeCode:
    """Exchange the authorization code the auth object holds; answer with the ticket."""

    ticket: int
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Store:
    token: AccessToken
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True, repr=False)
class RevokeAt(Redacted):
    """Revoke one credential at Box; answer RevokeDone or RevokeFailed."""

    credential: str = secret_field()


@dataclass(frozen=True, slots=True)
class Clear:
    pass


@dataclass(frozen=True, slots=True)
class ReadAgain:
    """Read the storage again and feed ``Wanted`` (a newer token was stored meanwhile)."""

    notes: tuple[Note, ...] = ()


Action = Use | Fail | Done | Fetch | Refresh | ExchangeCode | Store | RevokeAt | Clear | ReadAgain


@dataclass(frozen=True, slots=True)
class IllegalEvent:
    """The auth object fed an event the current phase does not accept (its bug)."""

    phase: Phase
    event: str


# -- the table ----------------------------------------------------------------------


class Guard(enum.Enum):
    """The conditions rows name; each is one small function in ``GUARDS``."""

    ALWAYS = "always"
    READ_FAILED = "the storage could not be read"
    UNSAVED_TO_USE = "the unsaved token is current (storage holds what it replaced), usable"
    ACT_USE = "ACTIONS (or FORCED) says use"
    FOREIGN_SIGN_IN = "the storage holds another identity's refresh token (a live sign-in)"
    ACT_FETCH = "ACTIONS (or FORCED) says fetch"
    ACT_REFRESH = "ACTIONS (or FORCED) says refresh"
    REFRESH_UNSAVABLE = "ACTIONS (or FORCED) says refresh, but the storage cannot save"
    STORAGE_NOT_OURS = "the storage holds another identity's token"
    NOTHING_TO_REVOKE = "no credential of this identity is held"
    ARRIVED_USABLE = "the new token is usable now"
    ARRIVED_DEAD_WITH_REFRESH = "the new token expired on arrival but carries a refresh token"
    OLD_TOKEN_USABLE = "the renewal was not forced and the old token is still usable"  # noqa: S105  # nosec B105
    REPORT_AFTER_STORE = "an error is to be reported once the token is saved"
    SUPERSEDED = "the storage refused the token: a newer one was stored meanwhile"
    EXPIRED_WHILE_SAVING = "the token being saved is no longer usable now (the clock moved)"
    SIGNING_IN = "the call is a sign-in"
    MORE_TO_REVOKE = "credentials are left to revoke"
    PAIR_ALREADY_REVOKED = "a refresh token was revoked in this call, and Box refused the rest"
    REFRESH_REFUSED = "Box refused the stored refresh token (invalid_grant)"

    def __repr__(self) -> str:
        return f"Guard.{self.name}"


class Do(enum.Enum):
    """What a row does; each is one small function in ``BUILD``."""

    FAIL_READ = "fail: the storage could not be read"
    STORE_UNSAVED = "save the unsaved token again, then use it"
    USE = "use the stored token"
    FAIL_FOREIGN = "fail: never overwrite another identity's sign-in"
    FETCH = "start a grant"
    REFRESH = "start a refresh"
    KEEP_REFRESH_TOKEN = "do not spend the refresh token: use the old token if valid, else fail"  # noqa: S105  # nosec B105
    REAUTH = "fail: re-authentication required"
    EXCHANGE = "start the code exchange"
    LEAVE_FOREIGN = "fail: the storage holds another identity's token (left alone, nothing revoked)"
    CLEAR = "clear the storage"
    REVOKE_NEXT = "revoke the next credential"
    STORE_NEW = "save the new token"
    STORE_THEN_FAIL = "save the new token, then report the error"
    FAIL_DEAD_ON_ARRIVAL = "fail: the new token was expired on arrival"
    USE_OLD = "use the old token and warn about the failed renewal"
    DROP_REFRESH_TOKEN = "save the token without its refused refresh token"  # noqa: S105  # nosec B105
    FAIL = "fail with the event's error"
    USE_SAVED = "use the token just saved"
    FAIL_AFTER_STORE = "report the error kept for after the save"
    FAIL_SAVE = "fail: the sign-in's tokens could not be saved (kept in memory)"
    ADOPT_NEWER = "drop the new token; read the storage again and use the newer one"
    DECIDE_AGAIN = "read the storage again and decide anew (the saved token expired meanwhile)"
    USE_UNSAVED = "use the token the storage refused, and keep it to save again"
    CLEAR_AFTER_PAIR = "clear the storage: Box refused only what the pair's revoke killed"
    DONE = "the revoke is done"
    FAIL_CLEAR = "fail: revoked at Box, but the storage could not be cleared"
    ABANDON = "back to idle; a token being saved is kept as unsaved"

    def __repr__(self) -> str:
        return f"Do.{self.name}"


Row = tuple[Guard, Phase, Do]
IDLE, RENEWING, STORING = Phase.IDLE, Phase.RENEWING, Phase.STORING
REVOKING, CLEARING = Phase.REVOKING, Phase.CLEARING
_ABANDON: tuple[Row, ...] = ((Guard.ALWAYS, IDLE, Do.ABANDON),)

# Table 2: (phase, event) -> rows (guard, next phase, do), tried in order.
TRANSITIONS: dict[tuple[Phase, type], tuple[Row, ...]] = {
    (IDLE, Wanted): (
        (Guard.READ_FAILED, IDLE, Do.FAIL_READ),
        (Guard.UNSAVED_TO_USE, STORING, Do.STORE_UNSAVED),
        (Guard.ACT_USE, IDLE, Do.USE),
        (Guard.FOREIGN_SIGN_IN, IDLE, Do.FAIL_FOREIGN),
        (Guard.ACT_FETCH, RENEWING, Do.FETCH),
        (Guard.REFRESH_UNSAVABLE, IDLE, Do.KEEP_REFRESH_TOKEN),
        (Guard.ACT_REFRESH, RENEWING, Do.REFRESH),
        (Guard.ALWAYS, IDLE, Do.REAUTH),
    ),
    (IDLE, SignInWanted): (
        (Guard.READ_FAILED, IDLE, Do.FAIL_READ),
        (Guard.FOREIGN_SIGN_IN, IDLE, Do.FAIL_FOREIGN),
        (Guard.ALWAYS, RENEWING, Do.EXCHANGE),
    ),
    (IDLE, RevokeWanted): (
        (Guard.READ_FAILED, IDLE, Do.FAIL_READ),
        (Guard.STORAGE_NOT_OURS, IDLE, Do.LEAVE_FOREIGN),
        (Guard.NOTHING_TO_REVOKE, CLEARING, Do.CLEAR),
        (Guard.ALWAYS, REVOKING, Do.REVOKE_NEXT),
    ),
    (RENEWING, Succeeded): (
        (Guard.ARRIVED_USABLE, STORING, Do.STORE_NEW),
        (Guard.ARRIVED_DEAD_WITH_REFRESH, STORING, Do.STORE_THEN_FAIL),
        (Guard.ALWAYS, IDLE, Do.FAIL_DEAD_ON_ARRIVAL),
    ),
    (RENEWING, Salvaged): ((Guard.ALWAYS, STORING, Do.STORE_THEN_FAIL),),
    (RENEWING, Failed): (
        (Guard.REFRESH_REFUSED, STORING, Do.DROP_REFRESH_TOKEN),
        (Guard.OLD_TOKEN_USABLE, IDLE, Do.USE_OLD),
        (Guard.ALWAYS, IDLE, Do.FAIL),
    ),
    (STORING, Stored): (
        (Guard.REPORT_AFTER_STORE, IDLE, Do.FAIL_AFTER_STORE),
        (Guard.EXPIRED_WHILE_SAVING, IDLE, Do.DECIDE_AGAIN),
        (Guard.ALWAYS, IDLE, Do.USE_SAVED),
    ),
    (STORING, StoreFailed): (
        # A sign-in is reported whatever refused its save: the person who just
        # signed in must never be handed a token someone else stored meanwhile.
        (Guard.SIGNING_IN, IDLE, Do.FAIL_SAVE),
        (Guard.SUPERSEDED, IDLE, Do.ADOPT_NEWER),
        (Guard.REPORT_AFTER_STORE, IDLE, Do.FAIL_AFTER_STORE),
        (Guard.EXPIRED_WHILE_SAVING, IDLE, Do.DECIDE_AGAIN),
        (Guard.ALWAYS, IDLE, Do.USE_UNSAVED),
    ),
    (REVOKING, RevokeDone): (
        (Guard.MORE_TO_REVOKE, REVOKING, Do.REVOKE_NEXT),
        (Guard.ALWAYS, CLEARING, Do.CLEAR),
    ),
    (REVOKING, RevokeFailed): (
        (Guard.PAIR_ALREADY_REVOKED, CLEARING, Do.CLEAR_AFTER_PAIR),
        (Guard.ALWAYS, IDLE, Do.FAIL),
    ),
    (CLEARING, Cleared): ((Guard.ALWAYS, IDLE, Do.DONE),),
    (CLEARING, ClearFailed): ((Guard.ALWAYS, IDLE, Do.FAIL_CLEAR),),
    (RENEWING, Abandoned): _ABANDON,
    (STORING, Abandoned): _ABANDON,
    (REVOKING, Abandoned): _ABANDON,
    (CLEARING, Abandoned): _ABANDON,
}


def step(m: Machine, event: Event) -> Result[tuple[Machine, Action], IllegalEvent]:
    """Apply one event: the first row of ``TRANSITIONS`` whose guard holds.

    Illegal pairs and stale tickets leave ``m`` unchanged (a Failure), and so
    does a row whose builder broke its promised next phase (a bug here).
    """
    if not isinstance(m, Machine) or not isinstance(event, EVENT_TYPES):
        return Failure(IllegalEvent(Phase.IDLE, "not a Machine and an event"))
    rows = TRANSITIONS.get((m.phase, type(event)))
    if rows is None:
        return Failure(IllegalEvent(m.phase, type(event).__name__))
    if isinstance(event, Succeeded | Salvaged | Failed) and event.ticket != m.ticket:
        return Failure(IllegalEvent(m.phase, f"{type(event).__name__} with a stale ticket"))
    for guard, phase, do in rows:
        if GUARDS[guard](m, event):
            machine, action = BUILD[do](m, event)
            if machine.phase is not phase:
                return Failure(IllegalEvent(m.phase, f"{do.name} broke its row"))
            return Success((machine, action))
    return Failure(IllegalEvent(m.phase, f"no row for {type(event).__name__}"))


# -- guards --------------------------------------------------------------------------
# Each takes the machine and the event (typed Any: the table pairs them).


def _mine(m: Machine, token: object) -> tuple[AccessToken | None, tuple[Note, ...]]:
    """``token`` if this identity may use it, else None (with a note saying why)."""
    if token is None:
        return None, ()
    checked = check_token(token)  # its refusal is not shown: the note below says why
    if not isinstance(checked, Success):
        return None, (_warn("ignoring a malformed token from the storage"),)
    record = checked.unwrap()
    if not owns(m.owner, record.owner):
        return None, (_warn("the storage holds another identity's token; not using it"),)
    if _revoked(m, record):
        return None, ()
    return record, ()


def _raw(e: Any) -> AccessToken | None:
    """What the storage returned, if reading it worked and returned a token."""
    stored = e.stored.value_or(None)
    return stored if isinstance(stored, AccessToken) else None


def _stored(m: Machine, e: Any) -> AccessToken | None:
    return _mine(m, e.stored.value_or(None))[0]


def _current(m: Machine, e: Any) -> AccessToken | None:
    """The token to decide on: the unsaved one while the storage still holds what it
    replaced (it is newer), else the stored one (theirs win)."""
    unsaved = m.unsaved
    if unsaved is not None and e.stored.value_or(_NOTHING) == unsaved.replaced:
        return None if _revoked(m, unsaved.token) else unsaved.token
    return _stored(m, e)


_NOTHING = object()  # never equal to a stored value: a failed read matches no unsaved token


def _revoked(m: Machine, token: AccessToken) -> bool:
    """Revoked, or being revoked by the call in progress: never handed out."""
    gone = m.revoked | frozenset(m.revoked_now)
    return token.access_token in gone or token.refresh_token in gone


def _foreign(m: Machine, token: AccessToken | None) -> bool:
    return token is not None and not owns(m.owner, token.owner)


def _superseded(m: Machine, e: Wanted) -> bool:
    """The token the caller saw rejected is no longer the stored one."""
    if e.replacing is None:
        return False
    current = _current(m, e)
    rejected = getattr(e.replacing, "access_token", None)  # a caller may pass anything
    return current is None or current.access_token != rejected


def _forced(m: Machine, e: Wanted) -> bool:
    return e.forced and not _superseded(m, e)


def wanted_act(m: Machine, e: Wanted) -> Act:
    """ACTIONS for this identity's current token, or FORCED for a forced renewal."""
    token = _current(m, e)
    if _forced(m, e):
        return FORCED[renewal_of(m.kind, token)]
    return decide(m.kind, token, e.now, m.margin)


def _revocable(m: Machine, e: RevokeWanted) -> tuple[str, ...]:
    """This identity's credentials not yet known to be revoked (a retry sends the rest)."""
    unsaved = m.unsaved.token if m.unsaved is not None else None
    # The STORAGE_NOT_OURS row comes first: what the storage holds here is ours.
    return tuple(c for c in tokens_to_revoke(e.now, unsaved, _raw(e)) if c not in m.revoked)


GUARDS: dict[Guard, Callable[[Machine, Any], bool]] = {
    Guard.ALWAYS: lambda m, e: True,
    Guard.READ_FAILED: lambda m, e: not isinstance(e.stored, Success),
    Guard.UNSAVED_TO_USE: lambda m, e: (
        m.unsaved is not None and _current(m, e) is m.unsaved.token and wanted_act(m, e) is Act.USE
    ),
    Guard.ACT_USE: lambda m, e: wanted_act(m, e) is Act.USE,
    Guard.FOREIGN_SIGN_IN: lambda m, e: (
        _foreign(m, _raw(e)) and bool(getattr(_raw(e), "refresh_token", None))
    ),
    Guard.ACT_FETCH: lambda m, e: wanted_act(m, e) is Act.FETCH,
    Guard.REFRESH_UNSAVABLE: lambda m, e: e.savable is not True and wanted_act(m, e) is Act.REFRESH,
    Guard.ACT_REFRESH: lambda m, e: wanted_act(m, e) is Act.REFRESH,
    Guard.STORAGE_NOT_OURS: lambda m, e: _foreign(m, _raw(e)),
    Guard.NOTHING_TO_REVOKE: lambda m, e: not _revocable(m, e),
    Guard.ARRIVED_USABLE: lambda m, e: usable(e.token, e.now),
    Guard.ARRIVED_DEAD_WITH_REFRESH: lambda m, e: bool(e.token.refresh_token),
    Guard.OLD_TOKEN_USABLE: lambda m, e: not m.forced and usable(m.previous, e.now),
    Guard.REPORT_AFTER_STORE: lambda m, e: m.failing is not None,
    Guard.EXPIRED_WHILE_SAVING: lambda m, e: (
        e.now is not None and m.pending is not None and not usable(m.pending, e.now)
    ),
    Guard.SUPERSEDED: lambda m, e: (
        isinstance(e.error, StorageFailure) and e.error.kind is StorageFailureKind.SUPERSEDED
    ),
    Guard.SIGNING_IN: lambda m, e: m.purpose is Purpose.SIGN_IN,
    Guard.MORE_TO_REVOKE: lambda m, e: bool(m.to_revoke),
    # The refresh token is what matters: Box revokes the pair from either half,
    # and the access token expires within the hour anyway.
    Guard.REFRESH_REFUSED: lambda m, e: (
        m.kind is AuthKind.OAUTH
        and m.purpose is Purpose.RETRIEVE
        and bool(getattr(m.previous, "refresh_token", None))
        and isinstance(e.error, BoxRefused)
        and e.error.kind is ErrorKind.INVALID_GRANT
    ),
    # Only a revoke Box confirmed counts: the last credential in ``revoked_now``
    # is the one whose revoke just failed (``_confirmed``), so a refused revoke
    # of the refresh token itself never passes for a revoked pair.
    Guard.PAIR_ALREADY_REVOKED: lambda m, e: (
        any(c == getattr(m.previous, "refresh_token", None) for c in m.revoked_now[:-1])
        and isinstance(e.error, BoxRefused)
    ),
}


# -- what each Do builds -----------------------------------------------------------------


def _warn(text: str) -> Note:
    return Note(Level.WARNING, text)


def _save_failed(error: AuthError) -> Note:
    return Note(
        Level.ERROR,
        f"could not save the new token ({error.message()}); it is held only in this "
        "auth object's memory, and saved again on its next call (lost if the process "
        "ends first)",
    )


_REAUTH_REASONS = {
    AuthKind.DEVELOPER: "developer tokens cannot be refreshed; create a new one",
    AuthKind.OAUTH: "no valid OAuth token or refresh token; the user must authorize again",
    AuthKind.JWT: "the token cannot be renewed",
    AuthKind.CCG: "the token cannot be renewed",
}


def _idle(m: Machine, **changes: Any) -> Machine:
    """Back to idle: everything about the finished call is forgotten."""
    return replace(
        m,
        phase=IDLE,
        purpose=Purpose.RETRIEVE,
        forced=False,
        stored_raw=None,
        previous=None,
        pending=None,
        failing=None,
        to_revoke=(),
        revoked_now=(),
        **changes,
    )


def _remember(m: Machine, token: AccessToken) -> Fresh | None:
    until = fresh_until(m.kind, token, m.margin)
    return None if until is None else Fresh(token, until)


def _learn(m: Machine, skew: float | None) -> Machine:
    """Only JWT grants learn Box's clock (the 'exp' claim is judged on it)."""
    if m.kind is not AuthKind.JWT or skew is None or not _time_ok(skew):
        return m
    return replace(m, skew=float(skew))


def _kept_refresh(m: Machine, token: AccessToken) -> AccessToken:
    """A refresh answer without a refresh token keeps the old one (RFC 6749 §6: the
    client discards it only when a new one is issued). Box always sends a new one;
    keeping the old costs nothing, dropping a live one cannot be undone."""
    old = m.previous.refresh_token if m.previous is not None else None
    refreshing = m.kind is AuthKind.OAUTH and m.purpose is Purpose.RETRIEVE
    if refreshing and token.refresh_token is None and old:
        return replace(token, refresh_token=old)
    return token


def _owned(m: Machine, token: AccessToken) -> AccessToken:
    """Stamp a new token with this identity, keeping a known OAuth user of the old one."""
    owner = m.owner
    old = m.previous.owner if m.previous is not None else None
    # ``previous`` is this identity's (``_mine`` or our own unsaved token), so its
    # owner names the same client and subject type.
    if owner is not None and owner.subject_id is None and old is not None:
        owner = old
    return replace(token, owner=owner)


def _began(m: Machine, e: Any, phase: Phase, purpose: Purpose) -> Machine:
    """A call that needs the network or the storage has begun: remember what was read."""
    return replace(
        m,
        phase=phase,
        ticket=m.ticket + 1,
        purpose=purpose,
        stored_raw=_raw(e),
        previous=_current(m, e),
        fresh=None,
    )


def _theirs_win(m: Machine, e: Wanted) -> tuple[Machine, tuple[Note, ...]]:
    """An unsaved token whose replaced record is gone: another process wrote a newer one."""
    if m.unsaved is None or _current(m, e) is m.unsaved.token:
        return m, ()
    note = _warn("the storage holds a newer token than the one it failed to save; using it")
    return replace(m, unsaved=None), (note,)


def _do_fail_read(m: Machine, e: Any) -> tuple[Machine, Action]:
    return _idle(m), Fail(e.stored.failure())


def _do_store_unsaved(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    unsaved = m.unsaved
    if unsaved is None:  # the guard rules it out; refuse rather than guess
        return m, Fail(ReauthRequired("internal error: no unsaved token"))
    saving = replace(
        m,
        phase=STORING,
        stored_raw=unsaved.replaced,
        pending=unsaved.token,
    )
    return saving, Store(unsaved.token)


def _do_use(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    m, notes = _theirs_win(m, e)
    token = _current(m, e)
    if token is None:  # wanted_act never says USE without a token
        return m, Fail(ReauthRequired("internal error: nothing to use"))
    return _idle(m, fresh=_remember(m, token)), Use(token, notes)


def _do_fail_foreign(m: Machine, e: Wanted | SignInWanted) -> tuple[Machine, Action]:
    # A sign-in is refused here, before its code is exchanged: the code is
    # single use, but unspent it costs nothing, whereas tokens Box sent that
    # could not be stored would be stranded.
    error = StorageFailure(
        StorageFailureKind.UNTRUSTED,
        "the storage holds another identity's sign-in (a refresh token); "
        "refusing to overwrite it: use another storage for this identity",
    )
    return _idle(m), Fail(error)


def _do_fetch(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    m, notes = _theirs_win(m, e)
    started = replace(_began(m, e, RENEWING, Purpose.RETRIEVE), forced=_forced(m, e))
    return started, Fetch(started.ticket, started.skew, notes + _mine(m, _raw(e))[1])


def _do_refresh(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    m, notes = _theirs_win(m, e)
    started = replace(_began(m, e, RENEWING, Purpose.RETRIEVE), forced=_forced(m, e))
    spend = started.previous.refresh_token if started.previous is not None else None
    if not spend:  # ACT_REFRESH needs a stored refresh token
        return m, Fail(ReauthRequired("internal error: no refresh token"))
    return started, Refresh(started.ticket, spend, notes)


def _do_keep_refresh_token(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    # Box spends a refresh token when it answers (developer.box.com/guides/
    # authentication/tokens/refresh/): if the answer could not be saved, the
    # next process would hold only the spent one. An unforced call keeps
    # using a still-valid token (and warns); otherwise it fails.
    error = StorageFailure(
        StorageFailureKind.WRITE,
        "the token storage cannot be written (read-only, full, not permitted, or a file "
        "that cannot be replaced, such as a bind mount): the "
        "refresh token was not spent, since the new one could not be saved",
    )
    token = _current(m, e)
    if token is not None and usable(token, e.now) and not _forced(m, e):
        return _idle(m), Use(token, (_warn(f"{error.message()}; using the current token"),))
    return _idle(m), Fail(error)


def _do_reauth(m: Machine, e: Wanted) -> tuple[Machine, Action]:
    token = _current(m, e)
    reason = _REAUTH_REASONS[m.kind]
    if m.kind is AuthKind.DEVELOPER and token is not None and token.is_restricted:
        reason = "downscoped tokens cannot be refreshed; downscope a fresh parent token"
    return _idle(m), Fail(ReauthRequired(reason), _mine(m, _raw(e))[1])


def _do_exchange(m: Machine, e: SignInWanted) -> tuple[Machine, Action]:
    # A sign-in replaces whatever is stored (the user just chose this account),
    # an unsaved token too, once the new tokens arrive; another identity's
    # sign-in never gets here (FOREIGN_SIGN_IN). It is forced: a failed
    # exchange never falls back to an older token.
    started = replace(_began(m, e, RENEWING, Purpose.SIGN_IN), forced=True)
    over = _foreign(m, _raw(e))
    notes = (_warn("signing in over another identity's stored token"),) if over else ()
    return started, ExchangeCode(started.ticket, notes)


def _do_leave_foreign(m: Machine, e: RevokeWanted) -> tuple[Machine, Action]:
    # Never a success: the caller asked to revoke and nothing was revoked. A
    # reported success here would be false assurance after a compromise.
    error = StorageFailure(
        StorageFailureKind.UNTRUSTED,
        "the storage holds another identity's token: nothing of this identity's was "
        "revoked, and that token was left alone",
    )
    return _idle(m, fresh=None), Fail(error)


def _do_clear(m: Machine, e: Any) -> tuple[Machine, Action]:
    if isinstance(e, RevokeWanted):
        m = _began(m, e, CLEARING, Purpose.REVOKE)
    return _forget(replace(m, phase=CLEARING, to_revoke=())), Clear()


def _forget(m: Machine) -> Machine:
    """What was revoked at Box is never handed out again, whatever the storage does."""
    return replace(m, revoked=m.revoked | frozenset(m.revoked_now), unsaved=None, fresh=None)


def _do_revoke_next(m: Machine, e: Any) -> tuple[Machine, Action]:
    if isinstance(e, RevokeWanted):
        left = _revocable(m, e)
        m = _began(m, e, REVOKING, Purpose.REVOKE)
    else:
        left = m.to_revoke
    if not left:  # the guards rule it out
        return m, Fail(ReauthRequired("internal error: nothing to revoke"))
    m = replace(m, to_revoke=left[1:], revoked_now=(*m.revoked_now, left[0]))
    return m, RevokeAt(left[0])


def _saving(
    m: Machine, token: AccessToken, failing: AuthError | None, *, dropping: bool = False
) -> Machine:
    """STORING ``token``, stamped with its owner (``dropping``: its refresh token is refused)."""
    kept = token if dropping else _kept_refresh(m, token)
    return replace(m, phase=STORING, pending=_owned(m, kept), failing=failing)


def _replacing_notes(m: Machine) -> tuple[Note, ...]:
    if _foreign(m, m.stored_raw):
        return (_warn("replacing another identity's token in the storage"),)
    return ()


def _do_store_new(m: Machine, e: Succeeded) -> tuple[Machine, Action]:
    m = _saving(_learn(m, e.skew), e.token, None)
    return m, Store(m.pending or e.token, _replacing_notes(m))


def _dead_on_arrival() -> BoxRefused:
    return malformed("the new token was already expired when it arrived")


def _do_store_then_fail(m: Machine, e: Succeeded | Salvaged) -> tuple[Machine, Action]:
    error = e.error if isinstance(e, Salvaged) else _dead_on_arrival()
    m = _saving(_learn(m, e.skew), e.token, error)
    note = _warn("kept the new refresh token of an unusable answer; the next call refreshes")
    return m, Store(m.pending or e.token, (*_replacing_notes(m), note))


def _do_fail_dead(m: Machine, e: Succeeded) -> tuple[Machine, Action]:
    return _idle(_learn(m, e.skew)), Fail(_dead_on_arrival())


def _do_drop_refresh_token(m: Machine, e: Failed) -> tuple[Machine, Action]:
    old = m.previous
    if old is None:  # the guard rules it out
        return m, Fail(e.error)
    # Unforced, a still-valid access token is used until it expires; then the
    # stored token (no refresh token) says REAUTH without asking Box again.
    keep = not m.forced and usable(old, e.now)
    told = e.error.description if isinstance(e.error, BoxRefused) else ""
    said = f": {told}" if told else ""
    failing = None if keep else ReauthRequired(_REFRESH_REFUSED.format(said=said))
    # OAuth only (the guard): no clock to learn.
    m = _saving(m, replace(old, refresh_token=None), failing, dropping=True)
    note = _warn("Box refused the refresh token (invalid_grant); removed it from the storage")
    return m, Store(m.pending or old, (note,))


_REFRESH_REFUSED = (
    "Box refused the refresh token (invalid_grant{said}): it was spent or revoked; "
    "the user must authorize again"
)


def _do_use_old(m: Machine, e: Failed) -> tuple[Machine, Action]:
    old = m.previous
    if old is None:  # the guard rules it out
        return m, Fail(e.error)
    note = _warn(f"early token renewal failed; using the still-valid token: {e.error.message()}")
    return _idle(_learn(m, e.skew), fresh=None), Use(old, (note,))


def _do_fail(m: Machine, e: Failed | RevokeFailed) -> tuple[Machine, Action]:
    if isinstance(e, RevokeFailed):
        return _idle(m, revoked=_confirmed(m)), Fail(e.error)
    return _idle(_learn(m, e.skew)), Fail(e.error)


def _confirmed(m: Machine) -> frozenset[str]:
    """Revoked so far: every credential of this call but the one in flight."""
    return m.revoked | frozenset(m.revoked_now[:-1])


def _do_use_saved(m: Machine, e: Stored) -> tuple[Machine, Action]:
    token = m.pending
    if token is None:  # STORING always has a pending token
        return m, Fail(ReauthRequired("internal error: nothing was being saved"))
    return _idle(m, unsaved=None, fresh=_remember(m, token)), Use(token)


def _kept(m: Machine) -> Unsaved | None:
    return Unsaved(m.pending, m.stored_raw) if m.pending is not None else m.unsaved


def _do_fail_after_store(m: Machine, e: Stored | StoreFailed) -> tuple[Machine, Action]:
    failing = m.failing or _dead_on_arrival()
    if isinstance(e, StoreFailed):
        return _idle(m, unsaved=_kept(m), fresh=None), Fail(failing, (_save_failed(e.error),))
    return _idle(m, unsaved=None, fresh=None), Fail(failing)


def _do_fail_save(m: Machine, e: StoreFailed) -> tuple[Machine, Action]:
    # A sign-in whose answer was also unusable reports that first (as FAIL_AFTER_STORE).
    failing = m.failing or e.error
    return _idle(m, unsaved=_kept(m), fresh=None), Fail(failing, (_save_failed(e.error),))


def _do_adopt_newer(m: Machine, e: StoreFailed) -> tuple[Machine, Action]:
    # A late writer (its lease lapsed mid-renewal) never overwrites a newer
    # token: it adopts it. Nothing of ours is kept: the stored token is newer.
    note = _warn("a newer token was stored while this one was being renewed; using that one")
    return _idle(m, unsaved=None, fresh=None), ReadAgain((note,))


def _do_decide_again(m: Machine, e: Stored | StoreFailed) -> tuple[Machine, Action]:
    # Saved (or kept as unsaved), but it expired while being saved: never hand it
    # out; read again and let ACTIONS renew it.
    unsaved = _kept(m) if isinstance(e, StoreFailed) else None
    return _idle(m, unsaved=unsaved, fresh=None), ReadAgain()


def _do_use_unsaved(m: Machine, e: StoreFailed) -> tuple[Machine, Action]:
    token = m.pending
    if token is None:  # STORING always has a pending token
        return m, Fail(e.error)
    # No fast path: the storage still holds the replaced token, not this one.
    return _idle(m, unsaved=_kept(m), fresh=None), Use(token, (_save_failed(e.error),))


def _do_clear_after_pair(m: Machine, e: RevokeFailed) -> tuple[Machine, Action]:
    return _forget(replace(m, phase=CLEARING, to_revoke=())), Clear()


def _do_done(m: Machine, e: Cleared) -> tuple[Machine, Action]:
    return _idle(m), Done()


def _do_fail_clear(m: Machine, e: ClearFailed) -> tuple[Machine, Action]:
    error = e.error
    if isinstance(error, StorageFailure):
        error = replace(error, detail=f"revoked at Box, but {error.detail}")
    return _idle(m), Fail(error)


def _do_abandon(m: Machine, e: Abandoned) -> tuple[Machine, Action]:
    # The ticket moves on, so a late answer of the abandoned renewal is refused;
    # a token that was being saved is kept, so its refresh token is not lost.
    kept = _kept(m) if m.phase is STORING else m.unsaved
    landed = e.stored is not None and e.stored.value_or(_NOTHING) == m.pending
    if m.phase is STORING and landed:
        kept = None  # the save landed: nothing is left to save
    revoked = _confirmed(m) if m.phase is REVOKING else m.revoked
    gone = _idle(m, ticket=m.ticket + 1, unsaved=kept, revoked=revoked, fresh=None)
    return gone, Fail(ReauthRequired("the call was interrupted"))


BUILD: dict[Do, Callable[[Machine, Any], tuple[Machine, Action]]] = {
    Do.FAIL_READ: _do_fail_read,
    Do.STORE_UNSAVED: _do_store_unsaved,
    Do.USE: _do_use,
    Do.FAIL_FOREIGN: _do_fail_foreign,
    Do.FETCH: _do_fetch,
    Do.REFRESH: _do_refresh,
    Do.KEEP_REFRESH_TOKEN: _do_keep_refresh_token,
    Do.REAUTH: _do_reauth,
    Do.EXCHANGE: _do_exchange,
    Do.LEAVE_FOREIGN: _do_leave_foreign,
    Do.CLEAR: _do_clear,
    Do.REVOKE_NEXT: _do_revoke_next,
    Do.STORE_NEW: _do_store_new,
    Do.STORE_THEN_FAIL: _do_store_then_fail,
    Do.FAIL_DEAD_ON_ARRIVAL: _do_fail_dead,
    Do.DROP_REFRESH_TOKEN: _do_drop_refresh_token,
    Do.USE_OLD: _do_use_old,
    Do.FAIL: _do_fail,
    Do.USE_SAVED: _do_use_saved,
    Do.FAIL_AFTER_STORE: _do_fail_after_store,
    Do.FAIL_SAVE: _do_fail_save,
    Do.ADOPT_NEWER: _do_adopt_newer,
    Do.DECIDE_AGAIN: _do_decide_again,
    Do.USE_UNSAVED: _do_use_unsaved,
    Do.CLEAR_AFTER_PAIR: _do_clear_after_pair,
    Do.DONE: _do_done,
    Do.FAIL_CLEAR: _do_fail_clear,
    Do.ABANDON: _do_abandon,
}


# -- without the locks ---------------------------------------------------------------


def fast_use(m: Machine, current: object, now: float) -> AccessToken | None:
    """Lock-free: the token to hand out at once, or None to take the locks.

    Only the exact token the machine last judged fresh, while the storage
    still holds that very object, before its fresh-until time. Renewals always
    take the locks, so single flight is kept.
    """
    fresh = m.fresh
    if fresh is None or current is not fresh.token:
        return None
    # A float from the clock, the usual answer, is checked inline (NaN fails
    # every comparison); anything else goes the long way.
    if type(now) is float:
        ok = -MAX_TIME <= now <= MAX_TIME and now < fresh.until
    else:
        ok = _time_ok(now) and now < fresh.until
    return fresh.token if ok else None


def asks_savable(m: Machine, e: Wanted) -> bool:
    """Would this call spend a refresh token? Only then need the shell ask the
    storage whether it can save (``Wanted.savable``): the question costs a
    write, and every other call is decided without it. Never raises."""
    if not isinstance(m, Machine) or not isinstance(e, Wanted) or not isinstance(e.stored, Success):
        return False
    return wanted_act(m, e) is Act.REFRESH


def while_busy(m: Machine, e: Wanted) -> AccessToken | None:
    """Another caller holds the locks (likely renewing): use the stored token now?

    Yes unless the call forces a renewal of that very token, if the stored
    token is this identity's and still valid (even inside the renewal margin):
    a caller that can use a valid token must not wait for someone else's
    renewal, and fail if that renewal is slow.
    """
    token = _current(m, e)
    if token is None or _forced(m, e) or not usable(token, e.now):
        return None
    return token
