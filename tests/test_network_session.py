"""box_sdk_gen's ``network_session`` is honoured or refused, never ignored
(README "Deliberate differences").

box_sdk_gen's auth methods take ``network_session=``; its BoxClient passes one on
every call. These tests use box_sdk_gen's real ``NetworkSession``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from box_sdk_gen import BaseUrls as GenBaseUrls
from box_sdk_gen import NetworkSession, TimeoutConfig
from returns.result import Failure

from boxauth import (
    BaseUrls,
    BoxCCGAuth,
    BoxConfigError,
    CCGConfig,
    TransportSettings,
    Urllib3Transport,
)
from boxauth.errors import InvalidInput


def _ccg(box: Any, **shell: Any) -> BoxCCGAuth:
    config = CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id)
    return BoxCCGAuth(config, **shell)


def _session(box: Any, **kwargs: Any) -> NetworkSession:
    urls = GenBaseUrls(base_url=box.emu.base_url, oauth_2_url=box.emu.oauth_2_url)
    return NetworkSession(base_urls=urls, **kwargs)


def test_the_sessions_base_urls_are_used_when_the_auth_has_none(box: Any) -> None:
    auth = _ccg(box)  # no base_urls: it would go to api.box.com
    box.emu.reset_counters()
    token = auth.retrieve_token(network_session=_session(box))
    assert box.emu.token_info(token.access_token) is not None
    assert box.emu.grant_counts["client_credentials"] == 1


def test_the_auths_own_base_urls_win_over_the_sessions(box: Any, urls: BaseUrls) -> None:
    auth = _ccg(box, base_urls=urls)
    elsewhere = NetworkSession(base_urls=GenBaseUrls(base_url="http://127.0.0.1:9"))
    token = auth.retrieve_token(network_session=elsewhere)
    assert box.emu.token_info(token.access_token) is not None


def test_a_session_with_another_proxy_is_refused_without_quoting_it(box: Any) -> None:
    auth = _ccg(box)
    session = _session(box, proxy_url="http://user:pr0xyPa55@127.0.0.1:3128")
    with pytest.raises(BoxConfigError) as caught:
        auth.retrieve_token(network_session=session)
    assert caught.value.field == "network_session.proxy_url"
    assert "pr0xyPa55" not in str(caught.value)


def test_the_sessions_timeouts_shorten_the_calls_deadline(box: Any) -> None:
    auth = _ccg(box, transport=Urllib3Transport(TransportSettings(deadline=10.0)))
    box.emu.inject_fault(path="/oauth2/token", kind="delay", seconds=3.0)
    session = _session(
        box, timeout_config=TimeoutConfig(connection_timeout_ms=500, read_timeout_ms=500)
    )
    start = time.monotonic()
    result = auth.retrieve_token_result(network_session=session)
    assert isinstance(result, Failure)
    assert time.monotonic() - start < 2.5  # about 1 s, far under our 10 s or Box's 3 s


def test_a_session_with_unusable_base_urls_is_refused(box: Any) -> None:
    auth = _ccg(box)
    session = NetworkSession(base_urls=GenBaseUrls(base_url="http://box.example.com"))
    result = auth.retrieve_token_result(network_session=session)
    assert isinstance(result, Failure)
    assert isinstance(result.failure(), InvalidInput)
    assert result.failure().field == "network_session.base_urls"  # type: ignore[union-attr]
