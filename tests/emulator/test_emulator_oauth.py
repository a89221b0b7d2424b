"""Authorization code flow: /api/oauth2/authorize, the code and refresh grants, revoke."""

from __future__ import annotations

import urllib.parse

import pytest
from boxauth.adapters.emulator import BoxEmulator, texts


def _location(answer):
    assert answer.status == 302, answer.body
    split = urllib.parse.urlsplit(answer.headers["Location"])
    return split, dict(urllib.parse.parse_qsl(split.query))


# -- authorize ---------------------------------------------------------------------------
def test_authorize_redirects_with_code_and_state(env) -> None:
    split, query = _location(env.authorize(redirect_uri=env.CALLBACK, state="s-1 2"))
    assert split._replace(query="").geturl() == env.CALLBACK
    assert query["state"] == "s-1 2" and len(query["code"]) >= 16


def test_authorize_single_registered_uri_is_the_default(env) -> None:
    split, query = _location(env.authorize())
    assert split._replace(query="").geturl() == env.CALLBACK and "state" not in query


def test_authorize_loopback_matches_any_port(env) -> None:
    split, _ = _location(env.authorize(redirect_uri="http://127.0.0.1:53682/callback"))
    assert split.port == 53682


def _page_error(answer, error):
    assert answer.status == 400 and "Location" not in answer.headers
    assert f'<p id="error">{error}</p>' in answer.body.decode()


@pytest.mark.parametrize("uri", [
    "http://127.0.0.1/callback/", "http://127.0.0.1/other", "https://127.0.0.1/callback",
    "http://127.0.0.2/callback", "http://evil.example/callback", "http://127.0.0.1/callback?x=1",
    "http://localhost/callback",
])
def test_authorize_redirect_uri_must_match(env, uri) -> None:
    _page_error(env.authorize(redirect_uri=uri), "redirect_uri_mismatch")


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_authorize_port_freedom_is_only_for_loopback(env, scheme) -> None:
    registered = f"{scheme}://app.example/cb"
    app = env.emu.add_app(enterprise_id=env.enterprise, redirect_uris=[registered])
    answer = env.authorize(client_id=app.client_id, redirect_uri=f"{scheme}://app.example:8443/cb")
    _page_error(answer, "redirect_uri_mismatch")
    assert env.authorize(client_id=app.client_id, redirect_uri=registered).status == 302


def test_authorize_several_uris_need_one_sent(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise,
                          redirect_uris=[env.CALLBACK, "http://127.0.0.1/other"])
    _page_error(env.authorize(client_id=app.client_id), "redirect_uri_missing")


def test_authorize_response_type_must_be_code(env) -> None:
    _page_error(env.authorize(response_type="token"), "unsupported_response_type")


def test_authorize_unknown_client(env) -> None:
    _page_error(env.authorize(client_id="nope"), "invalid_client")


def test_authorize_missing_client(env) -> None:
    _page_error(env.authorize(client_id=""), "invalid_request")


def test_authorize_app_without_code_grant(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, grants={"jwt"})
    _page_error(env.authorize(client_id=app.client_id), "unauthorized_client")


def test_authorize_scope_must_be_configured(env) -> None:
    _page_error(env.authorize(scope="root_readonly sign_requests.readwrite"), "invalid_scope")


def test_authorize_scope_narrows_the_token(env) -> None:
    answer = env.token(env.code_form(env.code(scope="root_readonly")))
    info = env.emu.token_info(answer.json()["access_token"])
    assert info.scopes == frozenset({"root_readonly"}) and info.user_id == env.user


def test_authorize_needs_an_approving_user(emulator, env) -> None:
    with BoxEmulator() as fresh:
        app = fresh.add_app(enterprise_id=fresh.add_enterprise())
        query = urllib.parse.urlencode({"response_type": "code", "client_id": app.client_id})
        _page_error(env.fetch(fresh.oauth_2_url + "/authorize?" + query), "access_denied")


