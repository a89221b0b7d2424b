"""Client clock 10 minutes off Box's, each way: JWT recovers through the Date header,
and expiry decisions never hand out a token past its life."""

from __future__ import annotations

import time
from typing import Any

import pytest

from boxauth import BaseUrls, BoxClient, BoxJWTAuth, Effects, JWTConfig

OFFSETS = [-600.0, -300.0, -61.0, -30.0, 0.0, 30.0, 61.0, 300.0, 600.0]


@pytest.mark.parametrize("offset", OFFSETS)
def test_jwt_works_across_ten_minutes_of_skew(box: Any, urls: BaseUrls, offset: float) -> None:
    box.emu.clock_offset = offset
    auth = BoxJWTAuth(JWTConfig.from_config_json_string(box.fx.config_json), base_urls=urls)
    assert BoxClient(auth).users.get_user_me().id == box.fx.service_account_id


@pytest.mark.parametrize("offset", [-600.0, 600.0])
def test_expiry_is_judged_on_the_clients_own_elapsed_time(
    box: Any, urls: BaseUrls, offset: float
) -> None:
    """The token's life is counted from when we sent the request, on our clock,
    so skew cannot make us use a token past the life Box gave it."""
    box.emu.clock_offset = offset
    client_now = [time.time()]
    auth = BoxJWTAuth(
        JWTConfig.from_config_json_string(box.fx.config_json),
        base_urls=urls,
        effects=Effects(clock=lambda: client_now[0] + 0.0),
    )
    first = auth.retrieve_token()
    assert first.expires_at is not None and first.expires_in is not None
    assert first.expires_at <= client_now[0] + first.expires_in
    client_now[0] = first.expires_at  # exactly at expiry: must not be used
    second = auth.retrieve_token()
    assert second.access_token != first.access_token
