"""README's web-app pattern: one shared BoxOAuth, each user's state in that user's session.

The code below is README's "OAuth 2.0 in a web app" example, run through
Flask's test client against the emulator, with two browsers (two cookie jars).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from support import authorize_redirect

from boxauth import BaseUrls


def _app(box: Any, urls: BaseUrls) -> Any:
    # --- README example (the endpoint is the emulator's) ---------------------
    from flask import Flask, abort, redirect, request, session

    from boxauth import (
        BoxClient,
        BoxOAuth,
        BoxStateMismatchError,
        GetAuthorizeUrlOptions,
        OAuthConfig,
    )

    app = Flask(__name__)
    app.secret_key = "a-long-random-secret-for-session-cookies"
    AUTH = BoxOAuth(  # noqa: N806 - the guide's name
        OAuthConfig(client_id=box.fx.client_id, client_secret=box.fx.client_secret),
        base_urls=urls,
    )

    @app.route("/")
    def get_auth() -> Any:
        url = AUTH.get_authorize_url(
            options=GetAuthorizeUrlOptions(redirect_uri=box.fx.redirect_uri)
        )
        session["box_state"] = url.state  # this user's state, in this user's session
        return redirect(url, code=302)

    @app.route("/oauth2callback")
    def callback() -> Any:
        expected = session.pop("box_state", None)  # single use
        if expected is None:  # no sign-in started in this browser
            abort(400)
        try:
            AUTH.get_tokens_from_redirect(request.url, expected_state=expected)
        except BoxStateMismatchError:  # not the state this browser was given
            abort(400)
        me = BoxClient(auth=AUTH).users.get_user_me()
        return f"signed in as {me.id}"

    # --- end of the README example --------------------------------------------
    return app


def _callback_path(location: str) -> str:
    parts = urlsplit(location)
    return f"/oauth2callback?{parts.query}"


def test_a_user_signs_in_through_their_own_session(box: Any, urls: BaseUrls) -> None:
    app = _app(box, urls)
    browser = app.test_client()
    box_url = browser.get("/").headers["Location"]
    answer = browser.get(_callback_path(authorize_redirect(box_url)))
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == f"signed in as {box.fx.user_id}"


def test_an_attackers_redirect_is_refused_in_the_victims_browser(box: Any, urls: BaseUrls) -> None:
    app = _app(box, urls)
    attacker, victim = app.test_client(), app.test_client()
    attackers_redirect = authorize_redirect(attacker.get("/").headers["Location"])
    victim.get("/")  # the victim started a sign-in of their own
    box.emu.reset_counters()
    answer = victim.get(_callback_path(attackers_redirect))  # the attacker's link, clicked
    assert answer.status_code == 400
    assert box.emu.request_count(path="/oauth2/token") == 0


def test_a_redirect_without_any_sign_in_in_this_session_is_refused(
    box: Any, urls: BaseUrls
) -> None:
    app = _app(box, urls)
    attacker, victim = app.test_client(), app.test_client()
    attackers_redirect = authorize_redirect(attacker.get("/").headers["Location"])
    query = dict(parse_qsl(urlsplit(attackers_redirect).query))
    assert query["state"]
    assert victim.get(_callback_path(attackers_redirect)).status_code == 400
