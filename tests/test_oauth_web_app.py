"""README's web-app pattern: a sign-in and a state per user, the state in that user's session.

The code below is README's "OAuth 2.0 in a web app" example, run through
Flask's test client against the emulator, with several browsers (cookie jars).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from support import authorize_redirect

from boxauth import BaseUrls


def _app(box: Any, urls: BaseUrls, tokens: Path) -> Any:
    # --- README example (client and redirect from the emulator's fixture) -------
    import secrets

    from flask import Flask, abort, redirect, request, session

    from boxauth import (
        BoxClient,
        BoxOAuth,
        BoxStateMismatchError,
        FileTokenStorage,
        GetAuthorizeUrlOptions,
        OAuthConfig,
    )

    app = Flask(__name__)
    app.secret_key = "a-long-random-secret-for-session-cookies"
    TOKENS = str(tokens)  # noqa: N806 - README's name

    def auth_for(user: str) -> BoxOAuth:
        """Each user of the app has their own sign-in, in their own token file."""
        config = OAuthConfig(
            client_id=box.fx.client_id,
            client_secret=box.fx.client_secret,
            token_storage=FileTokenStorage(f"{TOKENS}/{user}.json"),
        )
        return BoxOAuth(config, base_urls=urls)

    @app.route("/")
    def get_auth() -> Any:
        session.setdefault("user", secrets.token_urlsafe(16))  # or your app's own user id
        url = auth_for(session["user"]).get_authorize_url(
            options=GetAuthorizeUrlOptions(redirect_uri=box.fx.redirect_uri)
        )
        session["box_state"] = url.state  # this user's state, in this user's session
        return redirect(url, code=302)

    @app.route("/oauth2callback")
    def callback() -> Any:
        expected = session.pop("box_state", None)  # single use; None: no sign-in started here
        if "user" not in session:
            abort(400)
        auth = auth_for(session["user"])
        try:
            auth.get_tokens_from_redirect(request.url, expected_state=expected)
        except BoxStateMismatchError:  # not the state this browser was given
            abort(400)
        return f"signed in as {BoxClient(auth=auth).users.get_user_me().id}"

    # --- end of the README example ------------------------------------------------
    return app


def _callback(location: str) -> str:
    return f"/oauth2callback?{urlsplit(location).query}"


def _sign_in(browser: Any) -> str:
    """The browser's redirect back from Box (the emulator signs in its fixture user)."""
    return authorize_redirect(browser.get("/").headers["Location"])


def test_each_user_signs_in_through_their_own_session(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    app = _app(box, urls, tmp_path)
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        answer = browser.get(_callback(_sign_in(browser)))
        assert answer.status_code == 200
        assert answer.get_data(as_text=True) == f"signed in as {box.fx.user_id}"
    files = sorted(p.name for p in tmp_path.glob("*.json"))
    assert len(files) == 2  # one sign-in per user, never a shared one


def test_an_attackers_redirect_is_refused_in_the_victims_browser(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    app = _app(box, urls, tmp_path)
    attacker, victim = app.test_client(), app.test_client()
    attackers_redirect = _sign_in(attacker)
    victim.get("/")  # the victim started a sign-in of their own
    box.emu.reset_counters()
    assert victim.get(_callback(attackers_redirect)).status_code == 400
    assert box.emu.request_count(path="/oauth2/token") == 0


def test_a_redirect_in_a_browser_that_started_no_sign_in_is_refused(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    app = _app(box, urls, tmp_path)
    attacker, victim = app.test_client(), app.test_client()
    attackers_redirect = _sign_in(attacker)
    box.emu.reset_counters()
    assert victim.get(_callback(attackers_redirect)).status_code == 400
    victim.get("/")  # a session, but its state was never sent to Box with this code
    victim_session_only = victim.get(_callback(attackers_redirect))
    assert victim_session_only.status_code == 400
    assert box.emu.request_count(path="/oauth2/token") == 0
