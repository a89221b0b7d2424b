"""Errors that say what to do: the text of each CLI message that names a fix."""

from __future__ import annotations

import json
from typing import Any

from cli_support import app, assert_clean, assert_error, run, secrets_of

__all__ = ["app"]


def test_downscope_refused_as_invalid_resource_says_whose_token_it_is(
    box: Any, app: dict[str, Any]
) -> None:
    # The Service Account cannot see the managed user's file (README's old example).
    resource = f"https://api.box.com/2.0/files/{box.fx.file_id}"
    args = ["downscope", "--scope", "item_preview", "--resource", resource, *app["where"]]
    proc = run([*args, "--jwt-config", app["config"]], app["dir"])
    line = assert_error(proc, 1, "invalid_resource")
    assert line.endswith(
        f"(the token is the Service Account's (enterprise {box.fx.enterprise_id}), and the "
        "item may not be visible to it; --as-user ID acts as a user who can see it)"
    )
    assert_clean(proc, secrets_of(box.fx))
    # As the user who owns it, the same downscope works.
    proc = run([*args, "--jwt-config", app["config"], "--as-user", box.fx.user_id], app["dir"])
    assert proc.returncode == 0, proc.stderr
    # A CCG user token on an item nobody has: names that user.
    missing = ["downscope", "--scope", "item_preview", "--resource",
               "https://api.box.com/2.0/files/999999999", *app["where"]]  # fmt: skip
    proc = run([*missing, "--user-id", box.fx.user_id], app["dir"], app["creds"])
    line = assert_error(proc, 1, "invalid_resource")
    assert f"(the token is user {box.fx.user_id}'s, and the item may not be visible" in line


def test_a_missing_oauth_token_file_says_login_creates_it(box: Any, app: dict[str, Any]) -> None:
    proc = run(["whoami", "--token-file", "tokens.json", *app["where"]], app["dir"], app["creds"])
    assert_error(proc, 1)
    assert proc.stderr == (
        "boxauth whoami: the token file 'tokens.json' does not exist: `boxauth login` with "
        "the same --token-file signs in and creates it\n"
    )


def test_malformed_json_config_names_the_file_line_and_column(
    box: Any, app: dict[str, Any]
) -> None:
    bad = app["dir"] / "bad.json"
    bad.write_text('{\n  "boxAppSettings": {\n    "clientID": "x",,\n')
    proc = run(["token", "--jwt-config", str(bad), *app["where"]], app["dir"])
    assert_error(proc, 2)
    assert proc.stderr == (
        "boxauth token: configuration error: config: is not valid JSON (line 3, column 21), "
        f"in {str(bad)!r}\n"
    )


def test_a_config_missing_a_field_names_the_field_and_the_file(
    box: Any, app: dict[str, Any]
) -> None:
    data = json.loads(box.fx.config_json)
    del data["boxAppSettings"]["clientID"]
    bad = app["dir"] / "partial.json"
    bad.write_text(json.dumps(data))
    proc = run(["token", "--jwt-config", "partial.json", *app["where"]], app["dir"])
    assert proc.stderr == (
        "boxauth token: configuration error: boxAppSettings.clientID: is missing, "
        "in 'partial.json'\n"
    )
    assert_clean(proc, secrets_of(box.fx))


def test_revoke_says_the_file_was_deleted(box: Any, app: dict[str, Any]) -> None:
    args = ["--jwt-config", app["config"], "--token-file", "cache.json", *app["where"]]
    assert run(["token", *args], app["dir"]).returncode == 0
    proc = run(["revoke", *args], app["dir"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "token revoked at Box; 'cache.json' deleted\n"
    assert not (app["dir"] / "cache.json").exists()
    proc = run(["revoke", *args], app["dir"])
    assert proc.stdout == "'cache.json' holds no token; nothing to revoke\n"


def test_revoke_refuses_another_tools_credentials_and_keeps_them(
    box: Any, app: dict[str, Any]
) -> None:
    """gcloud's application_default_credentials.json shares ``refresh_token``
    with a token record: named as the token file, it is refused (exit 2),
    nothing is sent to Box, and it stays as it was."""
    adc = {
        "client_id": "764086051850-x.apps.googleusercontent.com",
        "client_secret": "GOCSPX-" + "s" * 28,
        "refresh_token": "1//" + "r" * 60,
        "type": "authorized_user",
    }
    path = app["dir"] / "adc.json"
    path.write_text(json.dumps(adc))
    path.chmod(0o600)
    box.emu.reset_counters()
    args = ["revoke", "--auth", "oauth", "--token-file", "adc.json", *app["where"]]
    proc = run(args, app["dir"], app["creds"])
    assert_error(proc, 2, "holds something other than a token record")
    assert json.loads(path.read_text()) == adc
    assert box.emu.request_count() == 0
    assert_clean(proc, [adc["client_secret"], adc["refresh_token"]])


def test_revoke_of_a_developer_token_says_only_that(box: Any, app: dict[str, Any]) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    env = {**app["creds"], "BOX_DEVELOPER_TOKEN": token}
    proc = run(["revoke", *app["where"]], app["dir"], env)
    assert proc.stdout == "token revoked at Box\n"


def test_usage_errors_stay_one_line(box: Any, app: dict[str, Any]) -> None:
    proc = run(["token", "--auth", "nope"], app["dir"])
    assert_error(proc, 2, "argument --auth: invalid choice: 'nope' (choose from 'auto',")
    proc = run(["token", "--bogus", "--jwt-config"], app["dir"])
    assert_error(proc, 2, "argument --jwt-config: expected one argument")
    proc = run(["token", "extra", "--jwt-config", app["config"]], app["dir"])
    assert_error(proc, 2, "boxauth: unrecognized arguments: 'extra' (see --help)")
