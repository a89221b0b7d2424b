"""A token or revoke request carried to its answer, by the core's rules.

The loop (``Sender.carry``) prepares an attempt from the plan (``boxauth.grants``),
signs it if it is a JWT grant, sends it, and asks ``boxauth.attempts`` what
follows: send again, wait and send again, or stop with an answer. Nothing is
decided here.

Every answer is kept the moment the transport returns it (``heard``: an attempt
is listed before it is sent, and ``plugins.send`` appends what the transport
returned in the same expression that called it): if an interrupt strikes before
the lifecycle machine hears of it, ``rescued`` reads it again, so a new refresh
token in it is not lost: a refresh token is single use, and the one in that
answer may be the only live one (docs/protocol.md#token-lifetimes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from ..attempts import (
    Again,
    Attempts,
    GaveUp,
    GotNothing,
    GotToken,
    Next,
    Salvage,
    Wait,
    after,
    begin,
)
from ..errors import AuthError, InvalidInput, TransportFailure, TransportFailureKind
from ..grants import JwtGrant, Plan, Ready, SignFirst, http_request, prepare, signed
from ..lifecycle import Action, Event, Failed, RevokeDone, RevokeFailed, Salvaged, Succeeded
from ..retry import RetryPolicy
from ..sessions import call_settings
from ..token_requests import TokenRequest, secrets_of
from ..urls import BaseUrls
from ..wire import HttpResponse, Transport
from . import plugins
from .system import Effects

log = logging.getLogger("boxauth")

# An attempt as it was sent: its state, what the transport returned (nothing
# yet, or one answer), and when it was sent.
Heard = tuple[Attempts, list[object], float]


def internal(what: str) -> InvalidInput:
    return InvalidInput("boxauth", f"internal error ({what}); please report it")


@dataclass(frozen=True, slots=True)
class Call:
    """One public call: where its requests go, and what is left of its deadline."""

    urls: BaseUrls
    ends: float
    seconds: float
    monotonic: Callable[[], float]

    def left(self) -> float:
        return self.ends - self.monotonic()

    def spent(self, what: str) -> Failure[TransportFailure]:
        detail = f"deadline of {self.seconds:g} s passed while waiting for {what}"
        return Failure(TransportFailure(TransportFailureKind.DEADLINE, detail, False))

    @classmethod
    def begun(
        cls,
        network_session: object,
        *,
        urls: BaseUrls,
        own_urls: bool,
        deadline: float,
        transport: Transport,
        monotonic: Callable[[], float],
    ) -> Result[Call, AuthError]:
        """A public call's settings (``boxauth.sessions``); its deadline starts now."""
        proxy = getattr(getattr(transport, "settings", None), "proxy_url", None)
        settings = call_settings(
            network_session, urls=urls, own_urls=own_urls, deadline=deadline, proxy_url=proxy
        )
        start = monotonic()
        return settings.map(lambda c: cls(c.urls, start + c.deadline, c.deadline, monotonic))


