"""JWT bearer grant: one test per rule, each breaking only that rule."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from email.utils import parsedate_to_datetime

import pytest
from boxauth.adapters.emulator import texts


def _refused(env, form, description):
    answer = env.token(form)
    assert answer.status == 400, answer.body
    assert answer.error == ("invalid_grant", description)
    return answer


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_jwt_success_for_each_allowed_algorithm(env, alg) -> None:
    answer = env.token(env.jwt_form(env.assertion(alg=alg)))
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["expires_in"] == 3600 and body["issued_token_type"] == "bearer"
    assert "refresh_token" not in body and body["restricted_to"] == []
    assert "token_type" not in body  # the tokens guide's JWT/CCG example has none
    assert env.emu.token_info(body["access_token"]).user_id == env.app.service_account_id


def test_jwt_user_subject_success(env) -> None:
    form = env.jwt_form(env.assertion(sub=env.app_user, box_sub_type="user"))
    answer = env.token(form)
    assert answer.status == 200, answer.body
    assert env.emu.token_info(answer.json()["access_token"]).user_id == env.app_user


@pytest.mark.parametrize("alg", ["none", "HS256", "PS256", "ES256", "rs256"])
def test_jwt_algorithm_not_allowed(env, alg) -> None:
    # Signed correctly with RS256; only the header's alg is wrong.
    head = {"alg": alg, "typ": "JWT", "kid": env.kid}
    assertion = env.sign_jwt(head, env.claims(), env.key)
    _refused(env, env.jwt_form(assertion), texts.ALGORITHM_NOT_ALLOWED)


def test_jwt_alg_none_unsigned(env) -> None:
    head = env.b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": env.kid}).encode())
    body = env.b64url(json.dumps(env.claims()).encode())
    _refused(env, env.jwt_form(f"{head}.{body}."), texts.ALGORITHM_NOT_ALLOWED)


def test_jwt_hs256_signed_with_public_key_is_refused(env) -> None:
    """The classic key-confusion attack: HMAC keyed with the public PEM."""
    head = env.b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": env.kid}).encode())
    body = env.b64url(json.dumps(env.claims()).encode())
    mac = hmac.new(env.public_pem(env.key), f"{head}.{body}".encode(), hashlib.sha256).digest()
    _refused(env, env.jwt_form(f"{head}.{body}.{env.b64url(mac)}"), texts.ALGORITHM_NOT_ALLOWED)


def test_jwt_malformed(env) -> None:
    _refused(env, env.jwt_form("not.a-jwt"), texts.JWT_MALFORMED)


def test_jwt_typ_required(env) -> None:
    _refused(env, env.jwt_form(env.assertion(header={"typ": "JOSE"})), texts.TYP_INVALID)


def test_jwt_kid_unknown(env) -> None:
    _refused(env, env.jwt_form(env.assertion(header={"kid": "nope"})), texts.KID_INVALID)


def test_jwt_kid_of_another_app(env) -> None:
    other = env.emu.add_app(enterprise_id=env.enterprise)
    env.emu.add_public_key(other.client_id, "theirs", env.public_pem(env.other_key))
    assertion = env.assertion(header={"kid": "theirs"}, key=env.other_key)
    _refused(env, env.jwt_form(assertion), texts.KID_INVALID)


def test_jwt_signature_must_verify(env) -> None:
    _refused(env, env.jwt_form(env.assertion(key=env.other_key)), texts.SIGNATURE_INVALID)


def test_jwt_tampered_claims_fail_signature(env) -> None:
    head, _, sig = env.assertion().split(".")
    forged = env.b64url(b'{"iss":"x"}')
    _refused(env, env.jwt_form(f"{head}.{forged}.{sig}"), texts.SIGNATURE_INVALID)


def test_jwt_iss_must_be_client_id(env) -> None:
    _refused(env, env.jwt_form(env.assertion(iss="someone-else")), texts.ISS_INVALID)


def test_jwt_aud_exact(env) -> None:
    aud = "https://api.box.com/oauth2/token/"
    _refused(env, env.jwt_form(env.assertion(aud=aud)), texts.AUD_INVALID)


@pytest.mark.parametrize("exp", ["1999999999", 1.5e9 + 0.5, None, True])
def test_jwt_exp_must_be_an_integer(env, exp) -> None:
    _refused(env, env.jwt_form(env.assertion(exp=exp)), texts.EXP_NOT_INTEGER)


def test_jwt_exp_in_the_past(env) -> None:
    exp = int(env.emu.now()) - 1
    _refused(env, env.jwt_form(env.assertion(exp=exp)), texts.EXP_PASSED)


def test_jwt_exp_judged_on_server_clock(env) -> None:
    """A client clock 10 minutes slow: exp is fine locally, past on Box's clock."""
    env.emu.clock_offset = 600.0
    answer = _refused(
        env, env.jwt_form(env.assertion(exp=int(time.time()) + 30)), texts.EXP_PASSED
    )
    server = parsedate_to_datetime(answer.headers["Date"]).timestamp()
    assert abs(server - (time.time() + 600)) < 5


def test_jwt_exp_more_than_60_seconds_ahead(env) -> None:
    exp = int(env.emu.now()) + 62
    _refused(env, env.jwt_form(env.assertion(exp=exp)), texts.EXP_TOO_FAR)


