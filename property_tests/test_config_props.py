"""Properties of configuration parsing (protocol notes §4)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success
from strategies import ANY_CHAR, json_values, non_strings, plain, secrets

from boxauth import config
from boxauth.config import AppConfig, SubjectKind


def _never_raises(value: object) -> None:
    result = config.parse_app_config(value)
    assert isinstance(result, Success | Failure)
    if isinstance(result, Success):
        assert isinstance(result.unwrap(), AppConfig)
    else:
        assert result.failure().field


@given(json_values)
def test_never_raises_for_any_json(value: Any) -> None:
    _never_raises(json.dumps(value))
    _never_raises(json.dumps(value).encode())
    _never_raises(json.dumps({"boxAppSettings": value}))
    _never_raises(json.dumps({"boxAppSettings": {"clientID": "a", "appAuth": value}}))


@given(st.text(ANY_CHAR, max_size=200), st.binary(max_size=200))
def test_never_raises_for_any_text(text: str, raw: bytes) -> None:
    _never_raises(text)
    _never_raises(raw)
    _never_raises("[" * 100_000)  # deeper than the recursion limit
    _never_raises(" " * (64 * 1024 + 1))


@given(json_values, non_strings)
def test_never_raises_for_anything_in_any_field(value: Any, other: Any) -> None:
    for key in ("clientID", "clientSecret"):
        data = {"boxAppSettings": {"clientID": "c", "clientSecret": "s", key: value}}
        _never_raises(json.dumps(data))
    for key in ("publicKeyID", "privateKey", "passphrase"):
        data = {"boxAppSettings": {"clientID": "c", "clientSecret": "s", "appAuth": {key: value}}}
        _never_raises(json.dumps(data))
    for key in ("enterpriseID", "userID"):
        _never_raises(
            json.dumps({"boxAppSettings": {"clientID": "c", "clientSecret": "s"}, key: other})
        )


ids = st.one_of(st.integers(0, 10**15), st.integers(0, 10**15).map(str))


@st.composite
def console_configs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A developer-console config, and what it should parse to."""
    cid, secret, kid = draw(plain), draw(secrets), draw(plain)
    key, passphrase = draw(secrets), draw(secrets)
    which = draw(st.sampled_from(["enterpriseID", "userID", None]))
    ident = draw(ids)
    data: dict[str, Any] = {
        "boxAppSettings": {
            "clientID": cid,
            "clientSecret": secret,
            "appAuth": {"publicKeyID": kid, "privateKey": key, "passphrase": passphrase},
        }
    }
    if which is not None:
        data[which] = ident
    expected = {
        "client_id": cid,
        "client_secret": secret,
        "jwt_key_id": kid,
        "private_key": key,
        "private_key_passphrase": passphrase,
        "enterprise_id": str(ident) if which == "enterpriseID" else None,
        "user_id": str(ident) if which == "userID" else None,
    }
    return data, expected


