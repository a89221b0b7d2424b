"""config: exact refusals of every field and of the console JSON, limits, optional fields.

Written to close the gaps that mutation testing (``bash .ci/mutation``) found.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from boxauth.config import (
    MAX_CONFIG_TEXT,
    MAX_FIELD,
    Algorithm,
    AppConfig,
    CCGSettings,
    DeveloperTokenSettings,
    JWTSettings,
    OAuthSettings,
    Subject,
    SubjectKind,
    algorithm_of,
    ccg_settings,
    developer_token_settings,
    id_field,
    jwt_settings,
    jwt_settings_from_app,
    oauth_settings,
    parse_app_config,
    subject_of,
    text_field,
    with_subject,
)
from boxauth.errors import InvalidInput


def _bad(field: str, problem: str) -> Failure[InvalidInput]:
    return Failure(InvalidInput(field, problem))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, _bad("f", "is missing")),
        (1, _bad("f", "must be a string, not int")),
        (" \t", _bad("f", "is empty")),
        ("a\ud800", _bad("f", "is not valid Unicode text (lone surrogate)")),
        ("a" * MAX_FIELD, Success("a" * MAX_FIELD)),
        ("a" * (MAX_FIELD + 1), _bad("f", "is too long")),
        (" a ", Success(" a ")),
    ],
)
def test_text_field(value: object, expected: object) -> None:
    assert text_field(value, "f") == expected


def test_text_field_optional() -> None:
    assert text_field(None, "f", optional=True) == Success(None)
    assert text_field("", "f", optional=True) == _bad("f", "is empty")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Success(None)),
        (True, _bad("f", "must be a string or an integer")),
        (1.0, _bad("f", "must be a string or an integer")),
        (-1, _bad("f", "must be a Box id (digits only)")),
        (10**32, _bad("f", "must be a Box id (digits only)")),
        (10**32 - 1, Success("9" * 32)),
        (0, Success("0")),
        (" 42 ", Success("42")),
        ("  ", _bad("f", "is empty")),
        ("1" * 32, Success("1" * 32)),
        ("1" * 33, _bad("f", "must be a Box id (digits only)")),
        ("١٢", _bad("f", "must be a Box id (digits only)")),
        ("12a", _bad("f", "must be a Box id (digits only)")),
    ],
)
def test_id_field(value: object, expected: object) -> None:
    assert id_field(value, "f") == expected


def test_subject_of() -> None:
    assert subject_of("1", None) == Success(Subject(SubjectKind.ENTERPRISE, "1"))
    assert subject_of(None, 2) == Success(Subject(SubjectKind.USER, "2"))
    assert subject_of("1", "2") == _bad("enterprise_id/user_id", "give exactly one, not both")
    assert subject_of(None, None) == _bad(
        "enterprise_id/user_id", "give exactly one; neither was given"
    )
    assert subject_of("x", None) == _bad("enterprise_id", "must be a Box id (digits only)")
    assert subject_of(None, "x") == _bad("user_id", "must be a Box id (digits only)")


def test_algorithm_of() -> None:
    for alg in Algorithm:
        assert algorithm_of(alg) == Success(alg)
        assert algorithm_of(alg.value) == Success(alg)
        assert repr(alg) == f"Algorithm.{alg.name}"
    assert algorithm_of("rs256") == _bad("algorithm", "must be RS256, RS384 or RS512")
    assert repr(SubjectKind.USER) == "SubjectKind.USER"


JWT_ARGS: dict[str, Any] = {
    "client_id": "cid",
    "client_secret": "SEC",
    "jwt_key_id": "kid",
    "private_key": "PEM",
    "private_key_passphrase": "PASS",
    "enterprise_id": "7",
}


def test_jwt_settings_fields_and_refusals() -> None:
    assert jwt_settings(**JWT_ARGS, algorithm="RS512") == Success(
        JWTSettings(
            client_id="cid",
            client_secret="SEC",
            jwt_key_id="kid",
            private_key="PEM",
            private_key_passphrase="PASS",
            subject=Subject(SubjectKind.ENTERPRISE, "7"),
            algorithm=Algorithm.RS512,
        )
    )
    assert (
        jwt_settings(**{**JWT_ARGS, "private_key_passphrase": None}).unwrap().private_key_passphrase
        is None
    )
    for name in ("client_id", "client_secret", "jwt_key_id", "private_key"):
        assert jwt_settings(**{**JWT_ARGS, name: None}) == _bad(name, "is missing")
    assert jwt_settings(**{**JWT_ARGS, "private_key_passphrase": ""}) == _bad(
        "private_key_passphrase", "is empty"
    )
    assert jwt_settings(**JWT_ARGS, algorithm="HS256") == _bad(
        "algorithm", "must be RS256, RS384 or RS512"
    )


def test_ccg_oauth_developer_settings() -> None:
    assert ccg_settings(client_id="c", client_secret="S", user_id="5") == Success(
        CCGSettings(client_id="c", client_secret="S", subject=Subject(SubjectKind.USER, "5"))
    )
    assert ccg_settings(client_id=None, client_secret="S", user_id="5") == _bad(
        "client_id", "is missing"
    )
    assert ccg_settings(client_id="c", client_secret=None, user_id="5") == _bad(
        "client_secret", "is missing"
    )
    assert oauth_settings(client_id="c", client_secret="S") == Success(
        OAuthSettings(client_id="c", client_secret="S")
    )
    assert oauth_settings(client_id="c", client_secret=None) == _bad("client_secret", "is missing")
    assert oauth_settings(client_id=None, client_secret="S") == _bad("client_id", "is missing")
    assert developer_token_settings() == Success(DeveloperTokenSettings())
    assert developer_token_settings(client_id="c", client_secret="S") == Success(
        DeveloperTokenSettings("c", "S")
    )
    assert developer_token_settings(client_id="") == _bad("client_id", "is empty")
    assert developer_token_settings(client_secret="") == _bad("client_secret", "is empty")


def test_with_subject_keeps_every_other_field() -> None:
    settings = jwt_settings(**JWT_ARGS).unwrap()
    other = Subject(SubjectKind.USER, "9")
    moved = with_subject(settings, other)
    assert moved.subject == other
    assert with_subject(moved, settings.subject) == settings


def _config(settings: dict[str, Any] | None = None, **top: Any) -> str:
    base = {
        "clientID": "cid",
        "clientSecret": "SEC",
        "appAuth": {"publicKeyID": "kid", "privateKey": "PEM", "passphrase": "PASS"},
    }
    return json.dumps({"boxAppSettings": {**base, **(settings or {})}, **top})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, _bad("config", "must be JSON text")),
        ("{", _bad("config", "is not valid JSON (line 1, column 2)")),
        ("[]", _bad("config", "must be a JSON object")),
        ("{}", _bad("boxAppSettings", "is missing or not an object")),
        ('{"boxAppSettings": []}', _bad("boxAppSettings", "is missing or not an object")),
        (_config({"appAuth": "x"}), _bad("boxAppSettings.appAuth", "must be an object")),
        (_config({"clientID": None}), _bad("boxAppSettings.clientID", "is missing")),
        (_config({"clientSecret": ""}), _bad("boxAppSettings.clientSecret", "is empty")),
        (
            _config({"appAuth": {"publicKeyID": 1}}),
            _bad("boxAppSettings.appAuth.publicKeyID", "must be a string, not int"),
        ),
        (
            _config({"appAuth": {"privateKey": " "}}),
            _bad("boxAppSettings.appAuth.privateKey", "is empty"),
        ),
        (
            _config({"appAuth": {"passphrase": 3}}),
            _bad("boxAppSettings.appAuth.passphrase", "must be a string, not int"),
        ),
        (_config(enterpriseID="x"), _bad("enterpriseID", "must be a Box id (digits only)")),
        (_config(userID="x"), _bad("userID", "must be a Box id (digits only)")),
        (
            _config(enterpriseID="1", userID="2"),
            _bad("enterpriseID/userID", "give exactly one, not both"),
        ),
    ],
)
def test_parse_app_config_refusals(text: str | None, expected: object) -> None:
    assert parse_app_config(text) == expected


def test_parse_app_config_fields() -> None:
    assert parse_app_config(_config(enterpriseID=7)) == Success(
        AppConfig(
            client_id="cid",
            client_secret="SEC",
            jwt_key_id="kid",
            private_key="PEM",
            private_key_passphrase="PASS",
            enterprise_id="7",
        )
    )
    assert parse_app_config(_config(userID="8").encode()) == Success(
        AppConfig(
            client_id="cid",
            client_secret="SEC",
            jwt_key_id="kid",
            private_key="PEM",
            private_key_passphrase="PASS",
            user_id="8",
        )
    )
    ccg = parse_app_config(_config({"appAuth": None}))
    assert ccg == Success(AppConfig(client_id="cid", client_secret="SEC"))
    no_pass = parse_app_config(_config({"appAuth": {"passphrase": ""}}))
    assert no_pass == Success(AppConfig(client_id="cid", client_secret="SEC"))


@given(st.integers(0, 32))
def test_config_size_limit_is_inclusive(extra: int) -> None:
    text = _config()
    exact = text + " " * (MAX_CONFIG_TEXT - len(text))
    assert isinstance(parse_app_config(exact), Success)
    assert parse_app_config(exact + " " * (extra + 1)) == _bad(
        "config", "is larger than 64 KiB; not a Box app config"
    )


def test_jwt_settings_from_app() -> None:
    app = parse_app_config(_config(enterpriseID="7")).unwrap()
    assert jwt_settings_from_app(app, "RS384") == jwt_settings(
        **JWT_ARGS, algorithm=Algorithm.RS384
    )
    assert jwt_settings_from_app(AppConfig(client_id="c", client_secret="S")) == _bad(
        "boxAppSettings.appAuth.publicKeyID", "is missing"
    )
    assert jwt_settings_from_app(
        AppConfig(client_id="c", client_secret="S", jwt_key_id="k")
    ) == _bad("boxAppSettings.appAuth.privateKey", "is missing")
    user_app = parse_app_config(_config(userID="8")).unwrap()
    assert jwt_settings_from_app(user_app).unwrap().subject == Subject(SubjectKind.USER, "8")