# -- authorization_code grant --------------------------------------------------------------
def test_code_grant_success(env) -> None:
    answer = env.token(env.code_form(env.code()))
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["expires_in"] == 3600 and body["token_type"] == "bearer"
    assert env.emu.refresh_token_is_live(body["refresh_token"])
    assert env.emu.token_info(body["access_token"]).user_id == env.user


def test_code_is_single_use(env) -> None:
    code = env.code()
    assert env.token(env.code_form(code)).status == 200
    assert env.token(env.code_form(code)).error == ("invalid_grant", texts.CODE_EXPIRED)


def test_code_lives_30_seconds(env) -> None:
    code = env.code()
    env.emu.advance(30.5)
    assert env.token(env.code_form(code)).error == ("invalid_grant", texts.CODE_EXPIRED)


def test_code_within_30_seconds(env) -> None:
    code = env.code()
    env.emu.advance(29)
    assert env.token(env.code_form(code)).status == 200


def test_code_unknown(env) -> None:
    assert env.token(env.code_form("x" * 32)).error == ("invalid_grant", texts.CODE_UNKNOWN)


def test_code_bound_to_client(env) -> None:
    other = env.emu.add_app(enterprise_id=env.enterprise)
    form = env.code_form(env.code(), client_id=other.client_id, client_secret=other.client_secret)
    assert env.token(form).error == ("invalid_grant", texts.CODE_UNKNOWN)


def test_code_missing(env) -> None:
    answer = env.token(env.code_form(""))
    assert answer.error == ("invalid_request", texts.MISSING_PARAMETER.format(name="code"))


def test_code_redirect_uri_must_match_when_sent(env) -> None:
    code = env.code(redirect_uri="http://127.0.0.1:8080/callback")
    form = env.code_form(code, redirect_uri="http://127.0.0.1:9090/callback")
    assert env.token(form).error == ("invalid_grant", texts.REDIRECT_URI_MISMATCH)


def test_code_redirect_uri_same_as_authorize_is_accepted(env) -> None:
    code = env.code(redirect_uri="http://127.0.0.1:8080/callback")
    form = env.code_form(code, redirect_uri="http://127.0.0.1:8080/callback")
    assert env.token(form).status == 200


def test_code_wrong_secret(env) -> None:
    answer = env.token(env.code_form(env.code(), client_secret="bad"))
    assert (answer.status, answer.error) == (400, ("invalid_client", texts.INVALID_CLIENT))


def test_code_grant_not_enabled(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise,
                          grants={"jwt", "refresh_token", "authorization_code"})
    code = env.code(client_id=app.client_id)
    narrowed = env.emu.add_app(enterprise_id=env.enterprise, grants={"jwt"})
    # A code can only come from an app with the grant, so test the grant check
    # with an app that lacks it: the check runs before the code lookup.
    form = env.code_form(code, client_id=narrowed.client_id, client_secret=narrowed.client_secret)
    answer = env.token(form)
    assert answer.error == ("invalid_request", texts.GRANT_UNAUTHORIZED)


# -- refresh_token grant ------------------------------------------------------------------
def _refresh_form(env, token, **over):
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": env.client_id,
            "client_secret": env.secret}
    form.update(over)
    return form


def test_refresh_rotates_the_pair(env) -> None:
    first = env.pair()
    answer = env.token(_refresh_form(env, first["refresh_token"]))
    assert answer.status == 200, answer.body
    second = answer.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert not env.emu.refresh_token_is_live(first["refresh_token"])
    assert env.emu.refresh_token_is_live(second["refresh_token"])
    assert env.emu.grant_counts["refresh_token"] == 1


def test_refresh_token_is_single_use(env) -> None:
    token = env.pair()["refresh_token"]
    assert env.token(_refresh_form(env, token)).status == 200
    assert env.token(_refresh_form(env, token)).error == ("invalid_grant", texts.REFRESH_EXPIRED)


def test_refresh_token_lives_60_days(env) -> None:
    token = env.pair()["refresh_token"]
    env.emu.advance(60 * 86400 + 1)
    assert env.token(_refresh_form(env, token)).error == ("invalid_grant", texts.REFRESH_EXPIRED)


