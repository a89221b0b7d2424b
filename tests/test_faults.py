"""Fault injection: every call succeeds within the retry budget or fails typed, in time.

Faults come from the emulator (429 bursts with Retry-After, 5xx, dropped
connections, answers slower than the read timeout, malformed and huge bodies)
and from a transport that raises. Real sleeps are used here, with small
numbers, so the deadline is real too.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from returns.result import Failure, Success
from support import ccg_auth, jwt_auth, signed_in

from boxauth import (
    BaseUrls,
    BoxAuthError,
    BoxCCGAuth,
    BoxMalformedResponseError,
    BoxNetworkError,
    BoxRateLimitedError,
    BoxRefusedError,
    Effects,
    RetryPolicy,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.errors import TransportFailure, TransportFailureKind
from boxauth.wire import HttpRequest

SETTINGS = TransportSettings(connect_timeout=1.0, read_timeout=0.5, deadline=3.0)
POLICY = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.2, max_retry_after=1.0)
SLACK = 1.5  # seconds allowed beyond the deadline for thread scheduling on a busy CI box


def ccg(box: Any, urls: BaseUrls) -> BoxCCGAuth:
    return ccg_auth(box, urls, transport=Urllib3Transport(SETTINGS), retry_policy=POLICY)


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        value = call()
    except BoxAuthError as exc:
        value = exc
    return value, time.monotonic() - started


FAULTS: list[tuple[str, dict[str, Any], type | None]] = [
    (
        "429 burst within budget",
        {"kind": "status", "status": 429, "retry_after": "0", "count": 3},
        None,
    ),
    (
        "429 outlasting the budget",
        {"kind": "status", "status": 429, "retry_after": "0", "count": 9},
        BoxRateLimitedError,
    ),
    (
        "429 asking too long",
        {"kind": "status", "status": 429, "retry_after": "120", "count": 1},
        BoxRateLimitedError,
    ),
    ("500 then fine", {"kind": "status", "status": 500, "count": 2}, None),
    ("502 then fine", {"kind": "status", "status": 502, "count": 1}, None),
    ("503 for ever", {"kind": "status", "status": 503, "count": 99}, BoxRefusedError),
    ("dropped connections then fine", {"kind": "drop", "count": 2}, None),
    ("dropped for ever", {"kind": "drop", "count": 99}, BoxNetworkError),
    (
        "slower than the read timeout",
        {"kind": "delay", "seconds": 2.0, "count": 99},
        BoxNetworkError,
    ),
    ("one slow answer then fine", {"kind": "delay", "seconds": 1.0, "count": 1}, None),
    (
        "malformed body",
        {"kind": "malformed", "status": 200, "body": b"<html>", "count": 1},
        BoxMalformedResponseError,
    ),
    (
        "huge body",
        {"kind": "malformed", "status": 200, "body": b"x" * (2 * 1024 * 1024), "count": 1},
        BoxNetworkError,
    ),
]


@pytest.mark.parametrize(("name", "fault", "expected"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_outcome_is_success_or_typed_error_within_the_deadline(
    box: Any, urls: BaseUrls, name: str, fault: dict[str, Any], expected: type | None
) -> None:
    auth = ccg(box, urls)
    held = auth.retrieve_token()
    box.emu.inject_fault(path="/oauth2/token", **fault)
    value, took = timed(auth.refresh_token)
    box.emu.clear_faults()
    if expected is None:
        assert not isinstance(value, Exception), value
        assert auth.token_storage.get() == value
    else:
        assert isinstance(value, expected), value
        assert auth.token_storage.get() == held  # a failed fetch overwrites nothing
    assert took < SETTINGS.deadline + SLACK, f"{name} took {took:.2f}s"


def test_ambiguous_refresh_keeps_the_stored_pair_and_says_maybe_sent(
    box: Any, urls: BaseUrls
) -> None:
    auth = signed_in(
        box, urls, transport=Urllib3Transport(SETTINGS), effects=Effects(clock=box.emu.now)
    )
    held = auth.token_storage.get()
    box.emu.advance(3700)
    # The answer is slower than the read timeout: Box may have rotated the pair.
    box.emu.inject_fault(path="/oauth2/token", kind="delay", seconds=2.0, count=1)
    value, _ = timed(auth.retrieve_token)
    assert isinstance(value, BoxNetworkError)
    assert value.maybe_sent
    assert auth.token_storage.get() == held
    assert box.emu.grant_counts.get("refresh_token", 0) == 1  # never retried


class Exploding(Urllib3Transport):
    """A transport whose sends raise while armed, like a plug-in or a bad proxy would."""

    armed = True
    sends = 0

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        self.sends += 1
        if self.armed:
            raise RuntimeError("boom")
        return super().send(request, timeout=timeout)


def test_an_exception_during_renewal_is_a_failure_and_does_not_brick_the_object(
    box: Any, urls: BaseUrls
) -> None:
    transport = Exploding()
    auth = jwt_auth(box, urls, transport=transport, effects=Effects(sleep=lambda _s: None))
    first = auth.retrieve_token_result()
    assert isinstance(first, Failure)
    failure = first.failure()
    # A send that raised may have reached Box; a JWT grant may still be tried again.
    assert isinstance(failure, TransportFailure)
    assert (failure.kind, failure.maybe_sent) == (TransportFailureKind.PROTOCOL, True)
    assert transport.sends == RetryPolicy().max_attempts
    transport.armed = False
    assert isinstance(auth.retrieve_token_result(), Success)
