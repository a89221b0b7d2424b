"""/2.0/users/me and /2.0/folders/{id}/items: 401, 403, and the success paths."""

from __future__ import annotations

import pytest
from boxauth.adapters.emulator import texts


def _downscoped(env, scope, resource=None):
    form = env.exchange_form(env.user_token(), scope=scope)
    if resource is not None:
        form["resource"] = resource
    answer = env.token(form)
    assert answer.status == 200, answer.body
    return answer.json()["access_token"]


def _unauthorized(answer):
    assert answer.status == 401 and answer.body == b""
    assert answer.headers["WWW-Authenticate"] == texts.WWW_AUTHENTICATE


def _forbidden(answer):
    assert answer.status == 403
    body = answer.json()
    assert (body["type"], body["status"], body["code"]) == ("error", 403, "insufficient_scope")
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer realm="Service", error="insufficient_scope", error_description="The request '
        'requires higher privileges than provided by the access token."')


def test_users_me(env) -> None:
    answer = env.get("/2.0/users/me", env.user_token())
    assert answer.status == 200
    body = answer.json()
    assert {k: body[k] for k in ("type", "id", "name", "login")} == {
        "type": "user", "id": env.user, "name": "Ada", "login": "ada@example.com"}
    assert answer.headers["box-request-id"] and answer.headers["Date"]


def test_users_me_with_developer_token(env) -> None:
    token = env.emu.add_developer_token(env.user, client_id=env.client_id)
    assert env.get("/2.0/users/me", token).json()["id"] == env.user


def test_developer_token_lives_an_hour(env) -> None:
    token = env.emu.add_developer_token(env.user, client_id=env.client_id)
    env.emu.advance(3601)
    _unauthorized(env.get("/2.0/users/me", token))


def test_users_me_with_any_downscoped_token(env) -> None:
    token = _downscoped(env, "item_preview", env.file_url())
    assert env.get("/2.0/users/me", token).json()["id"] == env.user


def test_missing_token(env) -> None:
    _unauthorized(env.get("/2.0/users/me"))


def test_unknown_token(env) -> None:
    _unauthorized(env.get("/2.0/users/me", "x" * 32))


def test_not_a_bearer_scheme(env) -> None:
    answer = env.fetch(env.emu.base_url + "/2.0/users/me",
                       headers={"Authorization": "Basic " + env.user_token()})
    _unauthorized(answer)


def test_expired_token(env) -> None:
    token = env.user_token()
    env.emu.advance(3600)
    _unauthorized(env.get("/2.0/users/me", token))


def test_token_alive_before_expiry(env) -> None:
    token = env.user_token()
    env.emu.advance(3590)
    assert env.get("/2.0/users/me", token).status == 200


def test_revoked_token(env) -> None:
    token = env.user_token()
    env.post("/oauth2/revoke", {"client_id": env.client_id, "client_secret": env.secret,
                                "token": token})
    _unauthorized(env.get("/2.0/users/me", token))
    assert env.emu.error_counts[("invalid_token", "The access token provided is invalid.")] == 1


def test_root_folder_items(env) -> None:
    answer = env.get("/2.0/folders/0/items", env.user_token())
    assert answer.status == 200
    body = answer.json()
    assert body["total_count"] == 2 and (body["offset"], body["limit"]) == (0, 100)
    assert [(e["type"], e["id"], e["name"]) for e in body["entries"]] == [
        ("folder", env.folder, "Reports"),
        ("file", env.file, "notes.txt"),
    ]
    assert answer.headers["Cache-Control"] == "no-cache, no-store"


def test_folder_items_paging(env) -> None:
    body = env.get("/2.0/folders/0/items?offset=1&limit=1", env.user_token()).json()
    assert [e["id"] for e in body["entries"]] == [env.file]
    assert (body["total_count"], body["offset"], body["limit"]) == (2, 1, 1)


def test_folder_items_of_another_users_folder(env) -> None:
    other = env.emu.add_user(enterprise_id=env.enterprise, name="Eve")
    theirs = env.emu.add_folder(other, "Private")
    assert env.get(f"/2.0/folders/{theirs}/items", env.user_token()).status == 404


@pytest.mark.parametrize("scope", ["base_explorer", "item_read", "root_readonly"])
def test_folder_listing_scopes(env, scope) -> None:
    token = _downscoped(env, scope)
    assert env.get(f"/2.0/folders/{env.folder}/items", token).status == 200


def test_item_preview_cannot_list_a_folder(env) -> None:
    token = _downscoped(env, "item_preview", env.file_url())
    _forbidden(env.get(f"/2.0/folders/{env.folder}/items", token))


def test_item_preview_unrestricted_cannot_list(env) -> None:
    _forbidden(env.get("/2.0/folders/0/items", _downscoped(env, "item_preview item_download")))


def test_restricted_to_another_folder(env) -> None:
    sub = env.emu.add_folder(env.user, "Other")
    token = _downscoped(env, "base_explorer", env.folder_url(sub))
    _forbidden(env.get(f"/2.0/folders/{env.folder}/items", token))
    assert env.get(f"/2.0/folders/{sub}/items", token).status == 200


def test_full_token_without_root_scope_cannot_list(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, scopes={"manage_groups"})
    token = env.token(env.ccg_form(client_id=app.client_id,
                                   client_secret=app.client_secret)).json()["access_token"]
    _forbidden(env.get("/2.0/folders/0/items", token))
    assert env.get("/2.0/users/me", token).status == 200


def test_unknown_api_path(env) -> None:
    answer = env.get("/2.0/webhooks", env.user_token())
    assert answer.status == 404 and answer.json()["code"] == "not_found"
