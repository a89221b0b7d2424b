"""Helpers for the command-line tests: run `boxauth` as a subprocess, check its output."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

TIMEOUT = 60


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test's environment without any BOX_ variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOX_")}
    env.update(extra or {})
    return env


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "boxauth", *args],
        cwd=cwd,
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        **kwargs,
    )


def secrets_of(fx: Any) -> list[str]:
    """The app's secrets: client secret, passphrase, and every line of the key's body."""
    body = [
        line for line in fx.private_key_pem.splitlines() if line and not line.startswith("-----")
    ]
    return [fx.client_secret, fx.passphrase, *body]


def assert_clean(proc: subprocess.CompletedProcess[str], secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in proc.stdout, "a secret reached stdout"
        assert secret not in proc.stderr, "a secret reached stderr"
    assert "Traceback" not in proc.stderr


def assert_error(proc: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    """Exit ``code``, exactly one line on stderr starting 'boxauth', holding ``words``."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("boxauth")
    for word in words:
        assert word in lines[0], lines[0]
    assert proc.stdout == ""
    return lines[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def app(box: Any, tmp_path: Path) -> dict[str, Any]:
    """Paths and options for one emulator and app."""
    config = tmp_path / "box_config.json"
    config.write_text(box.fx.config_json)
    config.chmod(0o600)
    where = ["--base-url", box.emu.base_url, "--oauth2-url", box.emu.oauth_2_url]
    creds = {"BOX_CLIENT_ID": box.fx.client_id, "BOX_CLIENT_SECRET": box.fx.client_secret}
    return {"config": str(config), "where": where, "creds": creds, "dir": tmp_path}


def start_login(
    app: dict[str, Any], token_file: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str, int]:
    """Start `boxauth login` on a free port; return it, the authorize URL and the port.

    The port is the listener's own choice (its default, 0), read back from the
    URL's redirect_uri: a port picked here and bound there could be taken by
    another process in between."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "boxauth", "login",
         "--token-file", str(token_file), *app["where"], *extra],
        cwd=app["dir"], env=clean_env({**app["creds"], **(env or {})}),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for _ in range(5):
        line = proc.stdout.readline()
        if line.startswith("http"):
            url = line.strip()
            redirect = dict(parse_qsl(urlsplit(url).query)).get("redirect_uri", "")
            return proc, url, urlsplit(redirect).port or 0
    proc.kill()
    raise AssertionError("login printed no URL: " + proc.stderr.read() if proc.stderr else "")


def deliver(location: str, timeout: float = 10) -> int:
    """Play the browser's last step: GET the redirect; the listener's status."""
    try:
        with urllib.request.urlopen(location, timeout=timeout) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as answer:
        return answer.code


def json_id(proc: subprocess.CompletedProcess[str]) -> str:
    """The ``id`` that ``whoami --json`` printed (the command must have succeeded)."""
    assert proc.returncode == 0, proc.stderr
    value: str = json.loads(proc.stdout)["id"]
    return value
