"""Eight processes share one FileTokenStorage for an OAuth user.

Refresh tokens are single use, so without a cross-process lock the processes
would burn each other's refresh tokens. Required: exactly one refresh per
expiry, no invalid_grant, and the file always holds the newest pair.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support import authorize_redirect

from boxauth import BaseUrls, BoxOAuth, FileTokenStorage, OAuthConfig

PROCESSES = 8
ROUNDS = 3
CALLS = 5
WORKER = Path(__file__).with_name("proc_worker.py")


def test_eight_processes_one_refresh_per_expiry(box: Any, urls: BaseUrls, tmp_path: Path) -> None:
    token_file = tmp_path / "shared-token.json"
    auth = BoxOAuth(
        OAuthConfig(
            box.fx.client_id,
            box.fx.client_secret,
            token_storage=FileTokenStorage(filename=str(token_file)),
        ),
        base_urls=urls,
    )
    auth.get_tokens_from_redirect(authorize_redirect(auth.get_authorize_url()))
    setup = {
        "client_id": box.fx.client_id,
        "client_secret": box.fx.client_secret,
        "token_file": str(token_file),
        "base_url": urls.base_url,
        "oauth_2_url": urls.oauth_2_url,
    }
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(tmp_path), str(i), str(ROUNDS), str(CALLS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(tmp_path),
        )
        for i in range(PROCESSES)
    ]
    box.emu.reset_counters()
    try:
        for k in range(ROUNDS):
            box.emu.advance(3700)  # every stored access token is now expired
            offset = box.emu.now() - time.time()
            # Atomically: a worker polls for the file and must never read it half written.
            staging = tmp_path / f"round-{k}.tmp"
            staging.write_text(json.dumps({"offset": offset}))
            staging.replace(tmp_path / f"round-{k}.json")
            deadline = time.monotonic() + 60
            while len(list(tmp_path.glob(f"done-{k}-*"))) < PROCESSES:
                assert time.monotonic() < deadline, "workers did not finish the round"
                assert all(p.poll() in (None, 0) for p in procs), [p.communicate() for p in procs]
                time.sleep(0.02)
            assert box.emu.grant_counts.get("refresh_token", 0) == k + 1
            stored = FileTokenStorage(filename=str(token_file)).get()
            assert stored is not None and stored.refresh_token is not None
            assert box.emu.refresh_token_is_live(stored.refresh_token)
            assert box.emu.token_info(stored.access_token) is not None
    finally:
        outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, outputs
    assert not any("invalid_grant" in str(key) for key in box.emu.error_counts)
    # Within a round every process saw the same, single access token.
    seen = [json.loads(out) for out, _ in outputs]
    for k in range(ROUNDS):
        assert len({tok for worker in seen for tok in worker[k]}) == 1
