"""One deadline bounds a whole public call: lock waits, every attempt, every wait.

The case this guards: with a token valid for 47 more seconds (inside the renewal
margin) and Box answering in 1 s under a 2 s deadline, one caller once took 3.2 s
and two others failed "timed out waiting for this auth object". Required: a
caller that finds a renewal in flight while the stored token is still valid
gets it at once, and no caller waits longer than one deadline in total.
Likewise ``downscope_token`` (a retrieve, then an exchange) and ``BoxClient``
(a token, a 401, a refresh and a retry) are one call each, under one deadline.

Bounds are wall-clock ceilings (README "Transport": one deadline bounds a whole
public call), the deadline + a small slack for
a loaded 2-core machine), never performance figures.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from returns.result import Failure, Success
from support import authorize_redirect

from boxauth import (
    BaseUrls,
    BoxClient,
    BoxJWTAuth,
    BoxOAuth,
    Effects,
    JWTConfig,
    OAuthConfig,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.errors import TransportFailure, TransportFailureKind

SLACK = 1.0  # scheduling on a loaded 2-core machine


def _out_of_time(result: Any) -> bool:
    """A failure because the call's time ran out (the last wait was cut to what was left)."""
    if not isinstance(result, Failure) or not isinstance(result.failure(), TransportFailure):
        return False
    return result.failure().kind in (TransportFailureKind.DEADLINE, TransportFailureKind.TIMEOUT)


def _timed(call: Any) -> tuple[Any, float]:
    start = time.monotonic()
    value = call()
    return value, time.monotonic() - start


def test_callers_arriving_during_a_slow_early_renewal_get_the_valid_token_at_once(
    box: Any, urls: BaseUrls
) -> None:
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret),
        base_urls=urls,
        transport=Urllib3Transport(TransportSettings(deadline=2.0)),
        effects=Effects(clock=box.emu.now),
    )
    old = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3600 - 47)  # valid for 47 more seconds: inside the 60 s margin
    box.emu.inject_fault(path="/oauth2/token", kind="delay", seconds=1.0)
    results: dict[int, tuple[Any, float]] = {}
    started = threading.Event()

    def renewer() -> None:
        started.set()
        results[0] = _timed(auth.retrieve_token_result)

    def caller(index: int) -> None:
        started.wait()
        time.sleep(0.2)  # the renewal is on the wire by now
        results[index] = _timed(auth.retrieve_token_result)

    threads = [threading.Thread(target=renewer)]
    threads += [threading.Thread(target=caller, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for index in (1, 2):
        value, seconds = results[index]
        assert value == Success(old)  # the still-valid token, not a timeout
        assert seconds < 0.5  # at once: not after the renewal
    renewed, seconds = results[0]
    assert isinstance(renewed, Success) and renewed.unwrap() != old
    assert seconds <= 2.0 + SLACK


def test_a_caller_never_waits_more_than_one_deadline_for_the_locks(
    box: Any, urls: BaseUrls
) -> None:
    """No valid token stored and a renewal slower than the deadline: every caller
    gives up within one deadline, counting its wait for the locks."""
    auth = BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json),
        base_urls=urls,
        transport=Urllib3Transport(TransportSettings(deadline=2.0)),
    )
    box.emu.inject_fault(path="/oauth2/token", kind="delay", count=10, seconds=5.0)
    results: list[tuple[Any, float]] = []
    lock = threading.Lock()

    def call() -> None:
        got = _timed(auth.retrieve_token_result)
        with lock:
            results.append(got)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for t in threads:
        t.start()
        time.sleep(0.3)  # later callers find the locks taken
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 4
    for value, seconds in results:
        assert isinstance(value, Failure)
        assert seconds <= 2.0 + SLACK


def test_downscope_is_one_call_under_one_deadline(box: Any, urls: BaseUrls) -> None:
    auth = BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json),
        base_urls=urls,
        transport=Urllib3Transport(TransportSettings(deadline=2.0)),
    )
    # The parent token takes 1.5 s; the exchange would take another 1.5 s.
    box.emu.inject_fault(path="/oauth2/token", kind="delay", count=2, seconds=1.5)
    result, seconds = _timed(lambda: auth.downscope_token_result(["item_preview"]))
    assert _out_of_time(result)
    assert seconds <= 2.0 + SLACK


def test_box_client_401_refresh_and_retry_is_one_call_under_one_deadline(
    box: Any, urls: BaseUrls
) -> None:
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret),
        base_urls=urls,
        transport=Urllib3Transport(TransportSettings(deadline=2.0)),
    )
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    box.emu.advance(3700)  # Box's clock: expired; ours: fresh. The API answers 401.
    box.emu.inject_fault(path="/2.0/users/me", kind="delay", seconds=0.8)
    box.emu.inject_fault(path="/oauth2/token", kind="delay", seconds=0.8)
    box.emu.inject_fault(path="/2.0/users/me", kind="delay", seconds=0.8)
    result, seconds = _timed(lambda: BoxClient(auth).request_result("GET", "users/me"))
    assert _out_of_time(result)
    assert seconds <= 2.0 + SLACK
