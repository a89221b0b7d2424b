"""Box-shaped answers: token formats, every documented body variant, error bodies, headers.

Each expectation is a Box document's (cited in adapters/emulator/shapes.py,
client_errors.py and texts.py), not what our client happens to parse.
"""

from __future__ import annotations

import re
import string

import pytest
from boxauth.adapters.emulator import TOKEN_BODY_SHAPES, BodyShape, texts

ALNUM = re.compile(r"[A-Za-z0-9]+")
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
URN = "urn:ietf:params:oauth:token-type:access_token"
GRANTS = ("authorization_code", "refresh_token", "jwt", "client_credentials", "token_exchange")


def _token_answer(env, grant: str):
    """A 200 from the token endpoint for ``grant`` (emulator grant names)."""
    if grant == "authorization_code":
        return env.token(env.code_form(env.code()))
    if grant == "refresh_token":
        pair = env.pair()
        return env.token({"grant_type": "refresh_token", "refresh_token": pair["refresh_token"],
                          "client_id": env.client_id, "client_secret": env.secret})
    if grant == "jwt":
        return env.token(env.jwt_form(env.assertion()))
    if grant == "client_credentials":
        return env.token(env.ccg_form())
    return env.token(env.exchange_form(env.user_token(), resource=env.file_url()))


def _ok(env, grant: str) -> dict:
    answer = _token_answer(env, grant)
    assert answer.status == 200, answer.body
    return dict(answer.json())


# -- token formats -----------------------------------------------------------------------
@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token", "jwt",
                                   "client_credentials"])
def test_access_tokens_are_32_letters_and_digits(env, grant: str) -> None:
    token = _ok(env, grant)["access_token"]
    assert len(token) == 32 and ALNUM.fullmatch(token)


def test_developer_tokens_are_32_letters_and_digits(env) -> None:
    token = env.emu.add_developer_token(env.user, client_id=env.client_id)
    assert len(token) == 32 and ALNUM.fullmatch(token)


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token"])
def test_refresh_tokens_are_64_letters_and_digits(env, grant: str) -> None:
    token = _ok(env, grant)["refresh_token"]
    assert len(token) == 64 and ALNUM.fullmatch(token)


