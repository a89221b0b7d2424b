"""Single flight across processes: four processes, each an asyncio loop
of 50 coroutines on one token file, after the access token expired: one refresh
in all, no invalid_grant, every coroutine gets the same new token (the file's
flock is taken in a worker thread, so no loop is blocked while it waits)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aio_support import oauth, run, signed_in

import boxauth
from boxauth import Effects, FileTokenStorage

WORKER = Path(__file__).with_name("aio_proc_worker.py")
PROCESSES = 4


def test_four_event_loops_in_four_processes_make_one_refresh(
    box: Any, urls: boxauth.BaseUrls, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.json"
    auth = oauth(box, urls, token_storage=FileTokenStorage(token_file),
                 effects=Effects(clock=box.emu.now))  # fmt: skip
    first = run(signed_in(auth))
    box.emu.advance(3700)
    box.emu.reset_counters()
    setup = tmp_path / "setup.json"
    setup.write_text(json.dumps({
        "client_id": box.fx.client_id, "client_secret": box.fx.client_secret,
        "token_file": str(token_file), "base_url": urls.base_url,
        "oauth_2_url": urls.oauth_2_url, "offset": box.emu.clock_offset,
    }))  # fmt: skip
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONSAFEPATH": "1"}
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), str(setup), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(PROCESSES)
    ]  # fmt: skip
    go.write_text("go")
    seen = []
    for worker in workers:
        out, err = worker.communicate(timeout=90)
        assert worker.returncode == 0, err[-2000:]
        seen.append(json.loads(out))
    stored = FileTokenStorage(token_file).get()
    assert stored is not None and stored.access_token != first.access_token
    assert seen == [[stored.access_token]] * PROCESSES
    assert box.emu.grant_counts["refresh_token"] == 1
    assert sum(n for key, n in box.emu.error_counts.items() if "invalid_grant" in key) == 0
    assert box.emu.refresh_token_is_live(stored.refresh_token)
