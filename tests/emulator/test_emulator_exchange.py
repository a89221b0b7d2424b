"""Token exchange (downscoping): one test per rule, plus the success paths."""

from __future__ import annotations

import pytest
from boxauth.adapters.emulator import texts


def _ok(env, form):
    answer = env.token(form)
    assert answer.status == 200, answer.body
    return answer.json()


def _error(env, form):
    answer = env.token(form)
    assert answer.status == 400, answer.body
    return answer.error


def test_exchange_unrestricted(env) -> None:
    body = _ok(env, env.exchange_form(env.user_token(), scope="item_upload item_delete"))
    assert "refresh_token" not in body and body["restricted_to"] == []
    assert body["issued_token_type"] == env.ACCESS_TYPE and body["token_type"] == "bearer"
    info = env.emu.token_info(body["access_token"])
    assert info.downscoped and info.scopes == {"item_upload", "item_delete"}


def test_exchange_to_a_file(env) -> None:
    body = _ok(env, env.exchange_form(env.user_token(), resource=env.file_url()))
    [entry] = body["restricted_to"]
    assert entry["scope"] == "item_preview"
    obj = entry["object"]  # File--Mini
    assert list(obj) == ["type", "id", "file_version", "sequence_id", "etag", "sha1", "name"]
    assert (obj["type"], obj["id"], obj["name"]) == ("file", env.file, "notes.txt")
    assert obj["file_version"]["type"] == "file_version"
    assert obj["file_version"]["sha1"] == obj["sha1"] and len(obj["sha1"]) == 40
    assert "refresh_token" not in body


def test_exchange_to_a_folder_with_boxs_host(env) -> None:
    resource = f"https://api.box.com/2.0/folders/{env.folder}"
    body = _ok(env, env.exchange_form(env.user_token(), resource=resource, scope="base_explorer"))
    # Folder--Mini, as the downscope guide's example object.
    assert body["restricted_to"][0]["object"] == {"type": "folder", "id": env.folder,
                                                  "sequence_id": "0", "etag": "0",
                                                  "name": "Reports"}


def test_exchange_with_shared_link(env) -> None:
    link = env.emu.add_shared_link(env.file)
    body = _ok(env, env.exchange_form(env.user_token(), box_shared_link=link))
    assert body["restricted_to"][0]["object"]["id"] == env.file


def test_exchange_leaves_parent_untouched(env) -> None:
    pair = env.pair()
    _ok(env, env.exchange_form(pair["access_token"], resource=env.file_url()))
    assert env.emu.refresh_token_is_live(pair["refresh_token"])
    assert not env.emu.token_info(pair["access_token"]).revoked


def test_exchange_can_narrow_a_restricted_token(env) -> None:
    first = _ok(env, env.exchange_form(env.user_token(), resource=env.file_url(),
                                       scope="item_preview item_download"))
    second = _ok(env, env.exchange_form(first["access_token"], resource=env.file_url(),
                                        scope="item_preview"))
    assert [r["scope"] for r in second["restricted_to"]] == ["item_preview"]


def test_exchange_cannot_widen_scopes(env) -> None:
    first = _ok(env, env.exchange_form(env.user_token(), scope="item_preview"))
    form = env.exchange_form(first["access_token"], scope="item_preview item_download")
    assert _error(env, form) == ("invalid_scope", texts.SCOPE_TOO_BROAD)


def test_exchange_scope_beyond_a_read_only_parent(env) -> None:
    app_token = env.token(env.code_form(env.code(scope="root_readonly"))).json()["access_token"]
    assert _ok(env, env.exchange_form(app_token, scope="item_preview"))
    assert _error(env, env.exchange_form(app_token, scope="item_upload")) == (
        "invalid_scope", texts.SCOPE_TOO_BROAD)


def test_exchange_restricted_cannot_drop_its_restriction(env) -> None:
    first = _ok(env, env.exchange_form(env.user_token(), resource=env.file_url()))
    form = env.exchange_form(first["access_token"])
    assert _error(env, form) == ("invalid_resource", texts.RESOURCE_INVALID)


def test_exchange_restricted_cannot_move_to_another_item(env) -> None:
    first = _ok(env, env.exchange_form(env.user_token(), resource=env.file_url()))
    form = env.exchange_form(first["access_token"], resource=env.file_url(env.inner_file))
    assert _error(env, form) == ("invalid_resource", texts.RESOURCE_INVALID)


