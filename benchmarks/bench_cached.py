"""Case 2: retrieve_token() with a valid token already stored, in calls per second.

No network: a CCG auth whose storage already holds a token. For boxauth the
token's ``expires_at`` is far in the future, and every call still takes the
auth's lock and the storage's lock, reads the storage and checks expiry.
box_sdk_gen's retrieve_token only reads the storage and never checks expiry
(its FileTokenStorage opens a shelve file on every read).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench_sides import sdk_available
from bench_stats import NOT_INSTALLED, calibrate, paired, summary, time_calls

KINDS = ("memory", "file", "file_cached")
TOKEN = "T" * 32


def _boxauth_factory(kind: str, folder: str) -> Callable[[], Any]:
    import boxauth

    if kind == "memory":
        storage = boxauth.InMemoryTokenStorage()
    elif kind == "file":
        storage = boxauth.FileTokenStorage(filename=os.path.join(folder, "boxauth-file.json"))
    else:
        storage = boxauth.FileWithInMemoryCacheTokenStorage(
            filename=os.path.join(folder, "boxauth-cached.json")
        )
    storage.store(
        boxauth.AccessToken(
            access_token=TOKEN,
            expires_in=3600,
            token_type="bearer",
            expires_at=time.time() + 10**7,
        )
    )
    config = boxauth.CCGConfig(
        "bench-client", "bench-secret", enterprise_id="1", token_storage=storage
    )
    auth = boxauth.BoxCCGAuth(config)
    assert auth.retrieve_token().access_token == TOKEN
    return auth.retrieve_token


def _sdk_factory(kind: str, folder: str) -> Callable[[], Any]:
    import box_sdk_gen as g

    if kind == "memory":
        storage = g.InMemoryTokenStorage()
    elif kind == "file":
        storage = g.FileTokenStorage(filename=os.path.join(folder, "sdk-file"))
    else:
        storage = g.FileWithInMemoryCacheTokenStorage(filename=os.path.join(folder, "sdk-cached"))
    storage.store(g.AccessToken(access_token=TOKEN, expires_in=3600, token_type="bearer"))
    if kind == "file_cached":
        # A fresh object, so its first get() really reads the file (then caches it).
        storage = g.FileWithInMemoryCacheTokenStorage(filename=os.path.join(folder, "sdk-cached"))
    auth = g.BoxCCGAuth(
        g.CCGConfig("bench-client", "bench-secret", enterprise_id="1", token_storage=storage)
    )
    assert auth.retrieve_token().access_token == TOKEN
    return auth.retrieve_token


def run(rounds: int, budget: float) -> dict[str, Any]:
    """``budget``: seconds per side per round (the call count is calibrated to it)."""
    have_sdk = sdk_available()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="boxauth-bench-") as folder:
        for kind in KINDS:
            fns: dict[str, Callable[[], Any]] = {"boxauth": _boxauth_factory(kind, folder)}
            if have_sdk:
                fns["box_sdk_gen"] = _sdk_factory(kind, folder)
            calls = {side: calibrate(fn, budget) for side, fn in fns.items()}
            per_call: dict[str, list[float]] = {side: [] for side in fns}
            for i in range(rounds):
                order = list(fns) if i % 2 == 0 else list(reversed(fns))
                for side in order:
                    per_call[side].append(time_calls(fns[side], calls[side]))
            entry: dict[str, Any] = {}
            for side in ("boxauth", "box_sdk_gen"):
                if side not in per_call:
                    entry[side] = NOT_INSTALLED
                    continue
                entry[side] = {
                    "per_call_s": summary(per_call[side]),
                    "calls_per_s": summary([1.0 / t for t in per_call[side]]),
                    "calls_per_round": calls[side],
                }
            if have_sdk:
                ours, sdk = per_call["boxauth"], per_call["box_sdk_gen"]
                entry["time_ratio_per_round"] = paired(ours, sdk)
                entry["rate_ratio_per_round"] = paired(sdk, ours)  # calls/s: 1/t
            out[kind] = entry
    return out


def profile_target(kind: str, folder: str) -> Callable[[], Any]:
    """The boxauth call of this case, for cProfile."""
    return _boxauth_factory(kind, folder)
