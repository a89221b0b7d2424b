"""Case 5: RedisTokenStorage, a fleet sharing one identity through a real Redis.

Rows (``rows(run(...))``, for ``run.py``):
- cached ``retrieve_token()`` with RedisTokenStorage, against in-memory storage
  in the same run, rounds interleaved (target: within 2x; a fresh token is
  served from memory, with no Redis command);
- an uncached read: ``get()`` of a storage whose subscription is stopped, so
  every read is one Redis round trip (the read script);
- the fleet herd: PROCESSES processes x THREADS threads, one CCG identity, the
  clock moved past expiry once: grants counted at the emulator (target 1) and
  wall time from release to the last thread done;
- revoke propagation: ``revoke_token()`` in this process, WATCHERS processes
  serving the token; from revoke's return to the last use of the revoked
  token, and to the first call that reported it, p50 and p99 over TRIALS.

Needs ``redis-server`` on PATH (it starts its own on a free loopback port in a
temporary directory) and redis-py; without them every cell says so.
Benchmarks are not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Run as a worker script (``--worker``) under PYTHONSAFEPATH=1 (as `make test`
# runs), Python does not put this folder on sys.path: put it there.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats import NOT_INSTALLED, calibrate, percentile, summary, time_calls

PROCESSES, THREADS, WATCHERS, TRIALS = 4, 8, 2, 20
TOKEN = "R" * 32
MISSING = "redis-server or redis-py not installed"


@contextlib.contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on loopback (append-only, fsync always), or None."""
    binary = shutil.which("redis-server")
    try:
        import redis  # noqa: F401
    except ImportError:
        binary = None
    if binary is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="boxauth-bench-redis-") as folder:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
                "--appendonly", "yes", "--appendfsync", "always", "--save", ""]  # fmt: skip
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while True:
                with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", port), timeout=0.5
                ) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def _cached_auth(storage: Any) -> Callable[[], Any]:
    import boxauth

    storage.store(
        boxauth.AccessToken(
            access_token=TOKEN, expires_in=3600, token_type="bearer", expires_at=time.time() + 1e7
        )
    )
    config = boxauth.CCGConfig("bench-client", "bench-secret", enterprise_id="1", token_storage=storage)
    auth = boxauth.BoxCCGAuth(config)
    deadline = time.monotonic() + 5
    while True:  # until the subscription vouches for the copy: then no Redis command
        assert auth.retrieve_token().access_token == TOKEN
        if storage is None or getattr(storage, "_view", None) is None:
            break
        if storage._view.fast() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return auth.retrieve_token


def cached(url: str, rounds: int, budget: float) -> dict[str, Any]:
    import boxauth

    redis_storage = boxauth.RedisTokenStorage.from_url(url, "bench-cached")
    try:
        fns = {
            "redis": _cached_auth(redis_storage),
            "memory": _cached_auth(boxauth.InMemoryTokenStorage()),
        }
        calls = {side: calibrate(fn, budget) for side, fn in fns.items()}
        per_call: dict[str, list[float]] = {side: [] for side in fns}
        for i in range(rounds):
            for side in list(fns) if i % 2 == 0 else list(reversed(fns)):
                per_call[side].append(time_calls(fns[side], calls[side]))
        ratios = [a / b for a, b in zip(per_call["redis"], per_call["memory"], strict=True)]
        return {
            "redis": {"per_call_s": summary(per_call["redis"])},
            "memory": {"per_call_s": summary(per_call["memory"])},
            "ratio": summary(ratios),
        }
    finally:
        redis_storage.close()


def uncached(url: str, rounds: int, budget: float) -> dict[str, Any]:
    import boxauth

    writer = boxauth.RedisTokenStorage.from_url(url, "bench-uncached")
    reader = boxauth.RedisTokenStorage.from_url(url, "bench-uncached")
    try:
        writer.store(boxauth.AccessToken(access_token=TOKEN, expires_at=time.time() + 1e7))
        # As when the subscription is lost: nothing vouches for a copy, so every
        # get() reads Redis (one round trip of the read script).
        assert reader.get() is not None
        deadline = time.monotonic() + 5
        while not reader._view.live and time.monotonic() < deadline:
            time.sleep(0.01)  # subscribed first, so nothing turns the trust back on
        reader._view.lost()
        calls = calibrate(reader.get, budget, floor_calls=20)
        per_call = [time_calls(reader.get, calls) for _ in range(rounds)]
        return {"per_call_s": summary(per_call)}
    finally:
        writer.close()


# -- the fleet: worker processes ------------------------------------------------------