@pytest.mark.parametrize("scope", ["item_everything", "item_preview bogus", "ROOT_READONLY"])
def test_exchange_unknown_scope(env, scope) -> None:
    form = env.exchange_form(env.user_token(), scope=scope)
    assert _error(env, form) == ("invalid_scope", texts.SCOPE_UNKNOWN)


def test_exchange_scope_missing(env) -> None:
    form = env.exchange_form(env.user_token(), scope="")
    assert _error(env, form) == ("invalid_request", texts.MISSING_PARAMETER.format(name="scope"))


@pytest.mark.parametrize("kind", ["expired", "revoked", "unknown"])
def test_exchange_subject_must_be_live(env, kind) -> None:
    token = env.user_token()
    if kind == "expired":
        env.emu.advance(3601)
    elif kind == "revoked":
        env.post("/oauth2/revoke", {"client_id": env.client_id, "client_secret": env.secret,
                                    "token": token})
    else:
        token = "not-a-token"
    assert _error(env, env.exchange_form(token)) == ("invalid_grant", texts.SUBJECT_TOKEN_INVALID)


def test_exchange_subject_token_missing(env) -> None:
    form = env.exchange_form("")
    name = "subject_token"
    assert _error(env, form) == ("invalid_request", texts.MISSING_PARAMETER.format(name=name))


@pytest.mark.parametrize("token_type", ["", "urn:ietf:params:oauth:token-type:id_token", "bearer"])
def test_exchange_subject_token_type(env, token_type) -> None:
    form = env.exchange_form(env.user_token(), subject_token_type=token_type)
    assert _error(env, form) == ("invalid_request", texts.SUBJECT_TOKEN_TYPE_INVALID)


def test_exchange_resource_and_shared_link_never_both(env) -> None:
    link = env.emu.add_shared_link(env.file)
    form = env.exchange_form(env.user_token(), resource=env.file_url(), box_shared_link=link)
    assert _error(env, form) == ("invalid_request", texts.RESOURCE_AND_LINK)


def test_exchange_unknown_shared_link(env) -> None:
    form = env.exchange_form(env.user_token(), box_shared_link="https://app.box.com/s/nothing")
    assert _error(env, form) == ("invalid_resource", texts.RESOURCE_INVALID)


@pytest.mark.parametrize("resource", [
    "https://api.box.com/2.0/files/abc",
    "https://evil.example/2.0/files/{file}",
    "/2.0/files/{file}",
    "https://api.box.com/2.0/users/{file}",
    "https://api.box.com/2.0/folders/{file}",  # a file id as a folder
])
def test_exchange_resource_must_be_a_valid_item_url(env, resource) -> None:
    form = env.exchange_form(env.user_token(), resource=resource.format(file=env.file))
    assert _error(env, form) == ("invalid_resource", texts.RESOURCE_INVALID)


def test_exchange_resource_the_user_cannot_see(env) -> None:
    other = env.emu.add_user(enterprise_id=env.enterprise, name="Eve")
    theirs = env.emu.add_file(other, "secret.txt")
    form = env.exchange_form(env.user_token(), resource=env.file_url(theirs))
    assert _error(env, form) == ("invalid_resource", texts.RESOURCE_INVALID)


def test_exchange_client_credentials_when_sent_must_be_valid(env) -> None:
    form = env.exchange_form(env.user_token(), client_id=env.client_id, client_secret="bad")
    assert _error(env, form) == ("invalid_client", texts.INVALID_CLIENT)


def test_exchange_with_valid_client_credentials(env) -> None:
    _ok(env, env.exchange_form(env.user_token(), client_id=env.client_id,
                               client_secret=env.secret))


def test_exchange_subject_of_another_client(env) -> None:
    other = env.emu.add_app(enterprise_id=env.enterprise)
    form = env.exchange_form(env.user_token(), client_id=other.client_id,
                             client_secret=other.client_secret)
    assert _error(env, form) == ("invalid_grant", texts.SUBJECT_TOKEN_INVALID)


def test_exchange_grant_not_enabled(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, grants={"client_credentials"})
    token = env.token(env.ccg_form(client_id=app.client_id,
                                   client_secret=app.client_secret)).json()["access_token"]
    assert _error(env, env.exchange_form(token)) == ("invalid_request",
                                                     texts.GRANT_UNAUTHORIZED)


def test_exchange_actor_token_refused(env) -> None:
    form = env.exchange_form(env.user_token(), actor_token="x.y.z",
                             actor_token_type="urn:ietf:params:oauth:token-type:id_token")
    assert _error(env, form) == ("invalid_request", texts.ACTOR_UNSUPPORTED)
