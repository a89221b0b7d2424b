"""Kill -9 in the middle of storing tokens: the file is always old or new, never torn.

A forked child stores tokens in a tight loop; the parent kills it with
SIGKILL at a random moment, 200 times, and after each kill checks that the
file parses as one complete token that was actually written, with mode 0600.
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import time
from pathlib import Path

import pytest

from boxauth import AccessToken, FileTokenStorage

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


def _dumps(token: AccessToken) -> str:
    from boxauth.access_token import token_to_json

    return token_to_json(token)
