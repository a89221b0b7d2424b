"""The request loop: build, send, interpret, and retry by the core's rules.

Every attempt rebuilds the request, so a JWT retry carries a newly signed
assertion with a new jti (box_sdk_gen resends the used one and fails:
box-python-sdk-gen #731). When Box answers a JWT grant with an 'exp'/'jti'
invalid_grant and a Date header, the assertion is re-signed once on Box's
clock (the legacy SDKs' recovery; protocol notes §3).

Logging: DEBUG records name the grant, URL, status, attempt and Box's request
id. They never contain a form field, header value or body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from returns.result import Failure, Result, Success

from ..errors import AuthError, BoxRefused
from ..responses import request_id, server_skew
from ..retry import GiveUp, RetryPolicy, next_step, resign_for_skew
from ..token_requests import Grant, TokenRequest, body
from ..wire import HttpRequest, HttpResponse
from . import system
from .transport import Urllib3Transport

log = logging.getLogger("boxauth")

T = TypeVar("T")

FORM_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
}


@dataclass(frozen=True, slots=True)
class Effects:
    """The outside world, injectable for tests: clocks, sleep and randomness."""

    clock: Callable[[], float] = system.now
    monotonic: Callable[[], float] = system.monotonic
    sleep: Callable[[float], None] = system.sleep
    jitter: Callable[[], float] = system.jitter
    new_jti: Callable[[], str] = system.new_jti
    new_state: Callable[[], str] = system.new_state


Build = Callable[[float, float], Result[TokenRequest, AuthError]]
Interpret = Callable[[HttpResponse, float, float], Result[T, BoxRefused]]


def call(
    transport: Urllib3Transport,
    effects: Effects,
    policy: RetryPolicy,
    *,
    grant: Grant,
    build: Build,
    interpret: Interpret[T],
    skew: float = 0.0,
) -> tuple[Result[T, AuthError], float]:
    """Run one logical request to completion. Returns the result and the skew in use."""
    deadline = transport.settings.deadline
    started = effects.monotonic()
    attempt = 0
    resigned = False
    while True:
        attempt += 1
        built = build(effects.clock(), skew)
        if not isinstance(built, Success):
            return Failure(built.failure()), skew
        request = built.unwrap()
        elapsed = effects.monotonic() - started
        log.debug("POST %s grant=%s attempt=%d", request.url, request.grant.value, attempt)
        sent_at = effects.clock()
        sent = transport.send(
            HttpRequest("POST", request.url, tuple(FORM_HEADERS.items()), body(request)),
            timeout=deadline - elapsed,
        )
        received_at = effects.clock()
        error: AuthError
        if isinstance(sent, Success):
            resp = sent.unwrap()
            log.debug(
                "answer status=%d grant=%s box-request-id=%s",
                resp.status,
                request.grant.value,
                request_id(resp),
            )
            interpreted = interpret(resp, sent_at, received_at)
            if isinstance(interpreted, Success):
                return Success(interpreted.unwrap()), skew
            error = interpreted.failure()
            server = server_skew(resp, received_at)
            if grant is Grant.JWT and resign_for_skew(
                error, already_resigned=resigned, skew=server
            ):
                resigned = True
                skew = server if server is not None else skew
                log.debug("re-signing the JWT on Box's clock (skew %+.1f s)", skew)
                continue
        else:
            error = sent.failure()
        decision = next_step(
            policy,
            attempt=attempt,
            error=error,
            grant=grant,
            elapsed=effects.monotonic() - started,
            deadline=deadline,
            jitter=effects.jitter(),
        )
        if isinstance(decision, GiveUp):
            log.debug("giving up on grant=%s after %d attempt(s)", grant.value, attempt)
            return Failure(error), skew
        log.debug("retrying grant=%s in %.2f s", grant.value, decision.delay)
        effects.sleep(decision.delay)
