"""``boxauth.sessions.call_settings``: a box_sdk_gen NetworkSession read as one call's settings."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.errors import InvalidInput
from boxauth.sessions import CallSettings, call_settings
from boxauth.urls import BaseUrls

OURS = BaseUrls(base_url="https://ours.example.com")
THEIRS = SimpleNamespace(
    base_url="https://theirs.example.com",
    upload_url="https://upload.example.com",
    oauth_2_url="https://theirs.example.com/oauth2",
)
millis = st.one_of(st.none(), st.integers(1, 10**7), st.floats(0.5, 1e7))
deadlines = st.floats(0.1, 86_400)


def _call(session: Any, own: bool = False, deadline: float = 30.0, proxy: str | None = None) -> Any:
    return call_settings(session, urls=OURS, own_urls=own, deadline=deadline, proxy_url=proxy)


@given(deadlines, st.booleans())
def test_no_session_means_our_settings(deadline: float, own: bool) -> None:
    assert _call(None, own, deadline) == Success(CallSettings(OURS, deadline))


@given(st.booleans())
def test_the_sessions_urls_apply_only_when_the_auth_has_none(own: bool) -> None:
    got = _call(SimpleNamespace(base_urls=THEIRS), own).unwrap()
    assert got.urls == (OURS if own else BaseUrls(**vars(THEIRS)))


@given(millis, millis, deadlines)
def test_the_deadline_is_the_smaller_of_ours_and_the_sessions(
    connect: float | None, read: float | None, deadline: float
) -> None:
    config = SimpleNamespace(connection_timeout_ms=connect, read_timeout_ms=read)
    got = _call(SimpleNamespace(timeout_config=config), deadline=deadline).unwrap()
    if connect is None or read is None:
        assert got.deadline == deadline
    else:
        assert math.isclose(got.deadline, min(deadline, (connect + read) / 1000.0))
    assert got.deadline <= deadline


@given(st.sampled_from([0, -1, float("nan"), float("inf"), "10", True, 10**12]))
def test_nonsense_timeouts_are_refused_by_name(value: object) -> None:
    config = SimpleNamespace(connection_timeout_ms=value, read_timeout_ms=1000)
    got = _call(SimpleNamespace(timeout_config=config))
    assert got == Failure(
        InvalidInput("network_session.timeout_config", "must be positive numbers of milliseconds")
    )


@given(st.text(min_size=1, max_size=40), st.one_of(st.none(), st.text(min_size=1, max_size=40)))
def test_a_different_proxy_is_refused_and_never_quoted(theirs: str, ours: str | None) -> None:
    got = _call(SimpleNamespace(proxy_url=theirs), proxy=ours)
    if theirs == ours:
        assert isinstance(got, Success)
    else:
        assert isinstance(got, Failure)
        assert got.failure().field == "network_session.proxy_url"
        assert theirs not in got.failure().problem


@given(st.sampled_from([1, None, object(), SimpleNamespace(base_url=1)]))
def test_malformed_session_urls_are_refused_never_raised(given_urls: object) -> None:
    got = _call(SimpleNamespace(base_urls=given_urls))
    if given_urls is None:
        assert got == Success(CallSettings(OURS, 30.0))
    else:
        assert isinstance(got, Failure)
        assert got.failure().field == "network_session.base_urls"
