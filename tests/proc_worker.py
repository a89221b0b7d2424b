"""One of the processes in test_processes.py: share a token file, refresh in rounds.

Usage: proc_worker.py STATE_DIR INDEX ROUNDS CALLS
Reads emulator details from STATE_DIR/setup.json; its clock is the local clock
plus the offset the parent writes to STATE_DIR/round-K.json for round K.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from boxauth import BaseUrls, BoxOAuth, Effects, FileTokenStorage, OAuthConfig


def main() -> int:
    state, index, rounds, calls = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    setup = json.loads((state / "setup.json").read_text())
    offset = [0.0]
    auth = BoxOAuth(
        OAuthConfig(
            setup["client_id"],
            setup["client_secret"],
            token_storage=FileTokenStorage(filename=setup["token_file"]),
        ),
        base_urls=BaseUrls(base_url=setup["base_url"], oauth_2_url=setup["oauth_2_url"]),
        effects=Effects(clock=lambda: time.time() + offset[0]),
    )
    seen: list[list[str]] = []
    for k in range(rounds):
        signal = state / f"round-{k}.json"
        deadline = time.monotonic() + 60
        while not signal.exists():
            if time.monotonic() > deadline:
                return 2
            time.sleep(0.01)
        offset[0] = json.loads(signal.read_text())["offset"]
        tokens = [str(auth.retrieve_token().access_token) for _ in range(calls)]
        seen.append(sorted(set(tokens)))
        (state / f"done-{k}-{index}").write_text(json.dumps(tokens))
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
