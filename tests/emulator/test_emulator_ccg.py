"""Client credentials grant, and the checks every token request shares."""

from __future__ import annotations

import pytest
from boxauth.adapters.emulator import texts


def test_ccg_enterprise_success(env) -> None:
    answer = env.token(env.ccg_form(box_subject_type="enterprise", box_subject_id=env.enterprise))
    assert answer.status == 200, answer.body
    body = answer.json()
    # The tokens guide's JWT/CCG example, field for field.
    assert list(body) == ["access_token", "expires_in", "restricted_to", "issued_token_type"]
    assert (body["expires_in"], body["restricted_to"], body["issued_token_type"]) == (
        3600, [], "bearer")
    assert answer.headers["Cache-Control"] == "no-store"
    assert env.emu.token_info(body["access_token"]).user_id == env.app.service_account_id


@pytest.mark.parametrize("who", ["user", "app_user"])
def test_ccg_user_success(env, who) -> None:
    user = getattr(env, who)
    answer = env.token(env.ccg_form(box_subject_id=user))
    assert answer.status == 200, answer.body
    assert env.emu.token_info(answer.json()["access_token"]).user_id == user


def _grant_refused(env, form):
    answer = env.token(form)
    assert answer.status == 400
    assert answer.error == ("invalid_grant", texts.GRANT_CREDENTIALS_INVALID)


def test_ccg_wrong_secret(env) -> None:
    _grant_refused(env, env.ccg_form(client_secret="x" * 32))


def test_ccg_unknown_client(env) -> None:
    _grant_refused(env, env.ccg_form(client_id="y" * 32))


def test_ccg_missing_secret(env) -> None:
    form = env.ccg_form()
    del form["client_secret"]
    _grant_refused(env, form)


def test_ccg_enterprise_must_be_the_apps(env) -> None:
    other = env.emu.add_enterprise()
    _grant_refused(env, env.ccg_form(box_subject_type="enterprise", box_subject_id=other))


def test_ccg_user_must_exist(env) -> None:
    _grant_refused(env, env.ccg_form(box_subject_id="424242"))


def test_ccg_user_must_be_in_the_apps_enterprise(env) -> None:
    stranger = env.emu.add_user(enterprise_id=env.emu.add_enterprise(), name="X")
    _grant_refused(env, env.ccg_form(box_subject_id=stranger))


def test_ccg_service_account_is_not_a_user_subject(env) -> None:
    _grant_refused(env, env.ccg_form(box_subject_id=env.app.service_account_id))


def test_ccg_user_tokens_need_the_app_setting(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, allow_user_tokens=False)
    form = env.ccg_form(client_id=app.client_id, client_secret=app.client_secret)
    _grant_refused(env, form)
    ok = env.token(env.ccg_form(client_id=app.client_id, client_secret=app.client_secret,
                                box_subject_type="enterprise", box_subject_id=env.enterprise))
    assert ok.status == 200


@pytest.mark.parametrize("subject_type", ["", "group", "Enterprise"])
def test_ccg_subject_type_required(env, subject_type) -> None:
    answer = env.token(env.ccg_form(box_subject_type=subject_type))
    assert answer.error == ("invalid_request", texts.BAD_SUBJECT_TYPE)


def test_ccg_grant_not_enabled(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, grants={"jwt"})
    answer = env.token(env.ccg_form(client_id=app.client_id, client_secret=app.client_secret))
    assert (answer.status, answer.error) == (
        400, ("unauthorized_client", texts.SUBJECT_TYPE_UNAUTHORIZED))


# -- shared by every grant -----------------------------------------------------------------
@pytest.mark.parametrize("grant_type", ["", "password", "urn:ietf:params:oauth:grant-type:saml2"])
def test_grant_type_missing_or_unknown(env, grant_type) -> None:
    answer = env.token(env.ccg_form(grant_type=grant_type))
    assert (answer.status, answer.error) == (400, ("invalid_request", texts.BAD_GRANT_TYPE))


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data"])
def test_token_body_must_be_form_encoded(env, content_type) -> None:
    import urllib.parse

    body = urllib.parse.urlencode(env.ccg_form()).encode()
    answer = env.post("/oauth2/token", body=body, content_type=content_type)
    assert (answer.status, answer.error) == (400, ("invalid_request", texts.BAD_GRANT_TYPE))


def test_form_with_charset_is_accepted(env) -> None:
    import urllib.parse

    body = urllib.parse.urlencode(env.ccg_form()).encode()
    answer = env.post("/oauth2/token", body=body, content_type=env.FORM + "; charset=UTF-8")
    assert answer.status == 200


def test_duplicate_parameter_refused(env) -> None:
    import urllib.parse

    body = urllib.parse.urlencode(env.ccg_form()) + "&box_subject_id=" + env.app_user
    answer = env.post("/oauth2/token", body=body.encode())
    assert (answer.status, answer.error) == (400, ("invalid_request", texts.DUPLICATE_PARAMETER))


def test_token_endpoint_only_takes_post(env) -> None:
    answer = env.fetch(env.emu.base_url + "/oauth2/token")
    assert answer.status == 405
