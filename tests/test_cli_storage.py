"""The command line never hides a renewed token it could not save.

A refresh spends the old refresh token. If the new pair cannot be written back
to ``--token-file``, it lives only in this process: the command still prints
what it was asked for, then says on stderr that the renewed token could not be
saved and exits 2, instead of exiting 0 and losing the sign-in silently.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cli_support import clean_env
from support import authorize_redirect

from boxauth import BaseUrls, BoxOAuth, FileTokenStorage, OAuthConfig

NOBODY = 65534


def test_a_refresh_that_cannot_be_saved_exits_2_after_printing(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    # pytest's tmp_path is private to root; this folder is reachable, not writable, by nobody.
    base = Path(tempfile.mkdtemp(prefix="boxauth-cli-"))
    base.chmod(0o755)
    folder = base / "ro"
    folder.mkdir(mode=0o755)
    path = folder / "t.json"
    storage = FileTokenStorage(str(path))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
    )
    signed_in = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    storage.store(dataclasses.replace(signed_in, expires_at=time.time() - 10))  # due now
    for name in (path, Path(f"{path}.lock")):
        name.touch(mode=0o600)
        os.chown(name, NOBODY, NOBODY)
    code, out, err = _as_nobody(
        ["token", "--token-file", str(path)],
        {
            "BOX_CLIENT_ID": box.fx.client_id,
            "BOX_CLIENT_SECRET": box.fx.client_secret,
            "BOX_BASE_URL": urls.base_url,
            "BOX_OAUTH2_URL": urls.oauth_2_url,
        },
        tmp_path,
        folder,
    )
    shutil.rmtree(base)
    assert code == 2, err
    printed = out.strip()
    assert box.emu.token_info(printed) is not None  # the renewed access token was printed
    assert "could not be saved" in err and "lost when this command ends" in err
    assert "Traceback" not in err
    assert box.fx.client_secret not in err and printed not in err


def _as_nobody(
    args: list[str], env: dict[str, str], tmp: Path, cwd: Path
) -> tuple[int, str, str]:
    """Run the CLI in a forked child that dropped to an unprivileged user.

    (A new interpreter cannot be started as that user here: the venv's Python
    lives under /root.) The child's stdout and stderr go to files we read back.
    """
    from boxauth.adapters import cli

    out_path, err_path = tmp / "out.txt", tmp / "err.txt"
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            with open(out_path, "w") as out, open(err_path, "w") as err:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                os.chdir(cwd)
                os.environ.clear()
                os.environ.update(clean_env(env))
                sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
                code = cli.main(args)
                sys.stdout.flush()
                sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out_path.read_text(), err_path.read_text()


def test_a_save_that_fails_mid_write_exits_2_and_leaves_the_old_file_whole(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    # Every write over 100 bytes fails (EFBIG, as
    # on a full disk) while reading and locking still work. `whoami` renews
    # the token, cannot save the new pair, and must say so with exit 2, not 0.
    path = tmp_path / "t.json"
    storage = FileTokenStorage(str(path))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
    )
    signed_in = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    storage.store(dataclasses.replace(signed_in, expires_at=time.time() - 10))  # due now
    Path(f"{path}.lock").touch(mode=0o600)  # creating it writes nothing; made first anyway
    before = path.read_bytes()

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    args = ["whoami", "--auth", "oauth", "--token-file", str(path), *_where(urls)]
    proc = subprocess.run(
        [sys.executable, "-m", "boxauth", *args], cwd=tmp_path, capture_output=True, text=True,
        env=clean_env({"BOX_CLIENT_ID": box.fx.client_id,
                       "BOX_CLIENT_SECRET": box.fx.client_secret}),
        preexec_fn=small_files, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert f"id: {box.fx.user_id}" in proc.stdout  # the command did its work first
    assert "could not be saved" in proc.stderr and "lost when this command ends" in proc.stderr
    assert box.emu.grant_counts["refresh_token"] == 1
    assert path.read_bytes() == before  # the old file, whole; no temp file left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json", "t.json.lock"]
    assert box.fx.client_secret not in proc.stderr and "Traceback" not in proc.stderr


def _where(urls: BaseUrls) -> list[str]:
    return ["--base-url", urls.base_url, "--oauth2-url", urls.oauth_2_url]
