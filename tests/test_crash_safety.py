"""Kill -9 in the middle of storing tokens: the file is always old or new, never torn.

A forked child stores tokens in a tight loop; the parent kills it with
SIGKILL at a random moment, 200 times, and after each kill checks that the
file parses as one complete token that was actually written, with mode 0600.

A crash between the temp file's fsync and the rename leaves the temp file
holding a live refresh token (README "Storage", crash leftovers): the next store or clear
under the lock removes it, and clear() leaves no file holding a token.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import stat
import time
from pathlib import Path

import pytest

from boxauth import AccessToken, FileTokenStorage, FileWithInMemoryCacheTokenStorage

KILLS = 200


def _token(n: int) -> AccessToken:
    # Sizes vary so a torn write would show as bad JSON or a wrong pairing.
    return AccessToken(
        access_token=f"access-{n}-" + "a" * (n % 997),
        refresh_token=f"refresh-{n}",
        expires_in=3600,
        expires_at=1_000_000.0 + n,
    )


def _writer(path: Path, start: int) -> None:
    storage = FileTokenStorage(filename=str(path))
    n = start
    while True:
        storage.store(_token(n))
        n += 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")
def test_file_is_always_a_whole_token_after_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    FileTokenStorage(filename=str(path)).store(_token(0))
    rng = random.Random(7)
    start = 1
    torn = 0
    for _ in range(KILLS):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            try:
                _writer(path, start)
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0005, 0.01))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        data = json.loads(path.read_text())
        n = int(data["refresh_token"].split("-")[1])
        if data != json.loads(_dumps(_token(n))):
            torn += 1
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        got = FileTokenStorage(filename=str(path)).get()
        assert got == _token(n)
        start = n + 1_000_000  # the next child writes values never seen before
    assert torn == 0
    # Kills between creating a temp file and renaming it leave temp files behind;
    # the next store (under the lock) removes every one of them.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    FileTokenStorage(filename=str(path)).store(_token(0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]
    print(f"{len(leftovers)} temp files left by {KILLS} kills; 0 after the next store")


SECRET_REFRESH = "refresh-SECRET-live"


def _crash_before_rename(path: Path) -> None:
    """A child that stores a token and dies between the temp file's fsync and the rename."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        try:
            os.replace = lambda *args, **kwargs: os._exit(0)  # type: ignore[assignment]
            FileTokenStorage(filename=str(path)).store(
                AccessToken(access_token="access-live", refresh_token=SECRET_REFRESH)
            )
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # it died at the rename


def _files_holding(folder: Path, text: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and text in p.read_text())


@pytest.mark.parametrize("then", ["store", "clear"])
def test_a_temp_file_left_by_a_crash_before_rename_is_removed_under_the_lock(
    tmp_path: Path, then: str
) -> None:
    path = tmp_path / "t.json"
    FileTokenStorage(filename=str(path)).store(_token(1))
    _crash_before_rename(path)
    left = _files_holding(tmp_path, SECRET_REFRESH)
    assert len(left) == 1 and re.fullmatch(r"\.t\.json\.[0-9a-f]{16}\.tmp", left[0])
    assert stat.S_IMODE((tmp_path / left[0]).stat().st_mode) == 0o600
    storage = FileTokenStorage(filename=str(path))
    if then == "store":
        storage.store(_token(2))
        assert storage.get() == _token(2)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json", "t.json.lock"]
    else:
        storage.clear()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["t.json.lock"]
        assert (tmp_path / "t.json.lock").stat().st_size == 0  # the lock file holds nothing
    assert _files_holding(tmp_path, SECRET_REFRESH) == []


def test_clear_with_no_token_file_still_removes_a_crashed_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    _crash_before_rename(path)  # the very first store crashed: no token file at all
    assert len(_files_holding(tmp_path, SECRET_REFRESH)) == 1
    FileWithInMemoryCacheTokenStorage(filename=str(path)).clear()
    assert _files_holding(tmp_path, SECRET_REFRESH) == []


def test_only_our_regular_temp_files_of_this_token_file_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    keep = {
        ".t.json.0123456789ABCDEF.tmp": "upper-case hex is not our pattern",
        ".t.json.0123456789abcde.tmp": "15 hex digits",
        ".t.json.0123456789abcdef.tmp.bak": "a suffix",
        "x.t.json.0123456789abcdef.tmp": "a prefix",
        ".u.json.0123456789abcdef.tmp": "another token file's temp",
        "t.json.0123456789abcdef.tmp": "no leading dot",
    }
    for name, why in keep.items():
        (tmp_path / name).write_text(why)
    others = tmp_path / ".t.json.aaaaaaaaaaaaaaaa.tmp"  # the pattern, but another user's
    others.write_text("theirs")
    os.chown(others, 65534, 65534)
    (tmp_path / "dir-target").mkdir()
    link = tmp_path / ".t.json.bbbbbbbbbbbbbbbb.tmp"  # the pattern, but a symlink
    link.symlink_to(tmp_path / "dir-target")
    ours = tmp_path / ".t.json.cccccccccccccccc.tmp"
    ours.write_text("ours, stale")
    FileTokenStorage(filename=str(path)).store(_token(3))
    remaining = {p.name for p in tmp_path.iterdir()}
    assert remaining == {*keep, others.name, link.name, "dir-target", "t.json", "t.json.lock"}
    assert (tmp_path / "dir-target").is_dir()


def _dumps(token: AccessToken) -> str:
    from boxauth.access_token import token_to_json

    return token_to_json(token)
