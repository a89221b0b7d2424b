"""Which credentials the command line uses: options outrank the environment.

Every row of ``cli_settings.METHOD_RULES``, of the CCG subject rule and of the
client-pair rule is tested here on the pure functions; the cases where an
environment variable could override an option are also run as real commands
against the emulator, checking whose token comes back.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from boxauth.adapters.cli_settings import (
    METHOD_RULES,
    NONE,
    ONE,
    SEVERAL,
    Given,
    Method,
    Rule,
    UsageError,
    base_urls,
    ccg_subject,
    checked_path,
    choose_method,
    client_pair,
)
from cli_support import app, assert_error, json_id, run

__all__ = ["app"]

CMD = "boxauth token"

# A setting for each method, as an option and as a variable.
OPTION_FOR = {
    Method.DEVELOPER: ("developer_token", "DEV-VALUE"),
    Method.JWT: ("jwt_config", "JWT-VALUE.json"),
    Method.CCG: ("enterprise_id", "1111"),
}
VARIABLE_FOR = {
    Method.DEVELOPER: ("BOX_DEVELOPER_TOKEN", "DEV-VALUE"),
    Method.JWT: ("BOX_JWT_CONFIG", "JWT-VALUE.json"),
    Method.CCG: ("BOX_USER_ID", "2222"),
}


def given(options: dict[str, str] | None = None, env: dict[str, str] | None = None) -> Given:
    return Given(dict(options or {}), dict(env or {}), CMD)


def _situations() -> list[tuple[list[Method], list[Method], bool]]:
    """One (option methods, variable methods, token file) per row of METHOD_RULES."""
    counts = {NONE: [[]], ONE: [[Method.JWT]], SEVERAL: [[Method.JWT, Method.CCG]]}
    out = []
    for by_opt, by_var, token_file in itertools.product(counts, counts, (False, True)):
        out.append((counts[by_opt][0], counts[by_var][0], token_file))
    return out


def test_the_table_has_every_row_once() -> None:
    assert set(METHOD_RULES) == set(
        itertools.product((NONE, ONE, SEVERAL), (NONE, ONE, SEVERAL), (False, True))
    )


@pytest.mark.parametrize(("opts", "vars_", "token_file"), _situations())
def test_every_row_of_the_method_table(
    opts: list[Method], vars_: list[Method], token_file: bool
) -> None:
    options = dict(OPTION_FOR[m] for m in opts)
    env = dict(VARIABLE_FOR[m] for m in vars_)
    if token_file:
        options["token_file"] = "t.json"
    count = {0: NONE, 1: ONE, 2: SEVERAL}
    rule = METHOD_RULES[(count[len(opts)], count[len(vars_)], token_file)]
    expected: dict[Rule, Any] = {
        Rule.FROM_OPTIONS: opts[0] if opts else None,
        Rule.FROM_VARIABLES: vars_[0] if vars_ else None,
        Rule.OAUTH: Method.OAUTH,
    }
    if rule in expected:
        assert choose_method(given(options, env), "auto", CMD) is expected[rule]
        return
    with pytest.raises(UsageError) as refused:
        choose_method(given(options, env), "auto", CMD)
    text = str(refused.value)
    words = {
        Rule.REFUSE_OPTIONS: ["--jwt-config", "--enterprise-id", "conflict"],
        Rule.REFUSE_VARIABLES: ["BOX_JWT_CONFIG", "BOX_USER_ID", "--auth"],
        Rule.REFUSE_AMBIGUOUS_FILE: ["--token-file", "BOX_JWT_CONFIG", "--auth oauth"],
        Rule.NO_CREDENTIALS: ["no credentials"],
    }[rule]
    for word in words:
        assert word in text
    for value in ("DEV-VALUE", "JWT-VALUE", "1111", "2222"):  # names only, never values
        assert value not in text


def test_the_option_decides_whatever_the_variables_say() -> None:
    env = {"BOX_DEVELOPER_TOKEN": "t", "BOX_USER_ID": "2", "BOX_JWT_CONFIG": "a.json"}
    assert choose_method(given({"jwt_config": "c.json"}, env), "auto", CMD) is Method.JWT
    assert choose_method(given({"user_id": "3"}, env), "auto", CMD) is Method.CCG
    assert choose_method(given({"developer_token": "x"}, env), "auto", CMD) is Method.DEVELOPER


def test_auth_forces_the_method_and_refuses_an_option_for_another() -> None:
    env = {"BOX_JWT_CONFIG": "a.json", "BOX_USER_ID": "2"}
    assert choose_method(given({}, env), "ccg", CMD) is Method.CCG
    assert choose_method(given({"token_file": "t.json"}, env), "oauth", CMD) is Method.OAUTH
    with pytest.raises(UsageError, match="--auth ccg and --jwt-config conflict"):
        choose_method(given({"jwt_config": "c.json"}), "ccg", CMD)


def test_an_empty_option_or_variable_is_refused_naming_it_never_taken_as_absent() -> None:
    # An empty value is refused, never taken as absent: read as "not given",
    # --user-id "" fell back to
    # BOX_ENTERPRISE_ID (the Service Account) and --developer-token "" to
    # BOX_JWT_CONFIG. Absent (None) stays absent.
    assert given({"user_id": None}, {}).setting("user_id") is None
    cases = [
        (given({"user_id": ""}, {"BOX_ENTERPRISE_ID": "1"}), "--user-id is empty"),
        (given({"developer_token": ""}, {"BOX_JWT_CONFIG": "a"}), "--developer-token is empty"),
        (given({}, {"BOX_USER_ID": "", "BOX_ENTERPRISE_ID": "1"}), "BOX_USER_ID is set but empty"),
        (given({"jwt_config": "c.json"}, {"BOX_DEVELOPER_TOKEN": ""}), "BOX_DEVELOPER_TOKEN"),
    ]
    for case, words in cases:
        with pytest.raises(UsageError, match=words) as refused:
            choose_method(case, "auto", CMD)
        assert str(refused.value).startswith(CMD + ": ")
    for name in ("client_id", "client_secret", "app_config", "token_file", "base_url"):
        with pytest.raises(UsageError, match="is empty"):
            given({name: ""}).setting(name)
    with pytest.raises(UsageError, match="BOX_CLIENT_SECRET is set but empty"):
        client_pair(given({}, {"BOX_CLIENT_ID": "i", "BOX_CLIENT_SECRET": ""}), CMD, "OAuth")
    with pytest.raises(UsageError, match="BOX_BASE_URL is set but empty"):
        base_urls(given({}, {"BOX_BASE_URL": ""}))
    with pytest.raises(UsageError, match="--user-id is empty"):
        ccg_subject(given({"user_id": ""}, {"BOX_ENTERPRISE_ID": "1"}), CMD)


# -- the CCG subject ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "env", "expected"),
    [
        ({"enterprise_id": "1"}, {}, ("enterprise_id", "1", "--enterprise-id")),
        ({"user_id": "2"}, {}, ("user_id", "2", "--user-id")),
        ({"enterprise_id": "1"}, {"BOX_USER_ID": "2"}, ("enterprise_id", "1", "--enterprise-id")),
        ({"user_id": "2"}, {"BOX_ENTERPRISE_ID": "1"}, ("user_id", "2", "--user-id")),
        ({}, {"BOX_USER_ID": "2"}, ("user_id", "2", "BOX_USER_ID")),
        ({}, {"BOX_ENTERPRISE_ID": "1"}, ("enterprise_id", "1", "BOX_ENTERPRISE_ID")),
    ],
)
def test_the_subject_option_outranks_both_variables(
    options: dict[str, str], env: dict[str, str], expected: tuple[str, str, str]
) -> None:
    chosen = ccg_subject(given(options, env), CMD)
    assert (chosen.name, chosen.value, chosen.source) == expected


@pytest.mark.parametrize(
    ("options", "env", "names"),
    [
        ({"enterprise_id": "1", "user_id": "2"}, {}, ("--enterprise-id", "--user-id")),
        (
            {"enterprise_id": "1", "user_id": "2"},
            {"BOX_USER_ID": "3"},
            ("--enterprise-id", "--user-id"),
        ),
        ({}, {"BOX_ENTERPRISE_ID": "1", "BOX_USER_ID": "2"}, ("BOX_ENTERPRISE_ID", "BOX_USER_ID")),
        ({}, {}, ("--enterprise-id", "--user-id")),
    ],
)
def test_two_subjects_or_none_are_refused(
    options: dict[str, str], env: dict[str, str], names: tuple[str, str]
) -> None:
    with pytest.raises(UsageError) as refused:
        ccg_subject(given(options, env), CMD)
    for name in names:
        assert name in str(refused.value)


# -- the client id and secret -----------------------------------------------------------


def test_client_pair_rows() -> None:
    both = {"client_id": "i", "client_secret": "s"}
    env_both = {"BOX_CLIENT_ID": "I", "BOX_CLIENT_SECRET": "S"}
    jwt = {"BOX_JWT_CONFIG": "app.json"}
    # --app-config wins over every variable.
    pair = client_pair(given({"app_config": "a.json"}, {**env_both, **jwt}), CMD, "OAuth")
    assert pair.app_config is not None and pair.app_config.source == "--app-config"
    # ... but not combined with an explicit id or secret.
    with pytest.raises(UsageError, match="--app-config and --client-id conflict"):
        client_pair(given({"app_config": "a.json", "client_id": "i"}), CMD, "OAuth")
    # Options, then each one's variable.
    pair = client_pair(given(both, env_both), CMD, "OAuth")
    assert pair.client_id and (pair.client_id.value, pair.client_id.source) == ("i", "--client-id")
    pair = client_pair(given({"client_id": "i"}, env_both), CMD, "OAuth")
    assert pair.client_secret and pair.client_secret.source == "BOX_CLIENT_SECRET"
    # Neither: BOX_JWT_CONFIG's app.
    pair = client_pair(given({}, jwt), CMD, "OAuth")
    assert pair.app_config is not None and pair.app_config.source == "BOX_JWT_CONFIG"
    # Half a pair is never completed from the config: refused.
    with pytest.raises(UsageError, match="needs the client id and secret"):
        client_pair(given({"client_id": "i"}, jwt), CMD, "OAuth")
    with pytest.raises(UsageError, match="needs the client id and secret"):
        client_pair(given({}, {}), CMD, "OAuth")
    assert client_pair(given({}, {}), CMD, "x", required=False).client_id is None


def test_base_urls_go_together() -> None:
    env = {"BOX_BASE_URL": "http://127.0.0.1:9", "BOX_OAUTH2_URL": "http://127.0.0.1:9/o"}
    assert base_urls(given({}, env)) == ("http://127.0.0.1:9", "http://127.0.0.1:9/o")
    # One option given: neither variable is read (they may be another server's).
    assert base_urls(given({"base_url": "http://127.0.0.1:7"}, env)) == (
        "http://127.0.0.1:7",
        "https://account.box.com/api/oauth2",
    )
    assert base_urls(given({}, {})) == ("https://api.box.com", "https://account.box.com/api/oauth2")


@pytest.mark.parametrize(
    "value", ["Qm9zZWNyZXRDbGllbnRTZWNyZXQxMjM0", "mytokens", "a/b+c==", "x" * 300 + ".json"]
)
def test_a_token_file_that_does_not_read_as_a_file_name_is_refused(value: str) -> None:
    # A pasted secret is shaped like a path (one printable
    # line) but not like a file name; the CLI would not show it, so it must
    # not create a file named after it either.
    with pytest.raises(UsageError) as refused:
        checked_path(given({"token_file": value}).option("token_file"), CMD)
    text = str(refused.value)
    assert value not in text
    assert f"--token-file: a {len(value)}-character" in text
    assert "tokens.json" in text  # says what would be accepted


@pytest.mark.parametrize("value", ["t.json", "./tokens", "/home/x/.boxauth_token.json", "~/t"])
def test_a_token_file_that_reads_as_a_file_name_is_kept(value: str) -> None:
    assert checked_path(given({"token_file": value}).option("token_file"), CMD) == value


def test_a_path_setting_that_is_not_a_path_is_described_not_quoted() -> None:
    value = '{"boxAppSettings": {"clientSecret": "MARKER-SECRET"}}'
    with pytest.raises(UsageError) as refused:
        checked_path(given({"token_file": value}).option("token_file"), CMD)
    assert "MARKER" not in str(refused.value)
    described = f"--token-file: a {len(value)}-character value that looks like JSON, not a path"
    assert described in str(refused.value)


# -- a variable never overrides an option: real commands ------------------------------------


def test_box_user_id_does_not_beat_an_explicit_enterprise_id(
    box: Any, app: dict[str, Any]
) -> None:
    env = {**app["creds"], "BOX_USER_ID": box.fx.user_id}
    args = ["whoami", "--json", "--enterprise-id", box.fx.enterprise_id, *app["where"]]
    assert json_id(run(args, app["dir"], env)) == box.fx.service_account_id


def test_box_developer_token_does_not_beat_an_explicit_jwt_config(
    box: Any, app: dict[str, Any]
) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    args = ["whoami", "--json", "--jwt-config", app["config"], *app["where"]]
    proc = run(args, app["dir"], {"BOX_DEVELOPER_TOKEN": token})
    assert json_id(proc) == box.fx.service_account_id


def test_box_enterprise_id_with_an_oauth_token_file_is_refused_and_the_file_kept(
    box: Any, app: dict[str, Any], tmp_path: Path
) -> None:
    oauth_file = tmp_path / "oauth.json"
    oauth_file.write_text('{"access_token": "A", "refresh_token": "R"}')
    before = oauth_file.read_bytes()
    env = {**app["creds"], "BOX_ENTERPRISE_ID": box.fx.enterprise_id}
    proc = run(["token", "--token-file", str(oauth_file), *app["where"]], app["dir"], env)
    assert_error(proc, 2, "--token-file", "BOX_ENTERPRISE_ID", "--auth oauth", "--auth ccg")
    assert box.fx.enterprise_id not in proc.stderr
    assert oauth_file.read_bytes() == before
    assert box.emu.grant_counts.get("client_credentials", 0) == 0


def test_both_ids_as_options_are_refused_naming_both(box: Any, app: dict[str, Any]) -> None:
    args = ["token", "--user-id", box.fx.user_id, "--enterprise-id", box.fx.enterprise_id]
    proc = run([*args, *app["where"]], app["dir"], app["creds"])
    assert_error(proc, 2, "--enterprise-id and --user-id conflict")
    assert box.emu.grant_counts.get("client_credentials", 0) == 0


def test_box_base_url_and_box_oauth2_url_point_the_cli_at_the_emulator(
    box: Any, app: dict[str, Any]
) -> None:
    env = {"BOX_BASE_URL": box.emu.base_url, "BOX_OAUTH2_URL": box.emu.oauth_2_url}
    proc = run(["whoami", "--json", "--jwt-config", app["config"]], app["dir"], env)
    assert json_id(proc) == box.fx.service_account_id
    # An option wins: a dead --base-url fails although the variable is good.
    proc = run(
        ["token", "--jwt-config", app["config"], "--base-url", "http://127.0.0.1:1"],
        app["dir"],
        env,
    )
    assert_error(proc, 3, "network")


Case = tuple[list[str], dict[str, str], str]


def _empty_value_cases(box: Any, app: dict[str, Any]) -> list[Case]:
    """(arguments, environment, the setting named): each once gave the Service Account."""
    creds, config = app["creds"], app["config"]
    return [
        (["--jwt-config", config, "--as-user", ""], {}, "--as-user is empty"),
        (["--user-id", ""], {**creds, "BOX_ENTERPRISE_ID": box.fx.enterprise_id},
         "--user-id is empty"),
        (["--enterprise-id", box.fx.enterprise_id, "--as-user", ""], creds, "--as-user is empty"),
        (["--developer-token", ""], {"BOX_JWT_CONFIG": box.fx.config_json},
         "--developer-token is empty"),
        (["--jwt-config", config, "--as-enterprise", ""], {}, "--as-enterprise is empty"),
        ([], {**creds, "BOX_ENTERPRISE_ID": box.fx.enterprise_id, "BOX_USER_ID": ""},
         "BOX_USER_ID is set but empty"),
    ]  # fmt: skip


def test_an_empty_subject_option_is_refused_not_taken_as_the_service_account(
    box: Any, app: dict[str, Any]
) -> None:
    # `--as-user "$USER_ID"` with USER_ID unset once printed the
    # Service Account's token (exit 0). Now exit 2, naming the setting, and
    # no token is requested.
    for args, env, words in _empty_value_cases(box, app):
        proc = run(["token", *args, *app["where"]], app["dir"], env)
        assert_error(proc, 2, words)
    assert not any(box.emu.grant_counts.values())


def test_every_empty_option_of_a_command_is_refused(box: Any, app: dict[str, Any]) -> None:
    where = app["where"]
    for args, words in (
        (["downscope", "--jwt-config", app["config"], "--scope", "", *where], "--scope is empty"),
        (["downscope", "--jwt-config", app["config"], "--scope", "item_preview",
          "--resource", "", *where], "--resource is empty"),
        (["login", "--redirect-path", "", *where], "--redirect-path is empty"),
        (["login", "--token-file", "", *where], "--token-file is empty"),
        (["whoami", "--jwt-config", app["config"], "--base-url", ""], "--base-url is empty"),
    ):  # fmt: skip
        assert_error(run(args, app["dir"], app["creds"]), 2, words)
    assert not any(box.emu.grant_counts.values())


def test_ccg_takes_the_client_pair_from_box_jwt_config(box: Any, app: dict[str, Any]) -> None:
    # No client id or secret anywhere but the app config the emulator wrote.
    env = {"BOX_JWT_CONFIG": app["config"]}
    args = ["whoami", "--json", "--user-id", box.fx.user_id, *app["where"]]
    assert json_id(run(args, app["dir"], env)) == box.fx.user_id
