"""Case 4: thundering herd, 64 threads on one auth object.

Grant herd (CCG and JWT): a new auth object with empty in-memory storage; 64
threads wait on a barrier, then each calls retrieve_token once. Counted at the
emulator: token requests (all grants); timed: barrier release to the last
thread done.

OAuth herd: a user signs in through the emulator's authorize flow (GET the
authorize URL without following the redirect, exchange the code), then the
emulator's clock moves 3700 s forward, so the stored access token is expired
at the emulator (its refresh token is still live). Then 64 threads at once:
- boxauth: ``retrieve_token()`` with ``Effects(clock=emu.now)``, so boxauth sees
  the expiry and refreshes;
- box_sdk_gen never checks expiry; it refreshes only when an API call answers
  401. So each thread calls ``client.users.get_user_me()`` with the expired
  token: a 401, then ``refresh_token()``, then box_sdk_gen's default retry
  (which sleeps 1-3 s before retrying; that sleep is in its wall time). If the
  emulator serves no /2.0/users/me, each thread calls
  ``auth.refresh_token()`` directly instead (the call box_sdk_gen makes on a
  401); the mode is recorded.
Counted at the emulator: refresh_token grants, and invalid_grant errors.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from bench_sides import BoxauthSide, SdkSide, quiet_urllib3, sdk_available, sdk_jwt_available
from bench_stats import NOT_INSTALLED, paired, summary

THREADS = 64
REFRESH = "refresh_token"


def invalid_grants(error_counts: Any) -> int:
    """error_counts may be keyed by error code or by tuples that contain it."""
    total = 0
    for key, count in dict(error_counts).items():
        if key == "invalid_grant" or (isinstance(key, tuple) and "invalid_grant" in key):
            total += int(count)
    return total


def stampede(fn: Callable[[], Any], threads: int = THREADS) -> tuple[float, dict[str, int]]:
    """Run ``fn`` once in each of ``threads`` threads released together."""
    barrier = threading.Barrier(threads + 1)
    outcomes: list[str] = ["?"] * threads

    def worker(i: int) -> None:
        barrier.wait()
        try:
            fn()
            outcomes[i] = "ok"
        except Exception as exc:
            outcomes[i] = type(exc).__name__

    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join(timeout=120)
    wall = time.perf_counter() - start
    tally: dict[str, int] = {}
    for o in outcomes:
        tally[o] = tally.get(o, 0) + 1
    return wall, tally


def _counts(emu: Any) -> dict[str, Any]:
    grants = {str(k): int(v) for k, v in dict(emu.grant_counts).items()}
    return {
        "token_requests": sum(grants.values()),
        "refreshes": grants.get(REFRESH, 0),
        "invalid_grant": invalid_grants(emu.error_counts),
        "grants": grants,
        "errors": {str(k): int(v) for k, v in dict(emu.error_counts).items()},
    }


def _serves_users_me(emu: Any, access_token: str) -> bool:
    """Does the emulator answer an expired token on /2.0/users/me with 401?"""
    req = urllib.request.Request(
        emu.base_url.rstrip("/") + "/2.0/users/me",
        headers={"Authorization": f"Bearer {access_token}"},
    )
    try:
        urllib.request.urlopen(req, timeout=10).close()
    except urllib.error.HTTPError as answer:
        return answer.code == 401
    except OSError:
        return False
    return False


def _grant_round(emu: Any, make: Callable[[], Any], call: Callable[[Any], Any]) -> dict[str, Any]:
    auth = make()
    emu.reset_counters()
    wall, tally = stampede(lambda: call(auth))
    return {"wall_s": wall, "threads": tally, **_counts(emu)}


def _oauth_round_boxauth(emu: Any, side: BoxauthSide) -> dict[str, Any]:
    from boxauth import Effects

    auth = side.signed_in_oauth(effects=Effects(clock=emu.now))
    emu.advance(3700)
    emu.reset_counters()
    wall, tally = stampede(auth.retrieve_token)
    return {"wall_s": wall, "threads": tally, "mode": "retrieve_token", **_counts(emu)}


def _oauth_round_sdk(emu: Any, side: SdkSide) -> dict[str, Any]:
    auth = side.signed_in_oauth()
    emu.advance(3700)
    expired = auth.token_storage.get().access_token
    if _serves_users_me(emu, expired):
        client = side.client(auth)
        mode = "users.get_user_me (401, then refresh_token)"

        def fn() -> Any:
            return client.users.get_user_me()
    else:
        mode = "refresh_token (what box_sdk_gen calls on a 401)"

        def fn() -> Any:
            return side.fetch(auth)

    emu.reset_counters()
    wall, tally = stampede(fn)
    return {"wall_s": wall, "threads": tally, "mode": mode, **_counts(emu)}


def _aggregate(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "wall_s": summary([r["wall_s"] for r in rounds]),
        "token_requests": summary([r["token_requests"] for r in rounds]),
        "refreshes": summary([r["refreshes"] for r in rounds]),
        "invalid_grant": summary([r["invalid_grant"] for r in rounds]),
        "rounds": rounds,
    }


def run(emu: Any, fx: Any, rounds: int) -> dict[str, Any]:
    quiet_urllib3()
    ours = BoxauthSide(emu, fx)
    sdk = SdkSide(emu, fx) if sdk_available() else None
    out: dict[str, Any] = {"threads": THREADS}
    plans: dict[str, dict[str, Callable[[], dict[str, Any]] | None]] = {
        "ccg": {
            "boxauth": lambda: _grant_round(emu, ours.ccg, ours.retrieve),
            "box_sdk_gen": (lambda: _grant_round(emu, sdk.ccg, sdk.retrieve)) if sdk else None,
        },
        "jwt": {
            "boxauth": lambda: _grant_round(emu, ours.jwt, ours.retrieve),
            "box_sdk_gen": (
                (lambda: _grant_round(emu, sdk.jwt, sdk.retrieve))
                if sdk and sdk_jwt_available()
                else None
            ),
        },
        "oauth": {
            "boxauth": lambda: _oauth_round_boxauth(emu, ours),
            "box_sdk_gen": (lambda: _oauth_round_sdk(emu, sdk)) if sdk else None,
        },
    }
    for case, sides in plans.items():
        results: dict[str, list[dict[str, Any]]] = {s: [] for s, fn in sides.items() if fn}
        for i in range(rounds):
            order = list(results) if i % 2 == 0 else list(reversed(results))
            for side in order:
                fn = sides[side]
                assert fn is not None
                results[side].append(fn())
        out[case] = {
            side: (_aggregate(results[side]) if side in results else NOT_INSTALLED)
            for side in sides
        }
        if len(results) == 2:
            # round i of boxauth ÷ round i of box_sdk_gen: they ran back to back.
            out[case]["wall_ratio_per_round"] = paired(
                [r["wall_s"] for r in results["boxauth"]],
                [r["wall_s"] for r in results["box_sdk_gen"]],
            )
    return out
