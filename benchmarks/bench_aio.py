"""Case 5: boxauth.aio beside the sync shell (no box_sdk_gen side: it has no async API).

- Herd: a fresh auth object (CCG, JWT), ``HERD`` coroutines at once on one
  event loop vs ``HERD`` threads at once (bench_herd.stampede) on a sync one;
  counted at the emulator: token requests; timed: start to the last caller done.
- Cached: ``await auth.retrieve_token()`` with a valid token stored, per call,
  vs the sync ``retrieve_token()``, in-memory and file storage (rounds
  alternate the two sides; ratio = aio time / sync time, paired by round).
  Target: within 3x.
- Loop stall: a 1 ms heartbeat on the loop while ``WAITERS`` coroutines wait on
  a JWT grant the emulator delays by ``DELAY`` s: the worst gap between ticks
  (wall clock, less the period), the most CPU the loop's thread spent between
  two ticks, and an idle loop's worst gap in the same process for comparison.

``run(emu, fx, rounds, budget)`` measures; ``rows(res)`` returns rows shaped like
run.py's ``row()`` (id, case, boxauth, other, ...), for a ``Group`` in run.py.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench_herd import stampede
from bench_stats import calibrate, fmt_range, fmt_ratio, paired, summary, time_calls

HERD = 64
WAITERS = 1000
DELAY = 0.5
TOKEN = "T" * 32


# -- herd ---------------------------------------------------------------------------


def _auths(emu: Any, fx: Any, kind: str) -> tuple[Any, Any]:
    """A fresh sync and a fresh aio auth object of ``kind``, both on the emulator."""
    import boxauth
    from boxauth import aio

    urls = boxauth.BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url)
    if kind == "jwt":
        config = boxauth.JWTConfig.from_config_json_string(fx.config_json)
        return boxauth.BoxJWTAuth(config, base_urls=urls), aio.BoxJWTAuth(config, base_urls=urls)
    config = boxauth.CCGConfig(fx.client_id, fx.client_secret, enterprise_id=fx.enterprise_id)
    return boxauth.BoxCCGAuth(config, base_urls=urls), aio.BoxCCGAuth(config, base_urls=urls)


def _herd_round(emu: Any, fx: Any, kind: str, side: str, callers: int) -> dict[str, float]:
    sync, aio_auth = _auths(emu, fx, kind)
    emu.reset_counters()
    if side == "sync":
        wall, _ = stampede(sync.retrieve_token, callers)
    else:

        async def herd() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(aio_auth.retrieve_token() for _ in range(callers)))
            return time.perf_counter() - start

        wall = asyncio.run(herd())
    return {"wall_s": wall, "token_requests": float(sum(emu.grant_counts.values()))}


def _herd(emu: Any, fx: Any, rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("ccg", "jwt"):
        got: dict[str, list[dict[str, float]]] = {"aio": [], "sync": [], "aio_1000": []}
        for i in range(rounds):
            for side in ("aio", "sync") if i % 2 == 0 else ("sync", "aio"):
                got[side].append(_herd_round(emu, fx, kind, side, HERD))
            got["aio_1000"].append(_herd_round(emu, fx, kind, "aio", WAITERS))
        out[kind] = {
            side: {key: summary([r[key] for r in runs]) for key in ("wall_s", "token_requests")}
            for side, runs in got.items()
        }
        out[kind]["wall_ratio_per_round"] = paired(
            [r["wall_s"] for r in got["aio"]], [r["wall_s"] for r in got["sync"]]
        )
    return out


# -- cached ---------------------------------------------------------------------------


def _cached_pair(kind: str, folder: str) -> tuple[Callable[[], Any], Callable[[], Any], Any]:
    """(sync call, aio call driven by a loop, the loop): one token stored, far from expiry."""
    import boxauth
    from boxauth import aio

    def storage() -> Any:
        if kind == "memory":
            return boxauth.InMemoryTokenStorage()
        return boxauth.FileTokenStorage(os.path.join(folder, f"{kind}-{time.time_ns()}.json"))

    token = boxauth.AccessToken(access_token=TOKEN, expires_in=3600, token_type="bearer",
                                expires_at=time.time() + 10**7)  # fmt: skip
    sides = []
    for module in (boxauth, aio):
        held = storage()
        held.store(token)
        config = boxauth.CCGConfig("bench-client", "bench-secret", enterprise_id="1",
                                   token_storage=held)  # fmt: skip
        sides.append(module.BoxCCGAuth(config))
    sync, aio_auth = sides
    loop = asyncio.new_event_loop()
    assert sync.retrieve_token().access_token == TOKEN
    assert loop.run_until_complete(aio_auth.retrieve_token()).access_token == TOKEN
    batch = 100

    async def many() -> None:
        for _ in range(batch):
            await aio_auth.retrieve_token()

    def aio_calls() -> None:  # one call of this = ``batch`` awaited calls
        loop.run_until_complete(many())

    return sync.retrieve_token, aio_calls, (loop, batch)


def _cached(rounds: int, budget: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="boxauth-bench-aio-") as folder:
        for kind in ("memory", "file"):
            sync_fn, aio_fn, (loop, batch) = _cached_pair(kind, folder)
            calls = {"sync": calibrate(sync_fn, budget), "aio": calibrate(aio_fn, budget, 5)}
            per: dict[str, list[float]] = {"sync": [], "aio": []}
            for i in range(rounds):
                for side in ("sync", "aio") if i % 2 == 0 else ("aio", "sync"):
                    fn = sync_fn if side == "sync" else aio_fn
                    per[side].append(time_calls(fn, calls[side]) / (batch if side == "aio" else 1))
            loop.close()
            out[kind] = {
                "sync": {"per_call_s": summary(per["sync"])},
                "aio": {"per_call_s": summary(per["aio"])},
                "time_ratio_per_round": paired(per["aio"], per["sync"]),
            }
    return out


# -- loop stall ---------------------------------------------------------------------------


async def _stall(auth: Any, emu: Any, waiters: int) -> dict[str, float]:
    worst = cpu_worst = 0.0
    stop = False

    async def beat() -> None:
        nonlocal worst, cpu_worst
        last, cpu = time.perf_counter(), time.thread_time()
        while not stop:
            await asyncio.sleep(0.001)
            now, used = time.perf_counter(), time.thread_time()
            worst, cpu_worst = max(worst, now - last - 0.001), max(cpu_worst, used - cpu)
            last, cpu = now, used

    gc.collect()
    gc.freeze()
    ticking = asyncio.ensure_future(beat())
    if waiters:
        emu.inject_fault(path="/oauth2/token", kind="delay", seconds=DELAY)
        tasks = []
        for i in range(waiters):
            tasks.append(asyncio.ensure_future(auth.retrieve_token()))
            if i % 25 == 24:
                await asyncio.sleep(0)
        await asyncio.gather(*tasks)
    else:
        await asyncio.sleep(DELAY)
    stop = True
    await ticking
    gc.unfreeze()
    return {"wall_s": worst, "cpu_s": cpu_worst}


def _loop_stall(emu: Any, fx: Any, rounds: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"renewal": [], "idle": []}
    for _ in range(rounds):
        _, warm = _auths(emu, fx, "jwt")
        asyncio.run(warm.refresh_token())  # imports, key, connections: once per process
        fresh = warm.with_enterprise_subject(fx.enterprise_id)
        runs["idle"].append(asyncio.run(_stall(fresh, emu, 0)))
        runs["renewal"].append(asyncio.run(_stall(fresh, emu, WAITERS)))
    return {
        side: {key: summary([r[key] for r in got]) for key in ("wall_s", "cpu_s")}
        for side, got in runs.items()
    }


def run(emu: Any, fx: Any, rounds: int, budget: float) -> dict[str, Any]:
    return {
        "herd": _herd(emu, fx, rounds),
        "cached": _cached(rounds, budget),
        "loop_stall": _loop_stall(emu, fx, rounds),
    }


# -- rows -------------------------------------------------------------------------------


def _row(rid: str, case: str, ours: str, other: str, ratio: dict[str, float] | None = None,
         target: str = "", met: bool | None = None, note: str = "") -> dict[str, Any]:  # fmt: skip
    """A row as run.py's ``row()`` builds it; the other side is the sync shell."""
    return {
        "id": rid,
        "case": case,
        "boxauth": ours,
        "other": other,
        "other_name": "boxauth (sync)",
        "ratio": ratio["median"] if ratio else None,
        "ratio_range": [ratio["min"], ratio["max"]] if ratio else None,
        "target": target,
        "met": "n/a" if met is None else ("yes" if met else "NO"),
        "note": note,
    }


def rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for kind in ("ccg", "jwt"):
        herd = res["herd"][kind]
        aio_, sync, big = herd["aio"], herd["sync"], herd["aio_1000"]
        requests = aio_["token_requests"]
        out += [
            _row(f"aio_herd_{kind}_requests",
                 f"asyncio herd, {kind.upper()}, {HERD} coroutines vs {HERD} threads: token requests",
                 fmt_range(requests, ""), fmt_range(sync["token_requests"], ""),
                 target="exactly 1", met=requests["min"] == requests["max"] == 1),
            _row(f"aio_herd_{kind}_wall", f"asyncio herd, {kind.upper()}: wall time",
                 fmt_range(aio_["wall_s"], "ms", 1e3, 1), fmt_range(sync["wall_s"], "ms", 1e3, 1),
                 herd.get("wall_ratio_per_round")),
            _row(f"aio_herd_{kind}_1000", f"asyncio herd, {kind.upper()}, {WAITERS} coroutines",
                 f"{fmt_range(big['token_requests'], 'request(s)')}, "
                 f"{fmt_range(big['wall_s'], 'ms', 1e3, 1)}", "", target="exactly 1 request",
                 met=big["token_requests"]["min"] == big["token_requests"]["max"] == 1),
        ]  # fmt: skip
    for kind, label in (("memory", "in-memory storage"), ("file", "file storage")):
        entry = res["cached"][kind]
        ratio = entry["time_ratio_per_round"]
        out.append(
            _row(f"aio_cached_{kind}", f"cached await retrieve_token(), {label}: time per call",
                 fmt_range(entry["aio"]["per_call_s"], "µs", 1e6),
                 fmt_range(entry["sync"]["per_call_s"], "µs", 1e6), ratio,
                 target="≤ 3×" if kind == "memory" else "",
                 met=None if ratio is None or kind == "file" else ratio["median"] <= 3.0,
                 note="a file storage is read in a worker thread (a file read may block the "
                      "loop), so each call pays a thread hop" if kind == "file" else "")
        )  # fmt: skip
    stall = res["loop_stall"]
    out.append(
        _row("aio_loop_stall", f"worst loop stall, {WAITERS} coroutines on a {DELAY:g} s renewal",
             f"{fmt_range(stall['renewal']['wall_s'], 'ms', 1e3, 1)} wall, "
             f"{fmt_range(stall['renewal']['cpu_s'], 'ms', 1e3, 1)} CPU on the loop",
             f"idle loop: {fmt_range(stall['idle']['wall_s'], 'ms', 1e3, 1)} wall",
             target="≤ 10 ms", met=stall["renewal"]["cpu_s"]["max"] <= 0.010,
             note="1 ms heartbeat; judged on the loop thread's CPU between ticks: the wall "
                  "figure includes waiting for a CPU on a shared machine (compare the idle loop)")
    )  # fmt: skip
    return out


def table(found: list[dict[str, Any]]) -> str:
    lines = ["| case | boxauth.aio | boxauth (sync) | ratio | target | met? |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in found:
        case = r["case"] + (f" — *{r['note']}*" if r["note"] else "")
        ratio = fmt_ratio(r["ratio"]) if r["ratio"] is not None else "—"
        lines.append(f"| {case} | {r['boxauth']} | {r['other']} | {ratio} | {r['target']} "
                     f"| {r['met']} |")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":  # python benchmarks/bench_aio.py [rounds]
    import sys

    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    with BoxEmulator() as emulator:
        app = make_app_fixture(emulator)
        result = run(emulator, app, int(sys.argv[1]) if len(sys.argv) > 1 else 3, 0.25)
    print(table(rows(result)))
