"""config: the settings of each auth kind, the developer console's app config JSON, and
how a value meant as a path is shown.

The console's JSON: developer.box.com/guides/authentication/jwt/jwt-setup/ (the
``boxAppSettings`` object with ``clientID``, ``clientSecret`` and ``appAuth``
{``publicKeyID``, ``privateKey``, ``passphrase``}, and a top-level ``enterpriseID``).
Box ids are digits. A value pasted into a path field may be the config JSON, a token
or a secret: ``shown_path`` quotes it only when it reads as a path, and otherwise
describes it without any of its characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success
from strategies import (
    ANY_CHAR,
    JWT_FIELDS,
    json_values,
    non_strings,
    plain,
    refused,
    secrets,
)

from boxauth.errors import InvalidInput
from boxauth.settings import (
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
    describe_value,
    developer_token_settings,
    id_field,
    is_plausible_path,
    jwt_settings,
    jwt_settings_from_app,
    oauth_settings,
    parse_app_config,
    shown_path,
    subject_of,
    text_field,
    with_subject,
)

JWT_ARGS: dict[str, Any] = {**JWT_FIELDS, "private_key_passphrase": "PASS"}


def _check(got: Result[Any, InvalidInput], expected: object) -> None:
    """``expected`` is the Success, or the name of the field the refusal names."""
    if isinstance(expected, str):
        refused(got, expected)
    else:
        assert got == expected


# -- Fields: text, ids, subject, algorithm ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "f"),
        (1, "f"),
        (" \t", "f"),
        ("a\ud800", "f"),
        ("a" * MAX_FIELD, Success("a" * MAX_FIELD)),
        ("a" * (MAX_FIELD + 1), "f"),
        (" a ", Success(" a ")),
    ],
)
def test_text_field(value: object, expected: object) -> None:
    _check(text_field(value, "f"), expected)


def test_text_field_optional() -> None:
    assert text_field(None, "f", optional=True) == Success(None)
    refused(text_field("", "f", optional=True), "f")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Success(None)),
        (True, "f"),
        (1.0, "f"),
        (-1, "f"),
        (10**32, "f"),
        (10**32 - 1, Success("9" * 32)),
        (0, Success("0")),
        (" 42 ", Success("42")),
        ("  ", "f"),
        ("1" * 32, Success("1" * 32)),
        ("1" * 33, "f"),
        ("١٢", "f"),
        ("12a", "f"),
    ],
)
def test_id_field(value: object, expected: object) -> None:
    _check(id_field(value, "f"), expected)


@given(st.integers(min_value=10**32) | st.sampled_from([10**4300, 10**5000, -(10**5000), -1]))
def test_huge_or_negative_int_ids_fail_before_str(value: int) -> None:
    refused(id_field(value, "enterprise_id"), "enterprise_id")
    result = ccg_settings(client_id="id", client_secret="s", enterprise_id=value)
    refused(result, "enterprise_id")


@given(st.integers(0, 10**32 - 1))
def test_int_ids_up_to_32_digits_are_kept(value: int) -> None:
    assert id_field(value, "user_id") == Success(str(value))


def test_subject_of() -> None:
    assert subject_of("1", None) == Success(Subject(SubjectKind.ENTERPRISE, "1"))
    assert subject_of(None, 2) == Success(Subject(SubjectKind.USER, "2"))
    refused(subject_of("1", "2"), "enterprise_id/user_id")
    refused(subject_of(None, None), "enterprise_id/user_id")
    refused(subject_of("x", None), "enterprise_id")
    refused(subject_of(None, "x"), "user_id")


def test_algorithm_of() -> None:
    for alg in Algorithm:
        assert algorithm_of(alg) == Success(alg)
        assert algorithm_of(alg.value) == Success(alg)
        assert repr(alg) == f"Algorithm.{alg.name}"
    refused(algorithm_of("rs256"), "algorithm")
    assert repr(SubjectKind.USER) == "SubjectKind.USER"


@given(st.sampled_from(["RS256", "RS384", "RS512"]) | st.text(max_size=6))
def test_algorithm(alg: str) -> None:
    result = jwt_settings(**{**JWT_FIELDS, "algorithm": alg})
    if alg in ("RS256", "RS384", "RS512"):
        assert result.unwrap().algorithm.value == alg
    else:
        refused(result, "algorithm")


# -- Settings of each auth kind --------------------------------------------------------


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
        refused(jwt_settings(**{**JWT_ARGS, name: None}), name)
    refused(jwt_settings(**{**JWT_ARGS, "private_key_passphrase": ""}), "private_key_passphrase")
    refused(jwt_settings(**JWT_ARGS, algorithm="HS256"), "algorithm")


def test_ccg_oauth_developer_settings() -> None:
    assert ccg_settings(client_id="c", client_secret="S", user_id="5") == Success(
        CCGSettings(client_id="c", client_secret="S", subject=Subject(SubjectKind.USER, "5"))
    )
    refused(ccg_settings(client_id=None, client_secret="S", user_id="5"), "client_id")
    refused(ccg_settings(client_id="c", client_secret=None, user_id="5"), "client_secret")
    assert oauth_settings(client_id="c", client_secret="S") == Success(
        OAuthSettings(client_id="c", client_secret="S")
    )
    refused(oauth_settings(client_id="c", client_secret=None), "client_secret")
    refused(oauth_settings(client_id=None, client_secret="S"), "client_id")
    assert developer_token_settings() == Success(DeveloperTokenSettings())
    assert developer_token_settings(client_id="c", client_secret="S") == Success(
        DeveloperTokenSettings("c", "S")
    )
    refused(developer_token_settings(client_id=""), "client_id")
    refused(developer_token_settings(client_secret=""), "client_secret")


@given(st.integers(0, 10**15), st.sampled_from(SubjectKind))
def test_integer_ids_become_strings(ident: int, kind: SubjectKind) -> None:
    key = "enterprise_id" if kind is SubjectKind.ENTERPRISE else "user_id"
    settings = ccg_settings(client_id="c", client_secret="s", **{key: ident}).unwrap()
    assert settings.subject.id == str(ident)
    assert settings.subject.kind is kind
    refused(ccg_settings(client_id="c", client_secret="s"), "enterprise_id/user_id")


def test_with_subject_keeps_every_other_field() -> None:
    settings = jwt_settings(**JWT_ARGS).unwrap()
    other = Subject(SubjectKind.USER, "9")
    moved = with_subject(settings, other)
    assert moved.subject == other
    assert with_subject(moved, settings.subject) == settings


# -- The console's app config JSON ------------------------------------------------------

FIELDS = {
    "config",
    "boxAppSettings",
    "boxAppSettings.appAuth",
    "boxAppSettings.clientID",
    "boxAppSettings.clientSecret",
    "boxAppSettings.appAuth.publicKeyID",
    "boxAppSettings.appAuth.privateKey",
    "boxAppSettings.appAuth.passphrase",
    "enterpriseID",
    "userID",
    "enterpriseID/userID",
}


def _parses_or_names_a_field(value: object) -> Result[AppConfig, InvalidInput]:
    result = parse_app_config(value)
    if isinstance(result, Success):
        assert isinstance(result.unwrap(), AppConfig)
    else:
        assert type(result.failure()) is InvalidInput
        assert result.failure().field in FIELDS
    return result


@given(json_values)
def test_any_json_parses_or_names_a_field(value: Any) -> None:
    _parses_or_names_a_field(json.dumps(value))
    _parses_or_names_a_field(json.dumps(value).encode())
    _parses_or_names_a_field(json.dumps({"boxAppSettings": value}))
    _parses_or_names_a_field(json.dumps({"boxAppSettings": {"clientID": "a", "appAuth": value}}))


@given(st.text(ANY_CHAR, max_size=200), st.binary(max_size=200))
def test_any_text_parses_or_names_a_field(text: str, raw: bytes) -> None:
    _parses_or_names_a_field(text)
    _parses_or_names_a_field(raw)
    refused(_parses_or_names_a_field("[" * 100_000), "config")  # deeper than the recursion limit
    refused(_parses_or_names_a_field(" " * (64 * 1024 + 1)), "config")


@given(json_values, non_strings)
def test_anything_in_any_field_parses_or_names_a_field(value: Any, other: Any) -> None:
    for key in ("clientID", "clientSecret"):
        data = {"boxAppSettings": {"clientID": "c", "clientSecret": "s", key: value}}
        _parses_or_names_a_field(json.dumps(data))
    for key in ("publicKeyID", "privateKey", "passphrase"):
        data = {"boxAppSettings": {"clientID": "c", "clientSecret": "s", "appAuth": {key: value}}}
        _parses_or_names_a_field(json.dumps(data))
    for key in ("enterpriseID", "userID"):
        _parses_or_names_a_field(
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
    app = parse_app_config(json.dumps(data)).unwrap()
    assert app == AppConfig(**expected)
    assert isinstance(app.enterprise_id, str | None)
    settings = jwt_settings_from_app(app)
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
    result = parse_app_config(json.dumps(data))
    assert isinstance(result, Failure)
    assert "enterpriseID" in result.failure().field
    assert "userID" in result.failure().field
    both = jwt_settings(**{**JWT_FIELDS, "enterprise_id": ent, "user_id": user})
    refused(both, "enterprise_id/user_id")


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
    result = parse_app_config(json.dumps(data))
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
        **JWT_FIELDS,
        "client_secret": secret,
        "private_key": key,
        "private_key_passphrase": secret,
        name: bad,
    }
    error = refused(jwt_settings(**values), name)
    assert secret not in error.message()
    assert key not in error.message()
    refused(ccg_settings(client_id=bad, client_secret=secret, user_id="2"), "client_id")
    refused(oauth_settings(client_id="c", client_secret=bad), "client_secret")


def _config(settings: dict[str, Any] | None = None, **top: Any) -> str:
    base = {
        "clientID": "cid",
        "clientSecret": "SEC",
        "appAuth": {"publicKeyID": "kid", "privateKey": "PEM", "passphrase": "PASS"},
    }
    return json.dumps({"boxAppSettings": {**base, **(settings or {})}, **top})


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (None, "config"),
        ("{", "config"),
        ("[]", "config"),
        ("{}", "boxAppSettings"),
        ('{"boxAppSettings": []}', "boxAppSettings"),
        (_config({"appAuth": "x"}), "boxAppSettings.appAuth"),
        (_config({"clientID": None}), "boxAppSettings.clientID"),
        (_config({"clientSecret": ""}), "boxAppSettings.clientSecret"),
        (
            _config({"appAuth": {"publicKeyID": 1}}),
            "boxAppSettings.appAuth.publicKeyID",
        ),
        (
            _config({"appAuth": {"privateKey": " "}}),
            "boxAppSettings.appAuth.privateKey",
        ),
        (
            _config({"appAuth": {"passphrase": 3}}),
            "boxAppSettings.appAuth.passphrase",
        ),
        (_config(enterpriseID="x"), "enterpriseID"),
        (_config(userID="x"), "userID"),
        (
            _config(enterpriseID="1", userID="2"),
            "enterpriseID/userID",
        ),
    ],
)
def test_parse_app_config_refusals(text: str | None, field: str) -> None:
    refused(parse_app_config(text), field)


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
    refused(parse_app_config(exact + " " * (extra + 1)), "config")


def test_jwt_settings_from_app() -> None:
    app = parse_app_config(_config(enterpriseID="7")).unwrap()
    assert jwt_settings_from_app(app, "RS384") == jwt_settings(
        **JWT_ARGS, algorithm=Algorithm.RS384
    )
    refused(
        jwt_settings_from_app(AppConfig(client_id="c", client_secret="S")),
        "boxAppSettings.appAuth.publicKeyID",
    )
    refused(
        jwt_settings_from_app(AppConfig(client_id="c", client_secret="S", jwt_key_id="k")),
        "boxAppSettings.appAuth.privateKey",
    )
    refused(jwt_settings_from_app(None), "config")  # type: ignore[arg-type]
    user_app = parse_app_config(_config(userID="8")).unwrap()
    assert jwt_settings_from_app(user_app).unwrap().subject == Subject(SubjectKind.USER, "8")


# -- How a value meant as a path is shown ----------------------------------------------

# A secret-like marker: 16 letters and digits, as a client secret or token has.
MARKER = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=16,
                 max_size=16)  # fmt: skip
AROUND = st.text(ANY_CHAR, max_size=60)


@given(AROUND, MARKER, AROUND)
def test_a_value_is_quoted_whole_or_not_at_all(before: str, marker: str, after: str) -> None:
    value = before + marker + after
    shown = shown_path(value)
    if shown == repr(value):
        # Quoted only when it reads as a path: one printable line, a directory
        # or an extension, no braces, quotes, base64 padding or plus signs.
        assert is_plausible_path(value)
        assert "/" in value or "." in value or value.startswith("~")
        assert not set(value) & set("{}\"'`+=\n\r")
        # ... and no run of 20+ letters and digits mixing both (a secret's shape).
        runs = re.findall("[A-Za-z0-9]+", value)
        assert not any(
            len(run) >= 20 and re.search("[A-Za-z]", run) and re.search("[0-9]", run)
            for run in runs
        )
    else:
        assert marker not in shown
        assert shown == describe_value(value)
    assert "\n" not in shown and "\r" not in shown


@given(st.dictionaries(st.text(max_size=10), st.text(max_size=40), max_size=5), MARKER)
def test_config_json_is_never_shown(data: dict[str, str], marker: str) -> None:
    text = json.dumps({"boxAppSettings": {"clientSecret": marker, **data}})
    assert shown_path(text) == f"a {len(text):,}-character value that looks like JSON, not a path"
    assert shown_path("  \n" + text) == describe_value("  \n" + text)
    assert marker not in shown_path("  \n" + text)


@given(st.one_of(st.none(), st.integers(), st.binary(max_size=20), st.lists(st.text(max_size=3))))
def test_anything_that_is_not_text_is_described(value: object) -> None:
    assert not is_plausible_path(value)
    assert shown_path(value) == f"a {type(value).__name__} value, not a path"


@given(AROUND, MARKER, AROUND)
def test_malformed_json_is_reported_by_position_only(before: str, marker: str, after: str) -> None:
    text = "{" + before + '"' + marker + after  # never valid JSON: an unclosed string
    error = refused(parse_app_config(text), "config")
    assert marker not in error.message()
    assert error.problem.startswith("is not valid JSON")


# -- Wording: the one test that pins this module's refusal texts -----------------------


def test_refusal_wording() -> None:
    """Every refusal text of this module, once; the other tests check the field."""
    cases: list[tuple[Result[Any, InvalidInput], str]] = [
        (text_field(None, "f"), "f: is missing"),
        (text_field(1, "f"), "f: must be a string, not int"),
        (text_field(" ", "f"), "f: is empty"),
        (text_field("a\ud800", "f"), "f: is not valid Unicode text (lone surrogate)"),
        (text_field("a" * (MAX_FIELD + 1), "f"), "f: is too long"),
        (id_field(True, "f"), "f: must be a string or an integer"),
        (id_field("12a", "f"), "f: must be a Box id (digits only)"),
        (id_field(-1, "f"), "f: must be a Box id (digits only)"),
        (id_field(" ", "f"), "f: is empty"),
        (subject_of("1", "2"), "enterprise_id/user_id: give exactly one, not both"),
        (subject_of(None, None), "enterprise_id/user_id: give exactly one; neither was given"),
        (algorithm_of("rs256"), "algorithm: must be RS256, RS384 or RS512"),
        (parse_app_config(None), "config: must be JSON text"),
        (
            parse_app_config(" " * (MAX_CONFIG_TEXT + 1)),
            "config: is larger than 64 KiB; not a Box app config",
        ),
        (parse_app_config("{"), "config: is not valid JSON (line 1, column 2)"),
        (parse_app_config(b"\xff"), "config: is not valid JSON"),
        (parse_app_config("[]"), "config: must be a JSON object"),
        (parse_app_config("{}"), "boxAppSettings: is missing or not an object"),
        (parse_app_config(_config({"appAuth": "x"})), "boxAppSettings.appAuth: must be an object"),
        (
            parse_app_config(_config(enterpriseID="1", userID="2")),
            "enterpriseID/userID: give exactly one, not both",
        ),
        (jwt_settings_from_app(None), "config: must be a parsed app config"),  # type: ignore[arg-type]
        (
            jwt_settings_from_app(AppConfig(client_id="c", client_secret="S")),
            "boxAppSettings.appAuth.publicKeyID: is missing",
        ),
        (
            jwt_settings_from_app(AppConfig(client_id="c", client_secret="S", jwt_key_id="k")),
            "boxAppSettings.appAuth.privateKey: is missing",
        ),
    ]
    for result, message in cases:
        assert result.failure().message() == message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("app.json", True),
        ("dir/file", True),
        ("~x", True),
        ("a.b", True),
        ("x.tar.gz", True),
        ("f.abcdefgh", True),  # an extension of up to 8 letters or digits
        ("a" * 252 + ".txt", True),  # 256 characters: the longest shown
        (".json", False),  # no name before the extension
        ("file.", False),
        ("noext", False),
        ("f.abcdefghi", False),
        ("f.a-b", False),
        ("dir/a.b+c", False),  # base64's '+' or '=': a key line or a secret
        ("a/b=c", False),
        ("a" * 253 + ".txt", False),
        ("", False),
        (" a.json", False),
        ("a\ud800.json", False),
        ("a{b}.json", False),
        ("./" + "c6hvmc0r1u4qv7zq9xx1tq2wq8rk3p5m", False),  # a client secret after ./
        ("dir/" + "k" * 31 + "7.json", False),
        ("backups/2024-01-31/app_config.json", True),  # short runs, separators between
        ("/var/" + "a" * 40 + "/t.json", True),  # a long run of letters alone
    ],
)
def test_which_values_are_shown_as_paths(value: str, shown: bool) -> None:
    assert (shown_path(value) == repr(value)) is shown
    if not shown:
        assert shown_path(value) == describe_value(value)


def test_the_plausible_path_bounds() -> None:
    assert is_plausible_path("a")
    assert is_plausible_path("a" * 4096)
    assert not is_plausible_path("a" * 4097)
    assert not is_plausible_path("")


def test_with_subject_changes_only_jwt_and_ccg_settings_given_a_subject() -> None:
    settings = jwt_settings(**JWT_ARGS).unwrap()
    assert with_subject(settings, "user 9") is settings  # type: ignore[arg-type]
    subject = Subject(SubjectKind.USER, "9")
    assert with_subject("settings", subject) == "settings"
    oauth = oauth_settings(client_id="c", client_secret="s").unwrap()
    assert with_subject(oauth, subject) is oauth


def test_description_wording() -> None:
    """Every description of a value that is not shown, once (the path-display family)."""
    cases = [
        (5, "a int value, not a path"),
        ("{}", "a 2-character value that looks like JSON, not a path"),
        ("[1]", "a 3-character value that looks like JSON, not a path"),
        ("", "a 0-character value of blanks, not a path"),
        ("a\nb", "a 3-character value of several lines, not a path"),
        ("a\rb", "a 3-character value of several lines, not a path"),
        (" a.json", "a 7-character value that does not look like a path"),
        ("a" * 253 + ".txt", "a 257-character path (too long to show)"),
        ("noext", "a 5-character value that does not read as a file name"),
    ]
    for value, description in cases:
        assert describe_value(value) == description
