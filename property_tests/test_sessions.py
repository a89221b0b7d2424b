"""``boxauth.sessions.call_settings``: a box_sdk_gen NetworkSession read as one call's settings."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import refused

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


secrets_ = st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=12, max_size=24)


@given(secrets_, st.one_of(st.none(), st.just("http://127.0.0.1:3128")), st.booleans())
def test_a_different_proxy_is_refused_and_never_quoted(
    password: str, ours: str | None, same: bool
) -> None:
    theirs = ours if same and ours else f"http://user:{password}@proxy.example:3128"
    got = _call(SimpleNamespace(proxy_url=theirs), proxy=ours)
    if theirs == ours:
        assert isinstance(got, Success)
    else:
        assert isinstance(got, Failure)
        assert got.failure().field == "network_session.proxy_url"
        assert password not in got.failure().message()


@given(st.sampled_from([1, None, object(), SimpleNamespace(base_url=1)]))
def test_malformed_session_urls_are_refused_never_raised(given_urls: object) -> None:
    got = _call(SimpleNamespace(base_urls=given_urls))
    if given_urls is None:
        assert got == Success(CallSettings(OURS, 30.0))
    else:
        assert isinstance(got, Failure)
        assert got.failure().field == "network_session.base_urls"


# -- Edges, and the wording of the refusals ---------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"urls": "https://api.box.com"}, "network_session"),
        ({"deadline": 0}, "network_session"),
        ({"deadline": -1.0}, "network_session"),
        ({"deadline": float("nan")}, "network_session"),
        ({"proxy_url": 5}, "network_session"),
    ],
)
def test_malformed_own_settings_are_refused_whatever_the_session(
    kwargs: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"urls": OURS, "own_urls": False, "deadline": 30.0, "proxy_url": None}
    for session in (None, SimpleNamespace()):
        refused(call_settings(session, **{**args, **kwargs}), field)


def test_a_session_proxy_that_is_not_text_is_refused() -> None:
    refused(_call(SimpleNamespace(proxy_url=5)), "network_session.proxy_url")
    assert _call(SimpleNamespace(proxy_url="")) == Success(CallSettings(OURS, 30.0))


def test_the_session_timeout_bound_is_inclusive() -> None:
    most = SimpleNamespace(connection_timeout_ms=86_400_000, read_timeout_ms=86_400_000)
    assert _call(SimpleNamespace(timeout_config=most), deadline=86_400.0) == Success(
        CallSettings(OURS, 86_400.0)
    )
    config = SimpleNamespace(connection_timeout_ms=1000)  # no read timeout: ours bounds it
    assert _call(SimpleNamespace(timeout_config=config)) == Success(CallSettings(OURS, 30.0))


def test_session_urls_are_checked_like_ours() -> None:
    empty = SimpleNamespace(
        base_url="", upload_url="https://u.example", oauth_2_url="https://o.example"
    )
    refused(_call(SimpleNamespace(base_urls=empty)), "network_session.base_urls")
    plain = SimpleNamespace(
        base_url="http://theirs.example",
        upload_url="https://u.example",
        oauth_2_url="https://o.example",
    )
    refused(_call(SimpleNamespace(base_urls=plain)), "network_session.base_urls")


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    bad_config = SimpleNamespace(connection_timeout_ms=0, read_timeout_ms=1)
    plain = SimpleNamespace(
        base_url="http://theirs.example",
        upload_url="https://u.example",
        oauth_2_url="https://o.example",
    )
    cases = [
        (
            call_settings(None, urls=OURS, own_urls=False, deadline=0, proxy_url=None),
            "network_session: our own settings are malformed",
        ),
        (
            call_settings(None, urls=OURS, own_urls=False, deadline=1.0, proxy_url=5),  # type: ignore[arg-type]
            "network_session: our own settings are malformed",
        ),
        (_call(SimpleNamespace(proxy_url=5)), "network_session.proxy_url: must be a URL string"),
        (
            _call(SimpleNamespace(proxy_url="http://proxy.example:3128")),
            "network_session.proxy_url: names a proxy boxauth's transport does not use; "
            "pass TransportSettings(proxy_url=...) to the auth object instead",
        ),
        (
            _call(SimpleNamespace(base_urls=SimpleNamespace(base_url=1))),
            "network_session.base_urls: must have three URL strings",
        ),
        (
            _call(SimpleNamespace(base_urls=plain)),
            "network_session.base_urls: http:// is allowed only for loopback hosts; use https",
        ),
        (
            _call(SimpleNamespace(timeout_config=bad_config)),
            "network_session.timeout_config: must be positive numbers of milliseconds",
        ),
    ]
    for result, message in cases:
        assert result.failure().message() == message