def test_jwt_exp_60_seconds_ahead_is_accepted(env) -> None:
    assert env.token(env.jwt_form(env.assertion(exp=int(env.emu.now()) + 59))).status == 200


def test_jwt_nbf_in_the_future(env) -> None:
    nbf = int(env.emu.now()) + 20
    _refused(env, env.jwt_form(env.assertion(nbf=nbf)), texts.NBF_INVALID)


def test_jwt_iat_must_be_an_integer(env) -> None:
    _refused(env, env.jwt_form(env.assertion(iat="now")), texts.IAT_INVALID)


def test_jwt_iat_and_nbf_accepted_when_valid(env) -> None:
    now = int(env.emu.now())
    assert env.token(env.jwt_form(env.assertion(iat=now, nbf=now - 1))).status == 200


@pytest.mark.parametrize("jti", ["a" * 15, "a" * 129, None, 1234567890123456789])
def test_jwt_jti_length(env, jti) -> None:
    _refused(env, env.jwt_form(env.assertion(jti=jti)), texts.JTI_LENGTH)


@pytest.mark.parametrize("jti", ["a" * 16, "b" * 128])
def test_jwt_jti_bounds_accepted(env, jti) -> None:
    assert env.token(env.jwt_form(env.assertion(jti=jti))).status == 200


def test_jwt_jti_replay(env) -> None:
    form = env.jwt_form(env.assertion())
    assert env.token(form).status == 200
    _refused(env, form, texts.JTI_REPLAYED)


def test_jwt_jti_replay_with_a_fresh_signature(env) -> None:
    jti = "j" * 40
    assert env.token(env.jwt_form(env.assertion(jti=jti))).status == 200
    _refused(env, env.jwt_form(env.assertion(jti=jti, alg="RS512")), texts.JTI_REPLAYED)


def test_jwt_jti_burnt_by_an_injected_429(env) -> None:
    """Box had read the assertion before it answered 429 (box-python-sdk-gen#731)."""
    form = env.jwt_form(env.assertion())
    env.emu.inject_fault(path="/oauth2/token", kind="status", count=1, status=429,
                         retry_after="0")
    assert env.token(form).status == 429
    _refused(env, form, texts.JTI_REPLAYED)


@pytest.mark.parametrize("sub_type", ["external", "", None])
def test_jwt_box_sub_type(env, sub_type) -> None:
    _refused(env, env.jwt_form(env.assertion(box_sub_type=sub_type)), texts.SUB_TYPE_INVALID)


def test_jwt_enterprise_sub_must_be_the_apps_enterprise(env) -> None:
    other = env.emu.add_enterprise()
    _refused(env, env.jwt_form(env.assertion(sub=other)), texts.SUB_INVALID)


def test_jwt_user_sub_must_exist(env) -> None:
    form = env.jwt_form(env.assertion(sub="999", box_sub_type="user"))
    _refused(env, form, texts.SUB_INVALID)


def test_jwt_user_sub_must_be_in_the_apps_enterprise(env) -> None:
    stranger = env.emu.add_user(enterprise_id=env.emu.add_enterprise(), name="X")
    form = env.jwt_form(env.assertion(sub=stranger, box_sub_type="user"))
    _refused(env, form, texts.SUB_INVALID)


def test_jwt_user_sub_needs_user_tokens_enabled(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, allow_user_tokens=False)
    env.emu.add_public_key(app.client_id, env.kid, env.public_pem(env.key))
    assertion = env.assertion(iss=app.client_id, sub=env.user, box_sub_type="user")
    form = env.jwt_form(assertion, client_id=app.client_id, client_secret=app.client_secret)
    assert env.token(form).error == ("invalid_request", texts.USER_TOKENS_NOT_ENABLED)


def test_jwt_sub_type_mismatch(env) -> None:
    """box_sub_type user with an enterprise id as sub."""
    form = env.jwt_form(env.assertion(box_sub_type="user"))
    _refused(env, form, texts.SUB_INVALID)


def test_jwt_requires_client_secret(env) -> None:
    form = env.jwt_form(env.assertion(), client_secret="wrong")
    answer = env.token(form)
    assert (answer.status, answer.error) == (400, ("invalid_client", texts.INVALID_CLIENT))


def test_jwt_requires_client_id(env) -> None:
    form = env.jwt_form(env.assertion())
    del form["client_id"]
    answer = env.token(form)
    assert (answer.status, answer.error) == (400, ("invalid_client", texts.INVALID_CLIENT))


def test_jwt_assertion_missing(env) -> None:
    form = env.jwt_form("")
    answer = env.token(form)
    assert answer.status == 400
    assert answer.error == ("invalid_request", texts.MISSING_PARAMETER.format(name="assertion"))


def test_jwt_grant_not_enabled(env) -> None:
    app = env.emu.add_app(enterprise_id=env.enterprise, grants={"client_credentials"})
    form = env.jwt_form(env.assertion(iss=app.client_id), client_id=app.client_id,
                        client_secret=app.client_secret)
    answer = env.token(form)
    assert answer.error == ("invalid_request", texts.GRANT_UNAUTHORIZED)


def test_jwt_counted_by_grant_type(env) -> None:
    env.emu.reset_counters()
    env.token(env.jwt_form(env.assertion()))
    env.token(env.jwt_form(env.assertion(aud="x")))
    assert env.emu.grant_counts[env.JWT_GRANT] == 2
    assert env.emu.error_counts == {("invalid_grant", texts.AUD_INVALID): 1}
