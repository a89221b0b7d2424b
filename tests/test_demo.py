"""`boxauth demo`: every step runs and succeeds, and no secret or token is printed."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from boxauth.adapters.demo import STEPS, run_demo

HEADERS = [title for title, _ in STEPS]


def pem_body(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def test_run_demo_succeeds_and_prints_no_secret() -> None:
    out = io.StringIO()
    seen: list[str] = []
    assert run_demo(out, seen=seen) == 0
    text = out.getvalue()
    for number, title in enumerate(HEADERS, start=1):
        assert f"[{number}/{len(HEADERS)}] {title}\n" in text
    assert "FAILED" not in text
    assert text.endswith(f"demo finished: all {len(HEADERS)} steps succeeded\n")
    # What the demo handled: client secret, passphrase, key, every token, code and state.
    assert len(seen) > 15
    secrets = [s for value in seen for s in (pem_body(value) if "-----" in value else [value])]
    for secret in secrets:
        assert secret not in text
    assert "<redacted>" in text
    # No path inside the temporary directory, which is gone when the demo ends (README
    # "Command line and demo": the demo prints no path).
    assert tempfile.gettempdir() not in text
    assert "boxauth-demo-" not in text
    assert "a temporary file (mode 600), deleted when the demo ends" in text


def test_the_demo_uses_the_cores_redaction_marker() -> None:
    from boxauth.adapters import demo

    from boxauth.redaction import REDACTED

    assert demo.REDACTED is REDACTED


def test_the_steps_are_the_guides_flows_in_order() -> None:
    assert HEADERS == [
        "Developer token",
        "CCG for the enterprise",
        "CCG for a user",
        "JWT from the config file",
        "JWT with_user_subject",
        "OAuth: authorize URL",
        "OAuth: redirect and code exchange",
        "OAuth: automatic refresh after expiry",
        "Downscope to item_preview on one file",
        "Revoke: OAuth and developer token",
        "Revoke: JWT and CCG",
    ]


def test_a_failing_step_is_named_and_exit_is_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from boxauth.adapters import demo

    def broken(ctx: demo.Context) -> list[str]:
        raise demo.DemoStepError("the emulator said no")

    steps = list(demo.STEPS)
    steps[2] = (steps[2][0], broken)
    monkeypatch.setattr(demo, "STEPS", tuple(steps))
    out = io.StringIO()
    assert demo.run_demo(out) == 1
    text = out.getvalue()
    assert "[3/11] CCG for a user: FAILED: DemoStepError: the emulator said no" in text
    assert "[4/11]" not in text
    assert "demo finished" not in text


def test_python_m_boxauth_demo(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOX_")}
    proc = subprocess.run(
        [sys.executable, "-m", "boxauth", "demo"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for title in HEADERS:
        assert title in proc.stdout
    assert "all 11 steps succeeded" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert "BEGIN" not in proc.stdout  # no PEM
    # Tokens, codes, states and secrets are 32+ random letters and digits (or
    # URL-safe base64); the only such long string printed is the public client id.
    client_ids = re.findall(r"client_id=([A-Za-z0-9]+)", proc.stdout)
    longs = set(re.findall(r"[A-Za-z0-9_\-]{24,}", proc.stdout)) - set(client_ids)
    words = {s for s in longs if re.fullmatch(r"[a-z_]+", s)}  # e.g. get_tokens_from_redirect
    logins = {s for s in longs if s.startswith(("AutomationUser_", "AppUser_"))}
    assert not longs - words - logins, longs