def test_refresh_token_within_60_days(env) -> None:
    token = env.pair()["refresh_token"]
    env.emu.advance(59 * 86400)
    assert env.token(_refresh_form(env, token)).status == 200


def test_refresh_token_unknown(env) -> None:
    answer = env.token(_refresh_form(env, "z" * 64))
    assert answer.error == ("invalid_grant", texts.REFRESH_INVALID)


def test_refresh_token_bound_to_client(env) -> None:
    other = env.emu.add_app(enterprise_id=env.enterprise)
    form = _refresh_form(env, env.pair()["refresh_token"], client_id=other.client_id,
                         client_secret=other.client_secret)
    assert env.token(form).error == ("invalid_grant", texts.REFRESH_INVALID)


def test_refresh_token_revoked(env) -> None:
    pair = env.pair()
    env.post("/oauth2/revoke", {"client_id": env.client_id, "client_secret": env.secret,
                                "token": pair["access_token"]})
    answer = env.token(_refresh_form(env, pair["refresh_token"]))
    assert answer.error == ("invalid_grant", texts.REFRESH_INVALID)


def test_refresh_wrong_secret(env) -> None:
    answer = env.token(_refresh_form(env, env.pair()["refresh_token"], client_secret="no"))
    assert answer.error == ("invalid_client", texts.INVALID_CLIENT)


def test_refresh_missing(env) -> None:
    answer = env.token(_refresh_form(env, ""))
    assert answer.error == ("invalid_request", texts.MISSING_PARAMETER.format(name="refresh_token"))


def test_refresh_grant_not_enabled(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, grants={"authorization_code"})
    code = env.code(client_id=app.client_id)
    pair = env.token(env.code_form(code, client_id=app.client_id,
                                   client_secret=app.client_secret)).json()
    form = _refresh_form(env, pair["refresh_token"], client_id=app.client_id,
                         client_secret=app.client_secret)
    assert env.token(form).error == ("invalid_request", texts.GRANT_UNAUTHORIZED)


# -- revoke --------------------------------------------------------------------------------
def _revoke(env, token, **over):
    form = {"client_id": env.client_id, "client_secret": env.secret, "token": token}
    form.update(over)
    return env.post("/oauth2/revoke", form)


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoke_kills_the_pair(env, which) -> None:
    pair = env.pair()
    answer = _revoke(env, pair[which])
    assert (answer.status, answer.body) == (200, b"")
    assert env.emu.token_info(pair["access_token"]).revoked
    assert not env.emu.refresh_token_is_live(pair["refresh_token"])
    assert env.get("/2.0/users/me", pair["access_token"]).status == 401


def test_revoke_unknown_token_is_200(env) -> None:
    answer = _revoke(env, "never-issued")
    assert (answer.status, answer.body) == (200, b"")


def test_revoke_wrong_secret(env) -> None:
    pair = env.pair()
    answer = _revoke(env, pair["access_token"], client_secret="bad")
    assert (answer.status, answer.error) == (400, ("invalid_client", texts.INVALID_CLIENT))
    assert not env.emu.token_info(pair["access_token"]).revoked


def test_revoke_leaves_other_clients_tokens(env) -> None:
    other = env.emu.add_app(enterprise_id=env.enterprise)
    pair = env.pair()
    answer = _revoke(env, pair["access_token"], client_id=other.client_id,
                     client_secret=other.client_secret)
    assert answer.status == 200 and not env.emu.token_info(pair["access_token"]).revoked


def test_revoke_missing_token(env) -> None:
    answer = _revoke(env, "")
    assert answer.error == ("invalid_request", texts.MISSING_PARAMETER.format(name="token"))


def test_revoke_must_be_form_encoded(env) -> None:
    answer = env.post("/oauth2/revoke", body=b"{}", content_type="application/json")
    assert answer.error == ("invalid_request", texts.BAD_CONTENT_TYPE)


def test_revoke_developer_token(env) -> None:
    token = env.emu.add_developer_token(env.user, client_id=env.client_id)
    assert _revoke(env, token).status == 200
    assert env.emu.token_info(token).revoked
