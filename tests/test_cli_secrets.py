"""No message quotes a value that could be a secret (SECURITY.md, "Secrets in texts").

A secret pasted into a path field (the config JSON kept in BOX_JWT_CONFIG is
the common case) is described, never printed; the config JSON itself is
accepted where a path goes. Every option that takes a path is tried with
values that hold a marker secret, and so are argparse's own errors, which
quote values unless told not to.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from boxauth.adapters import cli
from boxauth.adapters.cli import main
from boxauth.adapters.cli_settings import UsageError
from cli_support import app, assert_clean, assert_error, run, secrets_of

from boxauth.settings import describe_value, shown_path

__all__ = ["app"]

MARKER = "MarkerSecret0123456789abcdefXYZ"  # 31 characters; shaped like a client secret


def marked_values() -> dict[str, str]:
    config = json.dumps({"boxAppSettings": {"clientID": "id", "clientSecret": MARKER}})
    return {
        "config JSON that is wrong": config[:-1] + ",}",
        "config JSON, indented": "\n  " + config.replace('"clientID": "id", ', "") + "\n",
        "a bare secret": MARKER,
        "a secret with a newline": MARKER + "\n",
        "a PEM block": f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{MARKER}\n-----END",
        "quoted": f'"{MARKER}"',
        "a 5000-character value": MARKER * 170,
    }


def path_options() -> list[tuple[str, list[str], str | None]]:
    """(label, arguments with VALUE where the marked value goes, variable or None)."""
    return [
        ("--jwt-config", ["token", "--jwt-config", "VALUE"], None),
        ("BOX_JWT_CONFIG", ["token"], "BOX_JWT_CONFIG"),
        ("--token-file", ["token", "--jwt-config", "CONFIG", "--token-file", "VALUE"], None),
        (
            "OAuth --token-file",
            ["whoami", "--auth", "oauth", "--token-file", "VALUE", "--app-config", "CONFIG"],
            None,
        ),
        ("--app-config", ["token", "--token-file", "t.json", "--app-config", "VALUE"], None),
        (
            "login --token-file",
            ["login", "--token-file", "VALUE", "--client-id", "i", "--client-secret", "s"],
            None,
        ),
        ("login --app-config", ["login", "--app-config", "VALUE"], None),
        ("login BOX_JWT_CONFIG", ["login"], "BOX_JWT_CONFIG"),
    ]


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
    env: dict[str, str],
) -> tuple[int, str, str]:  # fmt: skip
    for name in [n for n in os.environ if n.startswith("BOX_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("label", "args", "variable"), path_options())
def test_no_path_option_ever_prints_the_value(
    box: Any,
    *,
    app: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    label: str,
    args: list[str],
    variable: str | None,
) -> None:
    monkeypatch.chdir(app["dir"])
    for shape, value in marked_values().items():
        argv = [app["config"] if a == "CONFIG" else value if a == "VALUE" else a for a in args]
        if argv[0] == "login":
            argv += ["--timeout", "0.2"]  # a guard: each case should fail before listening
        env = {variable: value} if variable else {}
        code, out, err = run_main(monkeypatch, capsys, [*argv, *app["where"]], env)
        assert MARKER not in out + err, (label, shape)
        assert MARKER[:8] not in out + err, (label, shape)
        # A bare secret as --token-file reads as a path but not as a file name; it
        # was once used as one, leaving "<secret>.lock" on disk.
        assert code == 2, (label, shape, err)
        assert len(err.splitlines()) == 1, (label, shape, err)
        assert not [n for n in os.listdir(app["dir"]) if MARKER[:8] in n], (label, shape)


def test_box_jwt_config_may_hold_the_json_itself(box: Any, app: dict[str, Any]) -> None:
    proc = run(["token", *app["where"]], app["dir"], {"BOX_JWT_CONFIG": box.fx.config_json})
    assert proc.returncode == 0, proc.stderr
    assert box.emu.token_info(proc.stdout.strip()).user_id == box.fx.service_account_id
    assert_clean(proc, secrets_of(box.fx))
    indented = "\n\t " + box.fx.config_json
    proc = run(["whoami", "--jwt-config", indented, *app["where"]], app["dir"])
    assert proc.returncode == 0, proc.stderr
    assert_clean(proc, secrets_of(box.fx))


def test_a_broken_config_json_in_the_variable_is_described_not_printed(
    box: Any, app: dict[str, Any]
) -> None:
    broken = box.fx.config_json[:-1]  # the closing brace lost in a copy and paste
    proc = run(["token", *app["where"]], app["dir"], {"BOX_JWT_CONFIG": broken})
    line = assert_error(proc, 2, "config: is not valid JSON (line")
    assert "in the config JSON given in place of a path" in line
    assert_clean(proc, secrets_of(box.fx))


@pytest.mark.parametrize(
    "argv",
    [
        ["token", MARKER],  # a secret pasted as a positional argument
        [MARKER],  # ... or as the command
        ["token", "--auth", MARKER],
        ["token", "-v" + MARKER],
        ["token", f"--client-secret-typo={MARKER}"],
        ["token", f"--client={MARKER}"],  # no abbreviations: never "ambiguous option"
        ["login", "--redirect-port", MARKER],
        ["login", "--timeout", MARKER],
        ["token", "--developer-token", MARKER + " x"],
        ["token", "--base-url", f"https://u:{MARKER}@example.com", "--jwt-config", "CONFIG"],
        ["token", "--jwt-config", "CONFIG", "--as-user", MARKER],
        ["token", "--enterprise-id", MARKER, "--client-id", "i", "--client-secret", "s"],
    ],
)
def test_usage_errors_quote_no_value(
    box: Any,
    *,
    app: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    argv = [app["config"] if a == "CONFIG" else a for a in argv]
    code, out, err = run_main(monkeypatch, capsys, argv, {})
    assert code == 2, err
    assert MARKER not in out + err
    assert len(err.splitlines()) == 1, err


@pytest.mark.parametrize(
    "argv",
    [["token", "--auth", MARKER], ["login", "--timeout", MARKER], ["token", f"--x={MARKER}"]],
)
def test_a_usage_error_chains_nothing_that_quotes_the_value(argv: list[str]) -> None:
    # argparse's own error (its text quotes the value) and float()'s ValueError
    # were the context of ours, raised inside their except blocks.
    with pytest.raises(UsageError) as caught:
        cli._parse(argv)
    assert MARKER not in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_shown_path_and_describe_value() -> None:
    assert shown_path("app.json") == "'app.json'"
    assert shown_path("/etc/box/app.json") == "'/etc/box/app.json'"
    assert shown_path("~/box") == "'~/box'"
    config = '{"boxAppSettings": {"clientSecret": "' + "s" * 2250 + '"}}'
    json_like = f"a {len(config):,}-character value that looks like JSON, not a path"
    assert shown_path(config) == json_like
    assert shown_path(MARKER) == "a 31-character value that does not read as a file name"
    assert shown_path("a/b+c==") == "a 7-character value that does not read as a file name"
    assert shown_path("x\ny.json") == "a 8-character value of several lines, not a path"
    assert shown_path("'x.json'") == "a 8-character value that does not look like a path"
    assert shown_path("a/" * 200) == "a 400-character path (too long to show)"
    assert shown_path(None) == "a NoneType value, not a path"
    assert describe_value("   ") == "a 3-character value of blanks, not a path"
