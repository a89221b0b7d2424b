"""What box_sdk_gen's BoxClient calls: users/me with fields=, folder items, As-User.

Plain urllib; the expectations are the OpenAPI schemas' (User, User--Full,
File--Mini, Folder--Mini, Items) and Box's As-User guide's.
"""

from __future__ import annotations

import http.client

import pytest

USER_STANDARD = ["type", "id", "name", "login", "created_at", "modified_at", "language",
                 "timezone", "space_amount", "space_used", "max_upload_size", "status",
                 "job_title", "phone", "address", "avatar_url", "notification_email"]
FOLDER_MINI = ["type", "id", "sequence_id", "etag", "name"]
FILE_MINI = ["type", "id", "file_version", "sequence_id", "etag", "sha1", "name"]
CHALLENGE = ('Bearer realm="Service", error="insufficient_scope", error_description="The '
             'request requires higher privileges than provided by the access token."')


def _as_user(env, token: str, user_id: str, path: str = "/2.0/users/me"):
    return env.fetch(env.emu.base_url + path,
                     headers={"Authorization": f"Bearer {token}", "As-User": user_id})


def _refused(answer) -> None:
    assert answer.status == 403
    assert answer.json()["code"] == "insufficient_scope"
    assert answer.headers["WWW-Authenticate"] == CHALLENGE


@pytest.fixture
def sdk_env(env):
    """The env's app with As-User on, and a Service Account token."""
    app = env.emu.add_app(enterprise_id=env.enterprise, as_user=True)
    sa_token = env.token(env.ccg_form(client_id=app.client_id, client_secret=app.client_secret,
                                      box_subject_type="enterprise",
                                      box_subject_id=env.enterprise)).json()["access_token"]
    env.as_user_app, env.sa_token = app, sa_token
    return env


# -- users/me ------------------------------------------------------------------------------
def test_users_me_is_the_standard_representation(env) -> None:
    body = env.get("/2.0/users/me", env.user_token()).json()
    assert list(body) == USER_STANDARD
    assert body["created_at"].endswith("+00:00") and body["status"] == "active"
    assert isinstance(body["space_amount"], int)


def test_users_me_fields_gives_mini_plus_the_fields_asked_for(env) -> None:
    token = env.user_token()
    body = env.get("/2.0/users/me?fields=role,enterprise,nonsense", token).json()
    assert list(body) == ["type", "id", "name", "login", "role", "enterprise"]
    assert body["role"] == "user"
    assert body["enterprise"] == {"type": "enterprise", "id": env.enterprise,
                                  "name": "Emulated Enterprise"}


def test_users_me_fields_of_only_unknown_names_is_the_mini_representation(env) -> None:
    body = env.get("/2.0/users/me?fields=nothing,%20", env.user_token()).json()
    assert body == {"type": "user", "id": env.user, "name": "Ada", "login": "ada@example.com"}


def test_users_me_all_full_fields(env) -> None:
    full = ("role,tracking_codes,can_see_managed_users,is_sync_enabled,"
            "is_external_collab_restricted,is_exempt_from_device_limits,"
            "is_exempt_from_login_verification,enterprise,my_tags,hostname,"
            "is_platform_access_only,external_app_user_id")
    body = env.get(f"/2.0/users/me?fields={full}", env.user_token()).json()
    assert set(full.split(",")) <= set(body)
    assert body["is_platform_access_only"] is False  # a managed user


# -- As-User -------------------------------------------------------------------------------
def test_a_service_account_acts_as_a_user(sdk_env) -> None:
    env = sdk_env
    assert env.get("/2.0/users/me", env.sa_token).json()["id"] == env.as_user_app.service_account_id
    assert _as_user(env, env.sa_token, env.app_user).json()["id"] == env.app_user
    listing = _as_user(env, env.sa_token, env.user, "/2.0/folders/0/items").json()
    assert {e["id"] for e in listing["entries"]} == {env.folder, env.file}


def test_an_admin_acts_as_a_user(sdk_env) -> None:
    env = sdk_env
    admin = env.emu.add_user(enterprise_id=env.enterprise, name="Admin", role="admin")
    token = env.emu.add_developer_token(admin, client_id=env.as_user_app.client_id)
    assert _as_user(env, token, env.user).json()["id"] == env.user


def test_as_user_refused_when_the_app_has_it_off(env) -> None:
    token = env.token(env.ccg_form(box_subject_type="enterprise",
                                   box_subject_id=env.enterprise)).json()["access_token"]
    _refused(_as_user(env, token, env.user))


def test_as_user_refused_for_a_plain_user(sdk_env) -> None:
    env = sdk_env
    token = env.emu.add_developer_token(env.user, client_id=env.as_user_app.client_id)
    _refused(_as_user(env, token, env.app_user))


def test_as_user_refused_for_a_downscoped_token(sdk_env) -> None:
    env = sdk_env
    narrow = env.token(env.exchange_form(env.sa_token, scope="root_readonly")).json()
    _refused(_as_user(env, narrow["access_token"], env.user))


