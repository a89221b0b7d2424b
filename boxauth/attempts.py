"""One token or revoke request carried to its answer: attempts, waits, re-signing.

The auth object runs this loop::

    state = begin(plan, skew)
    while True:
        prepare and send one attempt (a new JWT assertion each time)
        state, next = after(state, outcome, ...)
        Again: send again now; Wait: sleep, then send again; anything else: done

and this module decides every step, by ``boxauth.retry``'s rules: which
answers are worth another attempt, how long to wait, never past the deadline,
never a single-use grant that may have reached Box; a JWT refused for its
'exp' or 'jti' claim is re-signed once on Box's clock (the legacy SDKs'
recovery, box-python-sdk boxsdk/auth/server_auth.py; box_sdk_gen has none).

A 200 to a refresh or code exchange that carries a usable refresh token but is
otherwise unusable is ``Salvage``d: Box has spent the old refresh token, so
the new one must be kept: a refresh token is single use (docs/protocol.md#token-lifetimes).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from returns.result import Result, Success

from .access_token import AccessToken
from .errors import AuthError, TransportFailure, without_secrets
from .grants import Plan, RevokeCall, grant_of
from .responses import (
    parse_empty_success,
    parse_token_response,
    salvage_refresh_token,
    server_skew,
)
from .retry import GiveUp, RetryPolicy, next_step, resign_for_skew
from .token_requests import Grant
from .wire import HttpResponse


class Expect(enum.Enum):
    TOKEN = "token"  # noqa: S105 - a token response (every grant)  # nosec B105
    NOTHING = "nothing"  # an empty 200 (revoke)

    def __repr__(self) -> str:
        return f"Expect.{self.name}"


@dataclass(frozen=True, slots=True)
class Attempts:
    grant: Grant
    expect: Expect
    attempt: int = 0  # attempts answered so far
    resigned: bool = False
    skew: float = 0.0  # Box's clock minus ours, for the next JWT assertion


@dataclass(frozen=True, slots=True)
class Again:
    """Send the next attempt now."""


@dataclass(frozen=True, slots=True)
class Wait:
    """Sleep ``delay`` seconds, then send the next attempt."""

    delay: float


@dataclass(frozen=True, slots=True)
class GotToken:
    token: AccessToken


@dataclass(frozen=True, slots=True)
class GotNothing:
    """The empty success a revoke answers with."""


@dataclass(frozen=True, slots=True)
class Salvage:
    """An unusable 200 whose refresh token is live: keep ``token`` (refresh token only)."""

    token: AccessToken
    error: AuthError


@dataclass(frozen=True, slots=True)
class GaveUp:
    error: AuthError


Next = Again | Wait | GotToken | GotNothing | Salvage | GaveUp


def begin(plan: Plan, skew: float = 0.0) -> Attempts:
    expect = Expect.NOTHING if isinstance(plan, RevokeCall) else Expect.TOKEN
    return Attempts(grant_of(plan), expect, skew=skew)


def _salvage(resp: HttpResponse, grant: Grant) -> AccessToken | None:
    """The refresh token of an unusable 200 to a single-use grant, as a token record."""
    if not grant.single_use:
        return None
    kept = salvage_refresh_token(resp)
    return None if kept is None else AccessToken(refresh_token=kept)


def _answer(state: Attempts, resp: HttpResponse, sent_at: float, received_at: float) -> Next:
    if state.expect is Expect.NOTHING:
        done = parse_empty_success(resp, received_at)
        return GotNothing() if isinstance(done, Success) else GaveUp(done.failure())
    parsed = parse_token_response(resp, sent_at=sent_at, received_at=received_at)
    if isinstance(parsed, Success):
        return GotToken(parsed.unwrap())
    kept = _salvage(resp, state.grant)
    if kept is not None:
        return Salvage(kept, parsed.failure())
    return GaveUp(parsed.failure())


def _unechoed(answer: Next, secrets: tuple[str, ...]) -> Next:
    if isinstance(answer, GaveUp):
        return GaveUp(without_secrets(answer.error, secrets))
    if isinstance(answer, Salvage):
        return Salvage(answer.token, without_secrets(answer.error, secrets))
    return answer


def _counted(error: AuthError, attempts: int) -> AuthError:
    """Say how many attempts a network failure took (one is the obvious case)."""
    if isinstance(error, TransportFailure) and attempts > 1:
        return replace(error, detail=f"{error.detail} ({attempts} attempts)")
    return error


def after(
    state: Attempts,
    outcome: Result[HttpResponse, AuthError],
    *,
    policy: RetryPolicy,
    sent_at: float,
    received_at: float,
    left: float,
    jitter: float,
    secrets: tuple[str, ...] = (),
) -> tuple[Attempts, Next]:
    """What follows one attempt. ``left``: seconds left of the call's deadline;
    ``secrets``: what the request carried, never let back out in Box's text."""
    state = replace(state, attempt=state.attempt + 1)
    error: AuthError
    if isinstance(outcome, Success):
        resp = outcome.unwrap()
        answer = _unechoed(_answer(state, resp, sent_at, received_at), secrets)
        if not isinstance(answer, GaveUp):
            return state, answer
        error = answer.error
        server = server_skew(resp, received_at)
        if state.grant is Grant.JWT and resign_for_skew(
            error, already_resigned=state.resigned, skew=server
        ):
            return replace(state, resigned=True, skew=server or 0.0), Again()
    else:
        error = outcome.failure()
    decision = next_step(
        policy,
        attempt=state.attempt,
        error=error,
        grant=state.grant,
        elapsed=0.0,
        deadline=left,
        jitter=jitter,
    )
    if isinstance(decision, GiveUp):
        return state, GaveUp(_counted(error, state.attempt))
    return state, Wait(decision.delay)
