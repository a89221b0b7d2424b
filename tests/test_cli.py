"""The `boxauth` command line, run as a subprocess against an in-process emulator.

Every command and its error paths: exit codes (0 ok, 1 Box refused, 2 usage or
config, 3 network), one-line stderr, and no secret in any output except the
token that `token` (or `downscope`) was asked for.
"""

from __future__ import annotations

import json
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cli_support import (
    TIMEOUT,
    app,
    assert_clean,
    assert_error,
    deliver,
    run,
    secrets_of,
    start_login,
)
from cli_support import clean_env as _env
from support import authorize_redirect

__all__ = ["app"]  # the fixture, imported for pytest


# -- token ---------------------------------------------------------------------------


def test_token_prints_just_the_token(box: Any, app: dict[str, Any]) -> None:
    proc = run(["token", "--jwt-config", app["config"], *app["where"]], app["dir"])
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip()
    assert proc.stdout == token + "\n"
    info = box.emu.token_info(token)
    assert info is not None
    assert info.user_id == box.fx.service_account_id
    assert proc.stderr == ""
    assert_clean(proc, secrets_of(box.fx))


def test_token_json_as_user_shows_expiry_and_restrictions(box: Any, app: dict[str, Any]) -> None:
    proc = run(
        ["token", "--json", "--as-user", box.fx.app_user_id, *app["where"]],
        app["dir"],
        {"BOX_JWT_CONFIG": app["config"]},
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert set(record) >= {"access_token", "expires_in", "expires_at", "restricted_to"}
    assert "refresh_token" not in record
    assert record["expires_in"] == 3600
    assert record["restricted_to"] == []
    assert box.emu.token_info(record["access_token"]).user_id == box.fx.app_user_id
    assert_clean(proc, secrets_of(box.fx))


# -- whoami --------------------------------------------------------------------------


def test_whoami_ccg_user_from_the_environment(box: Any, app: dict[str, Any]) -> None:
    env = {**app["creds"], "BOX_USER_ID": box.fx.user_id}
    proc = run(["whoami", *app["where"]], app["dir"], env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"id: {box.fx.user_id}\nname: Ada Lovelace\nlogin: ada@example.com\n"
    assert_clean(proc, secrets_of(box.fx))


def test_whoami_ccg_enterprise_then_as_user(box: Any, app: dict[str, Any]) -> None:
    args = ["whoami", "--json", "--enterprise-id", box.fx.enterprise_id, *app["where"]]
    proc = run(args, app["dir"], app["creds"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["id"] == box.fx.service_account_id
    proc = run([*args, "--as-user", box.fx.user_id], app["dir"], app["creds"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["login"] == "ada@example.com"
    assert_clean(proc, secrets_of(box.fx))


def test_whoami_developer_token_never_prints_it(box: Any, app: dict[str, Any]) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    proc = run(["whoami", *app["where"]], app["dir"], {"BOX_DEVELOPER_TOKEN": token})
    assert proc.returncode == 0, proc.stderr
    assert f"id: {box.fx.user_id}" in proc.stdout
    assert_clean(proc, [token])


# -- downscope -----------------------------------------------------------------------


def test_downscope_to_item_preview_on_a_file(box: Any, app: dict[str, Any]) -> None:
    resource = f"https://api.box.com/2.0/files/{box.fx.file_id}"
    args = ["downscope", "--scope", "item_preview", "--resource", resource, "--json"]
    proc = run([*args, "--user-id", box.fx.user_id, *app["where"]], app["dir"], app["creds"])
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["restricted_to"] == [
        {"scope": "item_preview", "object_type": "file", "object_id": box.fx.file_id,
         "object_name": box.fx.file_name}
    ]
    assert "refresh_token" not in record
    info = box.emu.token_info(record["access_token"])
    assert info is not None
    assert info.user_id == box.fx.user_id
    assert_clean(proc, secrets_of(box.fx))


def test_downscope_usage_errors(box: Any, app: dict[str, Any]) -> None:
    base = ["downscope", "--jwt-config", app["config"], *app["where"]]
    proc = run(base, app["dir"])  # --scope is required
    assert_error(proc, 2, "--scope")
    proc = run([*base, "--scope", "item_preview", "--resource", "x", "--shared-link", "y"],
               app["dir"])
    assert_error(proc, 2, "not allowed with")


def test_downscope_refused_by_box_is_exit_1(box: Any, app: dict[str, Any]) -> None:
    resource = "https://api.box.com/2.0/files/999999999"
    args = ["downscope", "--scope", "item_preview", "--resource", resource, "--user-id",
            box.fx.user_id, *app["where"]]
    proc = run(args, app["dir"], app["creds"])
    assert_error(proc, 1, "invalid_resource")
    assert_clean(proc, secrets_of(box.fx))


def test_downscope_by_shared_link(box: Any, app: dict[str, Any]) -> None:
    link = box.emu.add_shared_link(box.fx.file_id)
    args = ["downscope", "--scope", "item_preview", "--shared-link", link, "--json",
            "--user-id", box.fx.user_id, *app["where"]]
    proc = run(args, app["dir"], app["creds"])
    assert proc.returncode == 0, proc.stderr
    restricted = json.loads(proc.stdout)["restricted_to"]
    assert [(r["scope"], r["object_id"]) for r in restricted] == [("item_preview", box.fx.file_id)]


# -- revoke --------------------------------------------------------------------------


def test_revoke_a_cached_jwt_token(box: Any, app: dict[str, Any]) -> None:
    token_file = app["dir"] / "jwt_token.json"
    args = ["--jwt-config", app["config"], "--token-file", str(token_file), *app["where"]]
    first = run(["token", *args], app["dir"]).stdout.strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    again = run(["token", *args], app["dir"]).stdout.strip()
    assert again == first  # the file is a cache across runs
    proc = run(["revoke", *args], app["dir"])
    assert proc.returncode == 0, proc.stderr
    assert "revoked" in proc.stdout
    assert box.emu.token_info(first).revoked
    assert not token_file.exists()
    assert_clean(proc, [*secrets_of(box.fx), first])
    proc = run(["revoke", *args], app["dir"])
    assert proc.returncode == 0
    assert "nothing to revoke" in proc.stdout


def test_a_revoke_box_refuses_exits_1_and_keeps_the_token_file(
    box: Any, app: dict[str, Any]
) -> None:
    """Box refusing the revoke of the refresh token is a failure (exit 1), never
    "revoked": the file is left as it was and the pair is still live at Box."""
    from boxauth import BaseUrls, BoxOAuth, FileTokenStorage, OAuthConfig

    token_file = app["dir"] / "oauth.json"
    urls = BaseUrls(base_url=box.emu.base_url, oauth_2_url=box.emu.oauth_2_url)
    config = OAuthConfig(
        box.fx.client_id, box.fx.client_secret, token_storage=FileTokenStorage(str(token_file))
    )
    auth = BoxOAuth(config, base_urls=urls)
    held = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    before = token_file.read_bytes()
    box.emu.inject_fault(path="/oauth2/revoke", kind="status", count=10, status=503)
    proc = run(
        ["revoke", "--auth", "oauth", "--token-file", str(token_file), *app["where"]],
        app["dir"],
        app["creds"],
    )
    assert proc.returncode == 1, proc.stderr
    assert "revoked" not in proc.stdout
    assert token_file.read_bytes() == before
    assert box.emu.refresh_token_is_live(held.refresh_token)
    assert_clean(proc, [*secrets_of(box.fx), held.access_token, str(held.refresh_token)])


def test_revoke_a_developer_token_then_it_is_refused(box: Any, app: dict[str, Any]) -> None:
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    env = {**app["creds"], "BOX_DEVELOPER_TOKEN": token}
    proc = run(["revoke", *app["where"]], app["dir"], env)
    assert proc.returncode == 0, proc.stderr
    assert box.emu.token_info(token).revoked
    proc = run(["whoami", *app["where"]], app["dir"], env)
    assert_error(proc, 1, "401")
    assert_clean(proc, [*secrets_of(box.fx), token])


def test_a_token_file_with_a_developer_token_is_refused_not_ignored(
    box: Any, app: dict[str, Any]
) -> None:
    # A developer token is never stored (README "Command line and demo"): the file
    # used to be silently ignored, and `revoke` then said
    # the file "no longer holds it" about a file it never touched.
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    held = app["dir"] / "held.json"
    held.write_text("{}")
    for command, how in (
        ("revoke", ["--developer-token", token]),
        ("token", ["--auth", "developer"]),
    ):
        env = {**app["creds"], "BOX_DEVELOPER_TOKEN": token}
        proc = run([command, *how, "--token-file", str(held), *app["where"]], app["dir"], env)
        assert_error(proc, 2, "--token-file cannot be used with a developer token")
        assert_clean(proc, [token])
    assert not box.emu.token_info(token).revoked
    assert held.read_text() == "{}"


def test_revoke_needs_something_to_revoke(box: Any, app: dict[str, Any]) -> None:
    proc = run(["revoke", "--jwt-config", app["config"], *app["where"]], app["dir"])
    assert_error(proc, 2, "--token-file")
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    proc = run(["revoke", *app["where"]], app["dir"], {"BOX_DEVELOPER_TOKEN": token})
    assert_error(proc, 2, "DeveloperTokenConfig")
    assert_clean(proc, [token])


# -- error paths -----------------------------------------------------------------------


def test_config_file_not_json(box: Any, app: dict[str, Any]) -> None:
    bad = app["dir"] / "bad.json"
    bad.write_text("{ not json")
    proc = run(["token", "--jwt-config", str(bad), *app["where"]], app["dir"])
    assert_error(proc, 2, "JSON")


def test_config_file_missing(box: Any, app: dict[str, Any]) -> None:
    proc = run(["whoami", "--jwt-config", "no-such.json", *app["where"]], app["dir"])
    assert_error(proc, 2, "no-such.json")


def test_config_file_missing_a_field(box: Any, app: dict[str, Any]) -> None:
    data = json.loads(box.fx.config_json)
    del data["boxAppSettings"]["appAuth"]["publicKeyID"]
    bad = app["dir"] / "missing.json"
    bad.write_text(json.dumps(data))
    proc = run(["token", "--jwt-config", str(bad), *app["where"]], app["dir"])
    assert_error(proc, 2, "publicKeyID")
    assert_clean(proc, secrets_of(box.fx))


def test_wrong_passphrase(box: Any, app: dict[str, Any]) -> None:
    data = json.loads(box.fx.config_json)
    wrong = "not-the-" + box.fx.passphrase
    data["boxAppSettings"]["appAuth"]["passphrase"] = wrong
    bad = app["dir"] / "wrong.json"
    bad.write_text(json.dumps(data))
    proc = run(["token", "--jwt-config", str(bad), *app["where"]], app["dir"])
    assert_error(proc, 2, "passphrase")
    assert_clean(proc, [*secrets_of(box.fx), wrong])


def test_box_refuses_a_wrong_client_secret(box: Any, app: dict[str, Any]) -> None:
    wrong = "x" + box.fx.client_secret[1:]
    env = {"BOX_CLIENT_ID": box.fx.client_id, "BOX_CLIENT_SECRET": wrong}
    proc = run(["token", "--enterprise-id", box.fx.enterprise_id, *app["where"]], app["dir"], env)
    assert_error(proc, 1, "invalid_grant")
    assert_clean(proc, [*secrets_of(box.fx), wrong])


def test_unreachable_host_is_exit_3(box: Any, app: dict[str, Any]) -> None:
    proc = run(
        ["token", "--jwt-config", app["config"], "--base-url", "http://127.0.0.1:1"], app["dir"]
    )
    assert_error(proc, 3, "network")
    assert_clean(proc, secrets_of(box.fx))


def test_plain_http_to_a_remote_host_is_refused(box: Any, app: dict[str, Any]) -> None:
    args = ["token", "--jwt-config", app["config"], "--base-url", "http://example.com"]
    assert_error(run(args, app["dir"]), 2, "base_url")


@pytest.mark.parametrize("base", ["https://\u0130.example", "https://b\u00fccher.example/api"])
def test_a_non_ascii_base_url_is_a_configuration_error(
    box: Any, app: dict[str, Any], base: str
) -> None:
    """A URL the transport would refuse is refused as configuration (exit 2), not
    reported as a network failure (exit 3) after the command started."""
    args = ["token", "--jwt-config", app["config"], "--base-url", base]
    assert_error(run(args, app["dir"]), 2, "non-ASCII")


@pytest.mark.parametrize("given", ["app config", "private key"])
def test_a_credential_given_as_the_token_file_is_refused_and_kept(
    box: Any, app: dict[str, Any], given: str
) -> None:
    """The JWT config, or the PEM private key, named as --token-file by mistake:
    exit 2 naming the file, and the file is not replaced with tokens."""
    path = Path(app["config"])
    if given == "private key":
        settings = json.loads(path.read_text())["boxAppSettings"]["appAuth"]
        path = Path(app["dir"]) / "private_key.pem"
        path.write_text(settings["privateKey"])
        path.chmod(0o600)
    before = path.read_bytes()
    proc = run(["token", "--jwt-config", app["config"], "--token-file", str(path)], app["dir"])
    assert_error(proc, 2, "other than a token record")
    assert_clean(proc, secrets_of(box.fx))
    assert path.read_bytes() == before


def test_usage_errors_are_exit_2(box: Any, app: dict[str, Any]) -> None:
    assert_error(run(["whoami", "--bogus"], app["dir"]), 2, "--bogus")
    assert_error(run(["frobnicate"], app["dir"]), 2, "invalid choice")
    assert_error(run([], app["dir"]), 2)
    assert_error(run(["whoami"], app["dir"]), 2, "no credentials")
    args = ["whoami", "--jwt-config", app["config"], "--as-user", "1", "--as-enterprise", "2"]
    assert_error(run(args, app["dir"]), 2, "not allowed with")
    token = box.emu.add_developer_token(box.fx.user_id, client_id=box.fx.client_id)
    proc = run(["whoami", "--as-user", "1"], app["dir"], {"BOX_DEVELOPER_TOKEN": token})
    assert_error(proc, 2, "JWT or CCG")
    proc = run(["whoami", "--enterprise-id", "1"], app["dir"])
    assert_error(proc, 2, "--client-id")


def test_auth_method_can_be_forced(box: Any, app: dict[str, Any]) -> None:
    env = {**app["creds"], "BOX_USER_ID": box.fx.user_id, "BOX_JWT_CONFIG": app["config"]}
    # Two variables naming two methods: ambiguous, so refused, naming both (not their values).
    proc = run(["whoami", "--json", *app["where"]], app["dir"], env)
    assert_error(proc, 2, "BOX_JWT_CONFIG", "BOX_USER_ID", "--auth")
    assert app["config"] not in proc.stderr and box.fx.user_id not in proc.stderr
    proc = run(["whoami", "--json", "--auth", "ccg", *app["where"]], app["dir"], env)
    assert json.loads(proc.stdout)["id"] == box.fx.user_id
    proc = run(["whoami", "--json", "--auth", "jwt", *app["where"]], app["dir"], env)
    assert json.loads(proc.stdout)["id"] == box.fx.service_account_id
    assert_error(run(["token", "--auth", "jwt", *app["where"]], app["dir"]), 2, "--jwt-config")
    assert_error(run(["token", "--auth", "oauth", *app["where"]], app["dir"]), 2, "--token-file")


def test_verbose_logs_requests_but_no_secret(box: Any, app: dict[str, Any]) -> None:
    env = {**app["creds"], "BOX_USER_ID": box.fx.user_id}
    proc = run(["token", "-v", *app["where"]], app["dir"], env)
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip()
    assert "boxauth: DEBUG:" in proc.stderr
    assert token not in proc.stderr
    assert_clean(proc, secrets_of(box.fx))


def test_help_everywhere(box: Any, app: dict[str, Any]) -> None:
    proc = run(["--help"], app["dir"])
    assert proc.returncode == 0
    for command in ("token", "whoami", "downscope", "revoke", "login", "emulator", "demo"):
        assert command in proc.stdout
    for command in ("token", "whoami", "downscope", "revoke", "login"):
        proc = run([command, "--help"], app["dir"])
        assert proc.returncode == 0, command
        assert "--base-url" in proc.stdout
        assert "--oauth2-url" in proc.stdout
    for command in ("emulator", "demo"):
        proc = run([command, "--help"], app["dir"])
        assert proc.returncode == 0, command
        assert "usage:" in proc.stdout


# -- login (the listener's own tests are in test_cli_login.py) -------------------------


def test_login_then_reuse_the_token_file(box: Any, app: dict[str, Any]) -> None:
    token_file = app["dir"] / "oauth.json"
    proc, url, port = start_login(app, token_file)
    try:
        assert url.startswith(box.emu.oauth_2_url + "/authorize?")
        query = dict(parse_qsl(urlsplit(url).query))
        assert query["redirect_uri"] == f"http://127.0.0.1:{port}/callback"
        location = authorize_redirect(url)
        assert location.startswith(f"http://127.0.0.1:{port}/callback?")
        assert deliver(location) == 200
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Signed in" in out
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    stored = json.loads(token_file.read_text())
    assert stored["refresh_token"]
    code = dict(parse_qsl(urlsplit(location).query))["code"]
    for secret in (stored["access_token"], stored["refresh_token"], code, box.fx.client_secret):
        assert secret not in out
        assert secret not in err

    args = ["--token-file", str(token_file), *app["where"]]
    who = run(["whoami", *args], app["dir"], app["creds"])
    assert who.returncode == 0, who.stderr
    assert "login: ada@example.com" in who.stdout
    revoked = run(["revoke", *args], app["dir"], app["creds"])
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout == f"token revoked at Box; {str(token_file)!r} deleted\n"
    assert not token_file.exists()
    again = run(["whoami", *args], app["dir"], app["creds"])
    assert_error(again, 1, "does not exist", "boxauth login")


def test_login_needs_client_credentials(box: Any, app: dict[str, Any]) -> None:
    assert_error(run(["login", *app["where"]], app["dir"]), 2, "--client-secret")


# -- emulator ------------------------------------------------------------------------


def test_emulator_command_runs_the_emulator(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "boxauth", "emulator", "--port", "0"],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:")
        base = first.split()[-1]
        try:
            urllib.request.urlopen(base + "/2.0/users/me", timeout=10)
        except urllib.error.HTTPError as answer:
            assert answer.code == 401  # no token: the emulator is up and strict
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0


def test_version(tmp_path: Path) -> None:
    proc = run(["--version"], tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.startswith("boxauth ")
