"""README "Walkthrough: the emulator and the command line", run verbatim.

The two shell blocks of that section are extracted from README.md: the
first (one command) starts a real ``boxauth emulator`` process; its
``export`` lines are applied, as a user pastes them; then each command of
the second block runs in bash, as typed, and must succeed. A few outputs are
checked against what the notes under the commands promise.

Assumes the emulator prints, after its first line, ``export NAME=value``
lines for BOX_BASE_URL, BOX_OAUTH2_URL, BOX_JWT_CONFIG and BOX_EMULATOR_*
ids, and a last line ``# stop with Ctrl-C or SIGTERM``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_support import TIMEOUT, clean_env

BASH = shutil.which("bash") or "/bin/bash"
SECTION = "## Walkthrough: the emulator and the command line"


def readme() -> str:
    here = Path(__file__).resolve().parent.parent / "README.md"
    return here.read_text(encoding="utf-8")


def blocks() -> list[str]:
    text = readme()
    section = text[text.index(SECTION) :]
    section = section[: section.find("\n## ", len(SECTION))]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def commands(block: str) -> list[str]:
    """One string per command: continuation lines joined, comments and blanks dropped."""
    joined = block.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            out.append(line)
    return out


def start_emulator(command: str, cwd: Path, env: dict[str, str]) -> tuple[Any, list[str]]:
    proc = subprocess.Popen(
        [BASH, "-c", f"exec {command}"], cwd=cwd, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    lines: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("# stop with"):
                break
        done.set()

    threading.Thread(target=read, daemon=True).start()
    if not done.wait(20):
        proc.kill()
        raise AssertionError(f"the emulator printed no final line: {lines}")
    return proc, lines


def test_the_readme_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    found = blocks()
    assert len(found) == 2, found
    emulator = commands(found[0])
    assert emulator == ["boxauth emulator --fixture-out app.json"]
    # `boxauth` is the installed console script, next to this interpreter.
    env = clean_env({"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]})
    env["HOME"] = str(tmp_path)
    proc, printed = start_emulator(emulator[0], tmp_path, env)
    try:
        assert printed[0].startswith("listening on http://127.0.0.1:")
        exports = [line for line in printed if line.startswith("export ")]
        names = {line.split()[1].split("=", 1)[0] for line in exports}
        assert {"BOX_BASE_URL", "BOX_OAUTH2_URL", "BOX_JWT_CONFIG"} <= names
        config = json.loads((tmp_path / "app.json").read_text())
        secret = config["boxAppSettings"]["clientSecret"]
        assert secret not in "\n".join(printed)
        outputs = []
        for command in commands(found[1]):
            script = "\n".join([*exports, command])
            done = subprocess.run(
                [BASH, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                text=True, timeout=TIMEOUT, check=False,
            )  # fmt: skip
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert secret not in done.stdout + done.stderr
            outputs.append((command, done.stdout))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        finally:
            proc.kill()
    assert json.loads(outputs[0][1])["expires_in"] > 0
    assert "name: Service Account" in outputs[1][1]
    assert "name: Ada Lovelace" in outputs[2][1]
    assert json.loads(outputs[3][1])["restricted_to"][0]["scope"] == "item_preview"
    assert "Signed in; tokens saved to 'oauth.json' (mode 0600)" in outputs[4][1]
    assert "login: ada@example.com" in outputs[5][1]
    assert outputs[6][1] == "token revoked at Box; 'oauth.json' deleted\n"
    assert not (tmp_path / "oauth.json").exists()


@pytest.mark.parametrize("block", [0, 1])
def test_the_walkthrough_blocks_are_plain_commands(block: int) -> None:
    # Nothing a reader must edit: no placeholders like ... or <ID>.
    for command in commands(blocks()[block]):
        assert "..." not in command and "<" not in command, command
