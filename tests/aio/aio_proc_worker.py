"""One process of test_aio_processes.py: an asyncio loop of 50 coroutines on a shared file.

Usage: aio_proc_worker.py SETUP_JSON GO_FILE
Waits for GO_FILE, then 50 coroutines call ``retrieve_token()`` at once;
prints the distinct access tokens they got, as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from boxauth import BaseUrls, Effects, FileTokenStorage, OAuthConfig
from boxauth.aio import BoxOAuth


async def main(setup: dict[str, str], go: Path) -> list[str]:
    offset = float(setup["offset"])
    auth = BoxOAuth(
        OAuthConfig(setup["client_id"], setup["client_secret"],
                    token_storage=FileTokenStorage(setup["token_file"])),
        base_urls=BaseUrls(base_url=setup["base_url"], oauth_2_url=setup["oauth_2_url"]),
        effects=Effects(clock=lambda: time.time() + offset),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit(2)
        await asyncio.sleep(0.01)
    tokens = await asyncio.gather(*(auth.retrieve_token() for _ in range(50)))
    return sorted({str(t.access_token) for t in tokens})


if __name__ == "__main__":
    setup = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(main(setup, Path(sys.argv[2])))))