@pytest.mark.parametrize("target", ["service_account", "other_enterprise", "unknown",
                                    "not_a_number", "empty"])
def test_as_user_refused_for_targets_it_may_not_act_as(sdk_env, target: str) -> None:
    env = sdk_env
    other = env.emu.add_enterprise()
    user_id = {
        "service_account": env.as_user_app.service_account_id,
        "other_enterprise": env.emu.add_user(enterprise_id=other),
        "unknown": "999999999999",
        "not_a_number": "ada@example.com",
        "empty": "",
    }[target]
    _refused(_as_user(env, env.sa_token, user_id))


def test_two_as_user_headers_are_refused(sdk_env) -> None:
    env = sdk_env
    conn = http.client.HTTPConnection("127.0.0.1", env.emu.port, timeout=10)
    conn.putrequest("GET", "/2.0/users/me")
    conn.putheader("Authorization", f"Bearer {env.sa_token}")
    conn.putheader("As-User", env.user)
    conn.putheader("As-User", env.app_user)
    conn.endheaders()
    assert conn.getresponse().status == 403
    conn.close()


def test_as_user_still_obeys_the_token_scopes(sdk_env) -> None:
    env = sdk_env
    app = env.emu.add_app(enterprise_id=env.enterprise, as_user=True, scopes={"manage_groups"})
    token = env.token(env.ccg_form(client_id=app.client_id, client_secret=app.client_secret,
                                   box_subject_type="enterprise",
                                   box_subject_id=env.enterprise)).json()["access_token"]
    assert _as_user(env, token, env.user).status == 200
    _refused(_as_user(env, token, env.user, "/2.0/folders/0/items"))


# -- folder items ----------------------------------------------------------------------------
def test_entries_are_mini_objects(env) -> None:
    body = env.get("/2.0/folders/0/items", env.user_token()).json()
    assert list(body) == ["total_count", "entries", "offset", "limit", "order"]
    folder, file = body["entries"]
    assert list(folder) == FOLDER_MINI and list(file) == FILE_MINI
    assert file["file_version"]["type"] == "file_version"
    assert body["order"] == [{"by": "type", "direction": "ASC"},
                             {"by": "name", "direction": "ASC"}]


def test_fields_on_items(env) -> None:
    body = env.get("/2.0/folders/0/items?fields=name,size,parent", env.user_token()).json()
    for entry in body["entries"]:
        assert list(entry) == ["type", "id", "etag", "name", "size", "parent"]
        assert entry["parent"] == {"type": "folder", "id": "0"}


def test_sort_and_direction(env) -> None:
    token = env.user_token()
    for name in ("b.txt", "a.txt", "c.txt"):
        env.emu.add_file(env.user, name, parent_id=env.folder)
    path = f"/2.0/folders/{env.folder}/items?sort=name&direction=DESC"
    body = env.get(path, token).json()
    assert [e["name"] for e in body["entries"]] == ["q1.pdf", "c.txt", "b.txt", "a.txt"]
    assert body["order"] == [{"by": "name", "direction": "DESC"}]
    assert env.get(f"/2.0/folders/{env.folder}/items?sort=colour", token).status == 400
    assert env.get(f"/2.0/folders/{env.folder}/items?direction=UP", token).status == 400


def test_limit_over_the_maximum_is_cut_to_it(env) -> None:
    body = env.get("/2.0/folders/0/items?limit=5000", env.user_token()).json()
    assert body["limit"] == 1000


@pytest.mark.parametrize(("query", "code"), [
    ("limit=0", "invalid_limit"), ("limit=abc", "invalid_limit"), ("limit=%C2%B2", "invalid_limit"),
    ("offset=-1", "invalid_offset"), ("offset=10000", "invalid_offset"),
    ("usemarker=maybe", "bad_request"), ("usemarker=true&marker=%%%", "bad_request"),
])
def test_bad_paging_is_400(env, query: str, code: str) -> None:
    answer = env.get(f"/2.0/folders/0/items?{query}", env.user_token())
    assert answer.status == 400 and answer.json()["code"] == code


def test_marker_paging_walks_every_item(env) -> None:
    token = env.user_token()
    ids = {env.emu.add_file(env.user, f"f{i}.txt", parent_id=env.folder) for i in range(5)}
    seen, marker, pages = [], "", 0
    while True:
        path = f"/2.0/folders/{env.folder}/items?usemarker=true&limit=2&marker={marker}"
        body = env.get(path, token).json()
        assert list(body) == ["entries", "limit", "next_marker"]
        seen += [e["id"] for e in body["entries"]]
        pages += 1
        if body["next_marker"] is None:
            break
        marker = body["next_marker"]
    assert set(seen) == ids | {env.inner_file} and len(seen) == 6 and pages == 3


def test_a_folder_id_that_is_not_a_number_is_405(env) -> None:
    answer = env.get("/2.0/folders/abc/items", env.user_token())
    assert answer.status == 405 and answer.json()["code"] == "method_not_allowed"