def _worker(setup_file: str) -> int:
    """``bench_redis.py --worker SETUP``: answer JSON commands on stdin, one line each."""
    import boxauth

    setup = json.loads(Path(setup_file).read_text())
    offset = [0.0]
    urls = boxauth.BaseUrls(base_url=setup["base_url"], oauth_2_url=setup["oauth_2_url"])
    effects = boxauth.Effects(clock=lambda: time.time() + offset[0])
    ccg = boxauth.BoxCCGAuth(
        boxauth.CCGConfig(
            setup["client_id"],
            setup["client_secret"],
            user_id=setup["user_id"],
            token_storage=boxauth.RedisTokenStorage.from_url(setup["redis_url"], "bench-ccg"),
        ),
        base_urls=urls,
        effects=effects,
    )
    oauth = boxauth.BoxOAuth(
        boxauth.OAuthConfig(
            setup["client_id"],
            setup["client_secret"],
            token_storage=boxauth.RedisTokenStorage.from_url(setup["redis_url"], "bench-oauth"),
        ),
        base_urls=urls,
        effects=effects,
    )

    def say(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        command = json.loads(line)
        offset[0] = command.get("offset", offset[0])
        if command["cmd"] == "herd":
            barrier = threading.Barrier(THREADS)
            errors: list[str] = []

            def one(barrier: threading.Barrier, errors: list[str]) -> None:
                barrier.wait()
                try:
                    ccg.retrieve_token()
                except boxauth.BoxAuthError as exc:
                    errors.append(type(exc).__name__)

            threads = [
                threading.Thread(target=one, args=(barrier, errors)) for _ in range(THREADS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            say({"errors": errors, "done": time.monotonic()})
        elif command["cmd"] == "watch":
            last, served = 0.0, None
            while True:
                try:
                    token = oauth.retrieve_token().access_token
                except boxauth.BoxAuthError:
                    token = None
                now = time.monotonic()
                if token is not None and token != served:
                    served = token
                    say({"serving": token[-6:]})
                if token is not None:
                    last = now
                elif served is not None:
                    say({"last": last, "failed": now})
                    served = None
                time.sleep(0.001)
    return 0


class _Proc:
    def __init__(self, setup_file: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", setup_file],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        text = self.proc.stdout.readline()
        if not text:
            raise RuntimeError("a benchmark worker exited")
        answer: dict[str, Any] = json.loads(text)
        return answer

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def _sign_in(auth: Any) -> Any:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(auth.get_authorize_url(), timeout=10)
    except urllib.error.HTTPError as answer:
        return auth.get_tokens_from_redirect(str(answer.headers["Location"]))
    raise RuntimeError("the emulator did not redirect")


def fleet(url: str, processes: int = PROCESSES, trials: int = TRIALS) -> dict[str, Any]:
    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    import boxauth

    with BoxEmulator() as emu, tempfile.TemporaryDirectory(prefix="boxauth-bench-") as folder:
        fx = make_app_fixture(emu)
        setup = {
            "redis_url": url,
            "base_url": emu.base_url,
            "oauth_2_url": emu.oauth_2_url,
            "client_id": fx.client_id,
            "client_secret": fx.client_secret,
            "user_id": fx.user_id,
        }
        setup_file = os.path.join(folder, "setup.json")
        Path(setup_file).write_text(json.dumps(setup))
        workers = [_Proc(setup_file) for _ in range(processes)]
        try:
            herd = _herd(emu, workers)
            urls = boxauth.BaseUrls(base_url=emu.base_url, oauth_2_url=emu.oauth_2_url)
            revoker = boxauth.BoxOAuth(
                boxauth.OAuthConfig(
                    fx.client_id,
                    fx.client_secret,
                    token_storage=boxauth.RedisTokenStorage.from_url(url, "bench-oauth"),
                ),
                base_urls=urls,
                effects=boxauth.Effects(clock=emu.now),
            )
            propagation = _propagation(revoker, workers[:WATCHERS], trials)
        finally:
            for worker in workers:
                worker.close()
    return {"herd": herd, "revoke": propagation}


def _herd(emu: Any, workers: list[_Proc]) -> dict[str, Any]:
    for worker in workers:  # every process gets the first token (one grant)
        worker.send({"cmd": "herd"})
    first = [w.line() for w in workers]
    emu.advance(3700)
    emu.reset_counters()
    offset = emu.now() - time.time()
    released = time.monotonic()
    for worker in workers:
        worker.send({"cmd": "herd", "offset": offset})
    done = [w.line() for w in workers]
    return {
        "grants": sum(emu.grant_counts.values()),
        "wall_s": max(d["done"] for d in done) - released,
        "errors": sum(len(d["errors"]) for d in first + done),
        "calls": len(workers) * THREADS,
    }


def _propagation(revoker: Any, watchers: list[_Proc], trials: int) -> dict[str, Any]:
    _sign_in(revoker)
    for watcher in watchers:
        watcher.send({"cmd": "watch"})
    served: list[float] = []
    failed: list[float] = []
    for _ in range(trials):
        token = _sign_in(revoker).access_token[-6:]
        for watcher in watchers:
            while watcher.line().get("serving") != token:
                pass
        revoker.revoke_token()
        returned = time.monotonic()
        events = [w.line() for w in watchers]
        served.append(max(0.0, max(e["last"] for e in events) - returned))
        failed.append(max(0.0, max(e["failed"] for e in events) - returned))
    served.sort()
    failed.sort()
    return {
        "last_use_p50_s": percentile(served, 50),
        "last_use_p99_s": percentile(served, 99),
        "first_failure_p50_s": percentile(failed, 50),
        "first_failure_p99_s": percentile(failed, 99),
        "trials": trials,
    }


def run(rounds: int, budget: float, trials: int = TRIALS) -> dict[str, Any]:
    with redis_server() as url:
        if url is None:
            return {"missing": MISSING}
        return {
            "cached": cached(url, rounds, budget),
            "uncached": uncached(url, rounds, budget),
            "fleet": fleet(url, trials=trials),
        }


def rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows shaped like run.py's ``row()``: id, case, boxauth, other, ratio, target, met."""

    def row(rid: str, case: str, ours: str, other: str, ratio: Any, target: str, met: str,
            note: str = "") -> dict[str, Any]:  # fmt: skip
        return {"id": rid, "case": case, "boxauth": ours, "other": other,
                "other_name": "in-memory storage" if other else "", "ratio": ratio,
                "target": target, "met": met, "note": note}  # fmt: skip

    ids = ["redis_cached", "redis_uncached", "redis_herd_grants", "redis_herd_wall",
           "redis_revoke_p50", "redis_revoke_p99"]  # fmt: skip
    if "missing" in res:
        return [row(i, i, NOT_INSTALLED, "", None, "", "n/a", res["missing"]) for i in ids]

    def us(s: dict[str, float]) -> str:
        return f"{s['median'] * 1e6:.2f} µs ({s['min'] * 1e6:.2f}–{s['max'] * 1e6:.2f})"

    cached_, herd, revoke = res["cached"], res["fleet"]["herd"], res["fleet"]["revoke"]
    ratio = cached_["ratio"]["median"]
    ms = 1000.0
    return [
        row("redis_cached", "cached retrieve_token(), RedisTokenStorage",
            us(cached_["redis"]["per_call_s"]), us(cached_["memory"]["per_call_s"]),
            ratio, "≤ 2× in-memory", "yes" if ratio <= 2 else "NO",
            "served from memory while the subscription vouches; no Redis command"),
        row("redis_uncached", "uncached get(): one Redis round trip",
            us(res["uncached"]["per_call_s"]), "", None, "", "n/a"),
        row("redis_herd_grants", f"fleet herd {PROCESSES} processes × {THREADS} threads: grants",
            str(herd["grants"]), "", None, "exactly 1", "yes" if herd["grants"] == 1 else "NO",
            f"{herd['errors']} errors in {herd['calls']} calls"),
        row("redis_herd_wall", "fleet herd: wall time", f"{herd['wall_s'] * ms:.1f} ms", "",
            None, "", "n/a"),
        row("redis_revoke_p50", "revoke propagation p50: last use / first failed call",
            f"{revoke['last_use_p50_s'] * ms:.1f} / {revoke['first_failure_p50_s'] * ms:.1f} ms",
            "", None, "", "n/a", f"{WATCHERS} processes, {revoke['trials']} trials"),
        row("redis_revoke_p99", "revoke propagation p99: last use / first failed call",
            f"{revoke['last_use_p99_s'] * ms:.1f} / {revoke['first_failure_p99_s'] * ms:.1f} ms",
            "", None, "≤ 100 ms (last use)",
            "yes" if revoke["last_use_p99_s"] <= 0.1 else "NO"),
    ]  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        sys.exit(_worker(sys.argv[2]))
    results = run(rounds=5, budget=0.25)
    for r in rows(results):
        print(f"{r['case']}: {r['boxauth']}  [{r['other']}]  target {r['target']} met {r['met']}")
