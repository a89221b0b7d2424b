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

import pytest
from cli_support import clean_env
from support import authorize_redirect

from boxauth import BaseUrls, BoxCCGAuth, BoxOAuth, CCGConfig, FileTokenStorage, OAuthConfig

NOBODY = 65534


def _unwritable_folder() -> tuple[Path, Path]:
    """A folder reachable, not writable, by nobody (pytest's tmp_path is private
    to root), and the token file's path in it."""
    base = Path(tempfile.mkdtemp(prefix="boxauth-cli-"))
    base.chmod(0o755)
    folder = base / "ro"
    folder.mkdir(mode=0o755)
    return base, folder / "t.json"


def _give_to_nobody(path: Path) -> None:
    """The token file and its lock file, there and nobody's (only the folder is not)."""
    for name in (path, Path(f"{path}.lock")):
        name.touch(mode=0o600)
        os.chown(name, NOBODY, NOBODY)


def _env(box: Any, urls: BaseUrls) -> dict[str, str]:
    return {
        "BOX_CLIENT_ID": box.fx.client_id,
        "BOX_CLIENT_SECRET": box.fx.client_secret,
        "BOX_BASE_URL": urls.base_url,
        "BOX_OAUTH2_URL": urls.oauth_2_url,
    }


def test_a_grant_that_cannot_be_saved_exits_2_after_printing(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    """A CCG token (nothing single use is spent) is fetched and printed; its
    save fails; the command says so and exits 2."""
    base, path = _unwritable_folder()
    _give_to_nobody(path)
    # Every module the command needs is loaded before the child drops to nobody
    # (the venv is root's): one grant in this process does it.
    config = CCGConfig(box.fx.client_id, box.fx.client_secret, enterprise_id=box.fx.enterprise_id)
    BoxCCGAuth(config, base_urls=urls).retrieve_token()
    args = ["token", "--enterprise-id", box.fx.enterprise_id, "--token-file", str(path)]
    code, out, err = _as_nobody(args, _env(box, urls), tmp_path, path.parent)
    shutil.rmtree(base)
    assert code == 2, err
    printed = out.strip()
    assert box.emu.token_info(printed) is not None  # the new access token was printed
    assert "could not be saved" in err and "lost when this command ends" in err
    assert "Traceback" not in err
    assert box.fx.client_secret not in err and printed not in err


def test_a_refresh_that_could_not_be_saved_is_not_sent(
    box: Any, urls: BaseUrls, tmp_path: Path
) -> None:
    """OAuth in the same folder: the refresh token is not spent (its successor
    could not be saved); exit 2, nothing printed, the stored refresh token live."""
    base, path = _unwritable_folder()
    storage = FileTokenStorage(str(path))
    auth = BoxOAuth(
        OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
        base_urls=urls,
    )
    signed_in = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    storage.store(dataclasses.replace(signed_in, expires_at=time.time() - 10))  # due now
    _give_to_nobody(path)
    box.emu.reset_counters()
    code, out, err = _as_nobody(
        ["token", "--token-file", str(path)], _env(box, urls), tmp_path, path.parent
    )
    shutil.rmtree(base)
    assert code == 2, err
    assert out.strip() == ""
    assert "refresh token was not spent" in err and "Traceback" not in err
    assert box.emu.grant_counts["refresh_token"] == 0
    assert box.emu.refresh_token_is_live(signed_in.refresh_token or "")


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


@pytest.mark.parametrize("kind", ["ccg", "oauth"])
def test_a_save_that_fails_mid_write_exits_2_and_leaves_the_old_file_whole(
    box: Any, urls: BaseUrls, tmp_path: Path, kind: str
) -> None:
    """Every write over 100 bytes fails (EFBIG, as on a full disk) while reading
    and locking still work. CCG: `whoami` renews with a grant, cannot save it,
    and says so with exit 2, not 0. OAuth: the storage's probe fails first, so
    the single-use refresh token is not even sent."""
    path = tmp_path / "t.json"
    storage = FileTokenStorage(str(path))
    if kind == "ccg":
        config = CCGConfig(
            box.fx.client_id,
            box.fx.client_secret,
            enterprise_id=box.fx.enterprise_id,
            token_storage=storage,
        )
        stored = BoxCCGAuth(config, base_urls=urls).retrieve_token()
        who = ["--enterprise-id", box.fx.enterprise_id]
    else:
        auth = BoxOAuth(
            OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage),
            base_urls=urls,
        )
        stored = auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
        who = ["--auth", "oauth"]
    storage.store(dataclasses.replace(stored, expires_at=time.time() - 10))  # due now
    Path(f"{path}.lock").touch(mode=0o600)  # creating it writes nothing; made first anyway
    before = path.read_bytes()
    box.emu.reset_counters()

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))

    args = ["whoami", *who, "--token-file", str(path), *_where(urls)]
    proc = subprocess.run(
        [sys.executable, "-m", "boxauth", *args], cwd=tmp_path, capture_output=True, text=True,
        env=clean_env({"BOX_CLIENT_ID": box.fx.client_id,
                       "BOX_CLIENT_SECRET": box.fx.client_secret}),
        preexec_fn=small_files, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    if kind == "ccg":
        assert box.emu.grant_counts["client_credentials"] == 1
        assert "id: " in proc.stdout  # the command did its work first
        assert "could not be saved" in proc.stderr and "lost when this command ends" in proc.stderr
    else:
        assert box.emu.grant_counts["refresh_token"] == 0
        assert "refresh token was not spent" in proc.stderr
        assert box.emu.refresh_token_is_live(stored.refresh_token or "")
    assert path.read_bytes() == before  # the old file, whole; no temp file left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json", "t.json.lock"]
    assert box.fx.client_secret not in proc.stderr and "Traceback" not in proc.stderr


def _where(urls: BaseUrls) -> list[str]:
    return ["--base-url", urls.base_url, "--oauth2-url", urls.oauth_2_url]
