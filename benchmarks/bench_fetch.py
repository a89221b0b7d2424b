"""Case 3 (and the timing half of case 5): token fetches end to end, against the emulator.

One auth object per library and grant, fetching again and again on one
connection pool: boxauth ``auth.refresh_token()``; box_sdk_gen
``auth.refresh_token(network_session=session)`` with one NetworkSession (so one
requests.Session, kept alive). Each fetch is timed on its own; each round
gives a p50 and a p99, and the figures are the median (min–max) over rounds.
The contenders run interleaved, round by round, in rotating order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench_floor import Floor
from bench_sides import BoxauthSide, SdkSide, sdk_available, sdk_jwt_available
from bench_stats import NOT_INSTALLED, latencies, paired, percentile, summary

WARMUP = 3


def contenders(emu: Any, fx: Any) -> tuple[dict[str, Callable[[], Any]], list[Any]]:
    """name -> one fetch. Also returns things to close."""
    ours = BoxauthSide(emu, fx)
    fns: dict[str, Callable[[], Any]] = {}
    closers: list[Any] = []
    ccg = ours.ccg()
    jwt = ours.jwt()
    fns["boxauth/ccg"] = ccg.refresh_token
    fns["boxauth/jwt"] = jwt.refresh_token
    closers += [ccg.transport, jwt.transport]
    if sdk_available():
        sdk = SdkSide(emu, fx)
        sdk_ccg = sdk.ccg()
        fns["box_sdk_gen/ccg"] = lambda: sdk.fetch(sdk_ccg)
        if sdk_jwt_available():
            sdk_jwt = sdk.jwt()
            fns["box_sdk_gen/jwt"] = lambda: sdk.fetch(sdk_jwt)
    floor = Floor(emu, fx)
    fns["floor/jwt"] = floor.fetch
    closers.append(floor)
    return fns, closers


def run(emu: Any, fx: Any, rounds: int, fetches: int) -> dict[str, Any]:
    fns, closers = contenders(emu, fx)
    try:
        for fn in fns.values():
            for _ in range(WARMUP):
                fn()
        p50: dict[str, list[float]] = {k: [] for k in fns}
        p99: dict[str, list[float]] = {k: [] for k in fns}
        names = list(fns)
        for r in range(rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            for name in order:
                lat = latencies(fns[name], fetches)
                p50[name].append(percentile(lat, 50))
                p99[name].append(percentile(lat, 99))
    finally:
        for c in closers:
            c.close()
    out: dict[str, Any] = {"fetches_per_round": fetches, "rounds": rounds}
    for name in (
        "boxauth/ccg",
        "boxauth/jwt",
        "box_sdk_gen/ccg",
        "box_sdk_gen/jwt",
        "floor/jwt",
    ):
        if name not in fns:
            out[name] = NOT_INSTALLED
            continue
        out[name] = {"p50_s": summary(p50[name]), "p99_s": summary(p99[name])}

    def ratio(a: str, b: str, which: dict[str, list[float]]) -> Any:
        if a not in which or b not in which:
            return None
        return paired(which[a], which[b])

    out["ratios_per_round"] = {
        "ccg_p50_vs_sdk": ratio("boxauth/ccg", "box_sdk_gen/ccg", p50),
        "ccg_p99_vs_sdk": ratio("boxauth/ccg", "box_sdk_gen/ccg", p99),
        "jwt_p50_vs_sdk": ratio("boxauth/jwt", "box_sdk_gen/jwt", p50),
        "jwt_p99_vs_sdk": ratio("boxauth/jwt", "box_sdk_gen/jwt", p99),
        "jwt_p50_vs_floor": ratio("boxauth/jwt", "floor/jwt", p50),
        "jwt_p99_vs_floor": ratio("boxauth/jwt", "floor/jwt", p99),
    }
    return out
