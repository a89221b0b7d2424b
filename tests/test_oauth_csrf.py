"""OAuth redirect handling refuses a missing state and a wrong one (login CSRF).

A state is single use and lives 10 minutes. A web app that shares one
``BoxOAuth`` between its users (the guide's Flask pattern) keeps each user's
state in that user's session and passes it as ``expected_state``: a state
issued to one browser is then refused from another (README "OAuth 2.0 in a web app").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from support import authorize_redirect

from boxauth import (
    BaseUrls,
    BoxOAuth,
    BoxStateMismatchError,
    Effects,
    GetAuthorizeUrlOptions,
    OAuthConfig,
)


def _auth(box: Any, urls: BaseUrls, **shell: Any) -> BoxOAuth:
    return BoxOAuth(OAuthConfig(box.fx.client_id, box.fx.client_secret), base_urls=urls, **shell)


def _with_query(location: str, **changes: str | None) -> str:
    parts = urlsplit(location)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts._replace(query=urlencode(query)).geturl()


def test_generated_state_is_long_and_random(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    states = {dict(parse_qsl(urlsplit(auth.get_authorize_url()).query))["state"] for _ in range(20)}
    assert len(states) == 20
    assert all(len(s) >= 32 for s in states)


def test_missing_state_is_refused(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    box.emu.reset_counters()
    with pytest.raises(BoxStateMismatchError, match="state"):
        auth.get_tokens_from_redirect(_with_query(location, state=None))
    assert box.emu.request_count(path="/oauth2/token") == 0
    assert auth.token_storage.get() is None


def test_wrong_state_is_refused(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    with pytest.raises(BoxStateMismatchError, match="CSRF"):
        auth.get_tokens_from_redirect(_with_query(location, state="attacker-chosen-state-value"))
    assert auth.token_storage.get() is None


def test_a_state_is_single_use(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    auth.get_tokens_from_redirect(location)
    with pytest.raises(BoxStateMismatchError, match="state"):
        auth.get_tokens_from_redirect(location)


def test_callers_own_state_is_checked_too(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    options = GetAuthorizeUrlOptions(
        redirect_uri=box.fx.redirect_uri, state="my-own-state-0123456789"
    )
    location = authorize_redirect(auth.get_authorize_url(options=options))
    assert dict(parse_qsl(urlsplit(location).query))["state"] == "my-own-state-0123456789"
    assert auth.get_tokens_from_redirect(location).access_token


def test_error_on_the_redirect_is_a_typed_refusal(box: Any, urls: BaseUrls) -> None:
    from boxauth import BoxRefusedError

    auth = _auth(box, urls)
    location = authorize_redirect(auth.get_authorize_url())
    denied = _with_query(
        location, code=None, error="access_denied", error_description="The user denied"
    )
    with pytest.raises(BoxRefusedError, match="access_denied"):
        auth.get_tokens_from_redirect(denied)


def test_redirect_may_be_a_url_a_path_or_a_query(box: Any, urls: BaseUrls) -> None:
    for shape in ("url", "path", "query"):
        auth = _auth(box, urls)
        location = authorize_redirect(auth.get_authorize_url())
        parts = urlsplit(location)
        given = {
            "url": location,
            "path": f"{parts.path}?{parts.query}",
            "query": f"?{parts.query}",
        }[shape]
        assert auth.get_tokens_from_redirect(given).access_token, shape


def test_the_authorize_url_carries_its_state(box: Any, urls: BaseUrls) -> None:
    url = _auth(box, urls).get_authorize_url()
    assert isinstance(url, str)
    assert dict(parse_qsl(urlsplit(url).query))["state"] == url.state


def test_a_state_issued_to_one_browser_is_refused_from_another(box: Any, urls: BaseUrls) -> None:
    """One shared BoxOAuth: the attacker's own redirect, replayed in the victim's browser."""
    shared = _auth(box, urls)
    victim_url = shared.get_authorize_url()  # the victim's session keeps victim_url.state
    attacker_url = shared.get_authorize_url()
    attackers_redirect = authorize_redirect(attacker_url)  # carries the attacker's code
    box.emu.reset_counters()
    with pytest.raises(BoxStateMismatchError, match="CSRF"):
        shared.get_tokens_from_redirect(attackers_redirect, expected_state=victim_url.state)
    assert box.emu.request_count(path="/oauth2/token") == 0
    assert shared.token_storage.get() is None
    # The victim's own redirect, with the victim's own state, works.
    own = shared.get_tokens_from_redirect(
        authorize_redirect(victim_url), expected_state=victim_url.state
    )
    assert own.access_token


def test_expected_state_works_on_another_worker(box: Any, urls: BaseUrls) -> None:
    """The state came from the user's session, not from this object's memory."""
    url = _auth(box, urls).get_authorize_url()
    other_worker = _auth(box, urls)
    token = other_worker.get_tokens_from_redirect(authorize_redirect(url), expected_state=url.state)
    assert token.access_token


def test_a_remembered_state_expires_after_ten_minutes(box: Any, urls: BaseUrls) -> None:
    now = [1000.0]
    auth = _auth(box, urls, effects=Effects(monotonic=lambda: now[0]))
    stale = authorize_redirect(auth.get_authorize_url())
    fresh = authorize_redirect(auth.get_authorize_url())
    now[0] += 599.0
    assert auth.get_tokens_from_redirect(fresh).access_token  # 599 s: still live
    now[0] += 1.0
    with pytest.raises(BoxStateMismatchError):  # 600 s: gone
        auth.get_tokens_from_redirect(stale)


def test_remembered_states_are_bounded(box: Any, urls: BaseUrls) -> None:
    auth = _auth(box, urls)
    first = auth.get_authorize_url()
    for _ in range(300):
        auth.get_authorize_url()
    with pytest.raises(BoxStateMismatchError):  # dropped: the 256 newest are kept
        auth.get_tokens_from_redirect(authorize_redirect(first))


def test_an_explicit_expected_state_of_none_is_refused(box: Any, urls: BaseUrls) -> None:
    """`session.get("box_state")` is None when this browser started no sign-in: never a
    fallback to the shared object's remembered states."""
    shared = _auth(box, urls)
    attackers_redirect = authorize_redirect(shared.get_authorize_url())  # remembered by shared
    box.emu.reset_counters()
    for nothing in (None, ""):
        with pytest.raises(BoxStateMismatchError, match="no sign-in was started"):
            shared.get_tokens_from_redirect(attackers_redirect, expected_state=nothing)
    assert box.emu.request_count(path="/oauth2/token") == 0


def test_a_malformed_scope_is_a_typed_error_never_a_raise(box: Any, urls: BaseUrls) -> None:
    from returns.result import Failure

    from boxauth import BoxConfigError
    from boxauth.errors import InvalidInput

    auth = _auth(box, urls)
    for scope in (1, [1, 2], object()):
        result = auth.get_authorize_url_result(GetAuthorizeUrlOptions(scope=scope))  # type: ignore[arg-type]
        assert result == Failure(InvalidInput("scope", "must be a string or a list of strings"))
    with pytest.raises(BoxConfigError):
        auth.get_authorize_url(options=GetAuthorizeUrlOptions(scope=1))  # type: ignore[arg-type]
