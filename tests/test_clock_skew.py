"""Client clock 10 minutes off Box's, each way: JWT recovers through the Date header,
and expiry decisions never hand out a token past its life, even when the clock jumps
while a refresh is on the wire."""

from __future__ import annotations

import time
from typing import Any

import pytest
from returns.result import Failure
from support import jwt_auth, signed_in

from boxauth import BaseUrls, BoxClient, Effects, Urllib3Transport
from boxauth.wire import HttpRequest

OFFSETS = [-600.0, -300.0, -61.0, -30.0, 0.0, 30.0, 61.0, 300.0, 600.0]


@pytest.mark.parametrize("offset", OFFSETS)
def test_jwt_works_across_ten_minutes_of_skew(box: Any, urls: BaseUrls, offset: float) -> None:
    box.emu.clock_offset = offset
    auth = jwt_auth(box, urls)
    assert BoxClient(auth).users.get_user_me().id == box.fx.service_account_id


@pytest.mark.parametrize("offset", [-600.0, 600.0])
def test_expiry_is_judged_on_the_clients_own_elapsed_time(
    box: Any, urls: BaseUrls, offset: float
) -> None:
    """The token's life is counted from when we sent the request, on our clock,
    so skew cannot make us use a token past the life Box gave it."""
    box.emu.clock_offset = offset
    client_now = [time.time()]
    auth = jwt_auth(box, urls, effects=Effects(clock=lambda: client_now[0] + 0.0))
    first = auth.retrieve_token()
    assert first.expires_at is not None and first.expires_in is not None
    assert first.expires_at <= client_now[0] + first.expires_in
    client_now[0] = first.expires_at  # exactly at expiry: must not be used
    second = auth.retrieve_token()
    assert second.access_token != first.access_token


class JumpingClock:
    """Wall clock that jumps forward an hour while a refresh is on the wire."""

    def __init__(self, emu: Any) -> None:
        self.emu = emu
        self.jump = 0.0

    def __call__(self) -> float:
        return float(self.emu.now()) + self.jump


class JumpDuringRefresh(Urllib3Transport):
    clock: JumpingClock

    def send(self, request: HttpRequest, *, timeout: float) -> Any:
        result = super().send(request, timeout=timeout)
        if b"grant_type=refresh_token" in (request.body or b""):
            self.clock.jump += 4000
            self.clock.emu.advance(4000)
        return result


def test_a_refresh_answer_dead_on_arrival_keeps_its_new_refresh_token(
    box: Any, urls: BaseUrls
) -> None:
    clock = JumpingClock(box.emu)
    transport = JumpDuringRefresh()
    transport.clock = clock
    auth = signed_in(box, urls, effects=Effects(clock=clock), transport=transport)
    assert isinstance(auth.refresh_token_result(), Failure)  # expired on arrival
    kept = auth.token_storage.get()
    assert kept is not None and box.emu.refresh_token_is_live(kept.refresh_token)
    transport.clock = JumpingClock(box.emu)  # no more jumps
    transport.send = Urllib3Transport.send.__get__(transport)  # type: ignore[method-assign]
    assert auth.retrieve_token().access_token  # refreshed with the kept token
