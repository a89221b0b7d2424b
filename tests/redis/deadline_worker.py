"""One process with an OAuth auth object on RedisTokenStorage, for test_redis_deadline.py.

Usage: deadline_worker.py SETUP_JSON (the setup file of ``fleet.Fleet``).
Reads one JSON command per stdin line and answers one JSON line on stdout:
``{"call": "refresh" | "revoke" | "retrieve"}`` runs that ``*_token_result()``
and answers how long it took and what it returned (tokens only as short
hashes). Logging is left unconfigured, as in an application that never set
it up: whatever the library prints lands on this process's stderr, which the
test reads.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from returns.result import Success

from boxauth import BaseUrls, BoxOAuth, Effects, OAuthConfig, RedisTokenStorage

setup: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
offset_file = Path(setup["offset_file"])


def clock() -> float:
    """The local clock plus the parent's offset (it moves the emulator's clock too)."""
    return time.time() + float(offset_file.read_text() or 0)


def short(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:12]


def main() -> int:
    storage = RedisTokenStorage.from_url(setup["redis_url"], setup["oauth_key"])
    auth = BoxOAuth(
        OAuthConfig(setup["client_id"], setup["client_secret"], token_storage=storage),
        base_urls=BaseUrls(base_url=setup["base_url"], oauth_2_url=setup["oauth_2_url"]),
        effects=Effects(clock=clock),
        deadline=setup["deadline"],
    )
    calls = {
        "refresh": auth.refresh_token_result,
        "revoke": auth.revoke_token_result,
        "retrieve": auth.retrieve_token_result,
    }
    for line in sys.stdin:
        name = json.loads(line)["call"]
        started = time.monotonic()
        result = calls[name]()
        took = time.monotonic() - started
        answer: dict[str, Any] = {"took": took, "ok": isinstance(result, Success)}
        if isinstance(result, Success):
            value = result.unwrap()
            answer["token"] = short(getattr(value, "access_token", None))
        else:
            failure = result.failure()
            answer["error"] = type(failure).__name__
            answer["kind"] = str(getattr(getattr(failure, "kind", None), "value", ""))
            answer["message"] = failure.message()
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    storage.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