def test_downscoped_tokens_begin_with_1_bang(env) -> None:
    tokens = {_ok(env, "token_exchange")["access_token"] for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert token.startswith("1!") and len(token) == 128
        assert BASE64URL.fullmatch(token[2:])
        assert env.emu.token_info(token).downscoped


def test_a_1_bang_token_works_everywhere_a_token_does(env) -> None:
    token = _ok(env, "token_exchange")["access_token"]
    assert env.get("/2.0/users/me", token).json()["id"] == env.user
    narrower = env.token(env.exchange_form(token, resource=env.file_url()))
    assert narrower.status == 200 and narrower.json()["access_token"].startswith("1!")
    revoked = env.post("/oauth2/revoke", {"client_id": env.client_id,
                                          "client_secret": env.secret, "token": token})
    assert revoked.status == 200
    assert env.get("/2.0/users/me", token).status == 401


def test_ids_secrets_and_codes_look_like_boxs_examples(env) -> None:
    assert len(env.client_id) == 32 and set(env.client_id) <= set(string.ascii_lowercase
                                                                  + string.digits)
    assert len(env.secret) == 32 and ALNUM.fullmatch(env.secret)
    code = env.code()
    assert len(code) == 32 and ALNUM.fullmatch(code)
    assert env.user.isdigit() and env.enterprise.isdigit()


# -- the body of a 200 -------------------------------------------------------------------
DEFAULT_KEYS = {
    # the tokens guide's OAuth 2.0 example
    "authorization_code": ["access_token", "expires_in", "token_type", "refresh_token",
                           "issued_token_type"],
    "refresh_token": ["access_token", "expires_in", "token_type", "refresh_token",
                      "issued_token_type"],
    # the tokens guide's JWT/CCG example
    "jwt": ["access_token", "expires_in", "restricted_to", "issued_token_type"],
    "client_credentials": ["access_token", "expires_in", "restricted_to", "issued_token_type"],
    # the downscope guide's example
    "token_exchange": ["access_token", "expires_in", "token_type", "restricted_to",
                       "issued_token_type"],
}
DEFAULT_ISSUED = {"authorization_code": URN, "refresh_token": URN, "jwt": "bearer",
                  "client_credentials": "bearer", "token_exchange": URN}


@pytest.mark.parametrize("grant", GRANTS)
def test_each_grant_answers_as_boxs_guide_for_it_shows(env, grant: str) -> None:
    body = _ok(env, grant)
    assert list(body) == DEFAULT_KEYS[grant]
    assert body["issued_token_type"] == DEFAULT_ISSUED[grant]
    assert body["expires_in"] == 3600 and isinstance(body["expires_in"], int)
    if "token_type" in body:
        assert body["token_type"] == "bearer"


def _expected_keys(shape: BodyShape, grant: str) -> list[str]:
    keys = ["access_token", "expires_in"]
    if shape.token_type:
        keys.append("token_type")
    if shape.restricted_to:
        keys.append("restricted_to")
    if grant in ("authorization_code", "refresh_token"):
        keys.append("refresh_token")
    downscoped = grant == "token_exchange"
    if shape.issued_token_type is not None and (downscoped
                                                or not shape.issued_only_when_downscoped):
        keys.append("issued_token_type")
    return keys


@pytest.mark.parametrize("name", sorted(TOKEN_BODY_SHAPES))
@pytest.mark.parametrize("grant", GRANTS)
def test_every_documented_body_variant_can_be_chosen(env, name: str, grant: str) -> None:
    env.emu.set_token_body(name, grant=grant)
    shape = TOKEN_BODY_SHAPES[name]
    body = _ok(env, grant)
    assert list(body) == _expected_keys(shape, grant)
    if "issued_token_type" in body:
        assert body["issued_token_type"] == shape.issued_token_type
    if "restricted_to" in body:
        assert isinstance(body["restricted_to"], list)
        assert bool(body["restricted_to"]) == (grant == "token_exchange")


def test_the_variants_are_the_documented_ones() -> None:
    assert TOKEN_BODY_SHAPES["server_guide"] == BodyShape(
        token_type=False, issued_token_type="bearer", restricted_to=True)
    assert TOKEN_BODY_SHAPES["oauth_guide"] == BodyShape(
        token_type=True, issued_token_type=URN, restricted_to=False)
    assert TOKEN_BODY_SHAPES["schema"].issued_only_when_downscoped
    assert TOKEN_BODY_SHAPES["minimal"] == BodyShape(
        token_type=False, issued_token_type=None, restricted_to=False)


def test_the_schema_variant_sends_issued_token_type_only_when_downscoped(env) -> None:
    env.emu.set_token_body("schema")
    assert "issued_token_type" not in _ok(env, "jwt")
    assert _ok(env, "token_exchange")["issued_token_type"] == URN


def test_a_custom_shape_for_all_grants_and_reset(env) -> None:
    env.emu.set_token_body(BodyShape(token_type=True, issued_token_type=None,
                                     restricted_to=False))
    for grant in GRANTS:
        assert list(_ok(env, grant))[:3] == ["access_token", "expires_in", "token_type"]
    env.emu.reset_token_body()
    for grant in GRANTS:
        assert list(_ok(env, grant)) == DEFAULT_KEYS[grant]


def test_set_token_body_checks_its_arguments(env) -> None:
    with pytest.raises(ValueError, match="shape"):
        env.emu.set_token_body("nope")
    with pytest.raises(ValueError, match="grant"):
        env.emu.set_token_body("minimal", grant="urn:ietf:params:oauth:grant-type:jwt-bearer")


# -- errors --------------------------------------------------------------------------------
def test_token_endpoint_errors_are_oauth2_error_bodies(env) -> None:
    answer = env.token(env.ccg_form(client_secret="wrong"))
    assert answer.status == 400
    assert answer.json() == {"error": "invalid_grant",
                             "error_description": "Grant credentials are invalid"}
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_app_not_yet_approved_by_an_admin(env) -> None:
    env.emu.set_app_authorized(env.client_id, False)
    refused = (400, ("unauthorized_client", texts.APP_NOT_AUTHORIZED))
    answer = env.token(env.ccg_form())
    assert (answer.status, answer.error) == refused
    answer = env.token(env.jwt_form(env.assertion()))
    assert (answer.status, answer.error) == refused
    assert env.token(env.code_form(env.code())).status == 200  # OAuth needs no approval
    env.emu.set_app_authorized(env.client_id, True)
    assert env.token(env.ccg_form()).status == 200


def test_client_errors_have_boxs_shape_and_their_own_request_id(env) -> None:
    answer = env.get("/2.0/webhooks", env.user_token())
    assert answer.status == 404
    body = answer.json()
    assert list(body) == ["type", "status", "code", "help_url", "message", "request_id"]
    assert (body["type"], body["status"], body["code"]) == ("error", 404, "not_found")
    assert body["help_url"].startswith("https://developer.box.com/")
    assert body["request_id"] != answer.headers["box-request-id"]


def test_a_429_is_the_rate_limit_guides_example(env) -> None:
    for path, send in (("/oauth2/token", lambda: env.token(env.ccg_form())),
                       ("/2.0/users/me", lambda: env.get("/2.0/users/me", "x"))):
        env.emu.inject_fault(path=path, kind="status", status=429, retry_after="100")
        answer = send()
        assert answer.status == 429
        assert answer.headers["retry-after"] == "100"
        body = answer.json()
        assert {k: v for k, v in body.items() if k != "request_id"} == {
            "type": "error", "status": 429, "code": "rate_limit_exceeded",
            "help_url": "http://developers.box.com/docs/#errors",
            "message": "Request rate limit exceeded, please try again later",
        }


@pytest.mark.parametrize(("status", "code"), [(500, "internal_server_error"),
                                              (502, "bad_gateway"), (503, "unavailable")])
def test_5xx_bodies_carry_boxs_codes(env, status: int, code: str) -> None:
    env.emu.inject_fault(path="/oauth2/token", kind="status", status=status)
    answer = env.token(env.ccg_form())
    assert answer.status == status and answer.json()["code"] == code


def test_every_answer_has_date_cache_control_and_a_request_id(env) -> None:
    token = env.user_token()
    answers = {
        "token 200": env.token(env.ccg_form()),
        "token 400": env.token({}),
        "revoke 200": env.post("/oauth2/revoke", {"client_id": env.client_id,
                                                  "client_secret": env.secret, "token": "x"}),
        "api 200": env.get("/2.0/users/me", token),
        "api 401": env.get("/2.0/users/me"),
        "api 404": env.get("/2.0/nothing", token),
        "authorize 302": env.authorize(),
        "unknown 404": env.get("/nothing"),
    }
    for name, answer in answers.items():
        assert answer.headers["Date"].endswith(" GMT"), name
        assert re.fullmatch(r"[a-z0-9]{27}", answer.headers["box-request-id"]), name
        expected = "no-cache, no-store" if name.startswith("api") else "no-store"
        assert answer.headers["Cache-Control"] == expected, name