@dataclass(frozen=True, slots=True)
class Sender:
    """What sending needs: the transport, the clocks and randomness, the retry policy, a signer."""

    transport: Transport
    effects: Effects
    policy: RetryPolicy
    signer: Callable[[bytes], object] | None = None

    def carry(
        self, plan: Result[Plan, AuthError], skew: float, call: Call, heard: list[Heard]
    ) -> tuple[Next, float]:
        """One request to its answer: (the answer, the clock skew in use at the end)."""
        if not isinstance(plan, Success):
            return GaveUp(plan.failure()), skew
        state = begin(plan.unwrap(), skew)
        while True:
            outcome, sent_at, received_at, secrets = self._attempt(
                plan.unwrap(), state, call, heard
            )
            state, following = after(
                state,
                outcome,
                policy=self.policy,
                sent_at=sent_at,
                received_at=received_at,
                left=call.left(),
                jitter=self.effects.jitter(),
                secrets=secrets,
            )
            answered = type(following).__name__
            log.debug("%s attempt %d: %s", state.grant.value, state.attempt, answered)
            match following:
                case Again():
                    continue
                case Wait(delay=delay):
                    self.effects.sleep(delay)
                case _:
                    return following, state.skew

    def _attempt(
        self, plan: Plan, state: Attempts, call: Call, heard: list[Heard]
    ) -> tuple[Result[HttpResponse, AuthError], float, float, tuple[str, ...]]:
        """Prepare and send one attempt: (outcome, sent at, received at, its secrets)."""
        clock = self.effects.clock
        prepared = prepare(plan, now=clock(), skew=state.skew, jti=self.effects.new_jti())
        ready = prepared.bind(lambda p: self._signed(plan, p))
        secrets = secrets_of(ready.value_or(None))
        sent_at = clock()
        received: list[object] = []
        heard.append((state, received, sent_at))  # before sending: what arrives is kept
        outcome = ready.bind(
            lambda request: plugins.send(
                self.transport, http_request(request), call.left(), received
            )
        )
        return outcome, sent_at, clock(), secrets

    def _signed(self, plan: Plan, prepared: Ready | SignFirst) -> Result[TokenRequest, AuthError]:
        if isinstance(prepared, Ready):
            return Success(prepared.request)
        if not isinstance(plan, JwtGrant) or self.signer is None:
            return Failure(internal("only a JWT grant with a signer is signed"))
        signature = plugins.sign(self.signer, prepared.message)
        return signature.bind(lambda sig: signed(plan, prepared, sig))

    def renew(
        self,
        ticket: int,
        plan: Result[Plan, AuthError],
        skew: float,
        call: Call,
        feed: Callable[[Event], Action],
    ) -> Action:
        """A renewal carried to its answer and fed to the lifecycle machine:
        what the machine says next.

        The answer is fed inside the guard: an interrupt at any point after
        Box answered and before the machine has taken the answer in feeds it
        the token Box sent (``rescued``) before it goes on, so a new refresh
        token is not lost. (Fed after the machine moved on, the rescue is an
        event it does not accept, and changes nothing.)
        """
        heard: list[Heard] = []
        try:
            answer, learned = self.carry(plan, skew, call, heard)
            return feed(renewal_event(ticket, answer, self.effects.clock(), learned))
        except BaseException:
            rescued = self.rescued(ticket, heard)
            if rescued is not None:
                feed(rescued)
            raise

    def revoke(self, plan: Result[Plan, AuthError], call: Call) -> Event:
        """A revoke request carried to its answer, as the lifecycle machine's event."""
        answer, _ = self.carry(plan, 0.0, call, [])
        match answer:
            case GotNothing():
                return RevokeDone()
            case GaveUp(error=error):
                return RevokeFailed(error)
        return RevokeFailed(internal("a revoke answered a token"))

    def rescued(self, ticket: int, heard: list[Heard]) -> Event | None:
        """The event for a token the last answer carried, read again after an interrupt."""
        if not heard or not heard[-1][1]:
            return None
        state, received, sent_at = heard[-1]
        _, answer = after(
            state,
            plugins.sent(received[-1]),
            policy=self.policy,
            sent_at=sent_at,
            received_at=sent_at,
            left=0.0,
            jitter=0.0,
        )
        if isinstance(answer, GotToken | Salvage):
            return renewal_event(ticket, answer, sent_at, None)
        return None


def renewal_event(ticket: int, answer: Next, now: float, learned: float | None) -> Event:
    """A renewal's answer as the lifecycle machine's event."""
    match answer:
        case GotToken(token=token):
            return Succeeded(ticket, token, now, learned)
        case Salvage(token=token, error=error):
            return Salvaged(ticket, token, error, learned)
        case GaveUp(error=error):
            return Failed(ticket, error, now, learned)
    return Failed(ticket, internal("a token request answered nothing"), now, learned)
