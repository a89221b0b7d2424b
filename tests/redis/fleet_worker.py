"""One machine of a fleet in test_fleet.py: auth objects sharing Redis keys.

Usage: fleet_worker.py SETUP_JSON [HOLD]
Reads one JSON command per stdin line and answers one JSON line on stdout
(``watch`` also prints events). Its clock is the local clock plus the offset
in the file ``setup["offset_file"]`` (re-read every 10 ms), so the parent can
move every worker's clock with the emulator's.

HOLD makes the first token request of the process stop, for the parent to
SIGKILL or SIGSTOP it: ``before`` (holding the lease, nothing sent yet),
``after`` (Box answered; the answer is not returned), ``answered`` (Box
answered; a one-second pause before it is stored).
Tokens are printed only as short hashes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from returns.result import Result

from boxauth import (
    BaseUrls,
    BoxAuthError,
    BoxCCGAuth,
    BoxJWTAuth,
    BoxOAuth,
    CCGConfig,
    Effects,
    JWTConfig,
    OAuthConfig,
    RedisTokenStorage,
    Urllib3Transport,
)
from boxauth.errors import TransportFailure
from boxauth.wire import HttpRequest, HttpResponse

setup: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
HOLD = sys.argv[2] if len(sys.argv) > 2 else ""
offset = [0.0]
out_lock = threading.Lock()


def say(message: dict[str, Any]) -> None:
    with out_lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def short(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:12]


def follow_offset() -> None:
    path = Path(setup["offset_file"])
    while True:
        with suppress(OSError, ValueError):  # written atomically; a miss waits 10 ms
            offset[0] = float(path.read_text() or 0)
        time.sleep(0.01)


class Holding:
    """The real transport, stopping at the first token request as HOLD says."""

    def __init__(self) -> None:
        self.inner = Urllib3Transport()
        self.held = False

    def send(
        self, request: HttpRequest, *, timeout: float
    ) -> Result[HttpResponse, TransportFailure]:
        first = HOLD and not self.held and request.url.endswith("/oauth2/token")
        if first:
            self.held = True
        if first and HOLD == "before":
            say({"event": "sending"})
            time.sleep(600)
        answer = self.inner.send(request, timeout=timeout)
        if first and HOLD == "after":
            say({"event": "sent"})
            time.sleep(600)
        if first and HOLD == "answered":
            say({"event": "answered"})
            time.sleep(1.0)
        return answer


def storage(name: str) -> RedisTokenStorage:
    keys = [bytes.fromhex(setup["encryption_key"])] if setup.get("encryption_key") else None
    return RedisTokenStorage.from_url(
        setup["redis_url"],
        name,
        lease_s=setup.get("lease_s", 2.0),
        encryption_keys=keys,
        socket_timeout=setup.get("socket_timeout", 2.0),
    )


def build() -> dict[str, Any]:
    urls = BaseUrls(base_url=setup["base_url"], oauth_2_url=setup["oauth_2_url"])
    shell = {
        "base_urls": urls,
        "effects": Effects(clock=lambda: time.time() + offset[0]),
        "transport": Holding(),
        "deadline": setup.get("deadline", 30.0),
    }
    auths: dict[str, Any] = {}
    kinds = setup.get("kinds", ["oauth", "jwt", "ccg"])
    if "oauth" in kinds:
        config = OAuthConfig(
            setup["client_id"], setup["client_secret"], token_storage=storage(setup["oauth_key"])
        )
        auths["oauth"] = BoxOAuth(config, **shell)
    if "jwt" in kinds:
        jwt = JWTConfig.from_config_json_string(
            setup["config_json"], token_storage=storage(setup["jwt_key"])
        )
        auths["jwt"] = BoxJWTAuth(jwt, **shell)
    if "ccg" in kinds:
        ccg = CCGConfig(
            setup["client_id"],
            setup["client_secret"],
            user_id=setup["user_id"],
            token_storage=storage(setup["ccg_key"]),
        )
        auths["ccg"] = BoxCCGAuth(ccg, **shell)
    return auths


def one(auth: Any) -> tuple[str | None, str | None, float]:
    started = time.monotonic()
    try:
        token = auth.retrieve_token()
    except BoxAuthError as exc:
        return None, type(exc).__name__, time.monotonic() - started
    return short(token.access_token), None, time.monotonic() - started


def herd(auths: dict[str, Any], threads: int, calls: int) -> dict[str, Any]:
    seen: dict[str, set[str]] = {kind: set() for kind in auths}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        start.wait()
        for _ in range(calls):
            for kind, auth in auths.items():
                token, error, _ = one(auth)
                with lock:
                    if token is not None:
                        seen[kind].add(token)
                    if error is not None:
                        errors.append(f"{kind}:{error}")

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"tokens": {k: sorted(v) for k, v in seen.items()}, "errors": errors}


def loop(auth: Any, seconds: float) -> dict[str, Any]:
    ends = time.monotonic() + seconds
    longest, errors, served = 0.0, [], 0
    while time.monotonic() < ends:
        token, error, took = one(auth)
        longest = max(longest, took)
        served += token is not None
        if error is not None:
            errors.append(error)
        time.sleep(0.005)
    return {"longest": longest, "errors": sorted(set(errors)), "served": served}


def watch(auth: Any, stop: threading.Event) -> None:
    """Say when the token served changes, and when it stops being served: ``last``
    is when the last call that returned it ended, ``failed`` when the first call
    that did not ended (time.monotonic(), one clock for every process)."""
    current: str | None = None
    last = 0.0
    while not stop.is_set():
        token, _error, _ = one(auth)
        now = time.monotonic()
        if token is not None and token != current:
            current = token
            say({"event": "serving", "token": token})
        if token is not None:
            last = now
        elif current is not None:
            say({"event": "stopped", "last": last, "failed": now, "token": current})
            current = None
        time.sleep(0.001)


def main() -> int:
    threading.Thread(target=follow_offset, daemon=True).start()
    auths = build()
    watching: threading.Event | None = None
    for line in sys.stdin:
        command = json.loads(line)
        what = command["cmd"]
        if what == "herd":
            say(herd(auths, command["threads"], command["calls"]))
        elif what == "retrieve":
            token, error, took = one(auths[command["kind"]])
            say({"token": token, "error": error, "took": took})
        elif what == "loop":
            say(loop(auths[command["kind"]], command["seconds"]))
        elif what == "watch":
            watching = threading.Event()
            threading.Thread(
                target=watch, args=(auths[command["kind"]], watching), daemon=True
            ).start()
            say({"watching": True})
        elif what == "stop":
            if watching is not None:
                watching.set()
            say({"stopped": True})
        elif what == "exit":
            say({"bye": True})
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