@given(console_configs())
def test_valid_console_config_parses(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    data, expected = case
    app = config.parse_app_config(json.dumps(data)).unwrap()
    assert app == AppConfig(**expected)
    assert isinstance(app.enterprise_id, str | None)
    settings = config.jwt_settings_from_app(app)
    if expected["enterprise_id"] is None and expected["user_id"] is None:
        assert isinstance(settings, Failure)
        return
    jwt = settings.unwrap()
    kind = SubjectKind.ENTERPRISE if expected["enterprise_id"] else SubjectKind.USER
    assert jwt.subject.kind is kind
    assert jwt.subject.id == (expected["enterprise_id"] or expected["user_id"])
    assert jwt.client_secret == expected["client_secret"]
    assert jwt.private_key == expected["private_key"]


@given(console_configs(), ids, ids)
def test_both_ids_fail_naming_them(
    case: tuple[dict[str, Any], dict[str, Any]], ent: object, user: object
) -> None:
    data, _ = case
    data["enterpriseID"], data["userID"] = ent, user
    result = config.parse_app_config(json.dumps(data))
    assert isinstance(result, Failure)
    assert "enterpriseID" in result.failure().field
    assert "userID" in result.failure().field
    both = config.jwt_settings(
        client_id="c",
        client_secret="s",
        jwt_key_id="k",
        private_key="p",
        private_key_passphrase=None,
        enterprise_id=ent,
        user_id=user,
    )
    assert isinstance(both, Failure)
    assert both.failure().field == "enterprise_id/user_id"


PATHS = {
    "boxAppSettings.clientID": ("boxAppSettings", "clientID"),
    "boxAppSettings.clientSecret": ("boxAppSettings", "clientSecret"),
    "boxAppSettings.appAuth.publicKeyID": ("boxAppSettings", "appAuth", "publicKeyID"),
    "boxAppSettings.appAuth.privateKey": ("boxAppSettings", "appAuth", "privateKey"),
    "boxAppSettings.appAuth.passphrase": ("boxAppSettings", "appAuth", "passphrase"),
    "enterpriseID": ("enterpriseID",),
}
REQUIRED = {"boxAppSettings.clientID", "boxAppSettings.clientSecret"}
bad_texts = st.one_of(
    st.integers(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.just({}),
    st.just("   "),
    st.just("\ud800x"),
    st.floats(allow_nan=False),
)


@given(console_configs(), st.sampled_from(sorted(PATHS)), bad_texts | st.just("missing"))
def test_bad_field_fails_naming_it(
    case: tuple[dict[str, Any], dict[str, Any]], name: str, bad: object
) -> None:
    data, expected = case
    *parents, leaf = PATHS[name]
    holder = data
    for part in parents:
        holder = holder[part]
    if bad == "missing":
        holder.pop(leaf, None)
    elif name == "enterpriseID":
        data.pop("userID", None)
        holder[leaf] = bad if not isinstance(bad, int) or isinstance(bad, bool) else -(abs(bad) + 1)
    else:
        holder[leaf] = bad
    result = config.parse_app_config(json.dumps(data))
    if bad == "missing" and name not in REQUIRED:
        assert isinstance(result, Success)
        return
    if bad == "   " and name == "boxAppSettings.appAuth.passphrase":
        assert isinstance(result, Failure)
    assert isinstance(result, Failure), (name, bad)
    failure = result.failure()
    assert failure.field == name
    for secret in (expected["client_secret"], expected["private_key"]):
        assert secret not in failure.message()
        assert secret not in repr(failure)


@given(secrets, secrets, st.sampled_from(["client_id", "jwt_key_id", "private_key"]), bad_texts)
def test_builder_failures_name_the_field_and_hide_secrets(
    secret: str, key: str, name: str, bad: object
) -> None:
    values: dict[str, Any] = {
        "client_id": "c",
        "client_secret": secret,
        "jwt_key_id": "k",
        "private_key": key,
        "private_key_passphrase": secret,
        "enterprise_id": "1",
    }
    values[name] = bad
    result = config.jwt_settings(**values)
    assert isinstance(result, Failure)
    assert result.failure().field == name
    assert secret not in result.failure().message()
    assert key not in result.failure().message()
    ccg = config.ccg_settings(client_id=bad, client_secret=secret, user_id="2")
    assert isinstance(ccg, Failure)
    assert ccg.failure().field == "client_id"
    assert isinstance(config.oauth_settings(client_id="c", client_secret=bad), Failure)


@given(st.integers(0, 10**15), st.sampled_from(SubjectKind))
def test_integer_ids_become_strings(ident: int, kind: SubjectKind) -> None:
    key = "enterprise_id" if kind is SubjectKind.ENTERPRISE else "user_id"
    settings = config.ccg_settings(client_id="c", client_secret="s", **{key: ident}).unwrap()
    assert settings.subject.id == str(ident)
    assert settings.subject.kind is kind
    assert isinstance(config.ccg_settings(client_id="c", client_secret="s"), Failure)


@given(st.sampled_from(["RS256", "RS384", "RS512"]) | st.text(max_size=6))
def test_algorithm(alg: str) -> None:
    result = config.jwt_settings(
        client_id="c",
        client_secret="s",
        jwt_key_id="k",
        private_key="p",
        private_key_passphrase=None,
        user_id="1",
        algorithm=alg,
    )
    if alg in ("RS256", "RS384", "RS512"):
        assert result.unwrap().algorithm.value == alg
    else:
        assert result.failure().field == "algorithm"
