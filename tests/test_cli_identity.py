"""A ``--token-file`` cache never serves another identity (the command line side of
``boxauth.identity``: a token is used only by the identity it was issued to).

The token file is shared between runs with different subjects; each run must
get a token for the subject it asked for, never the one cached by an earlier
run (the shell reads a token owned by another identity as empty).
"""

from __future__ import annotations

from typing import Any

from cli_support import app, json_id, run

__all__ = ["app"]


def user_of(box: Any, proc: Any) -> str:
    assert proc.returncode == 0, proc.stderr
    info = box.emu.token_info(proc.stdout.strip())
    assert info is not None
    user: str = info.user_id
    return user


def test_jwt_as_user_after_the_service_account_with_one_token_file(
    box: Any, app: dict[str, Any]
) -> None:
    args = ["--jwt-config", app["config"], "--token-file", "t.json", *app["where"]]
    assert json_id(run(["whoami", "--json", *args], app["dir"])) == box.fx.service_account_id
    as_user = [*args, "--as-user", box.fx.app_user_id]
    assert json_id(run(["whoami", "--json", *as_user], app["dir"])) == box.fx.app_user_id
    assert user_of(box, run(["token", *as_user], app["dir"])) == box.fx.app_user_id
    # ... and back: the Service Account again, not the user's cached token.
    assert user_of(box, run(["token", *args], app["dir"])) == box.fx.service_account_id


def test_ccg_enterprise_after_user_with_one_token_file(box: Any, app: dict[str, Any]) -> None:
    args = ["--token-file", "t.json", *app["where"]]
    user = run(["token", "--user-id", box.fx.user_id, *args], app["dir"], app["creds"])
    assert user_of(box, user) == box.fx.user_id
    ent = ["token", "--enterprise-id", box.fx.enterprise_id, *args]
    assert user_of(box, run(ent, app["dir"], app["creds"])) == box.fx.service_account_id
    who = run(["whoami", "--json", "--enterprise-id", box.fx.enterprise_id, *args], app["dir"],
              app["creds"])  # fmt: skip
    assert json_id(who) == box.fx.service_account_id


def test_ccg_as_user_after_enterprise_with_one_token_file(box: Any, app: dict[str, Any]) -> None:
    args = ["--enterprise-id", box.fx.enterprise_id, "--token-file", "t.json", *app["where"]]
    assert user_of(box, run(["token", *args], app["dir"], app["creds"])) == (
        box.fx.service_account_id
    )
    proc = run(["token", *args, "--as-user", box.fx.user_id], app["dir"], app["creds"])
    assert user_of(box, proc) == box.fx.user_id
